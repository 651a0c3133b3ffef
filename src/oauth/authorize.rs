//! The authorization endpoint's protocol (RFC 6749 §3.1, §4.1.1, §4.2.1,
//! RFC 7636, RFC 9207): validating a request, deciding whether the person
//! must sign in or consent, and issuing a code or an implicit token.
//!
//! Errors before the redirect URI is verified are shown to the person
//! (`Failure::Page`); every later error goes to the client (`Failure::Redirect`).

use url::Url;

use super::redirect::{self, Destination, Mode, Target};
use super::scope::ScopeSet;
use super::tokens::Grant;
use super::{pkce, Provider};
use crate::accounts::consent;
use crate::crypto::{new_token, sha256, TokenKind};
use crate::error::{Error, Result};
use crate::store::{ClientRecord, CodeRecord, UserRecord};

/// The parameters of an authorization request, as sent (query or form).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Wraps decoded pairs; repeats are kept so validation can refuse them.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Params { pairs }
    }

    /// The value of a parameter; empty counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn repeated(&self) -> Option<&str> {
        self.pairs.iter().enumerate().find_map(|(i, (k, _))| {
            self.pairs[..i]
                .iter()
                .any(|(seen, _)| seen == k)
                .then_some(k.as_str())
        })
    }

    /// The protocol parameters, without the consent form's own fields.
    pub fn protocol_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .filter(|(k, _)| k != "decision" && k != "csrf_token")
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResponseType {
    /// `code`: the authorization code flow.
    Code,
    /// `token`: the implicit flow.
    Token,
}

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The client.
    pub client: ClientRecord,
    /// Where the answer goes.
    pub target: Target,
    /// Code or token.
    pub response_type: ResponseType,
    /// The scope that would be granted.
    pub scope: ScopeSet,
    /// The client's state, returned unchanged.
    pub state: Option<String>,
    /// The PKCE challenge.
    pub code_challenge: Option<String>,
    /// The OpenID nonce.
    pub nonce: Option<String>,
    /// `prompt` values (OpenID Connect Core §3.1.2.1).
    pub prompt: Vec<String>,
}

/// Why a request failed, and where the failure must be shown.
#[derive(Debug)]
pub enum Failure {
    /// Before the redirect URI is verified: a page for the person, never a redirect.
    Page(Error),
    /// After: the error goes to the client.
    Redirect(Outcome),
}

/// Where an authorization answer goes.
#[derive(Debug)]
pub enum Outcome {
    /// Redirect the browser here.
    Redirect(Url),
    /// Show the code (out-of-band) for the person to copy.
    ShowCode {
        /// The code.
        code: String,
        /// The client's state.
        state: Option<String>,
    },
    /// Show an error that has no redirect URI to go to.
    ShowError(Error),
}

/// What happens next for a valid request.
#[derive(Debug)]
pub enum Step {
    /// The person must sign in first.
    SignIn,
    /// The person must approve the request.
    Consent,
    /// Done: here is the answer.
    Answer(Outcome),
}

impl Request {
    fn mode(&self) -> Mode {
        match self.response_type {
            ResponseType::Code => Mode::Query,
            ResponseType::Token => Mode::Fragment,
        }
    }

    /// The error answer for this request.
    pub fn error(&self, error: Error, issuer: &str) -> Outcome {
        match &self.target.destination {
            Destination::Uri(uri) => {
                let description = error.description().into_owned();
                let params = [
                    ("error", error.code()),
                    ("error_description", description.as_str()),
                ];
                Outcome::Redirect(redirect::build(
                    uri,
                    self.mode(),
                    &params,
                    self.state.as_deref(),
                    issuer,
                ))
            }
            Destination::OutOfBand => Outcome::ShowError(error),
        }
    }

    /// Whether `prompt` contains this value.
    pub fn prompts(&self, value: &str) -> bool {
        self.prompt.iter().any(|p| p == value)
    }
}

