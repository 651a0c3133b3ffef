//! `/admin` (administrators only; a 403 page for everyone else) and
//! `/reset` (where a one-time password-reset link leads).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::page::{account_error, page, redirect, HtmlError};
use super::session::{self, check_csrf, signed_in};
use super::state::AppState;
use crate::accounts::users::{self, AccountError, NewUser};
use crate::accounts::{admin, signup};
use crate::error::Error;
use crate::oauth::second_factor::SecondFactorPolicy;
use crate::oauth::Policies;
use crate::pages::{self, AdminView, ClientRow, UserRow};
use crate::store::AuditRecord;

/// In an admin handler: the signed-in administrator, the sign-in redirect,
/// or a 403 page for everyone else.
macro_rules! admin_only {
    ($state:expr, $req:expr) => {{
        let user = signed_in!($state, $req, "/admin");
        if !user.admin {
            return Err(HtmlError(Error::Forbidden(
                "this page is for administrators".into(),
            )));
        }
        user
    }};
}

fn back(state: &AppState, done: &str) -> HttpResponse {
    redirect(
        true,
        &format!("{}/admin?done={done}", state.provider.settings.issuer),
    )
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let users = provider.store.users().await?;
    let clients = provider.store.clients().await?;
    let user_rows: Vec<UserRow> = users
        .iter()
        .map(|u| UserRow {
            id: u.id,
            username: &u.username,
            email: u.email.as_deref().unwrap_or(""),
            admin: u.admin,
            disabled: u.disabled,
        })
        .collect();
    let owner_name = |id: Option<u64>| {
        id.and_then(|id| users.iter().find(|u| u.id == id))
            .map(|u| u.username.as_str())
    };
    let client_rows: Vec<ClientRow> = clients
        .iter()
        .map(|c| ClientRow {
            client_id: &c.client_id,
            name: c.client_name.as_deref().unwrap_or("[unnamed application]"),
            owner: owner_name(c.owner),
            flags: [
                ("name_approved", "Name approved", c.flags.name_approved),
                ("verified", "Verified", c.flags.verified),
                ("hide_owner", "Hide owner", c.flags.hide_owner),
                (
                    "skip_consent",
                    "Skip consent (first-party)",
                    c.flags.skip_consent,
                ),
                (
                    "password_allowed",
                    "May use the password grant",
                    c.flags.password_allowed,
                ),
                (
                    "require_mfa",
                    "Sign-in needs a second factor",
                    c.flags.require_mfa,
                ),
                (
                    "dialect_legacy",
                    "Legacy client of its dialect: allow what RFC 9700 forbids (Skritter's tokens in the query)",
                    c.dialect_legacy,
                ),
            ],
            dialect: c.dialect.as_deref().unwrap_or(""),
            access_token_ttl: c
                .access_token_ttl
                .map(|t| t.to_string())
                .unwrap_or_default(),
        })
        .collect();
    let notice = match req.query_string() {
        q if q.contains("done=user") => Some("Saved the user."),
        q if q.contains("done=app") => Some("Saved the application's flags."),
        q if q.contains("done=settings") => Some("Saved the settings."),
        _ => None,
    };
    let policies = provider.policies();
    let (csrf, cookie) = session::csrf(state, req)?;
    let dialects: Vec<&str> = std::iter::once("")
        .chain(state.dialects.iter().map(|d| d.name()))
        .collect();
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
    let view = AdminView {
        certificate,
        dialects: &dialects,
        issuer: &provider.settings.issuer,
        csrf: &csrf,
        users: &user_rows,
        clients: &client_rows,
        signup: policies.signup.name(),
        registration: policies.registration.name(),
        notice,
        error,
    };
    session::with_cookie(page(status, pages::admin(&view)), cookie)
}

/// The admin page.
pub(crate) async fn get_admin(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    admin_only!(state, req);
    render(&state, &req, StatusCode::OK, None).await
}

