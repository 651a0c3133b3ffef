//! The device flow over HTTP (RFC 8628): `POST /oauth/device_authorization`
//! for devices, and `GET/POST /device` where a person enters the code.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::{OAuthForm, PageForm};
use super::page::{page, redirect, HtmlError};
use super::session::{self, check_csrf};
use super::state::AppState;
use super::token::client_credentials_of;
use crate::accounts::throttle::Key;
use crate::error::Error;
use crate::oauth::device::display_user_code;
use crate::oauth::{DeviceRecord, UserRecord};
use crate::pages::{self, ConsentView, ScopeLine};

/// Starts a device authorization.
pub(crate) async fn post_device_authorization(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: OAuthForm,
) -> Result<HttpResponse, Error> {
    let creds = client_credentials_of(&req, &form)?;
    let client = state.provider.authenticate_client(creds).await?;
    let answer = state
        .provider
        .device_authorization(&client, form.get("scope"))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

#[derive(serde::Deserialize)]
pub(crate) struct CodeQuery {
    user_code: Option<String>,
}

fn login_first(
    state: &AppState,
    user_code: Option<&str>,
    post: bool,
) -> Result<HttpResponse, HtmlError> {
    let mut next = url::Url::parse("http://next/device").map_err(Error::internal)?;
    if let Some(code) = user_code {
        next.query_pairs_mut().append_pair("user_code", code);
    }
    let next = match next.query() {
        Some(q) => format!("/device?{q}"),
        None => "/device".to_owned(),
    };
    let mut login = url::Url::parse(&format!("{}/login", state.provider.settings.issuer))
        .map_err(Error::internal)?;
    login.query_pairs_mut().append_pair("next", &next);
    Ok(redirect(post, login.as_str()))
}

fn form_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    user_code: &str,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = format!("{}/device", state.provider.settings.issuer);
    session::with_cookie(
        page(status, pages::device_form(&action, &csrf, user_code, error)),
        cookie,
    )
}

/// The code form (signed-in people only).
pub(crate) async fn get_device(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, HtmlError> {
    if session::current(&state, &req).await?.is_none() {
        return login_first(&state, query.user_code.as_deref(), false);
    }
    form_page(
        &state,
        &req,
        StatusCode::OK,
        query.user_code.as_deref().unwrap_or(""),
        None,
    )
}

/// A typed code (then the consent page), or the answer to that consent.
pub(crate) async fn post_device(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let typed = form.get("user_code").unwrap_or("");
    let Some((session, user)) = session::current(&state, &req).await? else {
        return login_first(&state, Some(typed), true);
    };
    let provider = &state.provider;
    let now = provider.clock.now();
    // Wrong codes are throttled per person and per address, like passwords.
    let mut keys = vec![Key::Account(format!("device:{}", user.id))];
    keys.extend(super::client_ip(&state, &req).map(Key::Address));
    provider
        .throttle
        .check(&keys, now)
        .await
        .map_err(Error::from)?
        .map_err(Error::Throttled)?;
    let Some(device) = provider.pending_device(typed).await? else {
        provider
            .throttle
            .failed(&keys, now)
            .await
            .map_err(Error::from)?;
        return form_page(
            &state,
            &req,
            StatusCode::BAD_REQUEST,
            typed,
            Some("That code is unknown or has expired. Check the code on your device."),
        );
    };
    if provider
        .device_needs_second_factor(&device, &user, &session)
        .await?
    {
        // The second factor first (or its enrolment), then back to this
        // code's form.
        let back = format!(
            "/device?user_code={}",
            url::form_urlencoded::byte_serialize(typed.as_bytes()).collect::<String>()
        );
        let mut url = url::Url::parse(&crate::pages::url_at(
            &provider.settings.issuer,
            &["login", "second-factor"],
        ))
        .map_err(Error::internal)?;
        url.query_pairs_mut().append_pair("next", &back);
        return Ok(redirect(true, url.as_str()));
    }
    match form.get("decision") {
        None => consent_page(&state, &req, &device, &user).await,
        Some(decision @ ("allow" | "deny")) => {
            let allow = decision == "allow";
            if !provider
                .answer_device(typed, &user, session.auth_time, allow)
                .await?
            {
                return form_page(
                    &state,
                    &req,
                    StatusCode::BAD_REQUEST,
                    typed,
                    Some("That code has expired."),
                );
            }
            Ok(page(StatusCode::OK, pages::device_done(allow)))
        }
        Some(_) => Err(HtmlError(Error::InvalidRequest(
            "decision must be allow or deny".into(),
        ))),
    }
}

async fn consent_page(
    state: &AppState,
    req: &HttpRequest,
    device: &DeviceRecord,
    user: &UserRecord,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let client = provider.client(&device.client_id).await?.ok_or_else(|| {
        HtmlError(Error::InvalidRequest(
            "the device's application no longer exists".into(),
        ))
    })?;
    provider.may_authorize(&client, user).await?;
    let owner = provider.owner_name(&client).await?;
    let scopes: Vec<ScopeLine> = device
        .scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(|name| ScopeLine {
            name: name.to_owned(),
            description: provider
                .scopes
                .get(name, crate::oauth::scope::Holder::of(&client))
                .map_or_else(|| name.to_owned(), |d| d.description.clone()),
            extension: name.split_once(':').map(|(_, e)| e.to_owned()),
        })
        .collect();
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = format!("{}/device", provider.settings.issuer);
    let shown = display_user_code(&device.user_code);
    let client_name = client
        .client_name
        .clone()
        .unwrap_or_else(|| super::authorize::UNNAMED.to_owned());
    let params = [("user_code", shown.as_str())];
    let header = super::header::of(state, user, &csrf);
    let view = ConsentView {
        header: &header,
        action: &action,
        csrf: &csrf,
        client_name: &client_name,
        verified: client.flags.verified,
        name_unreviewed: client.name_unreviewed(),
        owner: owner.as_deref(),
        redirect_host: None,
        username: &user.username,
        scopes: &scopes,
        params: &params,
    };
    session::with_cookie(page(StatusCode::OK, pages::consent(&view)), cookie)
}
