//! App.net, as appnet-auth.txt describes it: `/oauth/authenticate` and
//! `/oauth/authorize` for the web flows, `/oauth/access_token` for tokens;
//! its scopes, with `basic` always granted and extended scopes such as
//! `messages:net.app.core.pm`; the token in the header, the query or the
//! body; and its error messages. `X-OAuth-Scopes`, the error placement
//! (query, fragment, JSON) and the password flow only with permission come
//! from the core. `GET /stream/0/token` is where its tokens work: App.net's
//! own "what is this token" call, in its `meta`/`data` envelope.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::error::Error;
use crate::http::form::OAuthForm;
use crate::http::scopes_header;
use crate::http::state::AppState;
use crate::oauth::client_metadata::GRANT_TYPES;
use crate::oauth::ScopeRecord;

/// App.net's scopes.
pub fn scopes() -> Vec<ScopeRecord> {
    [
        ("basic", "See basic information about you", true),
        ("stream", "Read your stream", false),
        ("write_post", "Create posts as you", false),
        ("follow", "Add or remove follows and mutes", false),
        (
            "update_profile",
            "Update your name, images and profile",
            false,
        ),
        (
            "public_messages",
            "Send and receive public messages as you",
            false,
        ),
        (
            "messages",
            "Send and receive public and private messages as you",
            false,
        ),
        ("files", "Manage your files", false),
    ]
    .into_iter()
    .map(|(name, description, always)| ScopeRecord {
        name: name.into(),
        description: description.into(),
        default: false,
        always,
    })
    .collect()
}

/// Registers the dialect's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/oauth/authenticate",
        web::get().to(crate::http::get_authorize),
    )
    .route("/oauth/access_token", web::post().to(post_access_token))
    .service(
        web::resource("/stream/0/token")
            .route(web::get().to(get_token_info))
            .route(web::post().to(get_token_info))
            .route(web::put().to(get_token_info))
            .route(web::patch().to(get_token_info)),
    );
}

/// App.net's envelope: `{"meta": {"code": …}, "data": …}`.
fn envelope(status: StatusCode, data: Option<Value>, error: Option<&str>) -> HttpResponse {
    let mut meta = json!({ "code": status.as_u16() });
    if let Some(message) = error {
        meta["error_message"] = json!(message);
    }
    let mut body = json!({ "meta": meta });
    if let Some(data) = data {
        body["data"] = data;
    }
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((
            header::WWW_AUTHENTICATE,
            r#"Bearer realm="gatehouse", error="invalid_token""#,
        ));
    }
    response.json(body)
}

/// `GET /stream/0/token`: what the token is (an app or a user token, its
/// app, its scopes, its user), with the token in the `Authorization:
/// Bearer` header, the query's `access_token`, or the body's (PUT, POST and
/// PATCH only, as the document says).
async fn get_token_info(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let token = match crate::http::bearer::token(&req, &body) {
        Ok(token) => token,
        Err(Error::MissingToken) => {
            return envelope(
                StatusCode::UNAUTHORIZED,
                None,
                Some("Call requires authentication: no access token was given."),
            )
        }
        Err(e) => return envelope(StatusCode::BAD_REQUEST, None, Some(&e.description())),
    };
    let access = match state.provider.access(&token).await {
        Ok(access) => access,
        Err(Error::InvalidToken(_)) => return envelope(
            StatusCode::UNAUTHORIZED,
            None,
            Some("Call requires authentication: the access token is unknown, expired or revoked."),
        ),
        Err(e) => return e.error_response(),
    };
    let client = &access.client;
    let app = json!({
        "client_id": client.client_id,
        "name": client.client_name,
        "link": client.client_uri,
    });
    let scopes: Vec<&str> = access.scope.iter().collect();
    let mut data = json!({
        "app": app,
        "client_id": client.client_id,
        "scopes": scopes,
        "limits": {},
        "storage": {},
    });
    if let Some(user) = &access.user {
        data["user"] = json!({
            "id": user.id.to_string(),
            "username": user.username,
            "name": user.name,
            "type": "human",
            "created_at": crate::pages::rfc3339(user.created_at),
        });
    }
    let mut response = envelope(StatusCode::OK, Some(data), None);
    scopes_header(&mut response, &access.scope);
    response
}

/// The document's answer to a request it cannot read as a token request.
fn unknown_grant() -> HttpResponse {
    Error::UnsupportedGrantType("Unknown grant type".into()).error_response()
}

async fn post_access_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    // "Please make sure … you're sending your request with a Content-type of
    // application/x-www-form-urlencoded not application/json."
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !urlencoded {
        return unknown_grant();
    }
    let form = match OAuthForm::parse(&body) {
        Ok(form) => form,
        Err(e) => return e.error_response(),
    };
    if !form
        .get("grant_type")
        .is_some_and(|g| GRANT_TYPES.contains(&g))
    {
        return unknown_grant();
    }
    crate::http::token::post_token(state, req, form).await
}
