//! Cookies for people: the session cookie and the CSRF token.
//!
//! Every state-changing form POST passes two checks. Its `Origin` (or,
//! without one, its `Sec-Fetch-Site`) must name the issuer's own origin.
//! And its form token must match the CSRF cookie *and the session*: the
//! token is a digest of the random CSRF cookie and the session cookie, so a
//! token issued in one session fails in another, and the CSRF cookie is
//! renewed at every sign-in. With an https issuer both cookies carry the
//! `__Host-` prefix (Secure, Path=/, no Domain: no sibling host can set them).

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};

use super::page::HtmlError;
use super::state::AppState;
use crate::accounts::{SessionRecord, UserRecord};
use crate::crypto::constant_time_eq;
use crate::error::Error;

/// The session cookie's name (over plain http).
const SESSION_COOKIE: &str = "gh_session";
/// The CSRF cookie's name (over plain http).
const CSRF_COOKIE: &str = "gh_csrf";
/// The cookie of a sign-in waiting for its second factor (over plain http).
const PENDING_COOKIE: &str = "gh_pending";

/// Whether cookies must be `Secure` (an https issuer; a trusted proxy's
/// word that the browser uses https decides nothing here, because every
/// URL the server builds, and so every cookie's scope, comes from the issuer).
fn secure(state: &AppState) -> bool {
    state.provider.settings.issuer.starts_with("https://")
}

/// The session cookie's name: `__Host-gh_session` with an https issuer.
fn session_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-gh_session"
    } else {
        SESSION_COOKIE
    }
}

/// The CSRF cookie's name: `__Host-gh_csrf` with an https issuer.
fn csrf_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-gh_csrf"
    } else {
        CSRF_COOKIE
    }
}

/// The waiting sign-in's cookie name: `__Host-gh_pending` with an https issuer.
fn pending_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-gh_pending"
    } else {
        PENDING_COOKIE
    }
}

/// The cookie of a sign-in through another provider (over plain http).
const UPSTREAM_COOKIE: &str = "gh_upstream";

/// The upstream sign-in cookie's name: `__Host-gh_upstream` with an https issuer.
fn upstream_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-gh_upstream"
    } else {
        UPSTREAM_COOKIE
    }
}

/// The value of this request's upstream sign-in cookie, if it sent one.
pub(crate) fn upstream_value(state: &AppState, req: &HttpRequest) -> Option<String> {
    req.cookie(upstream_name(state))
        .map(|c| c.value().to_owned())
}

/// The cookie that binds a sign-in through another provider to this
/// browser, as long-lived as its record. `SameSite=Lax` lets the provider's
/// top-level redirect back carry it.
pub(crate) fn upstream_cookie(state: &AppState, value: String, max_age: u64) -> Cookie<'static> {
    cookie(state, upstream_name(state), value, Some(max_age))
}

/// A cookie that removes the upstream sign-in cookie.
pub(crate) fn clear_upstream_cookie(state: &AppState) -> Cookie<'static> {
    cookie(state, upstream_name(state), String::new(), Some(0))
}

/// The value of this request's waiting sign-in cookie, if it sent one.
pub(crate) fn pending_value(state: &AppState, req: &HttpRequest) -> Option<String> {
    req.cookie(pending_name(state))
        .map(|c| c.value().to_owned())
}

/// The sign-in this browser has waiting for its second factor: its
/// cookie's value and the person, while it lives.
pub(crate) async fn waiting(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<(String, crate::accounts::UserRecord)>, Error> {
    let Some(cookie) = pending_value(state, req) else {
        return Ok(None);
    };
    Ok(state
        .accounts
        .pending(&cookie)
        .await
        .map_err(Error::from)?
        .map(|(_, user)| (cookie, user)))
}

/// The cookie of a sign-in waiting for its second factor (a session
/// cookie, as short-lived as the record it names).
pub(crate) fn pending_cookie(state: &AppState, value: String) -> Cookie<'static> {
    cookie(state, pending_name(state), value, None)
}

/// A cookie that removes the waiting sign-in cookie.
pub(crate) fn clear_pending_cookie(state: &AppState) -> Cookie<'static> {
    cookie(state, pending_name(state), String::new(), Some(0))
}

/// The value of this request's session cookie, if it sent one.
pub(crate) fn session_value(state: &AppState, req: &HttpRequest) -> Option<String> {
    req.cookie(session_name(state))
        .map(|c| c.value().to_owned())
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
    cookie(state, session_name(state), value, Some(lifetime))
}

/// A new CSRF cookie, set with every new session so that no token from
/// before the sign-in survives it.
pub(crate) fn fresh_csrf_cookie(state: &AppState) -> Result<Cookie<'static>, Error> {
    let value = crate::crypto::random::new_id().map_err(Error::internal)?;
    Ok(cookie(state, csrf_name(state), value, None))
}

