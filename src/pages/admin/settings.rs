//! `/admin/settings`: the sign-up, registration and second-factor policies,
//! invitations, and the HTTPS certificate's state.

use maud::{html, Markup};

use super::{admin_page, post_button, select, Section};
use crate::pages::layout::{csrf_field, url_at, Header};

/// What the settings page shows.
#[derive(Debug)]
pub struct SettingsView<'a> {
    /// The signed-in administrator's header (issuer and CSRF token too).
    pub header: &'a Header<'a>,
    /// The sign-up policy.
    pub signup: &'a str,
    /// The registration policy.
    pub registration: &'a str,
    /// The second-factor policy.
    pub second_factor: &'a str,
    /// The HTTPS certificate's state, when the server speaks HTTPS itself.
    pub certificate: Option<String>,
    /// What just happened.
    pub notice: Option<&'a str>,
}

/// Renders the settings page.
pub fn admin_settings(view: &SettingsView<'_>) -> Markup {
    let (issuer, csrf) = (view.header.issuer, view.header.csrf);
    let body = html! {
        section #settings {
            form method="post" action=(url_at(issuer, &["admin", "settings"])) {
                (csrf_field(csrf))
                label for="signup" { "Sign-up" }
                (select("signup", view.signup, &[("closed", "closed"), ("invite", "invite"), ("open", "open")]))
                label for="registration" { "Dynamic client registration" }
                (select("registration", view.registration, &[("token", "token"), ("open", "open"), ("closed", "closed")]))
                label for="second_factor" { "Second factor" }
                (select("second_factor", view.second_factor, &[
                    ("optional", "optional"),
                    ("admins", "required for administrators"),
                    ("everyone", "required for everyone"),
                ]))
                p.hint { "A person the policy covers who has no second factor is sent to enrol one at the next sign-in." }
                button type="submit" { "Save settings" }
            }
        }
        section #invitations {
            h2 { "Invitations" }
            (post_button(issuer, csrf, &["admin", "invites"], "Make a single-use sign-up link"))
        }
        @if let Some(certificate) = &view.certificate {
            section #certificate {
                h2 { "HTTPS certificate" }
                p { (certificate) }
            }
        }
    };
    admin_page(
        "Settings",
        Section::Settings,
        view.header,
        view.notice,
        body,
    )
}