/// The query of the audit page.
#[derive(serde::Deserialize)]
pub(crate) struct AuditQuery {
    event: Option<String>,
    who: Option<String>,
    before: Option<u128>,
}

/// The audit trail, newest first, a hundred events a page.
pub(crate) async fn get_audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, HtmlError> {
    admin_only!(state, req);
    const PAGE: usize = 100;
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let filter = crate::oauth::audit::AuditFilter {
        event: clean(&query.event),
        who: clean(&query.who),
        before: query.before,
    };
    let provider = &state.provider;
    let found = provider.audit_page(&filter, PAGE + 1).await?;
    let more = found.len() > PAGE;
    let shown = &found[..found.len().min(PAGE)];
    let records: Vec<AuditRecord> = shown.iter().map(|(_, r)| r.clone()).collect();
    let older = match shown.last() {
        Some((cursor, _)) if more => {
            let mut url = url::Url::parse(&format!("{}/admin/audit", provider.settings.issuer))
                .map_err(Error::internal)?;
            {
                let mut pairs = url.query_pairs_mut();
                if let Some(event) = &filter.event {
                    pairs.append_pair("event", event);
                }
                if let Some(who) = &filter.who {
                    pairs.append_pair("who", who);
                }
                pairs.append_pair("before", &cursor.to_string());
            }
            Some(url.to_string())
        }
        _ => None,
    };
    let view = pages::AuditView {
        issuer: &provider.settings.issuer,
        records: &records,
        event: filter.event.as_deref().unwrap_or(""),
        who: filter.who.as_deref().unwrap_or(""),
        older,
    };
    Ok(page(StatusCode::OK, pages::audit(&view)))
}

/// Creates a user.
pub(crate) async fn post_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req);
    let provider = &state.provider;
    let new = NewUser {
        username: form.get("username").unwrap_or("").to_owned(),
        password: form.get("password").unwrap_or("").to_owned(),
        email: form.get("email").map(str::to_owned),
        name: None,
        admin: form.get("admin") == Some("on"),
    };
    match users::create(
        &provider.store,
        new,
        provider.settings.pbkdf2_iterations,
        provider.clock.now(),
    )
    .await
    {
        Ok(user) => {
            let target = user.username.as_str();
            super::audit(
                &state,
                &req,
                "admin_user_created",
                Some(&me.username),
                Some(target),
                None,
            )
            .await;
            Ok(back(&state, "user"))
        }
        Err(e @ (AccountError::Invalid(_) | AccountError::Taken)) => {
            render(&state, &req, StatusCode::BAD_REQUEST, Some(&e.to_string())).await
        }
        Err(e) => Err(account_error(e)),
    }
}

/// Disables, enables, grants or withdraws admin, or makes a reset link.
pub(crate) async fn post_user_action(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(u64, String)>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req);
    let (id, action) = path.into_inner();
    let provider = &state.provider;
    let (store, now) = (&provider.store, provider.clock.now());
    let done = match action.as_str() {
        "disable" | "unadmin" if id == me.id => {
            return Err(HtmlError(Error::InvalidRequest(
                "you cannot do that to yourself".into(),
            )))
        }
        "disable" => admin::set_disabled(store, id, true, now).await,
        "enable" => admin::set_disabled(store, id, false, now).await,
        "admin" => admin::set_admin(store, id, true, now).await,
        "unadmin" => admin::set_admin(store, id, false, now).await,
        "reset" => {
            let token = admin::create_reset(store, id, now)
                .await
                .map_err(account_error)?;
            let target = id.to_string();
            super::audit(
                &state,
                &req,
                "admin_reset_link",
                Some(&me.username),
                Some(&target),
                None,
            )
            .await;
            let path = format!("/reset?token={token}");
            let advice = "Give this link to the person; it works once, for a day.";
            return Ok(page(
                StatusCode::OK,
                pages::link_made(
                    "Password reset link",
                    &provider.settings.issuer,
                    &path,
                    advice,
                ),
            ));
        }
        _ => return Err(HtmlError(Error::NotFound)),
    };
    done.map_err(account_error)?;
    let event = match action.as_str() {
        "disable" => "admin_user_disabled",
        "enable" => "admin_user_enabled",
        "admin" => "admin_user_made_admin",
        _ => "admin_user_admin_removed",
    };
    let target = id.to_string();
    super::audit(&state, &req, event, Some(&me.username), Some(&target), None).await;
    Ok(back(&state, "user"))
}

