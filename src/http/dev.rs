//! Development mode's banner: every page says, at its top, that anyone can
//! sign in as anyone here.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

const BANNER: &str =
    "<div class=\"dev-banner\" role=\"note\">Development mode: anyone can sign in \
                      as anyone. Never use it for real accounts.</div>";

/// Puts the banner at the top of every HTML page.
pub(crate) async fn banner(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let bytes = to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("could not read the page"))?;
    let page = String::from_utf8_lossy(&bytes).replacen("<body>", &format!("<body>{BANNER}"), 1);
    Ok(ServiceResponse::new(
        request,
        response.set_body(BoxBody::new(page)),
    ))
}