/// A cookie that removes the session cookie.
pub(crate) fn clear_session_cookie(state: &AppState) -> Cookie<'static> {
    cookie(state, session_name(state), String::new(), Some(0))
}

/// The signed-in user of this request, if any.
pub(crate) async fn current(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<(SessionRecord, UserRecord)>, Error> {
    let Some(cookie) = req.cookie(session_name(state)) else {
        return Ok(None);
    };
    Ok(state.accounts.current_session(cookie.value()).await?)
}

/// The signed-in session and person, or a redirect to sign in that comes
/// back to `next` (303 after a POST, 302 after a GET).
pub(crate) async fn session_or_login(
    state: &AppState,
    req: &HttpRequest,
    next: &str,
) -> Result<Result<(SessionRecord, UserRecord), HttpResponse>, HtmlError> {
    if let Some(signed_in) = current(state, req).await? {
        return Ok(Ok(signed_in));
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
        $crate::http::session::signed_in_session!($state, $req, $next).1
    };
}
pub(crate) use signed_in;

/// In a page handler: the signed-in session and user, or return the
/// sign-in redirect.
macro_rules! signed_in_session {
    ($state:expr, $req:expr, $next:expr) => {
        match $crate::http::session::session_or_login(&$state, &$req, $next).await? {
            Ok(signed_in) => signed_in,
            Err(to_login) => return Ok(to_login),
        }
    };
}
pub(crate) use signed_in_session;

/// The form token for a CSRF cookie value in the session a session cookie
/// names (none: signed out).
fn bound_token(csrf_cookie: &str, session: Option<&str>) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let mut input = b"gatehouse csrf\0".to_vec();
    input.extend_from_slice(csrf_cookie.as_bytes());
    input.push(0);
    input.extend_from_slice(session.unwrap_or("").as_bytes());
    URL_SAFE_NO_PAD.encode(crate::crypto::sha256(&input))
}

/// The CSRF token for a form, and the cookie to set when the browser has none yet.
pub(crate) fn csrf(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(String, Option<Cookie<'static>>), Error> {
    let session = session_value(state, req);
    if let Some(existing) = req
        .cookie(csrf_name(state))
        .filter(|c| c.value().len() >= 22)
    {
        return Ok((bound_token(existing.value(), session.as_deref()), None));
    }
    let cookie = fresh_csrf_cookie(state)?;
    Ok((
        bound_token(cookie.value(), session.as_deref()),
        Some(cookie),
    ))
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

/// Starts a session for `user_id`, who authenticated by `amr`, and sends
/// the browser to `path` with its cookie.
pub(crate) async fn start(
    state: &AppState,
    user_id: u64,
    amr: Vec<String>,
    path: &str,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let response = super::page::redirect(true, &format!("{}{path}", provider.settings.issuer));
    begin(state, response, user_id, amr).await
}

/// Adds to `response` the cookies of a new session for `user_id`, who
/// authenticated by `amr`, with a fresh CSRF cookie; the caller has ended
/// any session the browser had.
pub(crate) async fn begin(
    state: &AppState,
    mut response: HttpResponse,
    user_id: u64,
    amr: Vec<String>,
) -> Result<HttpResponse, HtmlError> {
    let cookie = state.accounts.create_session(user_id, amr).await?;
    response
        .add_cookie(&session_cookie(state, cookie))
        .map_err(Error::internal)?;
    response
        .add_cookie(&fresh_csrf_cookie(state)?)
        .map_err(Error::internal)?;
    Ok(response)
}

/// Whether a browser's POST comes from a page of the issuer's own origin:
/// `Origin` when sent, else `Sec-Fetch-Site`; a request with neither (not
/// a browser, or a very old one) relies on the token alone.
fn same_origin(state: &AppState, req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = header("origin") {
        let own = url::Url::parse(&state.provider.settings.issuer)
            .map(|u| u.origin().ascii_serialization());
        return own.is_ok_and(|own| own == origin.trim_end_matches('/'));
    }
    match header("sec-fetch-site") {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

/// Refuses a POST from another site, or whose CSRF token does not match
/// its cookie and its session.
pub(crate) fn check_csrf(
    state: &AppState,
    req: &HttpRequest,
    sent: Option<&str>,
) -> Result<(), HtmlError> {
    if !same_origin(state, req) {
        return Err(HtmlError(Error::Forbidden(
            "this form was sent from another site; forms work only from this server's own pages"
                .into(),
        )));
    }
    let cookie = req.cookie(csrf_name(state));
    let session = session_value(state, req);
    let ok = match (cookie, sent) {
        (Some(cookie), Some(sent)) => {
            let expected = bound_token(cookie.value(), session.as_deref());
            !sent.is_empty() && constant_time_eq(expected.as_bytes(), sent.as_bytes())
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
