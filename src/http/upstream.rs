//! Sign-in through another provider: `GET /login/upstream/{name}` starts a
//! sign-in, `POST` to it (signed in, from the security page) starts a link,
//! `GET /login/upstream/{name}/callback` takes the provider's answer, and
//! `POST /account/security/upstream/{name}/unlink` removes a link. Thin:
//! the flow is `accounts::upstream`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::{decode, PageForm};
use super::login::local_next;
use super::page::{page, redirect, HtmlError};
use super::session::{self, check_csrf, signed_in_session};
use super::state::AppState;
use crate::accounts::upstream::{flow, Callback, Outcome, UpstreamError};
use crate::accounts::UserRecord;
use crate::error::Error;
use crate::oauth::acr;
use crate::pages::{self, url_at, LinkLine, LinkedLine, UpstreamButton};

/// Registers the routes.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login/upstream/{name}")
            .route(web::get().to(get_start))
            .route(web::post().to(post_link)),
    )
    .route(
        "/login/upstream/{name}/callback",
        web::get().to(get_callback),
    )
    .route(
        "/account/security/upstream/{name}/unlink",
        web::post().to(post_unlink),
    );
}

/// Where the provider sends the browser back for `name`.
fn redirect_uri(state: &AppState, name: &str) -> String {
    url_at(
        &state.provider.settings.issuer,
        &["login", "upstream", name, "callback"],
    )
}

/// The sign-in page's buttons, each keeping `next`.
pub(crate) fn buttons(state: &AppState, next: &str) -> maud::Markup {
    let issuer = &state.provider.settings.issuer;
    let buttons: Vec<UpstreamButton<'_>> = state
        .accounts
        .upstream_providers()
        .map(|(name, label)| {
            let mut href = url_at(issuer, &["login", "upstream", name]);
            if next != "/" {
                if let Ok(mut url) = url::Url::parse(&href) {
                    url.query_pairs_mut().append_pair("next", next);
                    href = url.into();
                }
            }
            UpstreamButton { name, label, href }
        })
        .collect();
    pages::upstream_buttons(&buttons)
}

/// The security page's section: linked providers with Unlink, the others with Link.
pub(crate) async fn section(
    state: &AppState,
    user: &UserRecord,
    csrf: &str,
) -> Result<maud::Markup, HtmlError> {
    let issuer = &state.provider.settings.issuer;
    let found = state.accounts.upstream_section(user).await?;
    let linked: Vec<LinkedLine<'_>> = found
        .linked
        .iter()
        .map(|link| LinkedLine {
            name: &link.name,
            label: &link.label,
            upstream_name: link.upstream_name.as_deref(),
            since: link.since,
            unlink: link.may_unlink.then(|| {
                url_at(
                    issuer,
                    &["account", "security", "upstream", &link.name, "unlink"],
                )
            }),
        })
        .collect();
    let unlinked: Vec<LinkLine<'_>> = found
        .unlinked
        .iter()
        .map(|(name, label)| LinkLine {
            name,
            label,
            action: url_at(issuer, &["login", "upstream", name]),
        })
        .collect();
    Ok(pages::linked_providers(csrf, &linked, &unlinked))
}

/// A page saying why nobody was signed in; it also drops the flow's cookie.
fn refused(state: &AppState, status: StatusCode, title: &str, detail: &str) -> HttpResponse {
    let login = url_at(&state.provider.settings.issuer, &["login"]);
    let mut response = page(
        status,
        pages::upstream_refused(status.as_u16(), title, detail, &login),
    );
    let _ = response.add_cookie(&session::clear_upstream_cookie(state));
    response
}

/// Starts the flow and sends the browser to the provider.
async fn start(
    state: &AppState,
    name: &str,
    next: &str,
    link_user: Option<u64>,
    after_post: bool,
) -> Result<HttpResponse, HtmlError> {
    let Some(label) = state.accounts.upstream_label(name) else {
        return Err(HtmlError(Error::NotFound));
    };
    let started = match state
        .accounts
        .begin_upstream(name, &redirect_uri(state, name), next, link_user)
        .await
    {
        Ok(started) => started,
        Err(UpstreamError::Store(e)) => return Err(HtmlError(e.into())),
        Err(e) => {
            log::warn!("upstream {name}: cannot start a sign-in: {e}");
            let detail = format!("{label} cannot be reached just now: {e}. Try again later.");
            return Ok(refused(
                state,
                StatusCode::BAD_GATEWAY,
                "The provider is not available",
                &detail,
            ));
        }
    };
    let mut response = redirect(after_post, &started.location);
    response
        .add_cookie(&session::upstream_cookie(
            state,
            started.cookie,
            flow::PENDING_TTL,
        ))
        .map_err(Error::internal)?;
    Ok(response)
}

#[derive(serde::Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// `GET /login/upstream/{name}`: a sign-in through the provider.
pub(crate) async fn get_start(
    state: web::Data<AppState>,
    name: web::Path<String>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, HtmlError> {
    let next = local_next(query.next.as_deref());
    start(&state, &name, next, None, false).await
}

/// `POST /login/upstream/{name}` from the security page: link the provider
/// to the signed-in person.
pub(crate) async fn post_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (_, user) = signed_in_session!(state, req, "/account/security");
    start(&state, &name, "/account/security", Some(user.id), true).await
}

