//! Skritter, as skritter-oauth2.txt describes it: `/api/v0/oauth2/authorize`
//! and `/api/v0/oauth2/token` (GET with query parameters or POST); the client
//! secret as a POST parameter or as `Authorization: basic <b64>` (any case,
//! with or without the colon the prose mentions), and for the password grant
//! only through the header; `user_id` in every response but client
//! credentials, `used_recovery` for passwords; a JSONP `callback`; and the
//! `bearer_token` parameter at protected endpoints.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde_json::{json, Value};

use crate::error::Error;
use crate::http::form::OAuthForm;
use crate::http::state::AppState;
use crate::oauth::client_auth::credentials;
use crate::oauth::grant::GrantRequest;
use crate::oauth::ScopeRecord;

/// The token parameter Skritter's protected endpoints also accept.
pub const TOKEN_PARAMETER: &str = "bearer_token";

/// Skritter has no scopes; its clients ask for none. One default scope
/// stands for "the API", so that such requests get a token.
pub fn scopes() -> Vec<ScopeRecord> {
    vec![ScopeRecord {
        name: "api".into(),
        description: "Use your data through the API".into(),
        default: true,
        always: false,
    }]
}

/// Registers the dialect's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/api/v0/oauth2/authorize",
        web::get().to(crate::http::get_authorize),
    )
    .service(
        web::resource("/api/v0/oauth2/token")
            .route(web::get().to(get_token))
            .route(web::post().to(post_token)),
    )
    .route("/api/v0/users/me", web::get().to(get_me));
}

/// `GET /api/v0/users/me`: who the token acts for, with the token as the
/// `bearer_token` parameter (the document's way) or in the header.
async fn get_me(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    // The core's answer (status, WWW-Authenticate), in Skritter's shape.
    let refuse = |e: Error| {
        let body = json!({
            "statusCode": e.status_code().as_u16(),
            "error": e.code(),
            "message": e.description(),
        });
        e.error_response()
            .set_body(actix_web::body::BoxBody::new(body.to_string()))
    };
    let token = match crate::http::bearer::token_named(&req, &[], &[TOKEN_PARAMETER], &[]) {
        Ok(token) => token,
        Err(e) => return refuse(e),
    };
    match state.provider.access(&token).await {
        Ok(access) => match &access.user {
            Some(user) => HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(json!({
                    "statusCode": 200,
                    "user_id": user.id.to_string(),
                    "username": user.username,
                    "name": user.name,
                })),
            None => refuse(Error::InvalidToken(
                "a client_credentials token acts for no user".into(),
            )),
        },
        Err(e) => refuse(e),
    }
}

/// A JSONP callback name must be a plain JavaScript identifier path:
/// identifiers joined by single dots, at most 128 characters.
fn valid_callback(name: &str) -> bool {
    let identifier = |part: &str| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$'))
    };
    name.len() <= 128 && name.split('.').all(identifier)
}

/// Answers JSON, or JSONP when a callback was asked for.
fn respond(status: StatusCode, body: &Value, callback: Option<&str>) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    match callback {
        Some(name) => response
            .content_type("application/javascript")
            .body(format!("{name}({body});")),
        None => response.json(body),
    }
}

fn error_body(error: &Error) -> Value {
    json!({ "error": error.code(), "error_description": error.description() })
}

async fn get_token(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let params = OAuthForm::parse(req.query_string().as_bytes());
    // "This either needs to be provided as a parameter (POST requests
    // only), or through HTTP headers": never a secret in a URL.
    let in_url = params
        .as_ref()
        .is_ok_and(|p| p.pairs().iter().any(|(k, _)| k == "client_secret"));
    if in_url {
        let e = Error::InvalidRequest(
            "on GET the client secret travels only in the Authorization header".into(),
        );
        return respond(e.status_code(), &error_body(&e), None);
    }
    token(&state, &req, params).await
}

async fn post_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    token(&state, &req, OAuthForm::parse(&body)).await
}

/// Parameters from the query (GET) or the body (POST), repeats refused
/// by the shared form parser.
async fn token(
    state: &AppState,
    req: &HttpRequest,
    params: Result<OAuthForm, Error>,
) -> HttpResponse {
    let params = match params {
        Ok(params) => params,
        Err(e) => return respond(e.status_code(), &error_body(&e), None),
    };
    let get = |name: &str| params.get(name);
    let callback = get("callback");
    if callback.is_some_and(|c| !valid_callback(c)) {
        let e = Error::InvalidRequest("callback must be a JavaScript identifier".into());
        return respond(e.status_code(), &error_body(&e), None);
    }
    match issue(state, req, &get).await {
        Ok(body) => respond(StatusCode::OK, &body, callback),
        Err(e) => respond(e.status_code(), &error_body(&e), callback),
    }
}

async fn issue<'a>(
    state: &AppState,
    req: &HttpRequest,
    get: &impl Fn(&str) -> Option<&'a str>,
) -> Result<Value, Error> {
    let grant_type = get("grant_type")
        .ok_or_else(|| Error::InvalidRequest("missing parameter `grant_type`".into()))?;
    // The document's header is `basic <b64>`; its prose says `basic: `.
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| match v.split_once(':') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => {
                format!("basic {}", rest.trim())
            }
            _ => v.to_owned(),
        });
    if grant_type == "password" && get("client_secret").is_some() {
        return Err(Error::InvalidRequest(
            "the password grant takes the client secret only in the Authorization header".into(),
        ));
    }
    let creds = credentials(
        authorization.as_deref(),
        get("client_id"),
        get("client_secret"),
    )?;
    let provider = &state.provider;
    let client = provider.authenticate_client(creds).await?;
    let request = GrantRequest::parse(grant_type, |name| get(name))?;
    let peer = crate::http::client_ip(state, req);
    let issued = provider.token(&client, request, peer).await?;
    let mut body = serde_json::to_value(&issued).map_err(Error::internal)?;
    if let Value::Object(map) = &mut body {
        map.insert("token_type".into(), json!("bearer"));
        if grant_type != "client_credentials" {
            let sub = provider.introspect(&issued.access_token).await?.sub;
            map.insert("user_id".into(), json!(sub));
        }
        if grant_type == "password" {
            map.insert("used_recovery".into(), json!(false));
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_plain_identifiers() {
        for ok in ["cb", "jQuery123_456", "$.handlers.done", "_x"] {
            assert!(valid_callback(ok), "{ok}");
        }
        for bad in [
            "", "1cb", "alert(1)", "a b", "a;b", "x-y", "a..b", "a.", ".a",
        ] {
            assert!(!valid_callback(bad), "{bad}");
        }
    }
}
