//! `POST /oauth/token` (RFC 6749 §3.2).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::OAuthForm;
use super::state::AppState;
use crate::error::Error;
use crate::oauth::client_auth::credentials;
use crate::oauth::grant::GrantRequest;

/// The `Authorization` header as text, if present and readable.
pub(crate) fn authorization(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

/// Authenticates the client a form names, by whichever method it used.
pub(crate) fn client_credentials_of(
    req: &HttpRequest,
    form: &OAuthForm,
) -> Result<Option<crate::oauth::client_auth::Credentials>, Error> {
    credentials(
        authorization(req),
        form.get("client_id"),
        form.get("client_secret"),
    )
}

/// Exchanges a grant for tokens.
pub(crate) async fn post_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OAuthForm,
) -> Result<HttpResponse, Error> {
    let grant_type = form.required("grant_type")?;
    let creds = client_credentials_of(&req, &form)?;
    let provider = &state.provider;
    let client = provider.authenticate_client(creds).await?;
    let request = GrantRequest::parse(grant_type, |name| form.get(name))?;
    let response = provider.token(&client, request).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(response))
}
