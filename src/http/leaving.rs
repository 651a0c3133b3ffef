//! Leaving: `GET /account/export` downloads a person's data as JSON;
//! `GET /account/delete` asks them to confirm with their password (or one
//! of their passkeys, through `/account/delete/passkey`) and
//! `POST /account/delete` deletes the account, signs the browser out and
//! says so.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::page::{account_error, page, secure, HtmlError};
use super::passkeys::{ceremony_page, CeremonyPage};
use super::session::{self, check_csrf, signed_in};
use super::state::AppState;
use crate::accounts::leaving::Proof;
use crate::accounts::users::AccountError;
use crate::accounts::{PasskeyPurpose, UserRecord};
use crate::crypto::sha256;
use crate::error::Error;
use crate::pages::{self, CeremonyMode, DeleteAccountView};

/// Sends the person's data as a JSON download.
pub(crate) async fn get_export(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    let user = signed_in!(state, req, "/account/export");
    let current = session::session_value(&state, &req).map(|c| sha256(c.as_bytes()));
    let data = state.accounts.export(&user, current.as_ref()).await?;
    let body = serde_json::to_vec_pretty(&data).map_err(Error::internal)?;
    let name = Some(user.username.as_str());
    super::audit(&state, &req, "data_exported", name, name, None).await;
    // A username is letters, digits, `.`, `_` and `-`: safe in the file name.
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!(
            "gatehouse-{}.json",
            user.username
        ))],
    };
    Ok(secure(&mut HttpResponse::Ok())
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .content_type("application/json")
        .body(body))
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let refused = match state.accounts.may_leave(user).await {
        Ok(()) => None,
        Err(AccountError::Invalid(why)) => Some(why),
        Err(e) => return Err(account_error(e)),
    };
    let status = if refused.is_some() && status == StatusCode::OK {
        StatusCode::FORBIDDEN
    } else {
        status
    };
    let (csrf, cookie) = session::csrf(state, req)?;
    let has_passkey = state.accounts.passkeys_offered()
        && !state.accounts.factors(user.id).await?.passkeys.is_empty();
    let view = DeleteAccountView {
        issuer: &state.provider.settings.issuer,
        csrf: &csrf,
        username: &user.username,
        refused: refused.as_deref(),
        error,
        passkey: has_passkey,
    };
    session::with_cookie(page(status, pages::delete_account(&view)), cookie)
}

/// Shows what deleting the account does, and the form to confirm it.
pub(crate) async fn get_delete(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    let user = signed_in!(state, req, "/account/delete");
    render(&state, &req, &user, StatusCode::OK, None).await
}

/// Whether the typed password proves it is them (checked and throttled
/// like a sign-in).
async fn proof(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    form: &super::form::OAuthForm,
) -> Result<Option<Proof>, HtmlError> {
    let peer = super::client_ip(state, req);
    let password = form.get("password").unwrap_or("");
    let checked = state
        .provider
        .check_password(&user.username, password, peer)
        .await?;
    Ok(checked
        .is_some_and(|u| u.id == user.id)
        .then_some(Proof::Password))
}

/// Deletes the account once the password is right, then signs the browser
/// out and says it is done.
pub(crate) async fn post_delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account/delete");
    if let Err(e) = state.accounts.may_leave(&user).await {
        return match e {
            AccountError::Invalid(_) => render(&state, &req, &user, StatusCode::OK, None).await,
            other => Err(account_error(other)),
        };
    }
    let Some(proof) = proof(&state, &req, &user, &form).await? else {
        let wrong = "The password is not right; your account is unchanged.";
        return render(&state, &req, &user, StatusCode::BAD_REQUEST, Some(wrong)).await;
    };
    delete_now(&state, &req, &user, proof).await
}

/// Deletes the account of `user`, who proved it is them, signs the browser
/// out and says it is done.
async fn delete_now(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    proof: Proof,
) -> Result<HttpResponse, HtmlError> {
    let removal = match state.accounts.delete_account(user, proof).await {
        Ok(removal) => removal,
        Err(AccountError::Invalid(_)) => {
            return render(state, req, user, StatusCode::OK, None).await;
        }
        Err(e) => return Err(account_error(e)),
    };
    let detail = format!(
        "{} sessions ended, {} tokens revoked, {} consents and {} group memberships removed",
        removal.sessions, removal.tokens, removal.consents, removal.groups
    );
    let name = Some(user.username.as_str());
    super::audit(state, req, "account_deleted", name, name, Some(&detail)).await;
    let mut response = page(StatusCode::OK, pages::account_deleted(&user.username));
    response
        .add_cookie(&session::clear_session_cookie(state))
        .map_err(Error::internal)?;
    Ok(response)
}

/// Starts confirming the deletion with one of the person's passkeys.
pub(crate) async fn post_delete_passkey(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account/delete");
    state.accounts.require_passkeys()?;
    let ceremony = state
        .accounts
        .start_passkey_check(user.id, PasskeyPurpose::Confirm)
        .await?;
    ceremony_page(
        &state,
        &req,
        &ceremony,
        CeremonyPage {
            title: "Confirm with a passkey",
            explanation: "Your account is deleted as soon as one of your passkeys answers.",
            finish: &["account", "delete", "passkey", "finish"],
            mode: CeremonyMode::Get,
            button: "Delete my account",
            back: &["account", "delete"],
        },
    )
}

/// Deletes the account once one of the person's passkeys answered.
pub(crate) async fn post_delete_passkey_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account/delete");
    state.accounts.require_passkeys()?;
    let checked = state
        .accounts
        .finish_passkey(
            Some(user.id),
            PasskeyPurpose::Confirm,
            form.get("ceremony").unwrap_or(""),
            form.get("credential").unwrap_or(""),
        )
        .await;
    match checked {
        Ok(_) => {}
        // A refused answer shows the page again with the reason; a failure
        // of the database stays an error.
        Err(AccountError::Invalid(why)) => {
            return render(&state, &req, &user, StatusCode::BAD_REQUEST, Some(&why)).await;
        }
        Err(e) => return Err(account_error(e)),
    }
    delete_now(&state, &req, &user, Proof::Passkey).await
}
