//! A protected API (an OAuth 2.0 resource server) in front of Gatehouse:
//! `GET /hello` accepts a bearer token (RFC 6750) only after asking Gatehouse
//! about it at the introspection endpoint (RFC 7662), authenticating as its
//! own confidential client, and it needs the `read` scope.
//!
//! Start Gatehouse with the demo seed, then run the example:
//!
//! ```text
//! cargo run --release -- serve --seed data/demo-seed.json
//! cargo run --example resource_server
//! ```
//!
//! Then call it with a token, for example one for the demo `service` client:
//!
//! ```text
//! TOKEN=$(curl -s -u service:service-secret -d grant_type=client_credentials \
//!     -d scope=read http://127.0.0.1:8080/oauth/token | jq -r .access_token)
//! curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:9090/hello
//! ```
//!
//! Answers: no token, 401 with `WWW-Authenticate: Bearer realm="example"`;
//! an unknown, expired or revoked token, 401 with `error="invalid_token"`;
//! a token without `read`, 403 with `error="insufficient_scope"`; otherwise
//! 200 with `{"hello": <sub or client_id>, "scope": ...}`. Every request is
//! introspected (no cache), so a revoked token stops working at once.
//!
//! Settings, from the environment:
//! - `GATEHOUSE_URL`: the issuer (default `http://127.0.0.1:8080`);
//! - `RESOURCE_ADDR`: where this API listens (default `127.0.0.1:9090`);
//! - `CLIENT_ID` / `CLIENT_SECRET`: this API's own credentials for
//!   introspection (default `service` / `service-secret`).

use std::error::Error;
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde::Deserialize;
use serde_json::json;

/// The scope `GET /hello` needs.
const REQUIRED_SCOPE: &str = "read";

/// The realm named in challenges (RFC 6750 §3).
const REALM: &str = "example";

/// How this API reaches Gatehouse's introspection endpoint.
struct Introspector {
    http: reqwest::Client,
    endpoint: String,
    client_id: String,
    client_secret: String,
}

/// The introspection response fields this API reads (RFC 7662 §2.2).
#[derive(Deserialize)]
struct Introspection {
    active: bool,
    scope: Option<String>,
    client_id: Option<String>,
    sub: Option<String>,
    token_type: Option<String>,
}

/// The part of the server metadata this API needs (RFC 8414 §2).
#[derive(Deserialize)]
struct Metadata {
    introspection_endpoint: Option<String>,
}

impl Introspector {
    /// Asks Gatehouse about a token (RFC 7662 §2.1).
    async fn introspect(&self, token: &str) -> Result<Introspection, reqwest::Error> {
        self.http
            .post(&self.endpoint)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
}

/// What the `Authorization` header holds.
enum Presented<'a> {
    /// No usable credentials: no header, or another scheme.
    Nothing,
    /// `Bearer` without a token.
    Malformed,
    /// A bearer token.
    Token(&'a str),
}

/// Reads the bearer token of a request (RFC 6750 §2.1); the scheme is
/// case-insensitive (RFC 9110 §11.1).
fn bearer_token(req: &HttpRequest) -> Presented<'_> {
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Presented::Nothing;
    };
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Presented::Nothing;
    }
    match rest.trim() {
        "" => Presented::Malformed,
        token if token.contains(' ') => Presented::Malformed,
        token => Presented::Token(token),
    }
}

/// An RFC 6750 §3 error: the status, a `WWW-Authenticate` challenge and a
/// JSON body for people reading the response.
fn challenge(status: StatusCode, error: Option<&str>, description: &str) -> HttpResponse {
    let mut value = format!("Bearer realm=\"{REALM}\"");
    if let Some(error) = error {
        value.push_str(&format!(", error=\"{error}\""));
        if error == "insufficient_scope" {
            value.push_str(&format!(", scope=\"{REQUIRED_SCOPE}\""));
        }
    }
    let mut response = HttpResponse::build(status);
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.insert_header((header::WWW_AUTHENTICATE, value));
    }
    // With no token at all the challenge names no error (RFC 6750 §3.1).
    match error {
        Some(error) => response.json(json!({"error": error, "error_description": description})),
        None => response.json(json!({"error_description": description})),
    }
}

/// `GET /hello`: greets whoever the token acts for.
async fn hello(req: HttpRequest, introspector: web::Data<Introspector>) -> HttpResponse {
    let token = match bearer_token(&req) {
        Presented::Token(token) => token,
        Presented::Nothing => {
            return challenge(
                StatusCode::UNAUTHORIZED,
                None,
                "an access token is required",
            )
        }
        Presented::Malformed => {
            return challenge(
                StatusCode::BAD_REQUEST,
                Some("invalid_request"),
                "the Authorization header is not `Bearer <token>`",
            )
        }
    };
    let info = match introspector.introspect(token).await {
        Ok(info) => info,
        Err(e) => {
            log::error!("introspection failed: {e}");
            return HttpResponse::ServiceUnavailable().json(json!({
                "error": "temporarily_unavailable",
                "error_description": "the authorization server could not be asked about the token",
            }));
        }
    };
    // A refresh token is active too, but it is no access token (RFC 7662 §2.2).
    let is_access_token = info
        .token_type
        .as_deref()
        .is_none_or(|t| t.eq_ignore_ascii_case("bearer"));
    if !info.active || !is_access_token {
        return challenge(
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            "the access token is unknown, expired or revoked",
        );
    }
    let scope = info.scope.unwrap_or_default();
    if !scope.split(' ').any(|s| s == REQUIRED_SCOPE) {
        return challenge(
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            "the token lacks the `read` scope",
        );
    }
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "hello": info.sub.or(info.client_id),
            "scope": scope,
        }))
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn Error>> {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let issuer = setting("GATEHOUSE_URL", "http://127.0.0.1:8080");
    let addr = setting("RESOURCE_ADDR", "127.0.0.1:9090");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;

    // Find the introspection endpoint (RFC 8414 §3).
    let discovery = format!(
        "{}/.well-known/oauth-authorization-server",
        issuer.trim_end_matches('/')
    );
    let metadata: Metadata = http
        .get(&discovery)
        .send()
        .await
        .map_err(|e| format!("cannot reach Gatehouse at {issuer}: {e}"))?
        .error_for_status()?
        .json()
        .await?;
    let endpoint = metadata
        .introspection_endpoint
        .ok_or("Gatehouse lists no introspection_endpoint")?;

    let introspector = web::Data::new(Introspector {
        http,
        endpoint,
        client_id: setting("CLIENT_ID", "service"),
        client_secret: setting("CLIENT_SECRET", "service-secret"),
    });
    log::info!("listening on http://{addr}/hello (tokens checked at {issuer})");
    HttpServer::new(move || {
        App::new()
            .app_data(introspector.clone())
            .wrap(actix_web::middleware::Logger::default())
            .route("/hello", web::get().to(hello))
    })
    .workers(2)
    .bind(&addr)?
    .run()
    .await?;
    Ok(())
}
