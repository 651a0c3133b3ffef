//! The sign-up page.

use maud::{html, Markup};

use super::layout::{csrf_field, layout};

/// What the sign-up page shows.
#[derive(Debug, Default)]
pub struct SignupView<'a> {
    /// Where the form posts.
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The invitation, carried through the form.
    pub invite: Option<&'a str>,
    /// Values to refill.
    pub username: &'a str,
    /// Values to refill.
    pub email: &'a str,
    /// Values to refill.
    pub name: &'a str,
    /// The field at fault and why.
    pub error: Option<(&'a str, &'a str)>,
    /// Whether the server mails a link that verifies the address.
    pub mail: bool,
}

fn problem(view: &SignupView<'_>, field: &str) -> Markup {
    html! {
        @if let Some((f, why)) = view.error {
            @if f == field {
                p.error role="alert" id={ (field) "-error" } { (why) }
            }
        }
    }
}

/// Renders the sign-up form.
pub fn signup(view: &SignupView<'_>) -> Markup {
    layout(
        "Create an account",
        html! {
            h1 { "Create an account" }
            form method="post" action=(view.action) {
                (csrf_field(view.csrf))
                @if let Some(invite) = view.invite {
                    input type="hidden" name="invite" value=(invite);
                }
                label for="username" { "Username" }
                input #username type="text" name="username" value=(view.username) autocomplete="username" required;
                p.hint { "1 to 64 letters, digits, '.', '_' or '-'." }
                (problem(view, "username"))
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="new-password" required;
                p.hint { "At least 8 characters, not your username." }
                (problem(view, "password"))
                label for="email" { "Email (optional)" }
                input #email type="email" name="email" value=(view.email) autocomplete="email";
                (super::email::signup_hint(view.mail))
                (problem(view, "email"))
                label for="name" { "Name (optional)" }
                input #name type="text" name="name" value=(view.name) autocomplete="name";
                button type="submit" { "Create account" }
            }
        },
    )
}
