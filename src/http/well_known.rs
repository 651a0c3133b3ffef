//! The metadata documents (RFC 8414 §3, OpenID Connect Discovery §4).

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::state::AppState;

/// Serves the prepared metadata document.
pub(crate) async fn get_metadata(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(state.metadata.clone())
}

/// Serves the JWK Set (RFC 7517 §5) with the public signing keys.
pub(crate) async fn get_jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(state.provider.key_ring().jwks().to_owned())
}
