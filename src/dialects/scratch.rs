//! ScratchOAuth2, as scratch-oauth2.txt describes it, under
//! `/w/rest.php/soa2/v0`: application registration with integer client IDs
//! (session cookie), `POST /tokens` and `PATCH /tokens` with JSON bodies and
//! the document's status codes, `GET /user`, the scope `identify`, and the
//! Application object's `flags` (NAME_APPROVED 1, VERIFIED 2, HIDE_OWNER 4).
//! Authorization itself uses the canonical `/oauth/authorize`; an
//! application without redirect URIs gets the page that shows the code.
//! `GET /user` takes the token base64-encoded, as the document shows, or
//! raw; the login endpoints `PUT`/`POST /login/{username}` sign an HTTP
//! session in once the person confirms the code on their account page.

// The helpers return a finished response as their error so that handlers
// can answer with it at once; its size does not matter on these paths.
#![allow(clippy::result_large_err)]

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::crypto::TokenKind;
use crate::error::{Error, GrantFailure};
use crate::http::bearer;
use crate::http::session;
use crate::http::state::AppState;
use crate::oauth::client_auth::credentials;
use crate::oauth::clients::{ClientIdChoice, NewClient, Rules};
use crate::oauth::developer::AppEdit;
use crate::oauth::register::check_registered_redirect;
use crate::oauth::tokens::TokenResponse;
use crate::oauth::{ClientRecord, ScopeRecord, UserRecord};

const NAME: &str = "scratch";
const BASE: &str = "/w/rest.php/soa2/v0";

/// The scope ScratchOAuth2 knows.
pub fn scopes() -> Vec<ScopeRecord> {
    vec![ScopeRecord {
        name: "identify".into(),
        description: "Know your username".into(),
        default: true,
        always: false,
    }]
}

/// Registers the dialect's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(BASE)
            .route("/applications", web::get().to(list_apps))
            .route("/applications", web::put().to(create_app))
            .route("/applications/{client_id}", web::get().to(get_app))
            .route("/applications/{client_id}", web::patch().to(update_app))
            .route("/applications/{client_id}", web::delete().to(delete_app))
            .route("/tokens", web::post().to(post_tokens))
            .route("/tokens", web::patch().to(patch_tokens))
            .route("/user", web::get().to(get_user))
            .route("/login/{username}", web::put().to(start_login))
            .route("/login/{username}", web::post().to(finish_login)),
    );
}

/// A username "valid by Scratch standards": 3 to 20 letters, digits, `-` or `_`.
fn scratch_username(name: &str) -> bool {
    (3..=20).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The account a login path names: 400 for a name Scratch would refuse,
/// `None` when there is no such (enabled) account.
async fn login_user(state: &AppState, username: &str) -> Result<Option<UserRecord>, HttpResponse> {
    if !scratch_username(username) {
        return Err(status(
            StatusCode::BAD_REQUEST,
            "username invalid by Scratch standards",
        ));
    }
    state
        .provider
        .enabled_user_by_name(username)
        .await
        .map_err(internal)
}

/// `PUT /login/{username}`: starts a login and answers the Code object; the
/// person confirms the code on their Gatehouse account page.
async fn start_login(state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let user = match login_user(&state, &path).await {
        Ok(Some(user)) => user,
        Ok(None) => return status(StatusCode::NOT_FOUND, "no such username"),
        Err(response) => return response,
    };
    match state.provider.start_code_login(&user).await {
        Ok(code) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({ "username": code.username, "csrf": code.csrf, "code": code.code })),
        Err(e) => internal(e),
    }
}

