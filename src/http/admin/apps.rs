//! `/admin/apps`: the searchable list of applications and their flags.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{back, paging, Listing};
use crate::error::Error;
use crate::http::form::PageForm;
use crate::http::page::{page, HtmlError};
use crate::http::session::{self, check_csrf};
use crate::http::state::AppState;
use crate::pages::{self, AppsView, ClientRow};

/// The applications page.
pub(crate) async fn get_apps(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Listing>,
) -> Result<HttpResponse, HtmlError> {
    let me = admin_only!(state, req, "/admin/apps");
    let q = query.q();
    let found = state.accounts.apps_page(q, query.page()).await?;
    let mut owners = Vec::with_capacity(found.items.len());
    for c in &found.items {
        let owner = match c.owner {
            Some(id) => state.accounts.user(id).await?.map(|u| u.username),
            None => None,
        };
        owners.push(owner);
    }
    let rows: Vec<ClientRow> = found
        .items
        .iter()
        .zip(&owners)
        .map(|(c, owner)| ClientRow {
            client_id: &c.client_id,
            name: c.client_name.as_deref().unwrap_or("[unnamed application]"),
            owner: owner.as_deref(),
            flags: [
                ("name_approved", "Name approved", c.flags.name_approved),
                ("verified", "Verified", c.flags.verified),
                ("hide_owner", "Hide owner", c.flags.hide_owner),
                (
                    "skip_consent",
                    "Skip consent (first-party)",
                    c.flags.skip_consent,
                ),
                (
                    "password_allowed",
                    "May use the password grant",
                    c.flags.password_allowed,
                ),
                (
                    "require_mfa",
                    "Sign-in needs a second factor",
                    c.flags.require_mfa,
                ),
                (
                    "dialect_legacy",
                    "Legacy client of its dialect: allow what RFC 9700 forbids (Skritter's tokens in the query)",
                    c.dialect_legacy,
                ),
            ],
            dialect: c.dialect.as_deref().unwrap_or(""),
            access_token_ttl: c
                .access_token_ttl
                .map(|t| t.to_string())
                .unwrap_or_default(),
        })
        .collect();
    let dialects: Vec<&str> = std::iter::once("")
        .chain(state.provider.hooks.spoken.iter().copied())
        .collect();
    let (csrf, cookie) = session::csrf(&state, &req)?;
    let header = crate::http::header::of(&state, &me, &csrf);
    let view = AppsView {
        header: &header,
        clients: &rows,
        dialects: &dialects,
        q,
        paging: paging(&found),
        notice: query.notice(),
    };
    session::with_cookie(page(StatusCode::OK, pages::admin_apps(&view)), cookie)
}

/// Saves an application's flags.
pub(crate) async fn post_app_flags(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/apps");
    let client = state
        .accounts
        .app(&path)
        .await?
        .ok_or(HtmlError(Error::NotFound))?;
    let mut record = client.clone();
    let on = |name: &str| form.get(name) == Some("on");
    record.flags.name_approved = on("name_approved");
    record.flags.verified = on("verified");
    record.flags.hide_owner = on("hide_owner");
    record.flags.skip_consent = on("skip_consent");
    record.flags.password_allowed = on("password_allowed");
    record.flags.require_mfa = on("require_mfa");
    record.dialect_legacy = on("dialect_legacy");
    // A field the form did not send keeps its value; an empty one clears it.
    let sent = |name: &str| form.pairs().iter().any(|(k, _)| k == name);
    record.dialect = match form.get("dialect") {
        None if !sent("dialect") => client.dialect.clone(),
        None => None,
        Some(name) if state.provider.hooks.spoken.contains(&name) => Some(name.to_owned()),
        Some(name) if client.dialect.as_deref() == Some(name) => Some(name.to_owned()),
        Some(_) => {
            return Err(HtmlError(Error::InvalidRequest(
                "that dialect is not enabled on this server".into(),
            )))
        }
    };
    record.access_token_ttl = match form.get("access_token_ttl").map(str::trim) {
        None if !sent("access_token_ttl") => client.access_token_ttl,
        None | Some("") => None,
        Some(ttl) => Some(ttl.parse().map_err(|_| {
            HtmlError(Error::InvalidRequest(
                "the access token lifetime is a number of seconds (0: until revoked)".into(),
            ))
        })?),
    };
    state.accounts.save_app(&record).await?;
    crate::http::audit(
        &state,
        &req,
        "admin_client_flags",
        Some(&me.username),
        Some(&record.client_id),
        None,
    )
    .await;
    Ok(back(&state, &["apps"], "app"))
}
