//! Sign-out pages: the confirmation an application's logout request leads
//! to, and the page that says it is done.

use maud::{html, Markup};

use super::layout::{csrf_field, layout};

/// Asks the person to confirm signing out.
pub fn confirm_logout(
    action: &str,
    csrf: &str,
    client_name: Option<&str>,
    params: &[(&str, &str)],
) -> Markup {
    layout(
        "Sign out",
        html! {
            h1 { "Sign out?" }
            @if let Some(name) = client_name {
                p { strong { (name) } " asks to sign you out of Gatehouse." }
            }
            form method="post" action=(action) {
                (csrf_field(csrf))
                input type="hidden" name="end_session" value="1";
                @for (name, value) in params {
                    input type="hidden" name=(name) value=(value);
                }
                div.buttons {
                    button type="submit" { "Sign out" }
                }
            }
        },
    )
}

/// Says the person is signed out.
pub fn signed_out() -> Markup {
    layout(
        "Signed out",
        html! {
            h1 { "You are signed out" }
            p { "You can close this window, or " a href="/login" { "sign in again" } "." }
        },
    )
}
