//! `/reset`: the page a one-time password-reset link opens, and setting
//! the new password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::accounts::users::AccountError;
use crate::error::Error;
use crate::http::form::PageForm;
use crate::http::page::{account_error, page, redirect, HtmlError};
use crate::http::session::{self, check_csrf};
use crate::http::state::AppState;
use crate::pages;

#[derive(serde::Deserialize)]
pub(crate) struct TokenQuery {
    token: Option<String>,
}

fn reset_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    token: &str,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = format!("{}/reset", state.provider.settings.issuer);
    session::with_cookie(
        page(status, pages::reset_form(&action, &csrf, token, error)),
        cookie,
    )
}

fn link_spent() -> HtmlError {
    HtmlError(Error::InvalidRequest(
        "this link is used, expired or unknown; ask an administrator for a new one".into(),
    ))
}

/// The form a reset link opens.
pub(crate) async fn get_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, HtmlError> {
    let token = query.token.as_deref().unwrap_or("");
    if !state.accounts.reset_usable(token).await? {
        return Err(link_spent());
    }
    reset_page(&state, &req, StatusCode::OK, token, None)
}

/// Sets the new password.
pub(crate) async fn post_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let provider = &state.provider;
    let token = form.get("token").unwrap_or("");
    let new = form.get("new_password").unwrap_or("");
    match state.accounts.use_reset(token, new).await {
        Ok(()) => {
            crate::http::audit(&state, &req, "password_reset", None, None, None).await;
            Ok(redirect(
                true,
                &format!("{}/login", provider.settings.issuer),
            ))
        }
        Err(AccountError::Invalid(why)) => {
            reset_page(&state, &req, StatusCode::BAD_REQUEST, token, Some(&why))
        }
        Err(AccountError::NotFound) => Err(link_spent()),
        Err(e) => Err(account_error(e)),
    }
}
