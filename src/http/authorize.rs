//! `GET/POST /oauth/authorize` (RFC 6749 §3.1): sign-in, consent, and the
//! answer to the client. The consent form posts the request back here with
//! `decision`, and the whole request is validated again.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::form::{decode, PageForm};
use super::page::{page, page_with_nonce, redirect, HtmlError};
use super::session::{self, check_csrf};
use super::state::AppState;
use crate::error::Error;
use crate::oauth::authorize::{Failure, Outcome, Params, Request, Step, AUTH_AFTER};
use crate::oauth::redirect::{Destination, Response};
use crate::oauth::UserRecord;
use crate::pages::{self, ConsentView, OutOfBandView, ScopeLine};

/// An authorization request in the query.
pub(crate) async fn get_authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, HtmlError> {
    let params = Params::new(decode(req.query_string().as_bytes()));
    handle(&state, &req, params, false).await
}

/// An authorization request in a form: from a client (OpenID Connect allows
/// POST) or from the consent page.
pub(crate) async fn post_authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
    PageForm(form): PageForm,
) -> Result<HttpResponse, HtmlError> {
    let params = Params::new(form.pairs().to_vec());
    handle(&state, &req, params, true).await
}

async fn handle(
    state: &AppState,
    req: &HttpRequest,
    params: Params,
    post: bool,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let request = match provider.validate_authorize(&params).await {
        Ok(request) => request,
        Err(Failure::Page(error)) => return Err(HtmlError(error)),
        Err(Failure::Redirect(outcome)) => return deliver(state, outcome, "", post).await,
    };
    let current = session::current(state, req).await?;
    let client_name = display_name(&request);
    if let Some(decision) = params.get("decision").filter(|_| post) {
        check_csrf(state, req, params.get("csrf_token"))?;
        let Some((session, user)) = current else {
            return sign_in(state, &params, post);
        };
        if provider.needs_second_factor(&request, &user, &session) {
            return second_factor(state, &params, post);
        }
        let outcome = match decision {
            "allow" => {
                let outcome = provider.approve(&request, &user, &session, true).await?;
                let scope = request.scope.to_string();
                super::audit(
                    state,
                    req,
                    "consent_given",
                    Some(&user.username),
                    Some(&request.client.client_id),
                    Some(&scope),
                )
                .await;
                outcome
            }
            "deny" => provider.deny(&request),
            _ => {
                return Err(HtmlError(Error::InvalidRequest(
                    "decision must be allow or deny".into(),
                )))
            }
        };
        return deliver(state, outcome, &client_name, true).await;
    }
    let user = current.as_ref().map(|(s, u)| (u, s));
    match provider.authorize_step(&request, user).await? {
        Step::SignIn => sign_in(state, &params, post),
        Step::SecondFactor => second_factor(state, &params, post),
        Step::Consent => match &current {
            Some((_, user)) => consent_page(state, req, &request, &params, user).await,
            None => sign_in(state, &params, post),
        },
        Step::Answer(outcome) => deliver(state, outcome, &client_name, post).await,
    }
}

/// The name people see for the client.
fn display_name(request: &Request) -> String {
    request
        .client
        .client_name
        .clone()
        .unwrap_or_else(|| UNNAMED.to_owned())
}

/// What an application without a name is called.
pub(crate) const UNNAMED: &str = "[unnamed application]";

/// Sends the person to sign in, then back to this same request. A
/// `prompt=login` is replaced by a marker so that the fresh session
/// satisfies it on return.
fn sign_in(state: &AppState, params: &Params, post: bool) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let next = return_path(state, params);
    let mut login =
        url::Url::parse(&format!("{}/login", provider.settings.issuer)).map_err(Error::internal)?;
    login.query_pairs_mut().append_pair("next", &next);
    if let Some(hint) = params.get("login_hint") {
        login.query_pairs_mut().append_pair("login_hint", hint);
    }
    Ok(redirect(post, login.as_str()))
}

/// Sends the signed-in person to show a second factor (or to set one up),
/// then back to this same request.
fn second_factor(state: &AppState, params: &Params, post: bool) -> Result<HttpResponse, HtmlError> {
    let next = return_path(state, params);
    let mut url = url::Url::parse(&crate::pages::url_at(
        &state.provider.settings.issuer,
        &["login", "second-factor"],
    ))
    .map_err(Error::internal)?;
    url.query_pairs_mut().append_pair("next", &next);
    Ok(redirect(post, url.as_str()))
}

