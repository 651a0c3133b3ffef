//! The pages of email verification and password reset by mail, and the
//! small pieces other pages show about them (the sign-in page's link, the
//! account page's address status, the sign-up form's hint).

use maud::{html, Markup};

use super::layout::{csrf_field, layout, url_at};

/// What the forgotten-password form shows.
#[derive(Debug, Default)]
pub struct ForgotView<'a> {
    /// Where the form posts.
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The address to refill.
    pub email: &'a str,
    /// Why the address was not taken.
    pub error: Option<&'a str>,
}

/// The form that asks for a reset link.
pub fn forgot_form(view: &ForgotView<'_>) -> Markup {
    layout(
        "Forgot your password?",
        html! {
            h1 { "Forgot your password?" }
            p { "Enter the email address of your account. If it is a verified address, we mail you a link to choose a new password." }
            form method="post" action=(view.action) {
                (csrf_field(view.csrf))
                label for="email" { "Email" }
                input #email type="email" name="email" value=(view.email) autocomplete="email" required autofocus;
                @if let Some(error) = view.error {
                    p.error role="alert" { (error) }
                }
                button type="submit" { "Send me a link" }
            }
        },
    )
}

/// The one answer to a request for a reset link, whatever the address.
pub fn forgot_sent(issuer: &str, minutes: u64) -> Markup {
    layout(
        "Check your mail",
        html! {
            h1 { "Check your mail" }
            p role="status" { "If an account has this address, a link is on its way. It works once, for " (minutes) " minutes." }
            p.hint { "Links go only to addresses that were verified. Nothing came? Check the spam folder, wait a few minutes before asking again, or ask an administrator of this server for a reset link." }
            p { a href=(url_at(issuer, &["login"])) { "Back to sign in" } }
        },
    )
}

/// What `/password/forgot` shows when the server sends no mail.
pub fn forgot_off(issuer: &str) -> Markup {
    layout(
        "Password reset",
        html! {
            h1 { "Password reset" }
            p #mail-off { "Password reset by email is not available on this server: it sends no mail. Ask an administrator for a password-reset link." }
            p { a href=(url_at(issuer, &["login"])) { "Back to sign in" } }
        },
    )
}

/// The sign-in page's link to the forgotten-password form: next to `/login`.
pub(super) fn forgot_link(login_action: &str) -> Markup {
    let href = url::Url::parse(login_action)
        .and_then(|login| login.join("password/forgot"))
        .map(String::from)
        .unwrap_or_default();
    html! { p.hint { a #forgot href=(href) { "Forgot your password?" } } }
}

/// What the page a verification link opens shows.
#[derive(Debug)]
pub struct ConfirmView<'a> {
    /// Where the form posts.
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The link's token.
    pub token: &'a str,
    /// The account.
    pub username: &'a str,
    /// The address it verifies.
    pub email: &'a str,
}

/// Asks to confirm the address (a button, so that a mail scanner that
/// opens links does not confirm addresses on its own).
pub fn confirm_email(view: &ConfirmView<'_>) -> Markup {
    layout(
        "Confirm your email address",
        html! {
            h1 { "Confirm your email address" }
            p { "Confirm that " strong #address { (view.email) } " is the address of the account " strong { (view.username) } "." }
            form method="post" action=(view.action) {
                (csrf_field(view.csrf))
                input type="hidden" name="token" value=(view.token);
                button type="submit" { "Confirm this address" }
            }
        },
    )
}

/// The address is verified.
pub fn email_verified(issuer: &str, email: &str) -> Markup {
    layout(
        "Address verified",
        html! {
            h1 { "Address verified" }
            p role="status" { strong { (email) } " is verified." }
            p { a href=(url_at(issuer, &["account"])) { "Go to your account" } }
        },
    )
}

/// The account page's line about the address: verified, not yet (with a
/// button that sends the link again), or not verifiable on this server.
pub(super) fn address_status(
    issuer: &str,
    csrf: &str,
    email: &str,
    verified: bool,
    mail: bool,
) -> Markup {
    html! {
        @if email.is_empty() {
        } @else if verified {
            p.hint #email-status { "This address is verified." }
        } @else if mail {
            p.hint #email-status { "This address is not verified yet: follow the link we mailed to it." }
            form method="post" action=(url_at(issuer, &["account", "email", "verify"])) {
                (csrf_field(csrf))
                button.secondary type="submit" { "Send the link again" }
            }
        } @else {
            p.hint #email-status { "This address is not verified, and cannot be: this server sends no mail." }
        }
    }
}

/// The sign-up form's word on what happens to the address.
pub(super) fn signup_hint(mail: bool) -> Markup {
    html! {
        @if mail {
            p.hint { "We mail a link to confirm it; a confirmed address lets you reset a forgotten password." }
        } @else {
            p.hint { "This server sends no mail, so the address cannot be verified here." }
        }
    }
}
