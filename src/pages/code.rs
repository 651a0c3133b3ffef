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

/// What the development-mode page shows when nothing listens where an
/// authorization answer was to go.
#[derive(Debug)]
pub struct UndeliveredView<'a> {
    /// Where the answer was to go (scheme, host and port).
    pub origin: &'a str,
    /// The whole redirect URL.
    pub location: &'a str,
    /// The parameters it carries (query and fragment), in order.
    pub params: &'a [(String, String)],
}

/// Development mode: shows an authorization answer that could not be
/// delivered because nothing listens at the redirect URI.
pub fn undelivered(view: &UndeliveredView<'_>) -> Markup {
    layout(
        "Nothing is listening",
        html! {
            h1 { "Nothing is listening at " code { (view.origin) } }
            p { "Gatehouse would now send your browser to the application, but nothing answers there, so the browser would show only its own error. This is what the application would have received:" }
            dl.undelivered {
                @for (name, value) in view.params {
                    dt { code { (name) } }
                    dd { code.param id={ "param-" (name) } { (value) } }
                }
            }
            p { a #continue href=(view.location) { "Go there anyway" } }
            p.hint { "This page appears only in development mode." }
        },
    )
}
