//! The admin page: users, applications and their flags, policies,
//! invitations; and the password-reset page a one-time link opens.

use maud::{html, Markup};

use super::layout::{csrf_field, layout, url_at};

/// A user row.
#[derive(Debug)]
pub struct UserRow<'a> {
    /// The id (`sub`).
    pub id: u64,
    /// Username.
    pub username: &'a str,
    /// Email.
    pub email: &'a str,
    /// Administrator.
    pub admin: bool,
    /// Disabled.
    pub disabled: bool,
}

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

/// What the admin page shows.
#[derive(Debug)]
pub struct AdminView<'a> {
    /// The issuer, for form actions.
    pub issuer: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// Users.
    pub users: &'a [UserRow<'a>],
    /// The dialects an application may be marked for (`""` first: standard).
    pub dialects: &'a [&'a str],
    /// Applications.
    pub clients: &'a [ClientRow<'a>],
    /// The sign-up policy.
    pub signup: &'a str,
    /// The registration policy.
    pub registration: &'a str,
    /// What just happened.
    pub notice: Option<&'a str>,
    /// A problem with the new-user form.
    pub error: Option<&'a str>,
    /// The HTTPS certificate's state, when the server speaks HTTPS itself.
    pub certificate: Option<String>,
}

fn post_button(issuer: &str, csrf: &str, path: &[&str], label: &str) -> Markup {
    html! {
        form.inline method="post" action=(url_at(issuer, path)) {
            (csrf_field(csrf))
            button.secondary type="submit" { (label) }
        }
    }
}

fn select(name: &str, current: &str, choices: &[&str]) -> Markup {
    html! {
        select #(name) name=(name) {
            @for choice in choices {
                option value=(choice) selected[*choice == current] { (choice) }
            }
        }
    }
}

/// Renders the admin page.
pub fn admin(view: &AdminView<'_>) -> Markup {
    let (issuer, csrf) = (view.issuer, view.csrf);
    layout(
        "Administration",
        html! {
            h1 { "Administration" }
            p { a #audit-link href=(url_at(issuer, &["admin", "audit"])) { "Audit trail" } }
            @if let Some(notice) = view.notice { p.notice role="status" { (notice) } }
            section #users {
                h2 { "Users" }
                ul.users {
                    @for u in view.users {
                        li.user {
                            strong { (u.username) } " " span.email { (u.email) }
                            @if u.admin { " · admin" }
                            @if u.disabled { " · " strong { "disabled" } }
                            div.actions {
                                @if u.disabled {
                                    (post_button(issuer, csrf, &["admin", "users", &u.id.to_string(), "enable"], "Enable"))
                                } @else {
                                    (post_button(issuer, csrf, &["admin", "users", &u.id.to_string(), "disable"], "Disable"))
                                }
                                @if u.admin {
                                    (post_button(issuer, csrf, &["admin", "users", &u.id.to_string(), "unadmin"], "Remove admin"))
                                } @else {
                                    (post_button(issuer, csrf, &["admin", "users", &u.id.to_string(), "admin"], "Make admin"))
                                }
                                (post_button(issuer, csrf, &["admin", "users", &u.id.to_string(), "reset"], "Password reset link"))
                            }
                        }
                    }
                }
                h3 { "New user" }
                form method="post" action=(url_at(issuer, &["admin", "users"])) {
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
            section #applications {
                h2 { "Applications" }
                ul.clients {
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
            }
            @if let Some(certificate) = &view.certificate {
                section #certificate {
                    h2 { "HTTPS certificate" }
                    p { (certificate) }
                }
            }
            section #settings {
                h2 { "Settings" }
                form method="post" action=(url_at(issuer, &["admin", "settings"])) {
                    (csrf_field(csrf))
                    label for="signup" { "Sign-up" }
                    (select("signup", view.signup, &["closed", "invite", "open"]))
                    label for="registration" { "Dynamic client registration" }
                    (select("registration", view.registration, &["token", "open", "closed"]))
                    button type="submit" { "Save settings" }
                }
                h3 { "Invitations" }
                (post_button(issuer, csrf, &["admin", "invites"], "Make a single-use sign-up link"))
            }
        },
    )
}

/// Shows a link made for someone else, once.
pub fn link_made(title: &str, issuer: &str, path: &str, advice: &str) -> Markup {
    layout(
        title,
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
