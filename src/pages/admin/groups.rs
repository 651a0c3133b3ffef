//! `/admin/groups` (a page of groups with member counts, making and
//! removing groups) and `/admin/groups/{name}` (its members).

use maud::{html, Markup};

use super::{admin_page, pager, post_button, search_form, Paging, Section};
use crate::pages::layout::{csrf_field, url_at, Header};

/// A group row.
#[derive(Debug)]
pub struct GroupRow<'a> {
    /// Its name.
    pub name: &'a str,
    /// What it is for.
    pub description: &'a str,
    /// How many people are in it.
    pub members: usize,
}

/// What the groups page shows.
#[derive(Debug)]
pub struct GroupsView<'a> {
    /// The signed-in administrator's header (issuer and CSRF token too).
    pub header: &'a Header<'a>,
    /// The groups on this page.
    pub groups: &'a [GroupRow<'a>],
    /// The search as typed.
    pub q: &'a str,
    /// Which page this is.
    pub paging: Paging,
    /// What just happened.
    pub notice: Option<&'a str>,
    /// A problem with the new-group form.
    pub error: Option<&'a str>,
}

/// A member line.
#[derive(Debug)]
pub struct MemberRow<'a> {
    /// The id (`sub`).
    pub id: u64,
    /// Username.
    pub username: &'a str,
    /// Display name.
    pub name: &'a str,
}

/// What a group's page shows.
#[derive(Debug)]
pub struct GroupView<'a> {
    /// The signed-in administrator's header (issuer and CSRF token too).
    pub header: &'a Header<'a>,
    /// The group's name.
    pub name: &'a str,
    /// What it is for.
    pub description: &'a str,
    /// Its members.
    pub members: &'a [MemberRow<'a>],
    /// What just happened.
    pub notice: Option<&'a str>,
    /// A problem with the add-member form.
    pub error: Option<&'a str>,
}

/// Renders the groups page.
pub fn admin_groups(view: &GroupsView<'_>) -> Markup {
    let (issuer, csrf) = (view.header.issuer, view.header.csrf);
    let here = ["admin", "groups"];
    let body = html! {
        p.hint { "Apps that ask for the " code { "groups" } " scope get the names of a person's groups; an application can be open to given groups only." }
        (search_form(issuer, &here, view.q, "by name"))
        (pager(issuer, &here, view.q, view.paging, ("group", "groups")))
        @if view.groups.is_empty() {
            p #nothing-found {
                @if view.q.is_empty() { "There are no groups yet." } @else { "No group matches “" (view.q) "”." }
            }
        }
        ul.groups #groups {
            @for g in view.groups {
                li.group {
                    a.group-name href=(url_at(issuer, &["admin", "groups", g.name])) { (g.name) }
                    " · " span.member-count { (g.members) @if g.members == 1 { " member" } @else { " members" } }
                    @if !g.description.is_empty() { " · " span.description { (g.description) } }
                    div.actions {
                        (post_button(issuer, csrf, &["admin", "groups", g.name, "delete"], "Delete group"))
                    }
                }
            }
        }
        (pager(issuer, &here, view.q, view.paging, ("group", "groups")))
        section #new-group {
            h2 { "New group" }
            form method="post" action=(url_at(issuer, &here)) {
                (csrf_field(csrf))
                label for="group-name" { "Name" }
                input #group-name type="text" name="name" required;
                label for="group-description" { "What it is for" }
                input #group-description type="text" name="description";
                @if let Some(error) = view.error { p.error role="alert" { (error) } }
                button type="submit" { "Create group" }
            }
        }
    };
    admin_page("Groups", Section::Groups, view.header, view.notice, body)
}

/// Renders a group's page.
pub fn admin_group(view: &GroupView<'_>) -> Markup {
    let (issuer, csrf) = (view.header.issuer, view.header.csrf);
    let body = html! {
        p { a href=(url_at(issuer, &["admin", "groups"])) { "← All groups" } }
        @if !view.description.is_empty() { p.description { (view.description) } }
        h2 { "Members" }
        @if view.members.is_empty() {
            p #no-members { "Nobody is in this group yet." }
        }
        ul.members #members {
            @for m in view.members {
                li.member {
                    strong.username { (m.username) }
                    @if !m.name.is_empty() { " " span.name { (m.name) } }
                    form.inline method="post" action=(url_at(issuer, &["admin", "groups", view.name, "members", "remove"])) {
                        (csrf_field(csrf))
                        input type="hidden" name="user_id" value=(m.id);
                        button.secondary type="submit" { "Remove" }
                    }
                }
            }
        }
        section #add-member {
            h2 { "Add a member" }
            form method="post" action=(url_at(issuer, &["admin", "groups", view.name, "members"])) {
                (csrf_field(csrf))
                label for="member-username" { "Username" }
                input #member-username type="text" name="username" required;
                @if let Some(error) = view.error { p.error role="alert" { (error) } }
                button type="submit" { "Add member" }
            }
        }
    };
    let title = format!("Group {}", view.name);
    admin_page(&title, Section::Groups, view.header, view.notice, body)
}
