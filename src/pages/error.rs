//! The error page for people: the same look, no internal details.

use maud::{html, Markup};

use super::layout::layout;

/// Renders an error with its HTTP status, a title and an explanation.
pub fn error(status: u16, title: &str, detail: &str) -> Markup {
    layout(
        title,
        html! {
            h1 { (title) }
            p.error-detail { (detail) }
            p.status { "HTTP " (status) }
            p { a href="/" { "Back to the start" } }
        },
    )
}