/// Saves an application's flags.
pub(crate) async fn post_app_flags(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req);
    let store = &state.provider.store;
    let client = store
        .client(&path)
        .await?
        .ok_or(HtmlError(Error::NotFound))?;
    let mut record = (*client).clone();
    let on = |name: &str| form.get(name) == Some("on");
    record.flags.name_approved = on("name_approved");
    record.flags.verified = on("verified");
    record.flags.hide_owner = on("hide_owner");
    record.flags.skip_consent = on("skip_consent");
    record.flags.password_allowed = on("password_allowed");
    record.flags.require_mfa = on("require_mfa");
    record.dialect_legacy = on("dialect_legacy");
    // A field the form did not send keeps its value; an empty one clears it.
    let sent = |name: &str| form.pairs().iter().any(|(k, _)| k == name);
    record.dialect = match form.get("dialect") {
        None if !sent("dialect") => client.dialect.clone(),
        None => None,
        Some(name) if state.dialects.iter().any(|d| d.name() == name) => Some(name.to_owned()),
        Some(name) if client.dialect.as_deref() == Some(name) => Some(name.to_owned()),
        Some(_) => {
            return Err(HtmlError(Error::InvalidRequest(
                "that dialect is not enabled on this server".into(),
            )))
        }
    };
    record.access_token_ttl = match form.get("access_token_ttl").map(str::trim) {
        None if !sent("access_token_ttl") => client.access_token_ttl,
        None | Some("") => None,
        Some(ttl) => Some(ttl.parse().map_err(|_| {
            HtmlError(Error::InvalidRequest(
                "the access token lifetime is a number of seconds (0: until revoked)".into(),
            ))
        })?),
    };
    store.put_client(&record).await?;
    super::audit(
        &state,
        &req,
        "admin_client_flags",
        Some(&me.username),
        Some(&record.client_id),
        None,
    )
    .await;
    Ok(back(&state, "app"))
}

/// Changes the sign-up and registration policies.
pub(crate) async fn post_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req);
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
    super::audit(
        &state,
        &req,
        "admin_settings",
        Some(&me.username),
        None,
        Some(&detail),
    )
    .await;
    Ok(back(&state, "settings"))
}

/// Makes a single-use sign-up link.
pub(crate) async fn post_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let me = admin_only!(state, req);
    let provider = &state.provider;
    super::audit(
        &state,
        &req,
        "admin_invite_created",
        Some(&me.username),
        None,
        None,
    )
    .await;
    let token = signup::create_invite(&provider.store, provider.clock.now(), 7 * 24 * 3600).await?;
    let path = format!("/signup?invite={token}");
    let advice = "Give this link to the person you invite; it works once, for a week, while sign-up is by invitation.";
    Ok(page(
        StatusCode::OK,
        pages::link_made("Invitation", &provider.settings.issuer, &path, advice),
    ))
}

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
    let provider = &state.provider;
    if !admin::reset_usable(&provider.store, token, provider.clock.now())
        .await
        .map_err(account_error)?
    {
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
    match admin::use_reset(
        &provider.store,
        token,
        new,
        provider.settings.pbkdf2_iterations,
        provider.clock.now(),
    )
    .await
    {
        Ok(()) => {
            super::audit(&state, &req, "password_reset", None, None, None).await;
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
