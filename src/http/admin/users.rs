//! `/admin/users`: the searchable list, creating a user, and the actions
//! on one (disable, enable, make or unmake admin, a reset link).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{back, paging, Listing};
use crate::accounts::users::{AccountError, NewUser};
use crate::accounts::UserRecord;
use crate::error::Error;
use crate::http::form::PageForm;
use crate::http::page::{account_error, page, HtmlError};
use crate::http::session::{self, check_csrf};
use crate::http::state::AppState;
use crate::pages::{self, UserRow, UsersView};

async fn render(
    state: &AppState,
    req: &HttpRequest,
    me: &UserRecord,
    listing: &Listing,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let q = listing.q();
    let found = state.accounts.users_page(q, listing.page()).await?;
    let rows: Vec<UserRow> = found
        .items
        .iter()
        .map(|u| UserRow {
            id: u.id,
            username: &u.username,
            name: u.name.as_deref().unwrap_or(""),
            email: u.email.as_deref().unwrap_or(""),
            admin: u.admin,
            disabled: u.disabled,
        })
        .collect();
    let (csrf, cookie) = session::csrf(state, req)?;
    let header = crate::http::header::of(state, me, &csrf);
    let view = UsersView {
        header: &header,
        users: &rows,
        q,
        paging: paging(&found),
        notice: listing.notice(),
        error,
    };
    session::with_cookie(page(status, pages::admin_users(&view)), cookie)
}

/// The users page.
pub(crate) async fn get_users(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Listing>,
) -> Result<HttpResponse, HtmlError> {
    let me = admin_only!(state, req, "/admin/users");
    render(&state, &req, &me, &query, StatusCode::OK, None).await
}

/// Creates a user.
pub(crate) async fn post_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/users");
    let new = NewUser {
        username: form.get("username").unwrap_or("").to_owned(),
        password: form.get("password").unwrap_or("").to_owned(),
        email: form.get("email").map(str::to_owned),
        name: None,
        admin: form.get("admin") == Some("on"),
    };
    match state.accounts.create_user(new).await {
        Ok(user) => {
            let target = user.username.as_str();
            crate::http::audit(
                &state,
                &req,
                "admin_user_created",
                Some(&me.username),
                Some(target),
                None,
            )
            .await;
            Ok(back(&state, &["users"], "user"))
        }
        Err(e @ (AccountError::Invalid(_) | AccountError::Taken)) => {
            let listing = Listing {
                q: None,
                page: None,
                done: None,
            };
            let why = e.to_string();
            render(
                &state,
                &req,
                &me,
                &listing,
                StatusCode::BAD_REQUEST,
                Some(&why),
            )
            .await
        }
        Err(e) => Err(account_error(e)),
    }
}

/// Disables, enables, grants or withdraws admin, or makes a reset link.
pub(crate) async fn post_user_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(u64, String)>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/users");
    let (id, action) = path.into_inner();
    let accounts = &state.accounts;
    let done = match action.as_str() {
        "disable" | "unadmin" if id == me.id => {
            return Err(HtmlError(Error::InvalidRequest(
                "you cannot do that to yourself".into(),
            )))
        }
        "disable" => accounts.set_disabled(id, true).await,
        "enable" => accounts.set_disabled(id, false).await,
        "admin" => accounts.set_admin(id, true).await,
        "unadmin" => accounts.set_admin(id, false).await,
        "reset" => {
            let token = accounts.create_reset(id).await?;
            let target = id.to_string();
            crate::http::audit(
                &state,
                &req,
                "admin_reset_link",
                Some(&me.username),
                Some(&target),
                None,
            )
            .await;
            let path = format!("/reset?token={token}");
            let advice = "Give this link to the person; it works once, for a day.";
            let (csrf, cookie) = session::csrf(&state, &req)?;
            let header = crate::http::header::of(&state, &me, &csrf);
            return session::with_cookie(
                page(
                    StatusCode::OK,
                    pages::link_made("Password reset link", &header, &path, advice),
                ),
                cookie,
            );
        }
        _ => return Err(HtmlError(Error::NotFound)),
    };
    done?;
    let event = match action.as_str() {
        "disable" => "admin_user_disabled",
        "enable" => "admin_user_enabled",
        "admin" => "admin_user_made_admin",
        _ => "admin_user_admin_removed",
    };
    let target = id.to_string();
    crate::http::audit(&state, &req, event, Some(&me.username), Some(&target), None).await;
    Ok(back(&state, &["users"], "user"))
}
