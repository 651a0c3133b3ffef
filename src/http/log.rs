//! One log line per request: method, path (never the query, which may carry
//! a token), status, duration and the client address (the peer, or what a
//! trusted proxy says). Headers, bodies and cookies are never logged.
//!
//! The fields also travel as the record's key-values, so the JSON log
//! format (`--log-format json`) writes them as JSON fields.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::state::AppState;

/// The request log: logs each request when it is answered.
pub async fn request_line(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let client = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| super::client_ip(state, req.request()))
        .map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    log::info!(
        target: "gatehouse::request",
        method = method.as_str(),
        path = path.as_str(),
        status = status,
        ms = (ms * 1000.0).round() / 1000.0,
        client = client.as_str();
        "{method} {path} {status} {ms:.3}ms client={client}"
    );
    Ok(response)
}
