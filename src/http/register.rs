//! `POST /oauth/register` (RFC 7591) and `GET/PUT/DELETE
//! /oauth/register/{client_id}` (RFC 7592), JSON in and out.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::BODY_LIMIT;
use super::state::AppState;
use crate::error::Error;
use crate::oauth::register::{ClientInformation, RegistrationRequest};

/// The bearer token of the `Authorization` header, if any.
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn json_body(req: &HttpRequest, payload: web::Payload) -> Result<RegistrationRequest, Error> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Error::InvalidRequest(
            "the body must be application/json".into(),
        ));
    }
    let body = payload
        .to_bytes_limited(BODY_LIMIT)
        .await
        .map_err(|_| Error::PayloadTooLarge("the request body is larger than 64 KiB".into()))?
        .map_err(|_| Error::InvalidRequest("the request body could not be read".into()))?;
    serde_json::from_slice(&body)
        .map_err(|e| Error::InvalidClientMetadata(format!("not valid client metadata: {e}").into()))
}

fn answer(status: StatusCode, info: &ClientInformation) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(info)
}

/// Registers a client.
pub(crate) async fn post_register(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    state.provider.may_register(bearer(&req)).await?;
    let request = json_body(&req, payload).await?;
    let info = state.provider.register(request).await?;
    super::audit(
        &state,
        &req,
        "client_registered",
        None,
        Some(&info.client_id),
        Some("dynamic registration"),
    )
    .await;
    Ok(answer(StatusCode::CREATED, &info))
}

/// Reads a registration.
pub(crate) async fn get_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let client = state.provider.managed_client(&path, bearer(&req)).await?;
    Ok(answer(
        StatusCode::OK,
        &state.provider.read_registration(&client),
    ))
}

/// Replaces a registration's metadata.
pub(crate) async fn put_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let client = state.provider.managed_client(&path, bearer(&req)).await?;
    let request = json_body(&req, payload).await?;
    let info = state.provider.update_registration(client, request).await?;
    Ok(answer(StatusCode::OK, &info))
}

/// Deletes a registration.
pub(crate) async fn delete_registration(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let client = state.provider.managed_client(&path, bearer(&req)).await?;
    state.provider.delete_registration(&client).await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
