//! `GET /healthz` (liveness, the version and the store format), `GET
//! /readyz` (503 while the store cannot take a durable write) and
//! `GET /metrics` (Prometheus text, off unless configured).

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::state::AppState;
use crate::crypto::constant_time_eq;

/// How long `/healthz` waits for the store to answer before calling it down.
const PING_WAIT: Duration = Duration::from_secs(2);

/// The body of `/healthz` while the store answers, built once.
static UP_BODY: LazyLock<String> = LazyLock::new(|| {
    json!({
        "status": "ok",
        "store": "up",
        "version": env!("CARGO_PKG_VERSION"),
        "store_format": crate::oauth::STORE_FORMAT,
    })
    .to_string()
});

/// Answers 200 with the version and the store format while the store
/// answers; 503 with `"store": "down"` while it does not (a shared
/// database that is unreachable).
pub(crate) async fn get_healthz(state: web::Data<AppState>) -> HttpResponse {
    // The embedded store is part of this process: it answers while the
    // process does, so only a shared one is asked (and timed).
    let ping = if state.provider.shares_store() {
        actix_web::rt::time::timeout(PING_WAIT, state.provider.store_answers()).await
    } else {
        Ok(Ok(()))
    };
    match ping {
        // The usual answer is the same bytes every time: written once, not
        // built as a JSON value per request (load balancers call this most).
        Ok(Ok(())) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("application/json")
            .body(UP_BODY.as_str()),
        failed => {
            match failed {
                Ok(Err(e)) => log::error!("health: the store does not answer: {e}"),
                _ => log::error!("health: the store did not answer within two seconds"),
            }
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(json!({
                    "status": "unavailable",
                    "store": "down",
                    "version": env!("CARGO_PKG_VERSION"),
                    "store_format": crate::oauth::STORE_FORMAT,
                }))
        }
    }
}

/// Answers 200 when a durable write succeeds within two seconds, else 503.
pub(crate) async fn get_readyz(state: web::Data<AppState>) -> HttpResponse {
    let check = actix_web::rt::time::timeout(Duration::from_secs(2), state.provider.ready());
    match check.await {
        Ok(Ok(())) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({"status": "ready"})),
        Ok(Err(e)) => {
            log::error!("readiness: the store cannot write: {e}");
            unavailable()
        }
        Err(_) => {
            log::error!("readiness: a store write took longer than two seconds");
            unavailable()
        }
    }
}

fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"status": "unavailable", "reason": "the store cannot write"}))
}

/// The exposition itself (503 while the store cannot count its records).
async fn exposition(state: &AppState) -> HttpResponse {
    let provider = &state.provider;
    let (records, bytes) = match provider.store_figures().await {
        Ok(figures) => figures,
        Err(e) => {
            log::error!("metrics: the store cannot count its records: {e}");
            return unavailable();
        }
    };
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(
            provider
                .metrics
                .render(&records, bytes, provider.clock.now()),
        )
}

/// `/metrics` on the main address: only with the configured bearer token.
pub(crate) async fn get_metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(expected) = state.metrics_token.as_deref() else {
        return HttpResponse::NotFound().json(json!({"error": "not_found"}));
    };
    let sent = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match sent {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => {
            exposition(&state).await
        }
        _ => HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="metrics""#))
            .finish(),
    }
}

/// `/metrics` on the separate `--metrics-addr`, which only operators reach.
pub(crate) async fn get_metrics_open(state: web::Data<AppState>) -> HttpResponse {
    exposition(&state).await
}

/// Counts each request by its route pattern (never the raw path, so ids
/// in paths do not make new series) and status, with its duration.
pub async fn count_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let response = next.call(req).await?;
    if let Some(state) = response.request().app_data::<web::Data<AppState>>() {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        state.provider.metrics.request(
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}