/// `POST /login/{username}` with `{"csrf": …}`: 204 and a signed-in
/// session once the person confirmed the code (at once in development
/// mode), 403 otherwise.
async fn finish_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let map = match body_json(&req, &body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(csrf) = map.get("csrf").and_then(Value::as_str) else {
        return status(StatusCode::BAD_REQUEST, "request body was malformed");
    };
    let refused = || {
        status(
            StatusCode::FORBIDDEN,
            "the code was not confirmed or the CSRF tokens didn't match",
        )
    };
    let user = match login_user(&state, &path).await {
        Ok(Some(user)) => user,
        Ok(None) => return refused(),
        Err(response) => return response,
    };
    let cookie = match state.provider.finish_code_login(&user, csrf).await {
        Ok(Some(cookie)) => cookie,
        Ok(None) => return refused(),
        Err(e) => return internal(e),
    };
    let Ok(csrf) = session::fresh_csrf_cookie(&state) else {
        return internal("no randomness");
    };
    HttpResponse::NoContent()
        .cookie(session::session_cookie(&state, cookie))
        .cookie(csrf)
        .finish()
}

fn status(code: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(code).json(json!({ "error": message }))
}

fn internal(e: impl std::fmt::Display) -> HttpResponse {
    log::error!("scratch dialect: {e}");
    status(StatusCode::INTERNAL_SERVER_ERROR, "server error")
}

/// The Application object.
fn application(client: &ClientRecord, secret: Option<&str>) -> Value {
    let flags = u8::from(client.flags.name_approved)
        | (u8::from(client.flags.verified) << 1)
        | (u8::from(client.flags.hide_owner) << 2);
    json!({
        "client_id": client.client_id.parse::<u64>().unwrap_or(0),
        "client_secret": secret,
        "app_name": client.client_name,
        "flags": flags,
        "redirect_uris": client.redirect_uris,
    })
}

async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<UserRecord, HttpResponse> {
    match session::current(state, req).await {
        Ok(Some((_, user))) => Ok(user),
        Ok(None) => Err(status(
            StatusCode::UNAUTHORIZED,
            "this session is not logged in",
        )),
        Err(e) => Err(internal(e)),
    }
}

async fn owned(
    state: &AppState,
    user: &UserRecord,
    client_id: &str,
) -> Result<std::sync::Arc<ClientRecord>, HttpResponse> {
    match state.provider.owned_app(user, client_id).await {
        Ok(c) if c.dialect.as_deref() == Some(NAME) => Ok(c),
        Ok(_) | Err(Error::NotFound) => Err(status(
            StatusCode::NOT_FOUND,
            "no such client ID belonging to you",
        )),
        Err(e) => Err(internal(e)),
    }
}

/// Redirect URIs from JSON: a list of strings (empty ones dropped) or null.
fn redirect_uris(value: Option<&Value>) -> Result<Vec<String>, ()> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            let mut uris = Vec::new();
            for item in items {
                let uri = item.as_str().ok_or(())?.trim();
                if !uri.is_empty() {
                    check_registered_redirect(uri).map_err(|_| ())?;
                    uris.push(uri.to_owned());
                }
            }
            Ok(uris)
        }
        Some(_) => Err(()),
    }
}

/// An app name from JSON: a string, or null to have none.
fn app_name(value: &Value) -> Result<Option<String>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.chars().count() <= 100 => {
            Ok((!s.trim().is_empty()).then(|| s.trim().to_owned()))
        }
        _ => Err(()),
    }
}

/// The JSON object of a request body. The body must say it is JSON: a
/// cross-site form can send `text/plain` that parses as JSON, but never
/// `application/json` (that needs a CORS preflight, which nothing grants).
fn body_json(
    req: &HttpRequest,
    body: &[u8],
) -> Result<serde_json::Map<String, Value>, HttpResponse> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(status(
            StatusCode::BAD_REQUEST,
            "request body was malformed (send Content-Type: application/json)",
        ));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(status(
            StatusCode::BAD_REQUEST,
            "request body was malformed",
        )),
    }
}

async fn list_apps(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match state.provider.apps_of(&user).await {
        Ok(apps) => HttpResponse::Ok().json(
            apps.iter()
                .filter(|c| c.dialect.as_deref() == Some(NAME))
                .map(|c| json!({"client_id": c.client_id.parse::<u64>().unwrap_or(0), "app_name": c.client_name}))
                .collect::<Vec<_>>(),
        ),
        Err(e) => internal(e),
    }
}

