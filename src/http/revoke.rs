//! `POST /oauth/revoke` (RFC 7009).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::OAuthForm;
use super::state::AppState;
use super::token::client_credentials_of;
use crate::error::Error;

/// Revokes one of the calling client's tokens; unknown tokens are success.
pub(crate) async fn post_revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OAuthForm,
) -> Result<HttpResponse, Error> {
    let creds = client_credentials_of(&req, &form)?;
    let client = state.provider.authenticate_client(creds).await?;
    let token = form.required("token")?;
    state.provider.metrics.revocation();
    state.provider.revoke(&client, token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
