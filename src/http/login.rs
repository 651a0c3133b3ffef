//! `GET/POST /login`, `POST /logout` and the start page `/`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::{decode, PageForm};
use super::page::{page, redirect, HtmlError};
use super::session::{self, check_csrf};
use super::state::AppState;
use crate::accounts::users::AccountError;
use crate::error::Error;
use crate::oauth::acr;
use crate::oauth::authorize::Params;
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
    let dev_action = format!("{}/login/dev", state.provider.settings.issuer);
    let view = LoginView {
        action: &action,
        csrf: &csrf,
        next,
        username,
        error,
        dev_action: state
            .provider
            .settings
            .dev_mode
            .then_some(dev_action.as_str()),
        passkey: state
            .accounts
            .passkeys_offered()
            .then(|| pages::sign_in_button(&state.provider.settings.issuer, &csrf, next)),
        upstream: super::upstream::buttons(state, next),
    };
    session::with_cookie(page(status, pages::login(&view)), cookie)
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
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let next = local_next(form.get("next"));
    let username = form.get("username").unwrap_or("");
    let password = form.get("password").unwrap_or("");
    let provider = &state.provider;
    let peer = super::client_ip(&state, &req);
    let Some(user) = provider.check_password(username, password, peer).await? else {
        return login_page(
            &state,
            &req,
            StatusCode::OK,
            next,
            username,
            Some("Wrong username or password."),
        );
    };
    // A new session at every sign-in: an old cookie never gains rights.
    if let Some(old) = session::session_value(&state, &req) {
        state.accounts.end_session(&old).await?;
    }
    let amr = acr::add(&[], acr::PWD);
    if state.accounts.has_second_factor(user.id).await? {
        return super::second_factor::ask(&state, user.id, amr, next, true).await;
    }
    if provider.second_factor_required(&user) {
        // The policy wants a factor this person has not set up: enrolment
        // first, then on to where they were going.
        let enrol = super::security::enrol_path(next);
        return session::start(&state, user.id, amr, &enrol).await;
    }
    session::start(&state, user.id, amr, next).await
}

/// Development mode's "sign in as any user".
pub(crate) async fn post_dev_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    if !provider.settings.dev_mode {
        return Err(HtmlError(Error::NotFound));
    }
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let next = local_next(form.get("next"));
    let username = form.get("dev_username").unwrap_or("");
    let claims = form.get("dev_claims").unwrap_or("");
    match state.accounts.dev_sign_in(username, claims).await {
        Ok(user) => session::start(&state, user.id, Vec::new(), next).await,
        Err(AccountError::Invalid(why)) => {
            login_page(&state, &req, StatusCode::BAD_REQUEST, next, "", Some(&why))
        }
        Err(e) => Err(e.into()),
    }
}

/// RP-initiated logout (GET): ends the session at once when the ID token
/// hint names the signed-in user, and otherwise asks the person first.
pub(crate) async fn get_logout(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    let params = Params::new(decode(req.query_string().as_bytes()));
    logout(&state, &req, &params, false).await
}

/// Ends the session: from the start page's button, or from the confirmation
/// of an application's logout request.
pub(crate) async fn post_logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    let params = Params::new(form.pairs().to_vec());
    // An application may send its logout request as a POST (RP-Initiated
    // Logout §2); it cannot carry our CSRF token, so it is treated like the
    // GET. Our own forms (the start page, the confirmation) must carry it.
    let from_application = params.get("end_session").is_none()
        && ["id_token_hint", "post_logout_redirect_uri", "client_id"]
            .iter()
            .any(|k| params.get(k).is_some());
    if from_application && form.get("csrf_token").is_none() {
        return logout(&state, &req, &params, false).await;
    }
    check_csrf(&state, &req, form.get("csrf_token"))?;
    logout(&state, &req, &params, true).await
}

async fn logout(
    state: &AppState,
    req: &HttpRequest,
    params: &Params,
    confirmed: bool,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let request = provider
        .check_logout(
            params.get("id_token_hint"),
            params.get("client_id"),
            params.get("post_logout_redirect_uri"),
            params.get("state"),
        )
        .await?;
    let current = session::current(state, req).await?;
    let hint_matches = match (&current, &request.hinted_sub) {
        (Some((_, user)), Some(sub)) => user.id.to_string() == *sub,
        _ => false,
    };
    if current.is_some() && !confirmed && !hint_matches {
        let (csrf, cookie) = session::csrf(state, req)?;
        let carried: Vec<(&str, &str)> = [
            "id_token_hint",
            "client_id",
            "post_logout_redirect_uri",
            "state",
        ]
        .into_iter()
        .filter_map(|k| params.get(k).map(|v| (k, v)))
        .collect();
        let action = format!("{}/logout", provider.settings.issuer);
        let name = request
            .client
            .as_ref()
            .and_then(|c| c.client_name.as_deref());
        let mut response = page(
            StatusCode::OK,
            pages::confirm_logout(&action, &csrf, name, &carried),
        );
        if let Some(cookie) = cookie {
            response.add_cookie(&cookie).map_err(Error::internal)?;
        }
        return Ok(response);
    }
    if let Some(cookie) = session::session_value(state, req) {
        state.accounts.end_session(&cookie).await?;
    }
    let from_application = !confirmed || params.get("end_session").is_some();
    let mut response = match (&request.redirect, from_application) {
        (Some(url), _) => redirect(confirmed, url.as_str()),
        (None, true) => page(StatusCode::OK, pages::signed_out()),
        (None, false) => redirect(true, &format!("{}/login", provider.settings.issuer)),
    };
    response
        .add_cookie(&session::clear_session_cookie(state))
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
    let header = current
        .as_ref()
        .map(|(_, user)| super::header::of(&state, user, &csrf));
    let view = HomeView {
        header: header.as_ref(),
        username: current.as_ref().map(|(_, u)| u.username.as_str()),
        csrf: &csrf,
        issuer: &state.provider.settings.issuer,
    };
    session::with_cookie(page(StatusCode::OK, pages::home(&view)), cookie)
}

/// A redirect to the sign-in page that returns to `next` afterwards.
pub(crate) fn to_login(state: &AppState, next: &str, after_post: bool) -> HttpResponse {
    let mut url = match url::Url::parse(&crate::pages::url_at(
        &state.provider.settings.issuer,
        &["login"],
    )) {
        Ok(url) => url,
        Err(_) => return redirect(after_post, "/login"),
    };
    if next != "/" {
        url.query_pairs_mut().append_pair("next", next);
    }
    redirect(after_post, url.as_str())
}
