//! The plain-HTTP listener of `--http-redirect` (port 80): every request is
//! sent to the same path on the HTTPS issuer, except ACME's HTTP-01
//! challenges (RFC 8555 §8.3), which it answers while one is pending.

use std::sync::Arc;

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::tls::Reloading;

/// What the plain listener needs.
#[derive(Debug)]
pub struct PlainState {
    /// The HTTPS issuer every redirect goes to.
    pub issuer: String,
    /// Where pending HTTP-01 answers are.
    pub tls: Arc<Reloading>,
}

/// Registers the plain listener's routes.
pub fn plain_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/.well-known/acme-challenge/{token}",
        web::get().to(get_challenge),
    )
    .default_service(web::to(to_https));
}

async fn get_challenge(
    state: web::Data<PlainState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    match state.tls.http_token(&token) {
        Some(answer) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(answer),
        None => to_https(state, req).await,
    }
}

/// 301 (GET, HEAD) or 308 (anything else, keeping the method and body) to
/// the same path and query on the HTTPS issuer.
async fn to_https(state: web::Data<PlainState>, req: HttpRequest) -> HttpResponse {
    let mut location = format!("{}{}", state.issuer, req.path());
    if !req.query_string().is_empty() {
        location.push('?');
        location.push_str(req.query_string());
    }
    let mut response = if matches!(*req.method(), Method::GET | Method::HEAD) {
        HttpResponse::MovedPermanently()
    } else {
        HttpResponse::PermanentRedirect()
    };
    response
        .insert_header((header::LOCATION, location))
        .finish()
}
