//! `/account`: a signed-in person's profile, password, authorized
//! applications and sessions. Every change is a POST with a CSRF token,
//! answered with a 303 back to the page (or the page with the error).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::PageForm;
use super::page::{account_error, page, redirect, HtmlError};
use super::session::{self, check_csrf, signed_in};
use super::state::AppState;
use crate::accounts::users::AccountError;
use crate::accounts::UserRecord;
use crate::crypto::sha256;
use crate::error::Error;
use crate::pages::{self, AccountView, AppLine, SessionLine};

/// Problems to show beside the forms.
#[derive(Default)]
struct Problems<'a> {
    profile: Option<&'a str>,
    password: Option<&'a str>,
    api_login: Option<&'a str>,
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    status: StatusCode,
    problems: Problems<'_>,
    notice: Option<&str>,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let apps = state.accounts.authorized_apps(user.id).await?;
    let current = session::session_value(state, req).map(|c| sha256(c.as_bytes()));
    let sessions: Vec<SessionLine> = state
        .accounts
        .live_sessions(user.id)
        .await?
        .into_iter()
        .map(|(digest, s)| SessionLine {
            signed_in: s.auth_time,
            last_seen: s.last_seen,
            current: current == Some(digest),
        })
        .collect();
    let lines: Vec<AppLine> = apps
        .iter()
        .map(|a| AppLine {
            client_id: &a.client_id,
            client_name: &a.client_name,
            scope: &a.scope,
            granted_at: a.granted_at,
            last_used: a.last_used,
        })
        .collect();
    let (csrf, cookie) = session::csrf(state, req)?;
    let header = super::header::of(state, user, &csrf);
    let view = AccountView {
        header: &header,
        issuer: &provider.settings.issuer,
        csrf: &csrf,
        username: &user.username,
        name: user.name.as_deref().unwrap_or(""),
        email: user.email.as_deref().unwrap_or(""),
        email_verified: user.email_verified,
        mail: state.outbox.enabled(),
        profile_error: problems.profile,
        password_error: problems.password,
        notice,
        apps: &lines,
        sessions: &sessions,
        api_login: state.provider.hooks.api_login,
        api_login_error: problems.api_login,
    };
    session::with_cookie(page(status, pages::account(&view)), cookie)
}

#[derive(serde::Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// Shows the account page.
pub(crate) async fn get_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Done>,
) -> Result<HttpResponse, HtmlError> {
    let user = signed_in!(state, req, "/account");
    let notice = match query.done.as_deref() {
        Some("profile") => Some("Your profile is saved."),
        Some("profile-verify") => {
            Some("Your profile is saved; a link to confirm the new address is on its way to it.")
        }
        Some("verify-sent") => Some("A link to confirm your address is on its way to it."),
        Some("verify-wait") => {
            Some("A link was sent a moment ago; wait a few minutes before asking for another.")
        }
        Some("password") => Some("Your password is changed; your other sessions are signed out."),
        Some("withdrawn") => Some("Access withdrawn; the application's tokens no longer work."),
        Some("api-login") => {
            Some("Sign-in confirmed: the program may now finish signing in as you.")
        }
        _ => None,
    };
    render(
        &state,
        &req,
        &user,
        StatusCode::OK,
        Problems::default(),
        notice,
    )
    .await
}

fn back(state: &AppState, done: &str) -> HttpResponse {
    redirect(
        true,
        &format!("{}/account?done={done}", state.provider.settings.issuer),
    )
}

/// Saves name and email.
pub(crate) async fn post_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account");
    let name = form.get("name").unwrap_or("");
    let email = form.get("email").unwrap_or("");
    let saved = state
        .accounts
        .update_profile(user.clone(), name, email)
        .await;
    // A new address is unverified: mail it a link (when the server mails).
    let mailed = match &saved {
        Ok(new) if new.email != user.email => {
            super::outbox::send_verification(&state, &req, new).await?
        }
        _ => false,
    };
    let done = if mailed { "profile-verify" } else { "profile" };
    settle(&state, &req, &user, saved.map(|_| ()), done).await
}

/// Changes the password and signs out the other sessions.
pub(crate) async fn post_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account");
    let keep = session::session_value(&state, &req)
        .map(|c| sha256(c.as_bytes()))
        .unwrap_or([0; 32]);
    let changed = state
        .accounts
        .change_password(
            &user,
            form.get("current_password").unwrap_or(""),
            form.get("new_password").unwrap_or(""),
            &state.provider.passwords,
            &keep,
        )
        .await;
    settle(&state, &req, &user, changed, "password").await
}

/// Answers a form's outcome: back to the page saying it is `done`, or the
/// page again with the problem beside the form it came from.
async fn settle(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    outcome: Result<(), AccountError>,
    done: &str,
) -> Result<HttpResponse, HtmlError> {
    match outcome {
        Ok(()) => {
            let event = match done {
                "profile" | "profile-verify" => "profile_changed",
                "password" => "password_changed",
                _ => "api_login_confirmed",
            };
            super::audit(state, req, event, Some(&user.username), None, None).await;
            Ok(back(state, done))
        }
        Err(AccountError::Invalid(why)) => {
            let problems = match done {
                "profile" => Problems {
                    profile: Some(&why),
                    ..Problems::default()
                },
                "api-login" => Problems {
                    api_login: Some(&why),
                    ..Problems::default()
                },
                _ => Problems {
                    password: Some(&why),
                    ..Problems::default()
                },
            };
            render(state, req, user, StatusCode::BAD_REQUEST, problems, None).await
        }
        Err(e) => Err(account_error(e)),
    }
}

/// Confirms a sign-in that a script started through the API with the code
/// it showed the person.
pub(crate) async fn post_api_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account");
    let confirmed = state
        .accounts
        .confirm_api_login(&user, form.get("code").unwrap_or(""))
        .await?;
    let outcome = if confirmed {
        Ok(())
    } else {
        Err(AccountError::Invalid(
            "That code names no sign-in of yours that is waiting (codes last 10 minutes).".into(),
        ))
    };
    settle(&state, &req, &user, outcome, "api-login").await
}

/// Withdraws consent for an application and revokes its tokens.
pub(crate) async fn post_withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account");
    let client_id = form
        .get("client_id")
        .ok_or_else(|| HtmlError(Error::InvalidRequest("which application?".into())))?;
    state.accounts.withdraw(user.id, client_id).await?;
    super::audit(
        &state,
        &req,
        "consent_withdrawn",
        Some(&user.username),
        Some(client_id),
        Some("its tokens revoked"),
    )
    .await;
    Ok(back(&state, "withdrawn"))
}

/// Ends every session of the person, this one included.
pub(crate) async fn post_end_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let user = signed_in!(state, req, "/account");
    state.accounts.end_all_sessions(user.id).await?;
    super::audit(
        &state,
        &req,
        "sessions_ended",
        Some(&user.username),
        None,
        None,
    )
    .await;
    let mut response = redirect(true, &format!("{}/login", state.provider.settings.issuer));
    response
        .add_cookie(&session::clear_session_cookie(&state))
        .map_err(Error::internal)?;
    Ok(response)
}
