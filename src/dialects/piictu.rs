//! Piictu, as piictu-auth.txt describes it: `POST /oauth/access_token` with
//! the password grant, sent as `multipart/form-data` (what `curl -F` sends)
//! or urlencoded, answering `access_token`, `scope` and the `user` object;
//! `Authorization: OAuth <token>` at `GET /v2/users/me`, which answers that
//! same object; and tokens that are "good until deleted" for clients whose
//! access token lifetime is 0.

use actix_multipart::form::text::Text;
use actix_multipart::form::MultipartForm;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::error::Error;
use crate::http::form::OAuthForm;
use crate::http::state::AppState;
use crate::oauth::client_auth::credentials;
use crate::oauth::grant::GrantRequest;
use crate::oauth::{ScopeRecord, UserRecord};

/// The `Authorization` scheme Piictu's API calls use.
pub const AUTH_SCHEME: &str = "OAuth";

/// Piictu's scopes, both granted by default as in the document's answer.
pub fn scopes() -> Vec<ScopeRecord> {
    [("read", "Read your data"), ("write", "Change your data")]
        .into_iter()
        .map(|(name, description)| ScopeRecord {
            name: name.into(),
            description: description.into(),
            default: true,
            always: false,
        })
        .collect()
}

/// Registers the dialect's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/access_token", web::post().to(post_access_token))
        .route("/v2/users/me", web::get().to(get_me));
}

/// The document's user object, every field of it: what Gatehouse knows,
/// and null, zero or empty where it keeps nothing of the kind.
fn user_object(user: &UserRecord) -> serde_json::Value {
    json!({
        "avatar_url": null,
        "bio": "",
        "created_at": crate::pages::rfc3339_seconds(user.created_at),
        "current_sign_in_at": null,
        "current_sign_in_ip": null,
        "followers_count": 0,
        "friends_count": 0,
        "fullname": user.name.clone().unwrap_or_default(),
        "last_sign_in_at": null,
        "last_sign_in_ip": null,
        "likes_count": 0,
        "original_avatar_url": null,
        "photos_count": 0,
        "prev_visited_notification_seq": 0,
        "push_tokens": [],
        "replies_count": 0,
        "streams_count": 0,
        "timezone": null,
        "updated_at": crate::pages::rfc3339_seconds(user.updated_at),
        "username": user.username,
        "id": user.id.to_string(),
        "services": [],
        "email": user.email,
    })
}

/// `GET /v2/users/me`: the token's user, as the token response's `user`
/// object, with the token as `Authorization: OAuth <token>` (any amount of
/// whitespace between) or `Bearer`.
async fn get_me(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let token = match crate::http::bearer::token_named(&req, &[], &[], &[AUTH_SCHEME]) {
        Ok(token) => token,
        Err(e) => return e.error_response(),
    };
    match state.provider.access(&token).await {
        Ok(access) => match &access.user {
            Some(user) => HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(user_object(user)),
            None => Error::InvalidToken("this token acts for no user".into()).error_response(),
        },
        Err(e) => e.error_response(),
    }
}

/// The fields of a multipart token request; a field sent twice is refused.
#[derive(MultipartForm)]
#[multipart(duplicate_field = "deny")]
struct TokenForm {
    grant_type: Option<Text<String>>,
    client_id: Option<Text<String>>,
    client_secret: Option<Text<String>>,
    username: Option<Text<String>>,
    password: Option<Text<String>>,
    scope: Option<Text<String>>,
}

/// The token request's parameters, from either body; a parameter sent
/// twice is refused as at the core's token endpoint.
async fn read_params(req: &HttpRequest, payload: web::Payload) -> Result<OAuthForm, Error> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut payload = payload.into_inner();
        let form = MultipartForm::<TokenForm>::from_request(req, &mut payload)
            .await
            .map_err(|e| Error::InvalidRequest(format!("malformed multipart body: {e}").into()))?
            .into_inner();
        let pairs = [
            ("grant_type", form.grant_type),
            ("client_id", form.client_id),
            ("client_secret", form.client_secret),
            ("username", form.username),
            ("password", form.password),
            ("scope", form.scope),
        ];
        return OAuthForm::from_pairs(
            pairs
                .into_iter()
                .filter_map(|(k, v)| v.map(|t| (k.to_owned(), t.into_inner())))
                .collect(),
        );
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = payload
            .to_bytes_limited(crate::http::BODY_LIMIT)
            .await
            .map_err(|_| Error::PayloadTooLarge("the request body is larger than 64 KiB".into()))?
            .map_err(|_| Error::InvalidRequest("the request body could not be read".into()))?;
        return OAuthForm::parse(&body);
    }
    Err(Error::InvalidRequest(
        "send multipart/form-data or application/x-www-form-urlencoded".into(),
    ))
}

async fn post_access_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match access_token(&state, &req, payload).await {
        Ok(response) => response,
        Err(e) => e.error_response(),
    }
}

async fn access_token(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let params = read_params(req, payload).await?;
    let get = |name: &str| params.get(name);
    let grant_type = get("grant_type")
        .ok_or_else(|| Error::InvalidRequest("missing parameter `grant_type`".into()))?;
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let creds = credentials(authorization, get("client_id"), get("client_secret"))?;
    let provider = &state.provider;
    let client = provider.authenticate_client(creds).await?;
    let request = GrantRequest::parse(grant_type, |name| get(name))?;
    let issued = provider
        .token(&client, request, crate::http::client_ip(state, req))
        .await?;
    let mut body = serde_json::to_value(&issued).map_err(Error::internal)?;
    let user = provider.access(&issued.access_token).await?.user;
    if let (serde_json::Value::Object(map), Some(user)) = (&mut body, user) {
        map.insert("user".into(), user_object(&user));
    }
    Ok(HttpResponse::build(StatusCode::OK)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}
