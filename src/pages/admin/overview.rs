//! `/admin`: how many users, applications and groups there are, with links
//! to each admin page.

use maud::{html, Markup};

use super::{admin_page, Section};
use crate::pages::layout::{url_at, Header};

/// What the overview shows.
#[derive(Debug)]
pub struct OverviewView<'a> {
    /// The signed-in administrator's header (issuer and CSRF token too).
    pub header: &'a Header<'a>,
    /// How many users exist.
    pub users: usize,
    /// How many applications exist.
    pub apps: usize,
    /// How many groups exist.
    pub groups: usize,
    /// What just happened.
    pub notice: Option<&'a str>,
}

/// Renders the overview.
pub fn admin_overview(view: &OverviewView<'_>) -> Markup {
    let issuer = view.header.issuer;
    let body = html! {
        ul.overview {
            li { a #users-link href=(url_at(issuer, &["admin", "users"])) { "Users" } ": " span #user-count { (view.users) } }
            li { a #apps-link href=(url_at(issuer, &["admin", "apps"])) { "Applications" } ": " span #app-count { (view.apps) } }
            li { a #groups-link href=(url_at(issuer, &["admin", "groups"])) { "Groups" } ": " span #group-count { (view.groups) } }
            li { a #settings-link href=(url_at(issuer, &["admin", "settings"])) { "Settings" } ": sign-up, registration, second factor, invitations" }
            li { a #audit-link href=(url_at(issuer, &["admin", "audit"])) { "Audit trail" } ": who did what, when" }
        }
    };
    admin_page(
        "Administration",
        Section::Overview,
        view.header,
        view.notice,
        body,
    )
}
