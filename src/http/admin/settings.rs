//! `/admin/settings`: the sign-up, registration and second-factor policies,
//! single-use sign-up links, and the HTTPS certificate's state.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{back, Listing};
use crate::error::Error;
use crate::http::form::PageForm;
use crate::http::page::{page, HtmlError};
use crate::http::session::{self, check_csrf};
use crate::http::state::AppState;
use crate::oauth::second_factor::SecondFactorPolicy;
use crate::oauth::Policies;
use crate::pages::{self, SettingsView};

/// The settings page.
pub(crate) async fn get_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Listing>,
) -> Result<HttpResponse, HtmlError> {
    let me = admin_only!(state, req, "/admin/settings");
    let policies = state.provider.policies();
    let certificate = state.tls.as_ref().map(|tls| {
        let expiry = tls.not_after().map_or_else(
            || "The certificate's expiry cannot be read.".to_owned(),
            |at| {
                format!(
                    "The certificate in use expires at {}.",
                    crate::pages::rfc3339_seconds(u64::try_from(at).unwrap_or(0))
                )
            },
        );
        match tls.status() {
            Some(acme) => format!("{expiry} ACME: {acme}."),
            None => expiry,
        }
    });
    let (csrf, cookie) = session::csrf(&state, &req)?;
    let header = crate::http::header::of(&state, &me, &csrf);
    let view = SettingsView {
        header: &header,
        signup: policies.signup.name(),
        registration: policies.registration.name(),
        second_factor: policies.second_factor.name(),
        certificate,
        notice: query.notice(),
    };
    session::with_cookie(page(StatusCode::OK, pages::admin_settings(&view)), cookie)
}

/// Changes the sign-up and registration policies.
pub(crate) async fn post_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/settings");
    let bad = |what: &str| {
        HtmlError(Error::InvalidRequest(
            format!("unknown {what} policy").into(),
        ))
    };
    let policies = Policies {
        signup: form
            .get("signup")
            .unwrap_or("")
            .parse()
            .map_err(|_| bad("sign-up"))?,
        registration: form
            .get("registration")
            .unwrap_or("")
            .parse()
            .map_err(|_| bad("registration"))?,
        second_factor: match form.get("second_factor") {
            None => state.provider.policies().second_factor,
            Some(name) => SecondFactorPolicy::parse(name).ok_or_else(|| bad("second-factor"))?,
        },
    };
    state.provider.set_policies(policies).await?;
    let detail = format!(
        "signup={} registration={} second_factor={}",
        policies.signup.name(),
        policies.registration.name(),
        policies.second_factor.name()
    );
    crate::http::audit(
        &state,
        &req,
        "admin_settings",
        Some(&me.username),
        None,
        Some(&detail),
    )
    .await;
    Ok(back(&state, &["settings"], "settings"))
}

/// Makes a single-use sign-up link.
pub(crate) async fn post_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req, "/admin/settings");
    crate::http::audit(
        &state,
        &req,
        "admin_invite_created",
        Some(&me.username),
        None,
        None,
    )
    .await;
    let token = state.accounts.create_invite(7 * 24 * 3600).await?;
    let path = format!("/signup?invite={token}");
    let advice = "Give this link to the person you invite; it works once, for a week, while sign-up is by invitation.";
    let (csrf, cookie) = session::csrf(&state, &req)?;
    let header = crate::http::header::of(&state, &me, &csrf);
    session::with_cookie(
        page(
            StatusCode::OK,
            pages::link_made("Invitation", &header, &path, advice),
        ),
        cookie,
    )
}
