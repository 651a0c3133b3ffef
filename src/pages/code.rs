//! Authorization answers shown on a page: the out-of-band code for the
//! person to copy into the application (Mastodon's
//! `urn:ietf:wg:oauth:2.0:oob`, and ScratchOAuth2 clients without a
//! redirect URI), the form that posts an answer to the application
//! (`response_mode=form_post`), and development mode's undelivered answer.

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

/// What the form-post page carries (OAuth 2.0 Form Post Response Mode).
#[derive(Debug)]
pub struct FormPostView<'a> {
    /// The client's redirect URI.
    pub action: &'a str,
    /// The response parameters.
    pub fields: &'a [(String, String)],
    /// The nonce the page's Content-Security-Policy allows its script by.
    pub nonce: &'a str,
}

/// The page that posts an authorization answer to the client: its one
/// script submits the form at once; without scripts, the person presses
/// the button.
pub fn form_post(view: &FormPostView<'_>) -> Markup {
    layout(
        "Returning to the application",
        html! {
            h1 { "Returning to the application" }
            form #answer method="post" action=(view.action) {
                @for (name, value) in view.fields {
                    input type="hidden" name=(name) value=(value);
                }
                p { "If nothing happens, press the button." }
                button type="submit" { "Continue" }
            }
            script nonce=(view.nonce) { "document.getElementById('answer').submit();" }
        },
    )
}
