//! The consent page: which application asks, for what, and where the answer goes.

use maud::{html, Markup};

use super::layout::{csrf_field, layout_signed_in, Header};

/// One requested scope as the person reads it.
#[derive(Debug)]
pub struct ScopeLine {
    /// The scope token.
    pub name: String,
    /// What it allows.
    pub description: String,
    /// The extension of an extended scope (`net.app.core.pm`).
    pub extension: Option<String>,
}

/// What the consent page shows.
#[derive(Debug)]
pub struct ConsentView<'a> {
    /// The signed-in person's header.
    pub header: &'a Header<'a>,
    /// Where the form posts (the issuer's /oauth/authorize).
    pub action: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The application's name.
    pub client_name: &'a str,
    /// An administrator verified the application.
    pub verified: bool,
    /// The name has not been reviewed by an administrator.
    pub name_unreviewed: bool,
    /// Who registered it, if known.
    pub owner: Option<&'a str>,
    /// The host the answer goes to; `None` for a device, which gets the answer by polling.
    pub redirect_host: Option<&'a str>,
    /// The signed-in person.
    pub username: &'a str,
    /// The scopes asked for.
    pub scopes: &'a [ScopeLine],
    /// The request's parameters, carried through the form.
    pub params: &'a [(&'a str, &'a str)],
}

/// Renders the consent page.
pub fn consent(view: &ConsentView<'_>) -> Markup {
    layout_signed_in(
        "Authorize",
        view.header,
        html! {
            h1 {
                "Authorize " strong.app-name { (view.client_name) } "?"
                @if view.verified { " " span.verified title="Verified by the administrators" { "✓ Verified" } }
            }
            @if view.name_unreviewed {
                p.warning role="note" {
                    strong { "⚠ name not reviewed" }
                    " — an administrator has not checked this application's name yet; make sure you know who is asking."
                }
            }
            @if let Some(owner) = view.owner {
                p.owner { "Registered by " strong { (owner) } }
            }
            p { "Signed in as " strong { (view.username) } ". "
                @match view.redirect_host {
                    Some(host) => { "If you allow it, you will be sent to " strong.redirect-host { (host) } "." }
                    None => { "If you allow it, the device that showed you the code gets access." }
                }
            }
            h2 { "It will be able to:" }
            ul.scopes {
                @for scope in view.scopes {
                    li {
                        span.scope-description { (scope.description) }
                        " "
                        code.scope-name { (scope.name) }
                        @if let Some(ext) = &scope.extension {
                            " " span.scope-extension { "limited to " code { (ext) } }
                        }
                    }
                }
            }
            form method="post" action=(view.action) {
                (csrf_field(view.csrf))
                @for (name, value) in view.params {
                    input type="hidden" name=(name) value=(value);
                }
                div.buttons {
                    button type="submit" name="decision" value="allow" { "Allow" }
                    button.secondary type="submit" name="decision" value="deny" { "Deny" }
                }
            }
        },
    )
}
