//! The developer dashboard: a developer's applications, the form to create
//! or edit one, and the page that shows a new secret exactly once.

use maud::{html, Markup};

use super::layout::{csrf_field, layout_for, layout_signed_in, url_at, Header};
use crate::oauth::developer::CHOOSABLE_GRANTS;

/// One application in the list.
#[derive(Debug)]
pub struct AppRow<'a> {
    /// Its id.
    pub client_id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Confidential or public.
    pub confidential: bool,
}

/// Lists a developer's applications.
pub fn apps(header: &Header<'_>, rows: &[AppRow<'_>], notice: Option<&str>) -> Markup {
    let issuer = header.issuer;
    layout_signed_in(
        "Your applications",
        header,
        html! {
            h1 { "Your applications" }
            @if let Some(notice) = notice { p.notice role="status" { (notice) } }
            p { a.button href=(url_at(issuer, &["developer", "apps", "new"])) { "New application" } }
            @if rows.is_empty() { p { "You have no applications yet." } }
            ul.apps {
                @for row in rows {
                    li.app {
                        a href=(url_at(issuer, &["developer", "apps", row.client_id])) { strong { (row.name) } }
                        " · " code.client-id { (row.client_id) }
                        " · " (if row.confidential { "confidential" } else { "public" })
                    }
                }
            }
        },
    )
}

/// The create or edit form.
#[derive(Debug, Default)]
pub struct AppFormView<'a> {
    /// The signed-in person's header.
    pub header: Option<&'a Header<'a>>,
    /// The issuer, for form actions.
    pub issuer: &'a str,
    /// The CSRF token.
    pub csrf: &'a str,
    /// `None` for a new application, else its id.
    pub client_id: Option<&'a str>,
    /// Whether it has a secret (edit only).
    pub confidential: bool,
    /// Field values.
    pub name: &'a str,
    /// Field values.
    pub description: &'a str,
    /// Field values.
    pub homepage: &'a str,
    /// Field values, one per line.
    pub redirect_uris: &'a str,
    /// Public chosen (new only).
    pub public: bool,
    /// Chosen grant types.
    pub grant_types: &'a [String],
    /// Private application.
    pub private: bool,
    /// Who may use a private application, one username per line.
    pub allowed_users: &'a str,
    /// The field at fault and why.
    pub error: Option<(&'a str, &'a str)>,
    /// What just happened.
    pub notice: Option<&'a str>,
}

fn problem(view: &AppFormView<'_>, field: &str) -> Markup {
    html! {
        @if let Some((f, why)) = view.error {
            @if f == field { p.error role="alert" id={ (field) "-error" } { (why) } }
        }
    }
}

/// Renders the create or edit page.
pub fn app_form(view: &AppFormView<'_>) -> Markup {
    let action = match view.client_id {
        Some(id) => url_at(view.issuer, &["developer", "apps", id]),
        None => url_at(view.issuer, &["developer", "apps"]),
    };
    let checked = |g: &str| view.grant_types.iter().any(|x| x == g);
    layout_for(
        if view.client_id.is_some() {
            "Edit application"
        } else {
            "New application"
        },
        view.header,
        html! {
            p { a href=(url_at(view.issuer, &["developer", "apps"])) { "← Your applications" } }
            h1 { @if view.client_id.is_some() { "Edit " (view.name) } @else { "New application" } }
            @if let Some(notice) = view.notice { p.notice role="status" { (notice) } }
            @if let Some(id) = view.client_id {
                p { "client_id: " code #client_id { (id) } }
            }
            form method="post" action=(action) {
                (csrf_field(view.csrf))
                label for="name" { "Name" }
                input #name type="text" name="name" value=(view.name) required;
                (problem(view, "name"))
                label for="description" { "Description" }
                textarea #description name="description" rows="3" { (view.description) }
                (problem(view, "description"))
                label for="homepage" { "Home page" }
                input #homepage type="url" name="homepage" value=(view.homepage) placeholder="https://";
                (problem(view, "homepage"))
                label for="redirect_uris" { "Redirect URIs, one per line" }
                textarea #redirect_uris name="redirect_uris" rows="3" { (view.redirect_uris) }
                (problem(view, "redirect_uris"))
                @if view.client_id.is_none() {
                    fieldset {
                        legend { "Type" }
                        label.choice { input type="radio" name="type" value="confidential" checked[!view.public]; " Confidential: runs on a server and keeps a secret" }
                        label.choice { input type="radio" name="type" value="public" checked[view.public]; " Public: a browser or native app that cannot keep a secret (uses PKCE)" }
                    }
                }
                fieldset {
                    legend { "Grant types" }
                    @for (grant, label, risky) in CHOOSABLE_GRANTS {
                        @if !risky {
                            label.choice { input type="checkbox" name="grant_types" value=(grant) checked[checked(grant)]; " " (label) }
                        }
                    }
                    details open[CHOOSABLE_GRANTS.iter().any(|(g, _, r)| *r && checked(g))] {
                        summary { "Risky grant types" }
                        @for (grant, label, risky) in CHOOSABLE_GRANTS {
                            @if *risky {
                                label.choice { input type="checkbox" name="grant_types" value=(grant) checked[checked(grant)]; " " (label) }
                            }
                        }
                    }
                    (problem(view, "grant_types"))
                }
                fieldset {
                    legend { "Who may use it" }
                    label.choice { input type="checkbox" name="private" value="on" checked[view.private]; " Private: only you and the people listed below" }
                    label for="allowed_users" { "Usernames, one per line" }
                    textarea #allowed_users name="allowed_users" rows="2" { (view.allowed_users) }
                    (problem(view, "allowed_users"))
                }
                button type="submit" { @if view.client_id.is_some() { "Save" } @else { "Create application" } }
            }
            @if let Some(id) = view.client_id {
                @if view.confidential {
                    form method="post" action=(url_at(view.issuer, &["developer", "apps", id, "secret"])) {
                        (csrf_field(view.csrf))
                        button.secondary type="submit" { "Reset secret" }
                    }
                }
                form method="post" action=(url_at(view.issuer, &["developer", "apps", id, "delete"])) {
                    (csrf_field(view.csrf))
                    button.danger type="submit" { "Delete application" }
                }
            }
        },
    )
}

/// Shows a new secret, once.
pub fn secret_shown(header: &Header<'_>, client_id: &str, secret: Option<&str>) -> Markup {
    let issuer = header.issuer;
    layout_signed_in(
        "Application credentials",
        header,
        html! {
            h1 { "Application credentials" }
            p { "client_id: " code #client_id { (client_id) } }
            @match secret {
                Some(secret) => {
                    p { "client_secret: " code #client_secret { (secret) } }
                    p.error { "Copy the secret now: it is shown only this once." }
                }
                None => { p { "A public application has no secret." } }
            }
            p { a href=(url_at(issuer, &["developer", "apps", client_id])) { "Back to the application" } }
        },
    )
}
