//! `/admin/users`: a page of accounts (searchable), their actions, and the
//! new-user form.

use maud::{html, Markup};

use super::{admin_page, pager, post_button, search_form, Paging, Section};
use crate::pages::layout::{csrf_field, url_at, Header};

/// A user row.
#[derive(Debug)]
pub struct UserRow<'a> {
    /// The id (`sub`).
    pub id: u64,
    /// Username.
    pub username: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Email.
    pub email: &'a str,
    /// Administrator.
    pub admin: bool,
    /// Disabled.
    pub disabled: bool,
}

/// What the users page shows.
#[derive(Debug)]
pub struct UsersView<'a> {
    /// The signed-in administrator's header (issuer and CSRF token too).
    pub header: &'a Header<'a>,
    /// The users on this page.
    pub users: &'a [UserRow<'a>],
    /// The search as typed.
    pub q: &'a str,
    /// Which page this is.
    pub paging: Paging,
    /// What just happened.
    pub notice: Option<&'a str>,
    /// A problem with the new-user form.
    pub error: Option<&'a str>,
}

/// Renders the users page.
pub fn admin_users(view: &UsersView<'_>) -> Markup {
    let (issuer, csrf) = (view.header.issuer, view.header.csrf);
    let here = ["admin", "users"];
    let body = html! {
        (search_form(issuer, &here, view.q, "by username, name or email"))
        (pager(issuer, &here, view.q, view.paging, ("user", "users")))
        @if view.users.is_empty() {
            p #nothing-found {
                @if view.q.is_empty() { "There are no users yet." } @else { "No user matches “" (view.q) "”." }
            }
        }
        ul.users #users {
            @for u in view.users {
                @let id = u.id.to_string();
                li.user {
                    strong.username { (u.username) }
                    @if !u.name.is_empty() { " " span.name { (u.name) } }
                    " " span.email { (u.email) }
                    @if u.admin { " · admin" }
                    @if u.disabled { " · " strong { "disabled" } }
                    div.actions {
                        @if u.disabled {
                            (post_button(issuer, csrf, &["admin", "users", &id, "enable"], "Enable"))
                        } @else {
                            (post_button(issuer, csrf, &["admin", "users", &id, "disable"], "Disable"))
                        }
                        @if u.admin {
                            (post_button(issuer, csrf, &["admin", "users", &id, "unadmin"], "Remove admin"))
                        } @else {
                            (post_button(issuer, csrf, &["admin", "users", &id, "admin"], "Make admin"))
                        }
                        (post_button(issuer, csrf, &["admin", "users", &id, "reset"], "Password reset link"))
                    }
                }
            }
        }
        (pager(issuer, &here, view.q, view.paging, ("user", "users")))
        section #new-user {
            h2 { "New user" }
            form method="post" action=(url_at(issuer, &here)) {
                (csrf_field(csrf))
                label for="new-username" { "Username" }
                input #new-username type="text" name="username" required;
                label for="new-password" { "Password" }
                input #new-password type="password" name="password" autocomplete="new-password" required;
                label for="new-email" { "Email" }
                input #new-email type="email" name="email";
                label.choice { input type="checkbox" name="admin" value="on"; " Administrator" }
                @if let Some(error) = view.error { p.error role="alert" { (error) } }
                button type="submit" { "Create user" }
            }
        }
    };
    admin_page("Users", Section::Users, view.header, view.notice, body)
}