async fn create_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let map = match body_json(&req, &body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (Ok(name), Ok(uris)) = (
        app_name(map.get("app_name").unwrap_or(&Value::Null)),
        redirect_uris(map.get("redirect_uris")),
    ) else {
        return status(StatusCode::BAD_REQUEST, "request body was malformed");
    };
    let mut new = NewClient::new(Rules::RegistrationShowingCode);
    new.client_id = ClientIdChoice::Counter;
    new.client_name = name;
    new.redirect_uris = uris;
    new.grant_types = Some(vec!["authorization_code".into(), "refresh_token".into()]);
    new.response_types = Some(vec!["code".into()]);
    new.token_endpoint_auth_method = Some("client_secret_post".into());
    new.owner = Some(user.id);
    new.dialect = Some(NAME.into());
    match state.provider.create_client(new).await {
        Ok(Ok(created)) => {
            HttpResponse::Ok().json(application(&created.record, created.secret.as_deref()))
        }
        Ok(Err(_)) => status(StatusCode::BAD_REQUEST, "request body was malformed"),
        Err(e) => internal(e),
    }
}

async fn get_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    match owned(&state, &user, &path).await {
        // Gatehouse keeps only a digest of the secret: it is shown once, when made.
        Ok(app) => HttpResponse::Ok().json(application(&app, None)),
        Err(r) => r,
    }
}

async fn update_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let app = match owned(&state, &user, &path).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let map = match body_json(&req, &body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mut edit = AppEdit::default();
    if let Some(value) = map.get("app_name") {
        match app_name(value) {
            Ok(name) => edit.name = Some(name),
            Err(()) => return status(StatusCode::BAD_REQUEST, "request body was malformed"),
        }
    }
    if map.contains_key("redirect_uris") {
        match redirect_uris(map.get("redirect_uris")) {
            Ok(uris) => edit.redirect_uris = Some(uris),
            Err(()) => return status(StatusCode::BAD_REQUEST, "request body was malformed"),
        }
    }
    let reset = match map.get("reset_secret") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return status(StatusCode::BAD_REQUEST, "request body was malformed"),
    };
    edit.reset_secret = reset;
    match state.provider.edit_app(&app, edit).await {
        Ok((record, secret)) => HttpResponse::Ok().json(application(&record, secret.as_deref())),
        Err(e) => internal(e),
    }
}

async fn delete_app(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let user = match signed_in(&state, &req).await {
        Ok(u) => u,
        Err(r) => return r,
    };
    let app = match owned(&state, &user, &path).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match state.provider.delete_app(&app).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) => internal(e),
    }
}

/// The client named by a JSON body's `client_id` (an integer) and `client_secret`.
async fn client_of(
    state: &AppState,
    map: &serde_json::Map<String, Value>,
) -> Result<std::sync::Arc<ClientRecord>, HttpResponse> {
    let id = match map.get("client_id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(status(
                StatusCode::BAD_REQUEST,
                "request body was malformed",
            ))
        }
    };
    let Some(secret) = map.get("client_secret").and_then(Value::as_str) else {
        return Err(status(
            StatusCode::BAD_REQUEST,
            "request body was malformed",
        ));
    };
    let creds = credentials(None, Some(&id), Some(secret))
        .map_err(|_| status(StatusCode::BAD_REQUEST, "request body was malformed"))?;
    match state.provider.authenticate_confidential(creds).await {
        Ok(client) => Ok(client),
        Err(e @ Error::Internal(_)) => Err(internal(e)),
        Err(_) => Err(status(
            StatusCode::UNAUTHORIZED,
            "client ID/secret combo is not valid",
        )),
    }
}

