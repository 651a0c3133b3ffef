//! `GET /healthz`: liveness and the running version.

use actix_web::HttpResponse;

/// Answers 200 with the version.
pub(crate) async fn get_healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(concat!(
            "{\"status\":\"ok\",\"version\":\"",
            env!("CARGO_PKG_VERSION"),
            "\"}"
        ))
}
