//! The account page: profile, password, authorized applications, sessions.

use maud::{html, Markup};

use super::layout::{csrf_field, layout_signed_in, Header};
use super::time::utc;

/// An authorized application line.
#[derive(Debug)]
pub struct AppLine<'a> {
    /// The client id (sent back to withdraw).
    pub client_id: &'a str,
    /// Its name.
    pub client_name: &'a str,
    /// The approved scopes.
    pub scope: &'a str,
    /// When consent was given (Unix seconds).
    pub granted_at: u64,
    /// When it last got a token (Unix seconds).
    pub last_used: Option<u64>,
}

/// A session line.
#[derive(Debug)]
pub struct SessionLine {
    /// When the person signed in.
    pub signed_in: u64,
    /// Last activity.
    pub last_seen: u64,
    /// Whether it is the session viewing the page.
    pub current: bool,
}

/// What the account page shows.
#[derive(Debug)]
pub struct AccountView<'a> {
    /// The signed-in person's header.
    pub header: &'a Header<'a>,
    /// The issuer, for form actions.
    pub issuer: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The username.
    pub username: &'a str,
    /// The display name.
    pub name: &'a str,
    /// The email address.
    pub email: &'a str,
    /// Whether the address is verified.
    pub email_verified: bool,
    /// Whether the server mails verification links.
    pub mail: bool,
    /// A problem with the profile form.
    pub profile_error: Option<&'a str>,
    /// A problem with the password form.
    pub password_error: Option<&'a str>,
    /// What just happened.
    pub notice: Option<&'a str>,
    /// Authorized applications.
    pub apps: &'a [AppLine<'a>],
    /// Live sessions.
    pub sessions: &'a [SessionLine],
    /// Whether to offer confirming a sign-in that a script started through
    /// an API (the ScratchOAuth2 dialect's login endpoints).
    pub api_login: bool,
    /// A problem with the code typed to confirm such a sign-in.
    pub api_login_error: Option<&'a str>,
}

/// Renders the account page.
pub fn account(view: &AccountView<'_>) -> Markup {
    let action = |path: &str| format!("{}{path}", view.issuer);
    layout_signed_in(
        "Your account",
        view.header,
        html! {
            h1 { "Your account" }
            p { "Signed in as " strong #username { (view.username) } "." }
            @if let Some(notice) = view.notice {
                p.notice role="status" { (notice) }
            }
            section #profile {
                h2 { "Profile" }
                form method="post" action=(action("/account/profile")) {
                    (csrf_field(view.csrf))
                    label for="name" { "Name" }
                    input #name type="text" name="name" value=(view.name) autocomplete="name";
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(view.email) autocomplete="email";
                    @if let Some(error) = view.profile_error {
                        p.error role="alert" { (error) }
                    }
                    button type="submit" { "Save profile" }
                }
                (super::email::address_status(view.issuer, view.csrf, view.email, view.email_verified, view.mail))
            }
            section #password {
                h2 { "Password" }
                form method="post" action=(action("/account/password")) {
                    (csrf_field(view.csrf))
                    label for="current_password" { "Current password" }
                    input #current_password type="password" name="current_password" autocomplete="current-password" required;
                    label for="new_password" { "New password" }
                    input #new_password type="password" name="new_password" autocomplete="new-password" required;
                    @if let Some(error) = view.password_error {
                        p.error role="alert" { (error) }
                    }
                    p.hint { "Changing it signs out your other sessions." }
                    button type="submit" { "Change password" }
                }
            }
            section #apps {
                h2 { "Authorized applications" }
                @if view.apps.is_empty() {
                    p { "You have not authorized any application." }
                }
                ul.apps {
                    @for app in view.apps {
                        li.app {
                            strong.app-name { (app.client_name) }
                            " may use " code.app-scope { (app.scope) } ". "
                            "Granted " (utc(app.granted_at)) "; "
                            @match app.last_used {
                                Some(t) => { "last used " (utc(t)) "." }
                                None => { "not used since." }
                            }
                            form method="post" action=(action("/account/apps/withdraw")) {
                                (csrf_field(view.csrf))
                                input type="hidden" name="client_id" value=(app.client_id);
                                button.secondary type="submit" { "Withdraw access" }
                            }
                        }
                    }
                }
            }
            @if view.api_login {
                section #api-login {
                    h2 { "Confirm a sign-in from a script" }
                    p { "A program that signs you in through the API shows you a code. Enter it here to let that program sign in as you; enter nothing you did not start yourself." }
                    form method="post" action=(action("/account/api-login")) {
                        (csrf_field(view.csrf))
                        label for="api-code" { "Code" }
                        input #api-code name="code" autocomplete="off" required;
                        @if let Some(error) = view.api_login_error { p.error role="alert" { (error) } }
                        button type="submit" { "Confirm the sign-in" }
                    }
                }
            }
            section #sessions {
                h2 { "Sessions" }
                ul.sessions {
                    @for session in view.sessions {
                        li.session {
                            "Signed in " (utc(session.signed_in)) ", last active " (utc(session.last_seen))
                            @if session.current { " (this browser)" }
                        }
                    }
                }
                form method="post" action=(action("/account/sessions/end")) {
                    (csrf_field(view.csrf))
                    button.secondary type="submit" { "Sign out everywhere" }
                }
            }
            section #leaving {
                h2 { "Your data" }
                p {
                    a #export href=(action("/account/export")) download { "Download your data" }
                    " (JSON) · "
                    a #delete href=(action("/account/delete")) { "Delete your account" }
                }
            }
        },
    )
}
