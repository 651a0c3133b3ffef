//! `GET/POST /oauth/userinfo` (OpenID Connect Core §5.3, RFC 6750): the
//! signed-in user's claims for a user token with the `openid` scope, as
//! JSON or, for a client that registered a signing algorithm, a JWT.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::bearer;
use super::state::AppState;
use crate::oauth::scope::ScopeSet;
use crate::oauth::userinfo::UserInfo;

/// The `X-OAuth-Scopes` header (App.net): the token's scopes, comma-separated.
pub(crate) fn scopes_header(response: &mut HttpResponse, scope: &ScopeSet) {
    let joined = scope.iter().collect::<Vec<_>>().join(",");
    if let Ok(value) = HeaderValue::from_str(&joined) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-oauth-scopes"), value);
    }
}

/// Answers the claims of the token's user.
pub(crate) async fn userinfo(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let hooks = &state.provider.hooks;
    let token =
        match bearer::token_named(&req, &body, &hooks.token_parameters, &hooks.token_schemes) {
            Ok(token) => token,
            Err(e) => return e.error_response(),
        };
    let access = match state.provider.access(&token).await {
        Ok(access) => access,
        Err(e) => return e.error_response(),
    };
    let mut response = match state.provider.userinfo(&access).await {
        Ok(UserInfo::Json(claims)) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(claims),
        Ok(UserInfo::Jwt(jwt)) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("application/jwt")
            .body(jwt),
        Err(e) => e.error_response(),
    };
    scopes_header(&mut response, &access.scope);
    response
}
