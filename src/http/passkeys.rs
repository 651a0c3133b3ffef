//! Passkeys over HTTP. Every step is a plain form POST: the security page's
//! "Add a passkey", the sign-in page's "Sign in with a passkey" and the
//! second-factor page's "Use a passkey instead" each lead to one ceremony
//! page, the only pages that run a script (`/static/passkey.js`), which
//! asks the browser and posts the answer to the matching `…/finish`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::login::local_next;
use super::page::{page, page_with_script, redirect, HtmlError};
use super::security::{audit_own, password_right, step_up};
use super::session::{self, check_csrf, signed_in_session};
use super::state::AppState;
use crate::accounts::passkeys::Ceremony;
use crate::accounts::PasskeyPurpose;
use crate::error::Error;
use crate::oauth::acr;
use crate::pages::{self, url_at, CeremonyMode, CeremonyView};

/// Registers the passkey routes.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/security/passkeys", web::post().to(post_add))
        .route(
            "/account/security/passkeys/finish",
            web::post().to(post_add_finish),
        )
        .route(
            "/account/security/passkeys/{id}/rename",
            web::post().to(post_rename),
        )
        .route(
            "/account/security/passkeys/{id}/remove",
            web::post().to(post_remove),
        )
        .route("/login/passkey", web::post().to(post_sign_in))
        .route("/login/passkey/finish", web::post().to(post_sign_in_finish))
        .route(
            "/login/second-factor/passkey",
            web::post().to(post_second_factor),
        )
        .route(
            "/login/second-factor/passkey/finish",
            web::post().to(post_second_factor_finish),
        );
}

/// What a ceremony page needs besides the ceremony.
pub(crate) struct CeremonyPage<'a> {
    pub(crate) title: &'a str,
    pub(crate) explanation: &'a str,
    pub(crate) finish: &'a [&'a str],
    pub(crate) mode: CeremonyMode,
    pub(crate) button: &'a str,
    pub(crate) back: &'a [&'a str],
}

/// The page that runs a ceremony: the only kind that loads a script.
pub(crate) fn ceremony_page(
    state: &AppState,
    req: &HttpRequest,
    ceremony: &Ceremony,
    shown: CeremonyPage<'_>,
) -> Result<HttpResponse, HtmlError> {
    let issuer = &state.provider.settings.issuer;
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = url_at(issuer, shown.finish);
    let back = url_at(issuer, shown.back);
    let view = CeremonyView {
        title: shown.title,
        explanation: shown.explanation,
        action: &action,
        csrf: &csrf,
        ceremony: &ceremony.id,
        options: &ceremony.options,
        mode: shown.mode,
        button: shown.button,
        back: &back,
    };
    session::with_cookie(
        page_with_script(StatusCode::OK, pages::ceremony(&view)),
        cookie,
    )
}

fn security_page(state: &AppState, done: &str) -> HttpResponse {
    redirect(
        true,
        &format!(
            "{}/account/security?done={done}",
            state.provider.settings.issuer
        ),
    )
}

/// Starts registering a passkey under the typed name.
pub(crate) async fn post_add(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (_, user) = signed_in_session!(state, req, "/account/security");
    state.accounts.require_passkeys()?;
    let next = form.get("next").map(|n| local_next(Some(n))).unwrap_or("");
    let ceremony = state
        .accounts
        .start_passkey_registration(&user, form.get("name").unwrap_or(""), next)
        .await?;
    ceremony_page(
        &state,
        &req,
        &ceremony,
        CeremonyPage {
            title: "Add a passkey",
            explanation:
                "Your browser will ask for your screen lock, a security key or your phone.",
            finish: &["account", "security", "passkeys", "finish"],
            mode: CeremonyMode::Create,
            button: "Create the passkey",
            back: &["account", "security"],
        },
    )
}

/// Stores the new passkey; the first second factor also brings recovery
/// codes, shown once.
pub(crate) async fn post_add_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (current, user) = signed_in_session!(state, req, "/account/security");
    state.accounts.require_passkeys()?;
    let provider = &state.provider;
    let recovery_left = state.accounts.factors(user.id).await?.recovery_left;
    let verified = state
        .accounts
        .finish_passkey_registration(
            user.id,
            form.get("ceremony").unwrap_or(""),
            form.get("credential").unwrap_or(""),
        )
        .await?;
    audit_own(&state, &req, &user, "passkey_added").await;
    let issuer = &provider.settings.issuer;
    let continue_to = if verified.next.is_empty() {
        format!("{issuer}/account/security?done=passkey_added")
    } else {
        format!("{issuer}{}", verified.next)
    };
    let response = if recovery_left == 0 {
        let codes = state.accounts.renew_recovery_codes(user.id).await?;
        page(StatusCode::OK, pages::recovery_codes(&codes, &continue_to))
    } else {
        redirect(true, &continue_to)
    };
    step_up(&state, &req, response, &user, &current, verified.method).await
}

