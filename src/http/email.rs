//! `/password/forgot` (a reset link by mail), `/email/verify` (where a
//! verification link leads) and `POST /account/email/verify` (send the
//! link again). Without `--smtp-url` the forgot page says reset by email
//! is off; the admin's reset links (`/reset`) work either way.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::outbox;
use super::page::{account_error, page, redirect, HtmlError};
use super::session::{self, check_csrf, signed_in};
use super::state::AppState;
use crate::accounts::email::RESET_BY_MAIL_TTL;
use crate::accounts::profile::check_email;
use crate::accounts::users::AccountError;
use crate::error::Error;
use crate::pages::{self, ConfirmView, ForgotView};

/// Registers this file's routes.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/password/forgot")
            .route(web::get().to(get_forgot))
            .route(web::post().to(post_forgot)),
    )
    .service(
        web::resource("/email/verify")
            .route(web::get().to(get_verify))
            .route(web::post().to(post_verify)),
    )
    .route("/account/email/verify", web::post().to(post_send_again));
}

fn forgot_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let issuer = &state.provider.settings.issuer;
    if !state.outbox.enabled() {
        return Ok(page(StatusCode::OK, pages::forgot_off(issuer)));
    }
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = pages::url_at(issuer, &["password", "forgot"]);
    let view = ForgotView {
        action: &action,
        csrf: &csrf,
        email,
        error,
    };
    session::with_cookie(page(status, pages::forgot_form(&view)), cookie)
}

/// The form that asks for a reset link (or word that mail is off).
pub(crate) async fn get_forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    forgot_page(&state, &req, StatusCode::OK, "", None)
}

/// Answers at once, the same whether or not an account has the address;
/// the links (if any) are made and mailed from a spawned task.
pub(crate) async fn post_forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let address = form.get("email").unwrap_or("").trim();
    if !state.outbox.enabled() {
        return forgot_page(&state, &req, StatusCode::OK, "", None);
    }
    if let Err(AccountError::Invalid(why)) = check_email(address) {
        return forgot_page(&state, &req, StatusCode::BAD_REQUEST, address, Some(&why));
    }
    outbox::send_resets(&state, &req, address);
    let issuer = &state.provider.settings.issuer;
    Ok(page(
        StatusCode::OK,
        pages::forgot_sent(issuer, RESET_BY_MAIL_TTL / 60),
    ))
}

#[derive(serde::Deserialize)]
pub(crate) struct TokenQuery {
    token: Option<String>,
}

fn link_spent() -> HtmlError {
    HtmlError(Error::InvalidRequest(
        "this link is used, expired or unknown; ask for a new one on your account page".into(),
    ))
}

/// The page a verification link opens: which address, and a button.
pub(crate) async fn get_verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let token = query.token.as_deref().unwrap_or("");
    let Some((user, address)) = state.accounts.pending_email(token).await? else {
        return Err(link_spent());
    };
    let (csrf, cookie) = session::csrf(&state, &req)?;
    let action = pages::url_at(&provider.settings.issuer, &["email", "verify"]);
    let view = ConfirmView {
        action: &action,
        csrf: &csrf,
        token,
        username: &user.username,
        email: &address,
    };
    session::with_cookie(page(StatusCode::OK, pages::confirm_email(&view)), cookie)
}

/// Spends the link and marks the address verified (once).
pub(crate) async fn post_verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let provider = &state.provider;
    let token = form.get("token").unwrap_or("");
    match state.accounts.verify_email(token).await {
        Ok(user) => {
            super::audit(
                &state,
                &req,
                "email_verified",
                Some(&user.username),
                None,
                None,
            )
            .await;
            let address = user.email.as_deref().unwrap_or("");
            Ok(page(
                StatusCode::OK,
                pages::email_verified(&provider.settings.issuer, address),
            ))
        }
        Err(AccountError::NotFound) => Err(link_spent()),
        Err(e) => Err(account_error(e)),
    }
}

/// Sends the verification link again (throttled), back to the account page.
pub(crate) async fn post_send_again(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account");
    let mut account = url::Url::parse(&pages::url_at(
        &state.provider.settings.issuer,
        &["account"],
    ))
    .map_err(Error::internal)?;
    if state.outbox.enabled() && user.email.is_some() && !user.email_verified {
        let done = if outbox::send_verification(&state, &req, &user).await? {
            "verify-sent"
        } else {
            "verify-wait"
        };
        account.query_pairs_mut().append_pair("done", done);
    }
    Ok(redirect(true, account.as_str()))
}
