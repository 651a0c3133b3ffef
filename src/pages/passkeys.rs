//! Passkeys on the pages: the list and forms on the security page, the
//! buttons on the sign-in and second-factor pages (plain forms), and the
//! one page that runs a WebAuthn ceremony with `/static/passkey.js`.

use maud::{html, Markup};

use super::layout::{csrf_field, layout_with_script, url_at};
use super::time::utc;

/// One passkey as the security page lists it.
#[derive(Debug)]
pub struct PasskeyRow<'a> {
    /// The credential id (base64url), for the forms' paths.
    pub id: &'a str,
    /// The person's name for it.
    pub name: &'a str,
    /// When it was registered.
    pub created_at: u64,
    /// When it last signed in.
    pub last_used: Option<u64>,
}

/// What the security page's passkey section shows.
#[derive(Debug)]
pub struct PasskeySectionView<'a> {
    /// The issuer, for form actions.
    pub issuer: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// Whether this server can offer passkeys (its issuer has a domain name).
    pub available: bool,
    /// The person's passkeys.
    pub passkeys: &'a [PasskeyRow<'a>],
    /// Where to go once one is added (enrolment), if anywhere.
    pub next: Option<&'a str>,
}

/// The passkey section of the security page.
pub fn passkey_section(view: &PasskeySectionView<'_>) -> Markup {
    let action = |segments: &[&str]| url_at(view.issuer, segments);
    html! {
        section #passkeys {
            h2 { "Passkeys" }
            @if !view.available {
                p { "Passkeys need this server to be reached by a domain name (its issuer), not an IP address." }
            } @else {
                p { "A passkey signs you in with your device's screen lock or a security key instead of a password, and counts as a second factor." }
                @if !view.passkeys.is_empty() {
                    ul #passkey-list {
                        @for key in view.passkeys {
                            li.passkey {
                                strong.passkey-name { (key.name) }
                                " · added " (utc(key.created_at))
                                @if let Some(used) = key.last_used { " · last used " (utc(used)) }
                                form method="post" action=(action(&["account", "security", "passkeys", key.id, "rename"])) {
                                    (csrf_field(view.csrf))
                                    label { "New name " input type="text" name="name" required maxlength="64" value=(key.name); }
                                    button.secondary type="submit" { "Rename" }
                                }
                                form method="post" action=(action(&["account", "security", "passkeys", key.id, "remove"])) {
                                    (csrf_field(view.csrf))
                                    label { "Password " input type="password" name="password" required autocomplete="current-password"; }
                                    button.danger type="submit" { "Remove" }
                                }
                            }
                        }
                    }
                }
                form method="post" action=(action(&["account", "security", "passkeys"])) #add-passkey {
                    (csrf_field(view.csrf))
                    @if let Some(next) = view.next {
                        input type="hidden" name="next" value=(next);
                    }
                    label for="passkey-name" { "Name for the new passkey" }
                    input #passkey-name type="text" name="name" required maxlength="64" placeholder="Laptop";
                    button type="submit" { "Add a passkey" }
                }
            }
        }
    }
}

/// The sign-in page's passkey button (a plain form: no script on that page).
pub fn sign_in_button(issuer: &str, csrf: &str, next: &str) -> Markup {
    html! {
        form method="post" action=(url_at(issuer, &["login", "passkey"])) #passkey-sign-in {
            (csrf_field(csrf))
            input type="hidden" name="next" value=(next);
            button.secondary type="submit" { "Sign in with a passkey" }
        }
    }
}

/// The second-factor page's passkey button.
pub fn second_factor_button(issuer: &str, csrf: &str) -> Markup {
    html! {
        form method="post" action=(url_at(issuer, &["login", "second-factor", "passkey"])) #passkey-second-factor {
            (csrf_field(csrf))
            button.secondary type="submit" { "Use a passkey instead" }
        }
    }
}

/// Which WebAuthn call a ceremony page makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyMode {
    /// `navigator.credentials.create`: registering a passkey.
    Create,
    /// `navigator.credentials.get`: signing in with one.
    Get,
}

/// What a ceremony page shows.
#[derive(Debug)]
pub struct CeremonyView<'a> {
    /// The heading.
    pub title: &'a str,
    /// One sentence on what happens.
    pub explanation: &'a str,
    /// Where the answer is posted.
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The ceremony's id.
    pub ceremony: &'a str,
    /// The options for the browser (JSON).
    pub options: &'a str,
    /// Create or get.
    pub mode: CeremonyMode,
    /// The button's text.
    pub button: &'a str,
    /// Where to go instead.
    pub back: &'a str,
}

/// The page that asks the browser for a passkey and posts its answer.
pub fn ceremony(view: &CeremonyView<'_>) -> Markup {
    let mode = match view.mode {
        CeremonyMode::Create => "create",
        CeremonyMode::Get => "get",
    };
    layout_with_script(
        view.title,
        "/static/passkey.js",
        html! {
            h1 { (view.title) }
            p { (view.explanation) }
            form method="post" action=(view.action) #passkey-form data-mode=(mode) data-options=(view.options) {
                (csrf_field(view.csrf))
                input type="hidden" name="ceremony" value=(view.ceremony);
                input type="hidden" name="credential" #passkey-credential value="";
                button #passkey-go type="button" hidden { (view.button) }
            }
            p #passkey-status role="status" {}
            noscript { p.error { "Passkeys need JavaScript, which is off in this browser." } }
            p { a href=(view.back) { "Go back" } }
        },
    )
}