/// Signs `user` in after the provider vouched for them: a new session,
/// or the second-factor prompt first, as after a password.
async fn sign_in(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
    next: &str,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    if let Some(old) = session::session_value(state, req) {
        state.accounts.end_session(&old).await?;
    }
    let amr = acr::add(&[], acr::FED);
    if state.accounts.has_second_factor(user.id).await? {
        return super::second_factor::ask(state, user.id, amr, next, false).await;
    }
    if provider.second_factor_required(user) {
        let enrol = super::security::enrol_path(next);
        return session::start(state, user.id, amr, &enrol).await;
    }
    session::start(state, user.id, amr, next).await
}

/// `GET /login/upstream/{name}/callback`: the provider's answer.
pub(crate) async fn get_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let params = decode(req.query_string().as_bytes());
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let answer = Callback {
        code: get("code"),
        state: get("state"),
        error: get("error"),
        iss: get("iss"),
    };
    let cookie = session::upstream_value(&state, &req);
    let Some(label) = state.accounts.upstream_label(&name).map(str::to_owned) else {
        return Err(HtmlError(Error::NotFound));
    };
    let finished = state
        .accounts
        .finish_upstream(
            &name,
            cookie.as_deref(),
            &answer,
            &redirect_uri(&state, &name),
        )
        .await;
    let (pending, identity) = match finished {
        Ok(done) => done,
        Err(UpstreamError::Store(e)) => return Err(HtmlError(e.into())),
        Err(e) => {
            log::warn!("upstream {name}: sign-in refused: {e}");
            super::audit(&state, &req, "upstream_refused", None, Some(&name), None).await;
            let (status, title) = match e {
                UpstreamError::Denied(_) => (StatusCode::FORBIDDEN, "The sign-in was not allowed"),
                UpstreamError::Provider(_) => (
                    StatusCode::BAD_GATEWAY,
                    "The provider's answer was not usable",
                ),
                _ => (StatusCode::BAD_REQUEST, "This sign-in cannot go on"),
            };
            let detail = format!("Signing in with {label}: {e}. Nobody was signed in; start again from the sign-in page.");
            return Ok(refused(&state, status, title, &detail));
        }
    };
    // A link completes only in the session that asked for it.
    if let Some(user_id) = pending.link_user {
        let current = session::current(&state, &req).await?;
        if current.is_none_or(|(_, u)| u.id != user_id) {
            return Ok(refused(
                &state,
                StatusCode::BAD_REQUEST,
                "Sign in again to link",
                "The session that asked to link this provider has ended. Sign in and link it again from your security page.",
            ));
        }
    }
    let signup = provider.policies().signup;
    let outcome = state
        .accounts
        .resolve_upstream(&name, &identity, pending.link_user, signup)
        .await?;
    let next = local_next(Some(&pending.next)).to_owned();
    let mut response = match outcome {
        Outcome::SignIn(user) => {
            let who = Some(user.username.as_str());
            super::audit(&state, &req, "upstream_sign_in", who, who, Some(&name)).await;
            sign_in(&state, &req, &user, &next).await?
        }
        Outcome::Created(user) => {
            let who = Some(user.username.as_str());
            super::audit(&state, &req, "upstream_account_created", who, who, Some(&name)).await;
            sign_in(&state, &req, &user, &next).await?
        }
        Outcome::Linked(user) => {
            let who = Some(user.username.as_str());
            super::audit(&state, &req, "upstream_linked", who, who, Some(&name)).await;
            redirect(
                false,
                &format!(
                    "{}/account/security?done=upstream_linked",
                    provider.settings.issuer
                ),
            )
        }
        Outcome::SignupClosed => refused(
            &state,
            StatusCode::FORBIDDEN,
            "No account here for you yet",
            &format!(
                "Your {label} account is not linked to an account on this server, and sign-up is closed. \
                 If you have an account here, sign in with your password, then link {label} on your security page."
            ),
        ),
        Outcome::Disabled => refused(
            &state,
            StatusCode::FORBIDDEN,
            "This account is disabled",
            "The account linked to it is disabled; ask an administrator.",
        ),
        Outcome::LinkedElsewhere => refused(
            &state,
            StatusCode::CONFLICT,
            "Linked to another account",
            &format!("That {label} account is linked to another account on this server already."),
        ),
        Outcome::ProviderTaken => refused(
            &state,
            StatusCode::CONFLICT,
            "Another account is linked",
            &format!("Another {label} account is linked to yours; unlink it first."),
        ),
    };
    response
        .add_cookie(&session::clear_upstream_cookie(&state))
        .map_err(Error::internal)?;
    Ok(response)
}

/// `POST /account/security/upstream/{name}/unlink`: removes a link, unless
/// it is the person's only way in.
pub(crate) async fn post_unlink(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    check_csrf(&state, &req, form.get("csrf_token"))?;
    let (_, user) = signed_in_session!(state, req, "/account/security");
    if !state.accounts.may_unlink(&user, &name).await? {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            pages::error(
                400,
                "This is your only way in",
                "Your account has no password and no other linked provider; unlinking this one would lock you out. Nothing was changed.",
            ),
        ));
    }
    if !state.accounts.unlink_upstream(user.id, &name).await? {
        return Err(HtmlError(Error::NotFound));
    }
    let who = Some(user.username.as_str());
    super::audit(&state, &req, "upstream_unlinked", who, who, Some(&name)).await;
    Ok(redirect(
        true,
        &format!(
            "{}/account/security?done=upstream_unlinked",
            state.provider.settings.issuer
        ),
    ))
}
