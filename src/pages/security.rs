//! The security page (second factors, passkeys, linked providers), the
//! authenticator-app enrolment with its QR code, the recovery codes shown
//! once, and the second-factor prompt after the password.

use maud::{html, Markup};

use super::layout::{csrf_field, layout, layout_signed_in, url_at, Header};
use super::time::utc;

/// What the security page shows.
#[derive(Debug)]
pub struct SecurityView<'a> {
    /// The signed-in person's header.
    pub header: &'a Header<'a>,
    /// The issuer, for form actions.
    pub issuer: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// What just happened.
    pub notice: Option<&'a str>,
    /// A problem with the last form.
    pub error: Option<&'a str>,
    /// The administrator requires a second factor the person lacks.
    pub must_enrol: bool,
    /// Where to go once enrolled (a local path), carried through enrolment.
    pub next: Option<&'a str>,
    /// When the authenticator app was enrolled, if it is.
    pub totp_since: Option<u64>,
    /// Unused recovery codes.
    pub recovery_left: usize,
    /// The passkey section (`passkeys::passkey_section`).
    pub passkeys: Markup,
    /// The linked providers' section (see `upstream.rs`).
    pub linked: Markup,
}

/// Renders the security page.
pub fn security(view: &SecurityView<'_>) -> Markup {
    let action = |segments: &[&str]| url_at(view.issuer, segments);
    let mut setup = action(&["account", "security", "totp"]);
    if let Some(next) = view.next {
        if let Ok(mut url) = url::Url::parse(&setup) {
            url.query_pairs_mut().append_pair("next", next);
            setup = url.into();
        }
    }
    layout_signed_in(
        "Security",
        view.header,
        html! {
            h1 { "Security" }
            @if let Some(notice) = view.notice {
                p.notice role="status" { (notice) }
            }
            @if view.must_enrol {
                p.error role="alert" #must-enrol {
                    "Your administrator requires a second factor. Set up an authenticator app or a passkey to go on."
                }
            }
            @if let Some(error) = view.error {
                p.error role="alert" { (error) }
            }
            section #totp {
                h2 { "Authenticator app" }
                @if let Some(since) = view.totp_since {
                    p { "An authenticator app is set up since " (utc(since)) "." }
                    p #recovery-left { (view.recovery_left) " unused recovery codes." }
                    form method="post" action=(action(&["account", "security", "recovery"])) {
                        (csrf_field(view.csrf))
                        label for="recovery-password" { "Password" }
                        input #recovery-password type="password" name="password" required autocomplete="current-password";
                        button type="submit" { "Make new recovery codes" }
                    }
                    form method="post" action=(action(&["account", "security", "totp", "remove"])) {
                        (csrf_field(view.csrf))
                        label for="remove-password" { "Password" }
                        input #remove-password type="password" name="password" required autocomplete="current-password";
                        label for="remove-code" { "A current code from the app" }
                        input #remove-code type="text" name="code" required inputmode="numeric" autocomplete="one-time-code";
                        button.danger type="submit" { "Remove the authenticator app" }
                    }
                } @else {
                    p { "Sign-in asks for a code from an app such as Aegis, FreeOTP or Google Authenticator after your password." }
                    a.button #setup-totp href=(setup) { "Set up an authenticator app" }
                }
            }
            (view.passkeys)
            (view.linked)
        },
    )
}

/// What the enrolment page shows.
#[derive(Debug)]
pub struct TotpSetupView<'a> {
    /// The signed-in person's header.
    pub header: &'a Header<'a>,
    /// Where the form posts.
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The new secret in base32 (also in the form, to come back).
    pub secret: &'a str,
    /// The QR code of the `otpauth://` URI, as an SVG data URI.
    pub qr_data_uri: &'a str,
    /// Where to go once enrolled.
    pub next: Option<&'a str>,
    /// A problem with the typed code.
    pub error: Option<&'a str>,
}

/// Renders the authenticator-app enrolment.
pub fn totp_setup(view: &TotpSetupView<'_>) -> Markup {
    layout_signed_in(
        "Set up an authenticator app",
        view.header,
        html! {
            h1 { "Set up an authenticator app" }
            @if let Some(error) = view.error {
                p.error role="alert" { (error) }
            }
            p { "Scan this code with the app, or type the key by hand." }
            img.qr #totp-qr src=(view.qr_data_uri) alt="QR code of the key" width="220" height="220";
            p { "Key: " code #totp-secret { (view.secret) } }
            form method="post" action=(view.action) {
                (csrf_field(view.csrf))
                input type="hidden" name="secret" value=(view.secret);
                @if let Some(next) = view.next {
                    input type="hidden" name="next" value=(next);
                }
                label for="code" { "The code the app shows now" }
                input #code type="text" name="code" required autofocus inputmode="numeric" autocomplete="one-time-code";
                button type="submit" { "Turn it on" }
            }
        },
    )
}

/// Renders recovery codes, shown once.
pub fn recovery_codes(codes: &[String], continue_to: &str) -> Markup {
    layout(
        "Recovery codes",
        html! {
            h1 { "Your recovery codes" }
            p { "Each code signs you in once when you do not have your app. Keep them somewhere safe: they are shown only now." }
            ol #recovery-codes {
                @for code in codes { li { code { (code) } } }
            }
            a.button #continue href=(continue_to) { "Continue" }
        },
    )
}

/// What the second-factor prompt shows.
#[derive(Debug)]
pub struct SecondFactorView<'a> {
    /// Where the form posts.
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// Whether the person has an authenticator app (else only recovery codes or passkeys).
    pub totp: bool,
    /// A problem with the typed code.
    pub error: Option<&'a str>,
    /// Where to start again.
    pub login: &'a str,
    /// The "use a passkey" button, when the person has one.
    pub passkey: Option<Markup>,
}

/// Renders the prompt for a second factor after the password.
pub fn second_factor(view: &SecondFactorView<'_>) -> Markup {
    layout(
        "Second factor",
        html! {
            h1 { "One more step" }
            @if let Some(error) = view.error {
                p.error role="alert" { (error) }
            }
            form method="post" action=(view.action) #second-factor {
                (csrf_field(view.csrf))
                label for="code" {
                    @if view.totp { "The code from your authenticator app, or a recovery code" }
                    @else { "A recovery code" }
                }
                input #code type="text" name="code" required autofocus autocomplete="one-time-code";
                button type="submit" { "Sign in" }
            }
            @if let Some(passkey) = &view.passkey { (passkey) }
            p { a href=(view.login) { "Start again" } }
        },
    )
}
