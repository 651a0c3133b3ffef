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
use actix_web::{web, HttpRequest, HttpResponse};

use super::state::AppState;

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
async fn registered_origin(state: &AppState, origin: &str) -> bool {
    match state.provider.store.clients().await {
        Ok(clients) => clients
            .iter()
            .flat_map(|c| c.redirect_uris.iter())
            .any(|uri| origin_of(uri).as_deref() == Some(origin)),
        Err(e) => {
            log::warn!("CORS preflight could not read clients: {e}");
            false
        }
    }
}

/// `OPTIONS /oauth/token`: allowed for origins some client registered.
pub(crate) async fn preflight_token(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match request_origin(&req) {
        Some(origin) if registered_origin(&state, &origin).await => preflight(&origin),
        _ => HttpResponse::build(StatusCode::FORBIDDEN).finish(),
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
    if let Ok(Some(client)) = state.provider.store.client(client_id).await {
        if client
            .redirect_uris
            .iter()
            .any(|uri| origin_of(uri).as_deref() == Some(origin.as_str()))
        {
            allow(response, &origin);
        }
    }
}
