//! The out-of-band page: shows an authorization code for the person to copy
//! into the application (Mastodon's `urn:ietf:wg:oauth:2.0:oob`, and
//! ScratchOAuth2 clients without a redirect URI).

use maud::{html, Markup};

use super::layout::layout;

/// What the out-of-band page shows.
#[derive(Debug)]
pub struct OutOfBandView<'a> {
    /// The application's name.
    pub client_name: &'a str,
    /// The code to copy.
    pub code: &'a str,
    /// The client's state, if any.
    pub state: Option<&'a str>,
}

/// Renders the code for the person to copy.
pub fn out_of_band(view: &OutOfBandView<'_>) -> Markup {
    layout(
        "Authorization code",
        html! {
            h1 { "Your authorization code" }
            p { "Copy this code into " strong { (view.client_name) } ". It works once and expires soon." }
            p.code { code #code { (view.code) } }
            @if let Some(state) = view.state {
                p { "State: " code #state { (state) } }
            }
        },
    )
}
