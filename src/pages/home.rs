//! The start page: who is signed in.

use maud::{html, Markup};

use super::layout::{csrf_field, layout_for, Header};

/// What the start page shows.
#[derive(Debug)]
pub struct HomeView<'a> {
    /// The signed-in person's header, when someone is signed in.
    pub header: Option<&'a Header<'a>>,
    /// The signed-in user, if any.
    pub username: Option<&'a str>,
    /// The CSRF token for the sign-out form.
    pub csrf: &'a str,
    /// The issuer, for absolute form actions.
    pub issuer: &'a str,
}

/// Renders the start page.
pub fn home(view: &HomeView<'_>) -> Markup {
    layout_for(
        "Welcome",
        view.header,
        html! {
            h1 { "Gatehouse" }
            @match view.username {
                Some(username) => {
                    p { "Signed in as " strong #username { (username) } "." }
                    form method="post" action={ (view.issuer) "/logout" } {
                        (csrf_field(view.csrf))
                        button type="submit" { "Sign out" }
                    }
                }
                None => {
                    p { "You are not signed in. " a href={ (view.issuer) "/login" } { "Sign in" } }
                }
            }
        },
    )
}
