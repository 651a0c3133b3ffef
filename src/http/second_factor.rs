//! `GET/POST /login/second-factor`: after the password, a code from the
//! authenticator app or a recovery code. The same page steps a signed-in
//! session up when an application (`acr_values`, a client marked so) or the
//! policy wants a second factor the session has not shown yet.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::login::local_next;
use super::page::{page, redirect, HtmlError};
use super::session::{self, check_csrf};
use super::state::AppState;
use crate::error::Error;
use crate::oauth::acr;
use crate::pages::{self, url_at, SecondFactorView};

/// Sends the browser to the second-factor prompt for `user_id`, who has
/// authenticated by `amr` so far and goes to `next` after.
pub(crate) async fn ask(
    state: &AppState,
    user_id: u64,
    amr: Vec<String>,
    next: &str,
    after_post: bool,
) -> Result<HttpResponse, HtmlError> {
    let cookie = state.accounts.start_pending(user_id, amr, next).await?;
    let issuer = &state.provider.settings.issuer;
    let mut response = redirect(after_post, &url_at(issuer, &["login", "second-factor"]));
    response
        .add_cookie(&session::pending_cookie(state, cookie))
        .map_err(Error::internal)?;
    Ok(response)
}

/// What the prompt offers a person: an app, passkeys.
struct Offered {
    totp: bool,
    passkeys: bool,
}

async fn offered(state: &AppState, user_id: u64) -> Result<Offered, HtmlError> {
    let summary = state.accounts.factors(user_id).await?;
    Ok(Offered {
        totp: summary.totp_since.is_some(),
        passkeys: !summary.passkeys.is_empty() && state.accounts.passkeys_offered(),
    })
}

fn prompt(
    state: &AppState,
    req: &HttpRequest,
    offered: Offered,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let issuer = &state.provider.settings.issuer;
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = url_at(issuer, &["login", "second-factor"]);
    let login = url_at(issuer, &["login"]);
    let view = SecondFactorView {
        action: &action,
        csrf: &csrf,
        totp: offered.totp,
        error,
        login: &login,
        passkey: offered
            .passkeys
            .then(|| pages::second_factor_button(issuer, &csrf)),
    };
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    session::with_cookie(page(status, pages::second_factor(&view)), cookie)
}

#[derive(serde::Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Shows the prompt: for a sign-in waiting for its code, or to step up the
/// signed-in session before going to `next`.
pub(crate) async fn get_second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    if let Some((_, user)) = session::waiting(&state, &req).await? {
        let offered = offered(&state, user.id).await?;
        return prompt(&state, &req, offered, None);
    }
    let next = local_next(query.next.as_deref());
    let Some((current, user)) = session::current(&state, &req).await? else {
        return Ok(super::login::to_login(&state, next, false));
    };
    if state.accounts.has_second_factor(user.id).await? {
        return ask(&state, user.id, current.amr, next, false).await;
    }
    Ok(redirect(
        false,
        &format!(
            "{}{}",
            provider.settings.issuer,
            super::security::enrol_path(next)
        ),
    ))
}

/// Checks the code and, when right, starts the session.
pub(crate) async fn post_second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let provider = &state.provider;
    let waiting = session::waiting(&state, &req).await?;
    let Some((cookie, user)) = waiting else {
        return Ok(super::login::to_login(&state, "/", true));
    };
    let code = form.get("code").unwrap_or("");
    let peer = super::client_ip(&state, &req);
    // The audit trail tells an app code from a recovery code.
    if provider
        .check_second_factor(&user, code, peer)
        .await?
        .is_none()
    {
        let offered = offered(&state, user.id).await?;
        return prompt(&state, &req, offered, Some("That code is not right."));
    };
    let Some(pending) = state.accounts.take_pending(&cookie).await? else {
        return Ok(super::login::to_login(&state, "/", true));
    };
    if let Some(old) = session::session_value(&state, &req) {
        state.accounts.end_session(&old).await?;
    }
    let amr = acr::add(&pending.amr, acr::OTP);
    let mut response =
        session::start(&state, user.id, amr, local_next(Some(&pending.next))).await?;
    response
        .add_cookie(&session::clear_pending_cookie(&state))
        .map_err(Error::internal)?;
    Ok(response)
}
