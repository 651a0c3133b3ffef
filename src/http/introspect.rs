//! `POST /oauth/introspect` (RFC 7662): confidential clients only.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::OAuthForm;
use super::state::AppState;
use super::token::client_credentials_of;
use crate::error::Error;

/// Tells a resource server whether a token is active and what it carries.
pub(crate) async fn post_introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OAuthForm,
) -> Result<HttpResponse, Error> {
    let creds = client_credentials_of(&req, &form)?;
    state.provider.authenticate_confidential(creds).await?;
    let token = form.required("token")?;
    state.provider.metrics.introspection();
    let answer = state.provider.introspect(token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}
