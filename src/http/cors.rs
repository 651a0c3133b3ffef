//! Cross-origin access for browser clients. Discovery, userinfo, revocation
//! and introspection answer any origin (they take no cookies, so `*` gives
//! nothing away). The token endpoint answers only origins of the client's
//! registered redirect URIs. The authorization endpoint and the pages never
//! answer CORS at all.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::state::AppState;
use crate::error::Error;

const ALLOW_HEADERS: &str = "authorization, content-type";
const MAX_AGE: &str = "600";

/// The origin (`scheme://host[:port]`) of a URL, if it has one.
pub(crate) fn origin_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

fn request_origin(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Adds CORS headers allowing `origin` (or any, with `*`).
pub(crate) fn allow(response: &mut HttpResponse, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("www-authenticate, x-oauth-scopes"),
        );
        if origin != "*" {
            headers.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}

fn preflight(origin: &str) -> HttpResponse {
    let mut response = HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE))
        .finish();
    allow(&mut response, origin);
    response
}

/// Middleware for endpoints open to every origin.
pub(crate) async fn any_origin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let has_origin = req.headers().contains_key(header::ORIGIN);
    let mut response = next.call(req).await?;
    if has_origin {
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("www-authenticate, x-oauth-scopes"),
        );
    }
    Ok(response)
}

/// `OPTIONS` on an endpoint open to every origin.
pub(crate) async fn preflight_any() -> HttpResponse {
    preflight("*")
}

/// Whether some client registered a redirect URI on this origin.
async fn registered_origin(state: &AppState, origin: &str) -> Result<bool, Error> {
    Ok(state
        .provider
        .all_redirect_uris()
        .await?
        .iter()
        .any(|uri| origin_of(uri).as_deref() == Some(origin)))
}

/// `OPTIONS /oauth/token`: allowed for origins some client registered; a
/// store failure is a server error, not a refusal.
pub(crate) async fn preflight_token(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(origin) = request_origin(&req) else {
        return HttpResponse::build(StatusCode::FORBIDDEN).finish();
    };
    match registered_origin(&state, &origin).await {
        Ok(true) => preflight(&origin),
        Ok(false) => HttpResponse::build(StatusCode::FORBIDDEN).finish(),
        Err(e) => e.error_response(),
    }
}

/// Adds CORS headers to a token response when the request's origin is one
/// of the client's registered redirect origins.
pub(crate) async fn token_response(
    state: &AppState,
    req: &HttpRequest,
    client_id: Option<&str>,
    response: &mut HttpResponse,
) {
    let (Some(origin), Some(client_id)) = (request_origin(req), client_id) else {
        return;
    };
    match state.provider.client(client_id).await {
        Ok(Some(client)) => {
            if client
                .redirect_uris
                .iter()
                .any(|uri| origin_of(uri).as_deref() == Some(origin.as_str()))
            {
                allow(response, &origin);
            }
        }
        Ok(None) => {}
        // The answer is decided already (a code may be spent): it goes out
        // as it is, without CORS headers, and the failure is logged.
        Err(e) => log::error!("CORS for a token response could not read the client: {e}"),
    }
}
