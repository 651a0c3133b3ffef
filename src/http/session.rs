//! Cookies for people: the session cookie and the CSRF token. The CSRF
//! token is a random value kept in its own cookie and repeated in every form
//! (double submit); a POST whose form value differs from the cookie is refused.

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};

use super::page::HtmlError;
use super::state::AppState;
use crate::accounts::sessions;
use crate::crypto::constant_time_eq;
use crate::error::Error;
use crate::store::{SessionRecord, UserRecord};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "gh_session";
/// The CSRF cookie's name.
pub(crate) const CSRF_COOKIE: &str = "gh_csrf";

/// Whether cookies must be `Secure` (an https issuer).
fn secure(state: &AppState) -> bool {
    state.provider.settings.issuer.starts_with("https://")
}

/// A cookie with the attributes every Gatehouse cookie has.
fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: Option<u64>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(state))
        .finish();
    if let Some(seconds) = max_age {
        cookie.set_max_age(Duration::seconds(
            i64::try_from(seconds).unwrap_or(i64::MAX),
        ));
    }
    cookie
}

/// The session cookie for a new session.
pub(crate) fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    let lifetime = state.provider.settings.session_absolute;
    cookie(state, SESSION_COOKIE, value, Some(lifetime))
}

/// A cookie that removes the session cookie.
pub(crate) fn clear_session_cookie(state: &AppState) -> Cookie<'static> {
    cookie(state, SESSION_COOKIE, String::new(), Some(0))
}

/// The signed-in user of this request, if any.
pub(crate) async fn current(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<(SessionRecord, UserRecord)>, Error> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let provider = &state.provider;
    Ok(sessions::resolve(
        &provider.store,
        cookie.value(),
        provider.clock.now(),
        provider.settings.session_idle,
    )
    .await?)
}

/// The signed-in person, or a redirect to sign in that comes back to `next`
/// (303 after a POST, 302 after a GET).
pub(crate) async fn user_or_login(
    state: &AppState,
    req: &HttpRequest,
    next: &str,
) -> Result<Result<UserRecord, HttpResponse>, HtmlError> {
    if let Some((_, user)) = current(state, req).await? {
        return Ok(Ok(user));
    }
    let mut login = url::Url::parse(&format!("{}/login", state.provider.settings.issuer))
        .map_err(Error::internal)?;
    login.query_pairs_mut().append_pair("next", next);
    let after_post = req.method() == actix_web::http::Method::POST;
    Ok(Err(super::page::redirect(after_post, login.as_str())))
}

/// In a page handler: the signed-in user, or return the sign-in redirect.
macro_rules! signed_in {
    ($state:expr, $req:expr, $next:expr) => {
        match $crate::http::session::user_or_login(&$state, &$req, $next).await? {
            Ok(user) => user,
            Err(to_login) => return Ok(to_login),
        }
    };
}
pub(crate) use signed_in;

/// The CSRF token for a form, and the cookie to set when the browser has none yet.
pub(crate) fn csrf(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(String, Option<Cookie<'static>>), Error> {
    if let Some(existing) = req.cookie(CSRF_COOKIE).filter(|c| c.value().len() >= 22) {
        return Ok((existing.value().to_owned(), None));
    }
    let token = crate::crypto::random::new_id().map_err(Error::internal)?;
    let cookie = cookie(state, CSRF_COOKIE, token.clone(), None);
    Ok((token, Some(cookie)))
}

/// Answers a page, setting the CSRF cookie when [`csrf`] made a new one.
pub(crate) fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<Cookie<'static>>,
) -> Result<HttpResponse, HtmlError> {
    if let Some(cookie) = cookie {
        response.add_cookie(&cookie).map_err(Error::internal)?;
    }
    Ok(response)
}

/// Starts a session for `user_id` and sends the browser to `path` with its cookie.
pub(crate) async fn start(
    state: &AppState,
    user_id: u64,
    path: &str,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let now = provider.clock.now();
    let cookie = sessions::create(
        &provider.store,
        user_id,
        now,
        provider.settings.session_absolute,
    )
    .await?;
    let mut response = super::page::redirect(true, &format!("{}{path}", provider.settings.issuer));
    response
        .add_cookie(&session_cookie(state, cookie))
        .map_err(Error::internal)?;
    Ok(response)
}

/// Refuses a POST whose CSRF token does not match its cookie.
pub(crate) fn check_csrf(req: &HttpRequest, sent: Option<&str>) -> Result<(), HtmlError> {
    let cookie = req.cookie(CSRF_COOKIE);
    let ok = match (cookie, sent) {
        (Some(cookie), Some(sent)) => {
            !sent.is_empty() && constant_time_eq(cookie.value().as_bytes(), sent.as_bytes())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(HtmlError(Error::Forbidden(
            "the form's security token is missing or stale; go back, reload the page and try again"
                .into(),
        )))
    }
}
