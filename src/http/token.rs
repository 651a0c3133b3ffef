//! `POST /oauth/token` (RFC 6749 §3.2).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::cors;
use super::form::{OAuthForm, TokenForm};
use super::state::AppState;
use crate::error::Error;
use crate::oauth::client_auth::{credentials, Credentials};

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
) -> Result<Option<Credentials>, Error> {
    credentials(
        authorization(req),
        form.get("client_id"),
        form.get("client_secret"),
    )
}

/// Exchanges a grant for tokens; browser clients get CORS for their own origins.
pub(crate) async fn post_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OAuthForm,
) -> HttpResponse {
    answer_token(state, req, form).await
}

/// `POST /oauth/token` itself: a form, or JSON from a dialect's clients.
pub(crate) async fn post_token_body(
    state: web::Data<AppState>,
    req: HttpRequest,
    TokenForm(form): TokenForm,
) -> HttpResponse {
    answer_token(state, req, form).await
}

async fn answer_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OAuthForm,
) -> HttpResponse {
    let creds = client_credentials_of(&req, &form);
    let client_id = creds
        .as_ref()
        .ok()
        .and_then(|c| c.as_ref())
        .map(|c| c.client_id.clone());
    let mut response = match token(&state, &req, &form, creds).await {
        Ok(response) => response,
        Err(e) => e.error_response(),
    };
    if req.headers().contains_key(header::ORIGIN) {
        cors::token_response(&state, &req, client_id.as_deref(), &mut response).await;
    }
    response
}

async fn token(
    state: &AppState,
    req: &HttpRequest,
    form: &OAuthForm,
    creds: Result<Option<Credentials>, Error>,
) -> Result<HttpResponse, Error> {
    let grant_type = form.required("grant_type")?;
    let provider = &state.provider;
    let client = provider.authenticate_client(creds?).await?;
    if form.is_json() && !provider.accepts_json_token_request(&client) {
        return Err(Error::InvalidRequest(
            "the body must be application/x-www-form-urlencoded".into(),
        ));
    }
    let request = provider.grant_request(&client, grant_type, |name| form.get(name))?;
    let peer = super::client_ip(state, req);
    let response = provider.token(&client, request, peer).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(response))
}