/// The local path of this same request, to come back to after signing in.
fn return_path(state: &AppState, params: &Params) -> String {
    let provider = &state.provider;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut forced = false;
    for (k, v) in params.protocol_pairs() {
        match k {
            "prompt" => {
                let kept: Vec<&str> = v
                    .split(' ')
                    .filter(|p| *p != "login" && !p.is_empty())
                    .collect();
                forced |= kept.len() != v.split(' ').filter(|p| !p.is_empty()).count();
                if !kept.is_empty() {
                    pairs.push((k.to_owned(), kept.join(" ")));
                }
            }
            AUTH_AFTER => {}
            _ => pairs.push((k.to_owned(), v.to_owned())),
        }
    }
    if forced {
        pairs.push((AUTH_AFTER.to_owned(), provider.clock.now().to_string()));
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish();
    format!("/oauth/authorize?{query}")
}

async fn consent_page(
    state: &AppState,
    req: &HttpRequest,
    request: &Request,
    params: &Params,
    user: &UserRecord,
) -> Result<HttpResponse, HtmlError> {
    let provider = &state.provider;
    let owner = provider.owner_name(&request.client).await?;
    let redirect_host = match &request.target.destination {
        Destination::Uri(uri) => match (uri.host_str(), uri.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => uri.scheme().to_owned(),
        },
        Destination::OutOfBand => "a page that shows you a code to copy".to_owned(),
    };
    let scopes: Vec<ScopeLine> = request
        .scope
        .iter()
        .map(|name| {
            let description = provider
                .scopes
                .get(name, crate::oauth::scope::Holder::of(&request.client))
                .map_or_else(|| name.to_owned(), |d| d.description.clone());
            ScopeLine {
                name: name.to_owned(),
                description,
                extension: name.split_once(':').map(|(_, ext)| ext.to_owned()),
            }
        })
        .collect();
    let hidden: Vec<(&str, &str)> = params.protocol_pairs().collect();
    let (csrf, cookie) = session::csrf(state, req)?;
    let action = format!("{}/oauth/authorize", provider.settings.issuer);
    let client_name = display_name(request);
    let header = super::header::of(state, user, &csrf);
    let view = ConsentView {
        header: &header,
        action: &action,
        csrf: &csrf,
        client_name: &client_name,
        verified: request.client.flags.verified,
        name_unreviewed: request.client.name_unreviewed(),
        owner: owner.as_deref(),
        redirect_host: Some(&redirect_host),
        username: &user.username,
        scopes: &scopes,
        params: &hidden,
    };
    session::with_cookie(page(StatusCode::OK, pages::consent(&view)), cookie)
}

/// Whether something accepts connections where `url` points: checked only
/// for loopback addresses, in development mode, with a short timeout.
async fn nothing_listens(url: &url::Url) -> bool {
    let loopback = url.scheme() == "http"
        && matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if !loopback {
        return false;
    }
    let Ok(addrs) = url.socket_addrs(|| Some(80)) else {
        return false;
    };
    for addr in addrs {
        let connect = actix_web::rt::net::TcpStream::connect(addr);
        if let Ok(Ok(_)) =
            actix_web::rt::time::timeout(std::time::Duration::from_millis(300), connect).await
        {
            return false;
        }
    }
    true
}

/// Development mode: an answer for a loopback redirect URI on which nothing
/// listens is shown on a page as well, with a link to go on.
async fn deliver(
    state: &AppState,
    outcome: Outcome,
    client_name: &str,
    post: bool,
) -> Result<HttpResponse, HtmlError> {
    if let Outcome::Deliver(response) = &outcome {
        let (url, mut params) = match response {
            Response::Redirect(url) => (url, Vec::new()),
            Response::FormPost { action, fields } => (action, fields.clone()),
        };
        if state.provider.settings.dev_mode && nothing_listens(url).await {
            params.extend(
                url.query_pairs()
                    .map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
            if let Some(fragment) = url.fragment() {
                params.extend(super::form::decode(fragment.as_bytes()));
            }
            let origin = url.origin().ascii_serialization();
            let view = pages::UndeliveredView {
                origin: &origin,
                location: url.as_str(),
                params: &params,
            };
            return Ok(page(StatusCode::OK, pages::undelivered(&view)));
        }
    }
    answer(outcome, client_name, post)
}

/// Delivers an authorization answer to the browser.
fn answer(outcome: Outcome, client_name: &str, post: bool) -> Result<HttpResponse, HtmlError> {
    match outcome {
        Outcome::Deliver(Response::Redirect(url)) => Ok(redirect(post, url.as_str())),
        Outcome::Deliver(Response::FormPost { action, fields }) => {
            let nonce = crate::crypto::random::new_id().map_err(Error::internal)?;
            let view = pages::FormPostView {
                action: action.as_str(),
                fields: &fields,
                nonce: &nonce,
            };
            Ok(page_with_nonce(
                StatusCode::OK,
                pages::form_post(&view),
                &nonce,
            ))
        }
        Outcome::ShowCode { code, state } => {
            let view = OutOfBandView {
                client_name,
                code: &code,
                state: state.as_deref(),
            };
            Ok(page(StatusCode::OK, pages::out_of_band(&view)))
        }
        Outcome::ShowError(error) => Err(HtmlError(error)),
    }
}
