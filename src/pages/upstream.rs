//! Sign-in through another provider: the buttons on the sign-in page, the
//! linked-providers section of the security page, and the page that says
//! why an upstream sign-in did not sign anyone in.

use maud::{html, Markup};

use super::layout::{csrf_field, layout};
use super::time::utc;

/// A provider's button on the sign-in page.
#[derive(Debug)]
pub struct UpstreamButton<'a> {
    /// The provider's name (the element id is `upstream-<name>`).
    pub name: &'a str,
    /// The text.
    pub label: &'a str,
    /// Where it goes: `/login/upstream/{name}`, with `next`.
    pub href: String,
}

/// The sign-in page's buttons, one per configured provider (nothing when none is).
pub fn upstream_buttons(buttons: &[UpstreamButton<'_>]) -> Markup {
    html! {
        @if !buttons.is_empty() {
            section #upstream {
                h2 { "Or sign in with" }
                div.buttons {
                    @for b in buttons {
                        a.button id=(format!("upstream-{}", b.name)) href=(b.href) { (b.label) }
                    }
                }
            }
        }
    }
}

/// A linked provider, as the security page lists it.
#[derive(Debug)]
pub struct LinkedLine<'a> {
    /// The provider's name.
    pub name: &'a str,
    /// Its button text.
    pub label: &'a str,
    /// The name the person has there, if the provider gave one.
    pub upstream_name: Option<&'a str>,
    /// When it was linked.
    pub since: u64,
    /// Where the Unlink form posts; `None`: it is the only way in, so it stays.
    pub unlink: Option<String>,
}

/// A configured provider not linked yet.
#[derive(Debug)]
pub struct LinkLine<'a> {
    /// The provider's name.
    pub name: &'a str,
    /// Its button text.
    pub label: &'a str,
    /// Where the Link form posts (`/login/upstream/{name}`).
    pub action: String,
}

/// The security page's section of linked providers.
pub fn linked_providers(
    csrf: &str,
    linked: &[LinkedLine<'_>],
    unlinked: &[LinkLine<'_>],
) -> Markup {
    html! {
        @if !linked.is_empty() || !unlinked.is_empty() {
            section #linked-providers {
                h2 { "Sign in through another provider" }
                @if linked.is_empty() {
                    p { "No provider is linked to your account." }
                }
                ul {
                    @for l in linked {
                        li id=(format!("linked-{}", l.name)) {
                            strong { (l.label) }
                            @if let Some(there) = l.upstream_name { " as " (there) }
                            ", linked " (utc(l.since)) "."
                            @if let Some(action) = &l.unlink {
                                form method="post" action=(action) {
                                    (csrf_field(csrf))
                                    button.danger type="submit" { "Unlink " (l.label) }
                                }
                            } @else {
                                p.hint { "This is your only way to sign in: set a password or link another provider before unlinking it." }
                            }
                        }
                    }
                }
                @for l in unlinked {
                    form method="post" action=(l.action) id=(format!("link-{}", l.name)) {
                        (csrf_field(csrf))
                        button.secondary type="submit" { "Link " (l.label) }
                    }
                }
            }
        }
    }
}

/// Why an upstream sign-in signed nobody in, with the way on.
pub fn upstream_refused(status: u16, title: &str, detail: &str, login: &str) -> Markup {
    layout(
        title,
        html! {
            h1 { (title) }
            p.error-detail #upstream-refused { (detail) }
            p.status { "HTTP " (status) }
            p { a href=(login) { "Go to the sign-in page" } }
        },
    )
}
