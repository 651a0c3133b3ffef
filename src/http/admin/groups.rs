//! `/admin/groups`: the searchable list with member counts, making and
//! deleting groups; `/admin/groups/{name}`: its members, adding one by
//! username and removing one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{back, paging, Listing};
use crate::accounts::users::AccountError;
use crate::accounts::UserRecord;
use crate::error::Error;
use crate::http::form::PageForm;
use crate::http::page::{account_error, page, HtmlError};
use crate::http::session::{self, check_csrf};
use crate::http::state::AppState;
use crate::pages::{self, GroupRow, GroupView, GroupsView, MemberRow};

async fn render_list(
    state: &AppState,
    req: &HttpRequest,
    me: &UserRecord,
    listing: &Listing,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let q = listing.q();
    let found = state.accounts.groups_page(q, listing.page()).await?;
    let rows: Vec<GroupRow> = found
        .items
        .iter()
        .map(|g| GroupRow {
            name: &g.name,
            description: &g.description,
            members: g.members.len(),
        })
        .collect();
    let (csrf, cookie) = session::csrf(state, req)?;
    let header = crate::http::header::of(state, me, &csrf);
    let view = GroupsView {
        header: &header,
        groups: &rows,
        q,
        paging: paging(&found),
        notice: listing.notice(),
        error,
    };
    session::with_cookie(page(status, pages::admin_groups(&view)), cookie)
}

async fn render_group(
    state: &AppState,
    req: &HttpRequest,
    me: &UserRecord,
    name: &str,
    notice: Option<&str>,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let group = state
        .accounts
        .group(name)
        .await?
        .ok_or(HtmlError(Error::NotFound))?;
    let members = state.accounts.members(&group).await?;
    let rows: Vec<MemberRow> = members
        .iter()
        .map(|u| MemberRow {
            id: u.id,
            username: &u.username,
            name: u.name.as_deref().unwrap_or(""),
        })
        .collect();
    let (csrf, cookie) = session::csrf(state, req)?;
    let header = crate::http::header::of(state, me, &csrf);
    let view = GroupView {
        header: &header,
        name: &group.name,
        description: &group.description,
        members: &rows,
        notice,
        error,
    };
    session::with_cookie(page(status, pages::admin_group(&view)), cookie)
}

fn no_listing() -> Listing {
    Listing {
        q: None,
        page: None,
        done: None,
    }
}

/// The groups page.
pub(crate) async fn get_groups(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Listing>,
) -> Result<HttpResponse, HtmlError> {
    let me = admin_only!(state, req, "/admin/groups");
    render_list(&state, &req, &me, &query, StatusCode::OK, None).await
}

/// A group's page.
pub(crate) async fn get_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Listing>,
) -> Result<HttpResponse, HtmlError> {
    let me = admin_only!(state, req, "/admin/groups");
    render_group(
        &state,
        &req,
        &me,
        &path,
        query.notice(),
        StatusCode::OK,
        None,
    )
    .await
}

/// Makes a group (`name`, `description`).
pub(crate) async fn post_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/groups");
    let name = form.get("name").unwrap_or("").trim();
    let description = form.get("description").unwrap_or("");
    match state.accounts.create_group(name, description).await {
        Ok(group) => {
            crate::http::audit(
                &state,
                &req,
                "admin_group_created",
                Some(&me.username),
                Some(&group.name),
                None,
            )
            .await;
            Ok(back(&state, &["groups", &group.name], "group"))
        }
        Err(e @ AccountError::Invalid(_)) => {
            let why = e.to_string();
            render_list(
                &state,
                &req,
                &me,
                &no_listing(),
                StatusCode::BAD_REQUEST,
                Some(&why),
            )
            .await
        }
        Err(AccountError::Taken) => {
            let why = "a group of that name exists";
            render_list(
                &state,
                &req,
                &me,
                &no_listing(),
                StatusCode::BAD_REQUEST,
                Some(why),
            )
            .await
        }
        Err(e) => Err(account_error(e)),
    }
}

/// Deletes a group.
pub(crate) async fn post_delete_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/groups");
    state.accounts.remove_group(&path).await?;
    crate::http::audit(
        &state,
        &req,
        "admin_group_deleted",
        Some(&me.username),
        Some(&path),
        None,
    )
    .await;
    Ok(back(&state, &["groups"], "group_deleted"))
}

/// Puts a person in a group by username.
pub(crate) async fn post_add_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/groups");
    let username = form.get("username").unwrap_or("");
    match state.accounts.add_member_named(&path, username).await {
        Ok(user) => {
            let detail = format!("added {}", user.username);
            crate::http::audit(
                &state,
                &req,
                "admin_group_member_added",
                Some(&me.username),
                Some(&path),
                Some(&detail),
            )
            .await;
            Ok(back(&state, &["groups", &path], "group"))
        }
        Err(AccountError::Invalid(why)) => {
            render_group(
                &state,
                &req,
                &me,
                &path,
                None,
                StatusCode::BAD_REQUEST,
                Some(&why),
            )
            .await
        }
        Err(e) => Err(account_error(e)),
    }
}

/// Takes a person (`user_id`) out of a group.
pub(crate) async fn post_remove_member(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/groups");
    if state.accounts.group(&path).await?.is_none() {
        return Err(HtmlError(Error::NotFound));
    }
    let user_id: u64 = form
        .get("user_id")
        .and_then(|id| id.trim().parse().ok())
        .ok_or_else(|| HtmlError(Error::InvalidRequest("which person? (user_id)".into())))?;
    state.accounts.remove_member(&path, user_id).await?;
    let detail = format!("removed {user_id}");
    crate::http::audit(
        &state,
        &req,
        "admin_group_member_removed",
        Some(&me.username),
        Some(&path),
        Some(&detail),
    )
    .await;
    Ok(back(&state, &["groups", &path], "group"))
}
