//! The admin pages (administrators only; a 403 page for everyone else),
//! one file per page: overview, users, applications, groups, settings and
//! the audit trail; and `/reset`, where a one-time password-reset link leads.

use actix_web::{web, HttpResponse};

use super::page::redirect;
use super::state::AppState;

/// In an admin handler: the signed-in administrator, the sign-in redirect,
/// or a 403 page for everyone else.
macro_rules! admin_only {
    ($state:expr, $req:expr, $next:expr) => {{
        let user = $crate::http::session::signed_in!($state, $req, $next);
        if !user.admin {
            return Err($crate::http::page::HtmlError(
                $crate::error::Error::Forbidden("this page is for administrators".into()),
            ));
        }
        user
    }};
}

mod apps;
mod audit;
mod groups;
mod overview;
mod reset;
mod settings;
mod users;

/// Registers the admin routes and `/reset`.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(overview::get_admin))
        .route("/admin/audit", web::get().to(audit::get_audit))
        .service(
            web::resource("/admin/users")
                .route(web::get().to(users::get_users))
                .route(web::post().to(users::post_user)),
        )
        .route(
            "/admin/users/{id}/{action}",
            web::post().to(users::post_user_action),
        )
        .route("/admin/apps", web::get().to(apps::get_apps))
        .route(
            "/admin/apps/{client_id}/flags",
            web::post().to(apps::post_app_flags),
        )
        .service(
            web::resource("/admin/groups")
                .route(web::get().to(groups::get_groups))
                .route(web::post().to(groups::post_group)),
        )
        .route("/admin/groups/{name}", web::get().to(groups::get_group))
        .route(
            "/admin/groups/{name}/delete",
            web::post().to(groups::post_delete_group),
        )
        .route(
            "/admin/groups/{name}/members",
            web::post().to(groups::post_add_member),
        )
        .route(
            "/admin/groups/{name}/members/remove",
            web::post().to(groups::post_remove_member),
        )
        .service(
            web::resource("/admin/settings")
                .route(web::get().to(settings::get_settings))
                .route(web::post().to(settings::post_settings)),
        )
        .route("/admin/invites", web::post().to(settings::post_invite))
        .service(
            web::resource("/reset")
                .route(web::get().to(reset::get_reset))
                .route(web::post().to(reset::post_reset)),
        );
}

/// The query of a listing page: a search, a page number, and what a form
/// just did (`done`).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Listing {
    q: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

impl Listing {
    /// The search as typed, trimmed.
    fn q(&self) -> &str {
        self.q.as_deref().map(str::trim).unwrap_or("")
    }

    /// The page asked for (1 when absent or not a number).
    fn page(&self) -> usize {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(1)
    }

    /// The notice for what a form just did.
    fn notice(&self) -> Option<&'static str> {
        match self.done.as_deref()? {
            "user" => Some("Saved the user."),
            "app" => Some("Saved the application's flags."),
            "settings" => Some("Saved the settings."),
            "group" => Some("Saved the group."),
            "group_deleted" => Some("Deleted the group."),
            _ => None,
        }
    }
}

/// Back to an admin page after a change: 303 to `/admin/{page}?done=…`.
fn back(state: &AppState, page: &[&str], done: &str) -> HttpResponse {
    let mut segments = vec!["admin"];
    segments.extend_from_slice(page);
    let at = crate::pages::url_at(&state.provider.settings.issuer, &segments);
    match url::Url::parse(&at) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair("done", done);
            redirect(true, url.as_str())
        }
        Err(_) => redirect(true, &at),
    }
}

/// The paging of a directory page, for the view.
fn paging<T>(found: &crate::accounts::directory::Page<T>) -> crate::pages::Paging {
    crate::pages::Paging {
        page: found.page,
        pages: found.pages,
        total: found.total,
    }
}
