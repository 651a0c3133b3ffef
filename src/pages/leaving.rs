//! Leaving: the page that asks a person to confirm deleting their account,
//! and the one that says it is deleted.

use maud::{html, Markup};

use super::layout::{csrf_field, layout, url_at};

/// What the deletion page shows.
#[derive(Debug)]
pub struct DeleteAccountView<'a> {
    /// The issuer, for the form action and links.
    pub issuer: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// The person's username.
    pub username: &'a str,
    /// Why the account cannot be deleted now (the last administrator); the
    /// form is not shown then.
    pub refused: Option<&'a str>,
    /// A problem with the last attempt (a wrong password).
    pub error: Option<&'a str>,
    /// Whether the person may confirm with a passkey instead.
    pub passkey: bool,
}

/// Asks the person to confirm deleting their account, with their password.
pub fn delete_account(view: &DeleteAccountView<'_>) -> Markup {
    let export = url_at(view.issuer, &["account", "export"]);
    layout(
        "Delete your account",
        html! {
            h1 { "Delete your account" }
            p { "You are signed in as " strong #username { (view.username) } "." }
            section #what-happens {
                h2 { "What happens" }
                ul {
                    li { "You are signed out everywhere, in every browser." }
                    li { "Every application you authorized loses access at once: its tokens stop working." }
                    li { "Your profile, second factors, passkeys, group memberships and remembered consents are erased." }
                    li { "Your username is never given to anyone else, so nobody can pose as you in the applications you used." }
                    li { "This cannot be undone." }
                }
                p { "You may want to " a href=(export) download { "download your data" } " first." }
            }
            @if let Some(refused) = view.refused {
                p.error role="alert" #refused { (refused) }
            } @else {
                form method="post" action=(url_at(view.issuer, &["account", "delete"])) {
                    (csrf_field(view.csrf))
                    label for="password" { "Your password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    @if let Some(error) = view.error {
                        p.error role="alert" { (error) }
                    }
                    div.buttons {
                        button.danger #confirm-delete type="submit" { "Delete my account" }
                    }
                }
                @if view.passkey {
                    form method="post" action=(url_at(view.issuer, &["account", "delete", "passkey"])) #delete-with-passkey {
                        (csrf_field(view.csrf))
                        button.secondary type="submit" { "Confirm with a passkey instead" }
                    }
                }
            }
            p { a href=(url_at(view.issuer, &["account"])) { "Back to your account" } }
        },
    )
}

/// Says the account is deleted (the browser is signed out by then).
pub fn account_deleted(username: &str) -> Markup {
    layout(
        "Account deleted",
        html! {
            h1 #deleted { "Your account is deleted" }
            p { "The account " strong { (username) } " and the data it held are gone, and you are signed out." }
            p { "Applications you used may keep what they copied from your profile; ask them if you want it erased too." }
        },
    )
}
