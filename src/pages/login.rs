//! The sign-in page.

use maud::{html, Markup};

use super::layout::{csrf_field, layout};

/// What the sign-in page shows.
#[derive(Debug)]
pub struct LoginView<'a> {
    /// Where the form posts (the issuer's /login).
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The local path to return to afterwards.
    pub next: &'a str,
    /// The username to prefill.
    pub username: &'a str,
    /// An error to show above the form.
    pub error: Option<&'a str>,
    /// Development mode: also offer "sign in as any user" (posting here).
    pub dev_action: Option<&'a str>,
    /// The "sign in with a passkey" button, where passkeys work.
    pub passkey: Option<Markup>,
    /// The buttons of the providers to sign in through (see `upstream.rs`).
    pub upstream: Markup,
}

/// Renders the sign-in page.
pub fn login(view: &LoginView<'_>) -> Markup {
    layout(
        "Sign in",
        html! {
            h1 { "Sign in" }
            @if let Some(error) = view.error {
                p.error role="alert" { (error) }
            }
            form method="post" action=(view.action) {
                (csrf_field(view.csrf))
                input type="hidden" name="next" value=(view.next);
                label for="username" { "Username" }
                input #username type="text" name="username" value=(view.username)
                    autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password"
                    autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
            @if let Some(passkey) = &view.passkey { (passkey) }
            (super::email::forgot_link(view.action))
            (view.upstream)
            @if let Some(dev_action) = view.dev_action {
                h2 { "Sign in as any user" }
                p.hint { "Development mode: a new username is created on the spot." }
                form method="post" action=(dev_action) {
                    (csrf_field(view.csrf))
                    input type="hidden" name="next" value=(view.next);
                    label for="dev_username" { "Username" }
                    input #dev_username type="text" name="dev_username" required;
                    label for="dev_claims" { "Extra ID-token claims (JSON object, optional)" }
                    textarea #dev_claims name="dev_claims" rows="3" placeholder="{\"role\": \"admin\"}" {}
                    button.secondary type="submit" { "Sign in as this user" }
                }
            }
        },
    )
}