impl Provider {
    /// Validates an authorization request.
    pub async fn validate_authorize(&self, params: &Params) -> Result<Request, Failure> {
        let page = |msg: &'static str| Failure::Page(Error::InvalidRequest(msg.into()));
        if let Some(name) = params.repeated() {
            if name == "client_id" || name == "redirect_uri" {
                return Err(page("client_id or redirect_uri is repeated"));
            }
        }
        let client_id = params
            .get("client_id")
            .ok_or_else(|| page("client_id is missing"))?;
        let client = self
            .store
            .client(client_id)
            .await
            .map_err(|e| Failure::Page(e.into()))?
            .ok_or_else(|| page("unknown client"))?;
        let target =
            redirect::verify(&client, params.get("redirect_uri")).map_err(Failure::Page)?;

        // From here on the redirect URI is trusted; errors go back to it.
        let state = params.get("state").map(str::to_owned);
        let response_type = match params.get("response_type") {
            Some("token") => ResponseType::Token,
            _ => ResponseType::Code,
        };
        let mut request = Request {
            client,
            target,
            response_type,
            scope: ScopeSet::default(),
            state,
            code_challenge: None,
            nonce: params.get("nonce").map(str::to_owned),
            prompt: params
                .get("prompt")
                .map(|p| {
                    p.split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        };
        let fail = |request: &Request, error: Error| {
            Failure::Redirect(request.error(error, &self.settings.issuer))
        };
        if let Some(name) = params.repeated() {
            return Err(fail(
                &request,
                Error::InvalidRequest(format!("parameter `{name}` is repeated").into()),
            ));
        }
        match params.get("response_type") {
            None => {
                return Err(fail(
                    &request,
                    Error::InvalidRequest("response_type is missing".into()),
                ))
            }
            Some("code") | Some("token") => {}
            Some(_) => {
                return Err(fail(
                    &request,
                    Error::UnsupportedResponseType(
                        "supported response types are code and token".into(),
                    ),
                ))
            }
        }
        let registered = match response_type {
            ResponseType::Code => request.client.response_types.iter().any(|r| r == "code"),
            ResponseType::Token => request.client.response_types.iter().any(|r| r == "token"),
        };
        if !registered {
            return Err(fail(
                &request,
                Error::UnauthorizedClient(
                    "the client is not registered for this response_type".into(),
                ),
            ));
        }
        if response_type == ResponseType::Token
            && request.target.destination == Destination::OutOfBand
        {
            return Err(fail(
                &request,
                Error::InvalidRequest("the implicit flow needs a redirect URI".into()),
            ));
        }
        request.scope = self
            .scopes
            .grant(params.get("scope"), request.client.scope.as_deref())
            .map_err(|e| fail(&request, e))?;
        if response_type == ResponseType::Code {
            request.code_challenge = pkce::check_challenge(
                params.get("code_challenge"),
                params.get("code_challenge_method"),
            )
            .map_err(|e| fail(&request, e))?;
            if request.code_challenge.is_none() && !request.client.is_confidential() {
                return Err(fail(
                    &request,
                    Error::InvalidRequest(
                        "public clients must use PKCE (code_challenge with S256)".into(),
                    ),
                ));
            }
        }
        Ok(request)
    }

    /// Decides the next step for a valid request and the signed-in user, if any.
    pub async fn authorize_step(
        &self,
        request: &Request,
        user: Option<(&UserRecord, u64)>,
    ) -> Result<Step> {
        let none = request.prompts("none");
        let Some((user, auth_time)) = user else {
            if none {
                return Ok(Step::Answer(request.error(
                    Error::LoginRequired("the person is not signed in".into()),
                    &self.settings.issuer,
                )));
            }
            return Ok(Step::SignIn);
        };
        let known = consent::covers(
            &self.store,
            user.id,
            &request.client.client_id,
            &request.scope,
        )
        .await?;
        if known && !request.prompts("consent") {
            return Ok(Step::Answer(
                self.approve(request, user, auth_time, false).await?,
            ));
        }
        if none {
            return Ok(Step::Answer(request.error(
                Error::ConsentRequired("the person has not approved this request".into()),
                &self.settings.issuer,
            )));
        }
        Ok(Step::Consent)
    }

    /// The person approved: remember it (when `remember`) and answer with a code or a token.
    pub async fn approve(
        &self,
        request: &Request,
        user: &UserRecord,
        auth_time: u64,
        remember: bool,
    ) -> Result<Outcome> {
        let now = self.clock.now();
        if remember {
            consent::record(
                &self.store,
                user.id,
                &request.client.client_id,
                &request.scope,
                now,
            )
            .await?;
        }
        let issuer = &self.settings.issuer;
        match request.response_type {
            ResponseType::Code => {
                let code = new_token(TokenKind::Code).map_err(Error::internal)?;
                let record = CodeRecord {
                    client_id: request.client.client_id.clone(),
                    user_id: user.id,
                    redirect_uri: request.target.requested.clone(),
                    scope: request.scope.to_string(),
                    code_challenge: request.code_challenge.clone(),
                    nonce: request.nonce.clone(),
                    auth_time,
                    expires_at: now + self.settings.code_ttl,
                    grant_id: crate::crypto::random::new_id().map_err(Error::internal)?,
                    redeemed: false,
                };
                self.store
                    .insert_code(&sha256(code.as_bytes()), &record)
                    .await?;
                Ok(match &request.target.destination {
                    Destination::Uri(uri) => Outcome::Redirect(redirect::build(
                        uri,
                        Mode::Query,
                        &[("code", &code)],
                        request.state.as_deref(),
                        issuer,
                    )),
                    Destination::OutOfBand => Outcome::ShowCode {
                        code,
                        state: request.state.clone(),
                    },
                })
            }
            ResponseType::Token => {
                let issued = self
                    .issue(Grant {
                        client: &request.client,
                        user_id: Some(user.id),
                        scope: &request.scope,
                        auth_time: Some(auth_time),
                        grant_id: None,
                        refresh: false,
                    })
                    .await?;
                let expires_in = issued.expires_in.map(|e| e.to_string()).unwrap_or_default();
                let Destination::Uri(uri) = &request.target.destination else {
                    return Err(Error::InvalidRequest(
                        "the implicit flow needs a redirect URI".into(),
                    ));
                };
                let params = [
                    ("access_token", issued.access_token.as_str()),
                    ("token_type", "Bearer"),
                    ("expires_in", expires_in.as_str()),
                    ("scope", issued.scope.as_str()),
                ];
                Ok(Outcome::Redirect(redirect::build(
                    uri,
                    Mode::Fragment,
                    &params,
                    request.state.as_deref(),
                    issuer,
                )))
            }
        }
    }

    /// The person refused.
    pub fn deny(&self, request: &Request) -> Outcome {
        request.error(
            Error::AccessDenied("the person denied the request".into()),
            &self.settings.issuer,
        )
    }
}
