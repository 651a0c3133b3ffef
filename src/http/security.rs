//! `/account/security`: a person's second factors. Enrolling an
//! authenticator app shows a QR code and the key, and completes only after
//! a correct code; it also steps the session up to a multi-factor one.
//! Removing the app needs the password and a current code.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::form::PageForm;
use super::login::local_next;
use super::page::{account_error, page, redirect, HtmlError};
use super::session::{self, check_csrf, signed_in_session};
use super::state::AppState;
use crate::accounts::factors;
use crate::accounts::users::AccountError;
use crate::accounts::{SessionRecord, UserRecord};
use crate::crypto::totp;
use crate::error::Error;
use crate::oauth::acr;
use crate::pages::{self, url_at, SecurityView, TotpSetupView};

/// The security page's path asking for enrolment, then on to `next`.
pub(crate) fn enrol_path(next: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("enrol", "1");
    if next != "/" {
        query.append_pair("next", next);
    }
    format!("/account/security?{}", query.finish())
}

#[derive(serde::Deserialize)]
pub(crate) struct SecurityQuery {
    enrol: Option<String>,
    next: Option<String>,
    done: Option<String>,
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    status: StatusCode,
    error: Option<&str>,
    query: &SecurityQuery,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let summary = state.accounts.factors(user.id).await?;
    let (csrf, cookie) = session::csrf(state, req)?;
    let next = query.next.as_deref().map(|n| local_next(Some(n)));
    let notice = match query.done.as_deref() {
        Some("totp_removed") => Some("The authenticator app is removed."),
        Some("passkey_added") => Some("The passkey is added."),
        Some("passkey_renamed") => Some("The passkey is renamed."),
        Some("passkey_removed") => Some("The passkey is removed."),
        Some("upstream_linked") => Some("The provider is linked: you can sign in with it now."),
        Some("upstream_unlinked") => Some("The provider is unlinked."),
        _ => None,
    };
    let header = super::header::of(state, user, &csrf);
    let view = SecurityView {
        header: &header,
        issuer: &provider.settings.issuer,
        csrf: &csrf,
        notice,
        error,
        must_enrol: query.enrol.is_some()
            && !summary.any()
            && provider.second_factor_required(user),
        next,
        totp_since: summary.totp_since,
        recovery_left: summary.recovery_left,
        passkeys: pages::passkey_section(&pages::PasskeySectionView {
            issuer: &provider.settings.issuer,
            csrf: &csrf,
            available: state.accounts.passkeys_offered(),
            passkeys: &summary
                .passkeys
                .iter()
                .map(|p| pages::PasskeyRow {
                    id: &p.id,
                    name: &p.name,
                    created_at: p.created_at,
                    last_used: p.last_used,
                })
                .collect::<Vec<_>>(),
            next,
        }),
        linked: super::upstream::section(state, user, &csrf).await?,
    };
    session::with_cookie(page(status, pages::security(&view)), cookie)
}

/// Shows the person's second factors.
pub(crate) async fn get_security(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SecurityQuery>,
) -> Result<HttpResponse, HtmlError> {
    let (_, user) = signed_in_session!(state, req, "/account/security");
    render(&state, &req, &user, StatusCode::OK, None, &query).await
}

/// The QR code of an `otpauth://` URI as an SVG data URI.
fn qr_data_uri(uri: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(Error::internal)?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(svg)
    ))
}

fn setup_page(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    secret: &[u8],
    next: Option<&str>,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let issuer = &state.provider.settings.issuer;
    let host = url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "Gatehouse".into());
    let uri = totp::otpauth_uri(&host, &user.username, secret);
    let qr = qr_data_uri(&uri)?;
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = url_at(issuer, &["account", "security", "totp"]);
    let encoded = totp::encode_secret(secret);
    let header = super::header::of(state, user, &csrf);
    let view = TotpSetupView {
        header: &header,
        action: &action,
        csrf: &csrf,
        secret: &encoded,
        qr_data_uri: &qr,
        next,
        error,
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    session::with_cookie(page(status, pages::totp_setup(&view)), cookie)
}

/// Starts enrolling an authenticator app: a new key, its QR code, and the
/// form for the first code.
pub(crate) async fn get_totp_setup(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<SecurityQuery>,
) -> Result<HttpResponse, HtmlError> {
    let (_, user) = signed_in_session!(state, req, "/account/security");
    let secret = factors::new_totp_secret().map_err(account_error)?;
    let next = query.next.as_deref().map(|n| local_next(Some(n)));
    setup_page(&state, &req, &user, &secret, next, None)
}

