//! `GET/POST /login`, `POST /logout` and the start page `/`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::page::{page, redirect, HtmlError};
use super::session::{self, check_csrf};
use super::state::AppState;
use crate::accounts::{login, sessions, throttle};
use crate::error::Error;
use crate::pages::{self, HomeView, LoginView};

/// Keeps `next` on this server: a local absolute path, never `//host` or `/\host`.
pub(crate) fn local_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n
        }
        _ => "/",
    }
}

fn login_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = format!("{}/login", state.provider.settings.issuer);
    let view = LoginView {
        action: &action,
        csrf: &csrf,
        next,
        username,
        error,
    };
    let mut response = page(status, pages::login(&view));
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(Error::internal)?;
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
    login_hint: Option<String>,
}

/// Shows the sign-in form.
pub(crate) async fn get_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, HtmlError> {
    let next = local_next(query.next.as_deref());
    let hint = query.login_hint.as_deref().unwrap_or("");
    login_page(&state, &req, StatusCode::OK, next, hint, None)
}

/// Checks the password, starts a session and returns to `next`.
pub(crate) async fn post_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&req, form.get("csrf_token"))?;
    let next = local_next(form.get("next"));
    let username = form.get("username").unwrap_or("");
    let password = form.get("password").unwrap_or("");
    let provider = &state.provider;
    let now = provider.clock.now();
    let keys = throttle::keys(username, req.peer_addr().map(|a| a.ip()));
    provider
        .throttle
        .check(&keys, now)
        .map_err(Error::Throttled)?;
    let user = login::verify(&provider.store, username, password, &provider.dummy_hash)
        .await
        .map_err(Error::internal)?;
    let Some(user) = user else {
        provider.throttle.failed(&keys, now);
        return login_page(
            &state,
            &req,
            StatusCode::OK,
            next,
            username,
            Some("Wrong username or password."),
        );
    };
    provider.throttle.succeeded(username);
    // A new session at every sign-in: an old cookie never gains rights.
    if let Some(old) = req.cookie(session::SESSION_COOKIE) {
        sessions::end(&provider.store, old.value()).await?;
    }
    let cookie = sessions::create(
        &provider.store,
        user.id,
        now,
        provider.settings.session_absolute,
    )
    .await?;
    let mut response = redirect(true, &format!("{}{next}", provider.settings.issuer));
    response
        .add_cookie(&session::session_cookie(&state, cookie))
        .map_err(Error::internal)?;
    Ok(response)
}

/// Ends the session.
pub(crate) async fn post_logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&req, form.get("csrf_token"))?;
    if let Some(cookie) = req.cookie(session::SESSION_COOKIE) {
        sessions::end(&state.provider.store, cookie.value()).await?;
    }
    let mut response = redirect(true, &format!("{}/login", state.provider.settings.issuer));
    response
        .add_cookie(&session::clear_session_cookie(&state))
        .map_err(Error::internal)?;
    Ok(response)
}

/// The start page: who is signed in, and a way out.
pub(crate) async fn get_home(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    let current = session::current(&state, &req).await?;
    let (csrf, cookie) = session::csrf(&state, &req)?;
    let view = HomeView {
        username: current.as_ref().map(|(_, u)| u.username.as_str()),
        csrf: &csrf,
        issuer: &state.provider.settings.issuer,
    };
    let mut response = page(StatusCode::OK, pages::home(&view));
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(Error::internal)?;
    }
    Ok(response)
}
