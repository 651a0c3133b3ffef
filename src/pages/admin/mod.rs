//! The admin pages, one file per page (overview, users, applications,
//! groups, settings, audit), all under one nav; the shared search form and
//! pager; and the pages a one-time link shows or opens.

mod apps;
mod audit;
mod groups;
mod overview;
mod settings;
mod users;

pub use apps::{admin_apps, AppsView, ClientRow};
pub use audit::{audit, AuditView};
pub use groups::{admin_group, admin_groups, GroupRow, GroupView, GroupsView, MemberRow};
pub use overview::{admin_overview, OverviewView};
pub use settings::{admin_settings, SettingsView};
pub use users::{admin_users, UserRow, UsersView};

use maud::{html, Markup};

use super::layout::{csrf_field, layout, layout_signed_in, url_at, Header};

/// Which admin page is showing (its nav entry is marked current).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    /// `/admin`.
    Overview,
    /// `/admin/users`.
    Users,
    /// `/admin/apps`.
    Apps,
    /// `/admin/groups`.
    Groups,
    /// `/admin/settings`.
    Settings,
    /// `/admin/audit`.
    Audit,
}

/// Where a listing is: which page of how many, over how many entries.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// This page (1-based).
    pub page: usize,
    /// How many pages there are.
    pub pages: usize,
    /// How many entries match.
    pub total: usize,
}

/// An admin page: the signed-in header, the admin nav, a title, a notice.
fn admin_page(
    title: &str,
    section: Section,
    header: &Header<'_>,
    notice: Option<&str>,
    body: Markup,
) -> Markup {
    let issuer = header.issuer;
    let entries = [
        (Section::Overview, &["admin"][..], "Overview"),
        (Section::Users, &["admin", "users"][..], "Users"),
        (Section::Apps, &["admin", "apps"][..], "Applications"),
        (Section::Groups, &["admin", "groups"][..], "Groups"),
        (Section::Settings, &["admin", "settings"][..], "Settings"),
        (Section::Audit, &["admin", "audit"][..], "Audit trail"),
    ];
    layout_signed_in(
        title,
        header,
        html! {
            nav.admin aria-label="Administration" {
                @for (entry, path, label) in entries {
                    @if entry == section {
                        a href=(url_at(issuer, path)) aria-current="page" { (label) }
                    } @else {
                        a href=(url_at(issuer, path)) { (label) }
                    }
                }
            }
            h1 { (title) }
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            (body)
        },
    )
}

/// The search box of a listing: a GET form with the query `q`.
fn search_form(issuer: &str, path: &[&str], q: &str, what: &str) -> Markup {
    html! {
        form.search role="search" method="get" action=(url_at(issuer, path)) {
            div {
                label for="q" { "Search " (what) }
                input #q type="text" name="q" value=(q);
            }
            button.secondary type="submit" { "Search" }
        }
    }
}

/// The link to another page of a listing, keeping its search.
fn page_link(issuer: &str, path: &[&str], q: &str, page: usize) -> String {
    let at = url_at(issuer, path);
    match url::Url::parse(&at) {
        Ok(mut url) => {
            {
                let mut pairs = url.query_pairs_mut();
                if !q.is_empty() {
                    pairs.append_pair("q", q);
                }
                pairs.append_pair("page", &page.to_string());
            }
            url.into()
        }
        Err(_) => at,
    }
}

/// "Page N of M", how many match, and previous/next links.
fn pager(issuer: &str, path: &[&str], q: &str, paging: Paging, noun: (&str, &str)) -> Markup {
    let noun = if paging.total == 1 { noun.0 } else { noun.1 };
    html! {
        p.pager {
            span.page-of { "Page " (paging.page) " of " (paging.pages) }
            span.match-count { (paging.total) " " (noun) }
            @if paging.page > 1 {
                a.previous rel="prev" href=(page_link(issuer, path, q, paging.page - 1)) { "← Previous" }
            }
            @if paging.page < paging.pages {
                a.next rel="next" href=(page_link(issuer, path, q, paging.page + 1)) { "Next →" }
            }
        }
    }
}

/// A small POST form with one button (and the CSRF field).
fn post_button(issuer: &str, csrf: &str, path: &[&str], label: &str) -> Markup {
    html! {
        form.inline method="post" action=(url_at(issuer, path)) {
            (csrf_field(csrf))
            button.secondary type="submit" { (label) }
        }
    }
}

/// A select with the current choice selected.
fn select(name: &str, current: &str, choices: &[(&str, &str)]) -> Markup {
    html! {
        select #(name) name=(name) {
            @for (choice, label) in choices {
                option value=(choice) selected[*choice == current] { (label) }
            }
        }
    }
}

/// Shows a link made for someone else, once.
pub fn link_made(title: &str, header: &Header<'_>, path: &str, advice: &str) -> Markup {
    let issuer = header.issuer;
    layout_signed_in(
        title,
        header,
        html! {
            h1 { (title) }
            p { code #link { (issuer) (path) } }
            p { (advice) }
            p { a href=(url_at(issuer, &["admin"])) { "Back to administration" } }
        },
    )
}

/// The form a password-reset link opens.
pub fn reset_form(action: &str, csrf: &str, token: &str, error: Option<&str>) -> Markup {
    layout(
        "Choose a new password",
        html! {
            h1 { "Choose a new password" }
            form method="post" action=(action) {
                (csrf_field(csrf))
                input type="hidden" name="token" value=(token);
                label for="new_password" { "New password" }
                input #new_password type="password" name="new_password" autocomplete="new-password" required;
                @if let Some(error) = error { p.error role="alert" { (error) } }
                button type="submit" { "Set password" }
            }
        },
    )
}