/// Replaces the session with one that shows a second factor: enrolling
/// proved the new factor, so the policy and applications now see it.
pub(crate) async fn step_up(
    state: &AppState,
    req: &HttpRequest,
    response: HttpResponse,
    user: &UserRecord,
    current: &SessionRecord,
    method: &str,
) -> Result<HttpResponse, HtmlError> {
    if let Some(old) = session::session_value(state, req) {
        state.accounts.end_session(&old).await?;
    }
    session::begin(state, response, user.id, acr::add(&current.amr, method)).await
}

/// Completes the enrolment when the typed code is right, and shows the
/// recovery codes once.
pub(crate) async fn post_totp_setup(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (current, user) = signed_in_session!(state, req, "/account/security");
    let provider = &state.provider;
    let Some(secret) = form.get("secret").and_then(totp::decode_secret) else {
        return Err(HtmlError(Error::InvalidRequest(
            "the key is missing or malformed; start the setup again".into(),
        )));
    };
    let next = form.get("next").map(|n| local_next(Some(n)));
    let code = form.get("code").unwrap_or("");
    let codes = match state.accounts.enrol_totp(user.id, &secret, code).await {
        Ok(codes) => codes,
        Err(AccountError::Invalid(why)) => {
            return setup_page(&state, &req, &user, &secret, next, Some(&why));
        }
        Err(e) => return Err(account_error(e)),
    };
    audit_own(&state, &req, &user, "totp_enrolled").await;
    let continue_to = format!(
        "{}{}",
        provider.settings.issuer,
        next.unwrap_or("/account/security")
    );
    let response = match codes {
        Some(codes) => page(StatusCode::OK, pages::recovery_codes(&codes, &continue_to)),
        None => redirect(true, &continue_to),
    };
    step_up(&state, &req, response, &user, &current, acr::OTP).await
}

/// Records a change a person made to their own factors.
pub(crate) async fn audit_own(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    event: &'static str,
) {
    let name = Some(user.username.as_str());
    super::audit(state, req, event, name, name, None).await;
}

/// Checks the password for a change to the factors (throttled like sign-in).
pub(crate) async fn password_right(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    password: &str,
) -> Result<bool, HtmlError> {
    let peer = super::client_ip(state, req);
    let checked = state
        .provider
        .check_password(&user.username, password, peer)
        .await?;
    Ok(checked.is_some_and(|u| u.id == user.id))
}

/// Removes the authenticator app: needs the password and a current code.
pub(crate) async fn post_totp_remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
    query: web::Query<SecurityQuery>,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (_, user) = signed_in_session!(state, req, "/account/security");
    let provider = &state.provider;
    let password = form.get("password").unwrap_or("");
    let code = form.get("code").unwrap_or("");
    let wrong = "The password or the code is not right; nothing was changed.";
    if !password_right(&state, &req, &user, password).await? {
        return render(
            &state,
            &req,
            &user,
            StatusCode::BAD_REQUEST,
            Some(wrong),
            &query,
        )
        .await;
    }
    let peer = super::client_ip(&state, &req);
    if provider.check_second_factor(&user, code, peer).await? != Some(factors::CodeUsed::Totp) {
        return render(
            &state,
            &req,
            &user,
            StatusCode::BAD_REQUEST,
            Some(wrong),
            &query,
        )
        .await;
    }
    state.accounts.remove_totp(user.id).await?;
    audit_own(&state, &req, &user, "totp_removed").await;
    Ok(redirect(
        true,
        &format!(
            "{}/account/security?done=totp_removed",
            provider.settings.issuer
        ),
    ))
}

/// Replaces the recovery codes (needs the password) and shows the new ones.
pub(crate) async fn post_recovery_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
    query: web::Query<SecurityQuery>,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (_, user) = signed_in_session!(state, req, "/account/security");
    let provider = &state.provider;
    if !state.accounts.has_second_factor(user.id).await? {
        return Err(HtmlError(Error::InvalidRequest(
            "recovery codes belong to a second factor; set one up first".into(),
        )));
    }
    if !password_right(&state, &req, &user, form.get("password").unwrap_or("")).await? {
        let wrong = "The password is not right; the recovery codes are unchanged.";
        return render(
            &state,
            &req,
            &user,
            StatusCode::BAD_REQUEST,
            Some(wrong),
            &query,
        )
        .await;
    }
    let codes = state.accounts.renew_recovery_codes(user.id).await?;
    audit_own(&state, &req, &user, "recovery_codes_renewed").await;
    let back = url_at(&provider.settings.issuer, &["account", "security"]);
    Ok(page(StatusCode::OK, pages::recovery_codes(&codes, &back)))
}
