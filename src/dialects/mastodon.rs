//! Mastodon (through Doorkeeper), as mastodon-doorkeeper-oauth.txt describes
//! it: scopes `read write follow` (and `push`) with `read` the default;
//! `POST /api/v1/apps` to register; the out-of-band authorization at the
//! canonical `/oauth/authorize`; and the document's four steps word for
//! word, including step 4's advice to store the code "as your refresh_token"
//! and redeem it with `grant_type=refresh_token` at `/oauth/token`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::http::bearer;
use crate::http::state::AppState;
use crate::oauth::clients::{NewClient, Rules};
use crate::oauth::register::check_registered_redirect;
use crate::oauth::resource::Access;
use crate::oauth::scope::ScopeSet;
use crate::oauth::ScopeRecord;

/// The dialect's name on client records.
const NAME: &str = "mastodon";

/// Mastodon's scopes; `read` is granted when none is asked for.
pub fn scopes() -> Vec<ScopeRecord> {
    [
        ("read", "Read your data", true),
        ("write", "Post statuses and upload media", false),
        ("follow", "Follow, unfollow, block and unblock", false),
        ("push", "Receive push notifications", false),
    ]
    .into_iter()
    .map(|(name, description, default)| ScopeRecord {
        name: name.into(),
        description: description.into(),
        default,
        always: false,
    })
    .collect()
}

/// Registers the dialect's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/apps", web::post().to(post_apps))
        .route(
            "/api/v1/apps/verify_credentials",
            web::get().to(get_app_credentials),
        )
        .route(
            "/api/v1/accounts/verify_credentials",
            web::get().to(get_account_credentials),
        );
}

/// Mastodon's error shape: `{"error": "…"}`.
fn error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message }))
}

#[derive(Debug, Deserialize)]
struct AppRequest {
    client_name: Option<String>,
    redirect_uris: Option<String>,
    scopes: Option<String>,
    website: Option<String>,
}

/// `POST /api/v1/apps`: registers an application (form or JSON).
async fn post_apps(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let json_body = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed: Result<AppRequest, String> = if json_body {
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    } else {
        serde_urlencoded_like(&body)
    };
    let app = match parsed {
        Ok(app) => app,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("Validation failed: {e}"),
            )
        }
    };
    let Some(name) = app.client_name.filter(|n| !n.trim().is_empty()) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Application name can't be blank",
        );
    };
    let uris: Vec<String> = app
        .redirect_uris
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if uris.is_empty() || uris.iter().any(|u| check_registered_redirect(u).is_err()) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Redirect URI must be an absolute URI.",
        );
    }
    let provider = &state.provider;
    let scope = app.scopes.unwrap_or_else(|| "read".into());
    match ScopeSet::parse(&scope) {
        Ok(set)
            if set.iter().all(|s| {
                let mastodon = crate::oauth::scope::Holder {
                    scope: None,
                    dialect: Some(NAME),
                };
                provider.scopes.get(s, mastodon).is_some()
            }) => {}
        _ => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Validation failed: Scopes are invalid",
            )
        }
    }
    let mut new = NewClient::new(Rules::Registration);
    new.client_name = Some(name.clone());
    new.redirect_uris = uris.clone();
    new.grant_types = Some(vec![
        "authorization_code".into(),
        "refresh_token".into(),
        "client_credentials".into(),
    ]);
    new.response_types = Some(vec!["code".into()]);
    new.token_endpoint_auth_method = Some("client_secret_post".into());
    new.scope = Some(scope);
    new.dialect = Some(NAME.into());
    new.client_uri = app.website.clone().filter(|w| !w.is_empty());
    let created = match provider.create_client(new).await {
        Ok(Ok(created)) => created,
        Ok(Err(e)) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("Validation failed: {e}"),
            )
        }
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let id = match provider.next_serial().await {
        Ok(id) => id,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let client_id = created.record.client_id;
    let secret = created.secret;
    HttpResponse::Ok().json(json!({
        "id": id.to_string(),
        "name": name,
        "website": app.website,
        "redirect_uri": uris.join("\n"),
        "client_id": client_id,
        "client_secret": secret,
    }))
}

/// Parses a form body into the app request (repeated fields: the first wins).
fn serde_urlencoded_like(body: &[u8]) -> Result<AppRequest, String> {
    let mut app = AppRequest {
        client_name: None,
        redirect_uris: None,
        scopes: None,
        website: None,
    };
    for (k, v) in url::form_urlencoded::parse(body) {
        let slot = match k.as_ref() {
            "client_name" => &mut app.client_name,
            "redirect_uris" => &mut app.redirect_uris,
            "scopes" => &mut app.scopes,
            "website" => &mut app.website,
            _ => continue,
        };
        slot.get_or_insert_with(|| v.into_owned());
    }
    Ok(app)
}

/// The token as Doorkeeper takes it: the `Authorization: Bearer` header, or
/// the `access_token` or `bearer_token` parameter.
async fn access(state: &AppState, req: &HttpRequest, body: &[u8]) -> Result<Access, HttpResponse> {
    let invalid = || error(StatusCode::UNAUTHORIZED, "The access token is invalid");
    let token = bearer::token_named(req, body, &["bearer_token"], &[]).map_err(|_| invalid())?;
    match state.provider.access(&token).await {
        Ok(access) => Ok(access),
        Err(crate::error::Error::InvalidToken(_)) => Err(invalid()),
        Err(e) => Err(actix_web::ResponseError::error_response(&e)),
    }
}

/// `GET /api/v1/apps/verify_credentials`: the application an app or user
/// token belongs to (any scope, as in Mastodon).
async fn get_app_credentials(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    match access(&state, &req, &body).await {
        Ok(access) => HttpResponse::Ok().json(json!({
            "name": access.client.client_name,
            "website": access.client.client_uri,
        })),
        Err(response) => response,
    }
}

/// `GET /api/v1/accounts/verify_credentials`: the signed-in account, for a
/// user token with `read`, `read:accounts` or `profile`, as Mastodon asks.
async fn get_account_credentials(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let access = match access(&state, &req, &body).await {
        Ok(access) => access,
        Err(response) => return response,
    };
    let Some(user) = access.user else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This method requires an authenticated user",
        );
    };
    if !["read", "read:accounts", "profile"]
        .iter()
        .any(|s| access.scope.contains(s))
    {
        return error(
            StatusCode::FORBIDDEN,
            "This action is outside the authorized scopes",
        );
    }
    HttpResponse::Ok().json(json!({
        "id": user.id.to_string(),
        "username": user.username,
        "acct": user.username,
        "display_name": user.name.clone().unwrap_or_default(),
        "locked": false,
        "bot": false,
        "note": "",
        "url": format!("{}/@{}", state.provider.settings.issuer, user.username),
        "created_at": crate::pages::rfc3339(user.created_at),
    }))
}
