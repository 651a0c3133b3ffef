//! `GET /admin`: counts and links.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::Listing;
use crate::http::page::{page, HtmlError};
use crate::http::session;
use crate::http::state::AppState;
use crate::pages::{self, OverviewView};

/// The overview.
pub(crate) async fn get_admin(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Listing>,
) -> Result<HttpResponse, HtmlError> {
    let me = admin_only!(state, req, "/admin");
    let counts = state.accounts.counts().await?;
    let (csrf, cookie) = session::csrf(&state, &req)?;
    let header = crate::http::header::of(&state, &me, &csrf);
    let view = OverviewView {
        header: &header,
        users: counts.users,
        apps: counts.apps,
        groups: counts.groups,
        notice: query.notice(),
    };
    session::with_cookie(page(StatusCode::OK, pages::admin_overview(&view)), cookie)
}