/// Renames a passkey.
pub(crate) async fn post_rename(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (_, user) = signed_in_session!(state, req, "/account/security");
    if !state
        .accounts
        .rename_passkey(user.id, &path, form.get("name").unwrap_or(""))
        .await?
    {
        return Err(HtmlError(Error::NotFound));
    }
    Ok(security_page(&state, "passkey_renamed"))
}

/// Removes a passkey: needs the password.
pub(crate) async fn post_remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (_, user) = signed_in_session!(state, req, "/account/security");
    if !password_right(&state, &req, &user, form.get("password").unwrap_or("")).await? {
        return Err(HtmlError(Error::InvalidRequest(
            "the password is not right; the passkey was not removed".into(),
        )));
    }
    if !state.accounts.remove_passkey(user.id, &path).await? {
        return Err(HtmlError(Error::NotFound));
    }
    audit_own(&state, &req, &user, "passkey_removed").await;
    Ok(security_page(&state, "passkey_removed"))
}

/// Starts a sign-in with a passkey (no username: the passkey names it).
pub(crate) async fn post_sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    state.accounts.require_passkeys()?;
    let next = local_next(form.get("next"));
    let ceremony = state.accounts.start_passkey_sign_in(next).await?;
    ceremony_page(
        &state,
        &req,
        &ceremony,
        CeremonyPage {
            title: "Sign in with a passkey",
            explanation: "Your browser will ask for the passkey you keep for this site.",
            finish: &["login", "passkey", "finish"],
            mode: CeremonyMode::Get,
            button: "Use my passkey",
            back: &["login"],
        },
    )
}

/// Signs in whoever's passkey answered.
pub(crate) async fn post_sign_in_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    state.accounts.require_passkeys()?;
    let verified = match state
        .accounts
        .finish_passkey(
            None,
            PasskeyPurpose::SignIn,
            form.get("ceremony").unwrap_or(""),
            form.get("credential").unwrap_or(""),
        )
        .await
    {
        Ok(verified) => verified,
        Err(e) => {
            super::audit(&state, &req, "passkey_sign_in_failed", None, None, None).await;
            return Err(e.into());
        }
    };
    let user = state
        .accounts
        .user(verified.user_id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| {
            HtmlError(Error::InvalidRequest(
                "this account cannot sign in; ask your administrator".into(),
            ))
        })?;
    let name = Some(user.username.as_str());
    super::audit(&state, &req, "passkey_sign_in", name, name, None).await;
    if let Some(old) = session::session_value(&state, &req) {
        state.accounts.end_session(&old).await?;
    }
    let amr = acr::add(&[], verified.method);
    session::start(&state, user.id, amr, local_next(Some(&verified.next))).await
}

/// Starts the second-factor check with the person's passkeys.
pub(crate) async fn post_second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    state.accounts.require_passkeys()?;
    let Some((_, user)) = session::waiting(&state, &req).await? else {
        return Ok(super::login::to_login(&state, "/", true));
    };
    let ceremony = state
        .accounts
        .start_passkey_check(user.id, PasskeyPurpose::SecondFactor)
        .await?;
    ceremony_page(
        &state,
        &req,
        &ceremony,
        CeremonyPage {
            title: "Use a passkey",
            explanation: "Your browser will ask for one of your passkeys.",
            finish: &["login", "second-factor", "passkey", "finish"],
            mode: CeremonyMode::Get,
            button: "Use my passkey",
            back: &["login", "second-factor"],
        },
    )
}

/// Completes the sign-in that waited for its second factor.
pub(crate) async fn post_second_factor_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    state.accounts.require_passkeys()?;
    let waiting = session::waiting(&state, &req).await?;
    let Some((cookie, user)) = waiting else {
        return Ok(super::login::to_login(&state, "/", true));
    };
    let name = Some(user.username.as_str());
    let verified = match state
        .accounts
        .finish_passkey(
            Some(user.id),
            PasskeyPurpose::SecondFactor,
            form.get("ceremony").unwrap_or(""),
            form.get("credential").unwrap_or(""),
        )
        .await
    {
        Ok(verified) => verified,
        Err(e) => {
            super::audit(
                &state,
                &req,
                "second_factor_failed",
                name,
                name,
                Some("passkey"),
            )
            .await;
            return Err(e.into());
        }
    };
    let Some(pending) = state.accounts.take_pending(&cookie).await? else {
        return Ok(super::login::to_login(&state, "/", true));
    };
    super::audit(&state, &req, "second_factor", name, name, Some("passkey")).await;
    if let Some(old) = session::session_value(&state, &req) {
        state.accounts.end_session(&old).await?;
    }
    let amr = acr::add(&pending.amr, verified.method);
    let mut response =
        session::start(&state, user.id, amr, local_next(Some(&pending.next))).await?;
    response
        .add_cookie(&session::clear_pending_cookie(&state))
        .map_err(Error::internal)?;
    Ok(response)
}
