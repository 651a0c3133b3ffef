//! `/admin/apps`: a page of applications (searchable) with the flags an
//! administrator sets on each.

use maud::{html, Markup};

use super::{admin_page, pager, search_form, Paging, Section};
use crate::pages::layout::{csrf_field, url_at, Header};

/// An application row.
#[derive(Debug)]
pub struct ClientRow<'a> {
    /// Its id.
    pub client_id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its owner's username.
    pub owner: Option<&'a str>,
    /// The flags, by form name, and whether each is set.
    pub flags: [(&'static str, &'static str, bool); 7],
    /// The dialect it belongs to (`""`: a standard client).
    pub dialect: &'a str,
    /// Its own access token lifetime in seconds (`""`: the server's).
    pub access_token_ttl: String,
}

/// What the applications page shows.
#[derive(Debug)]
pub struct AppsView<'a> {
    /// The signed-in administrator's header (issuer and CSRF token too).
    pub header: &'a Header<'a>,
    /// The applications on this page.
    pub clients: &'a [ClientRow<'a>],
    /// The dialects an application may be marked for (`""` first: standard).
    pub dialects: &'a [&'a str],
    /// The search as typed.
    pub q: &'a str,
    /// Which page this is.
    pub paging: Paging,
    /// What just happened.
    pub notice: Option<&'a str>,
}

/// Renders the applications page.
pub fn admin_apps(view: &AppsView<'_>) -> Markup {
    let (issuer, csrf) = (view.header.issuer, view.header.csrf);
    let here = ["admin", "apps"];
    let body = html! {
        (search_form(issuer, &here, view.q, "by client id or name"))
        (pager(issuer, &here, view.q, view.paging, ("application", "applications")))
        @if view.clients.is_empty() {
            p #nothing-found {
                @if view.q.is_empty() { "There are no applications yet." } @else { "No application matches “" (view.q) "”." }
            }
        }
        ul.clients #applications {
            @for c in view.clients {
                li.client {
                    strong { (c.name) } " " code { (c.client_id) }
                    @if let Some(owner) = c.owner { " · owner " (owner) }
                    form method="post" action=(url_at(issuer, &["admin", "apps", c.client_id, "flags"])) {
                        (csrf_field(csrf))
                        @for (name, label, set) in &c.flags {
                            label.choice { input type="checkbox" name=(name) value="on" checked[*set]; " " (label) }
                        }
                        label for={ "dialect-" (c.client_id) } { "Dialect (its scope rules and answers)" }
                        select id={ "dialect-" (c.client_id) } name="dialect" {
                            @for option in view.dialects {
                                option value=(option) selected[*option == c.dialect] {
                                    @if option.is_empty() { "standard" } @else { (option) }
                                }
                            }
                        }
                        label for={ "ttl-" (c.client_id) } { "Access token lifetime, seconds (empty: the server's; 0: until revoked)" }
                        input id={ "ttl-" (c.client_id) } name="access_token_ttl" inputmode="numeric" value=(c.access_token_ttl);
                        button.secondary type="submit" { "Save flags" }
                    }
                }
            }
        }
        (pager(issuer, &here, view.q, view.paging, ("application", "applications")))
    };
    admin_page(
        "Applications",
        Section::Apps,
        view.header,
        view.notice,
        body,
    )
}