/// The Tokens object.
fn tokens(state: &AppState, issued: &TokenResponse) -> HttpResponse {
    let now = state.provider.clock.now();
    let refresh_ttl = state.provider.settings.refresh_token_ttl;
    HttpResponse::Ok().json(json!({
        "access_token": issued.access_token,
        "access_expiry": issued.expires_in.map(|e| now + e),
        "refresh_token": issued.refresh_token,
        "refresh_expiry": (refresh_ttl > 0).then_some(now + refresh_ttl),
        "scopes": issued.scope.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
    }))
}

async fn post_tokens(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let map = match body_json(&req, &body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (Some(code), Some(scopes)) = (map.get("code").and_then(Value::as_str), map.get("scopes"))
    else {
        return status(StatusCode::BAD_REQUEST, "request body was malformed");
    };
    let asked: Vec<String> = match scopes {
        Value::String(s) => s
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        Value::Array(items) => match items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
        {
            Some(list) => list,
            None => return status(StatusCode::BAD_REQUEST, "request body was malformed"),
        },
        _ => return status(StatusCode::BAD_REQUEST, "request body was malformed"),
    };
    let client = match client_of(&state, &map).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state
        .provider
        .exchange_code_confirming_scope(&client, code, &asked)
        .await
    {
        Ok(issued) => tokens(&state, &issued),
        Err(Error::Grant(GrantFailure::ScopeMismatch)) => status(
            StatusCode::EXPECTATION_FAILED,
            "scopes passed in body did not match scopes that user allowed",
        ),
        Err(Error::Grant(_) | Error::InvalidGrant(_)) => {
            status(StatusCode::NOT_FOUND, "invalid token-getter code")
        }
        Err(e) => internal(e),
    }
}

async fn patch_tokens(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let map = match body_json(&req, &body) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(refresh_token) = map.get("refresh_token").and_then(Value::as_str) else {
        return status(StatusCode::BAD_REQUEST, "request body was malformed");
    };
    let client = match client_of(&state, &map).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state
        .provider
        .refresh_explained(&client, refresh_token)
        .await
    {
        Ok(issued) => tokens(&state, &issued),
        Err(Error::Grant(GrantFailure::Expired)) => {
            status(StatusCode::GONE, "refresh token is expired")
        }
        Err(Error::Grant(_) | Error::InvalidGrant(_)) => {
            status(StatusCode::NOT_FOUND, "no such refresh token")
        }
        Err(e) => internal(e),
    }
}

/// The document sends `Authorization: Bearer <base64-encoded access token>`;
/// a raw token is taken too, for clients that send one.
fn unwrap_base64(token: String) -> String {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use base64::Engine;
    if token.starts_with(TokenKind::Access.prefix()) {
        return token;
    }
    let padded = token.trim_end_matches('=');
    let decoded = [STANDARD, URL_SAFE].iter().find_map(|engine| {
        let mut text = padded.to_owned();
        while !text.len().is_multiple_of(4) {
            text.push('=');
        }
        engine
            .decode(&text)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    });
    match decoded {
        Some(raw) if raw.starts_with(TokenKind::Access.prefix()) => raw,
        _ => token,
    }
}

async fn get_user(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let provider = &state.provider;
    let access = match bearer::token(&req, &[]) {
        Ok(token) => provider.access(&unwrap_base64(token)).await,
        Err(e) => Err(e),
    };
    let access = match access {
        Ok(access) => access,
        Err(e @ Error::Internal(_)) => return internal(e),
        Err(_) => {
            return status(
                StatusCode::UNAUTHORIZED,
                "missing or incorrect authorization",
            )
        }
    };
    if !access.scope.contains("identify") {
        return status(
            StatusCode::FORBIDDEN,
            "invalid scopes for this access token",
        );
    }
    match access.user {
        Some(user) => {
            HttpResponse::Ok().json(json!({ "user_id": user.id, "user_name": user.username }))
        }
        None => status(StatusCode::NOT_FOUND, "no information about this user"),
    }
}
