//! The authorization endpoint's protocol (RFC 6749 §3.1, §4.1.1, §4.2.1,
//! RFC 7636, RFC 9207): validating a request, deciding whether the person
//! must sign in or consent, and issuing a code or an implicit token.
//!
//! Errors before the redirect URI is verified are shown to the person
//! (`Failure::Page`); every later error goes to the client (`Failure::Redirect`).

use std::sync::Arc;

use super::redirect::{self, Destination, Mode, Target};
use super::scope::ScopeSet;
use super::tokens::Grant;
use super::{pkce, Provider};
use crate::accounts::consent;
use crate::crypto::{new_token, sha256, TokenKind};
use crate::error::{Error, Result};
use crate::store::{ClientRecord, CodeRecord, SessionRecord, UserRecord};

/// Seconds an out-of-band code lives: long enough to copy by hand, and
/// RFC 6749 §4.1.2's recommended maximum.
pub const OUT_OF_BAND_CODE_TTL: u64 = 600;

/// The internal parameter that marks a request sent back after `prompt=login`.
pub const AUTH_AFTER: &str = "gh_auth_after";

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
        let mut seen = std::collections::HashSet::with_capacity(self.pairs.len());
        self.pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| !seen.insert(*k))
    }

    /// The protocol parameters, without the consent form's own fields.
    pub fn protocol_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .filter(|(k, _)| k != "decision" && k != "csrf_token")
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// What the client asked for: the code flow, the implicit flow, or a
/// hybrid of both (OpenID Connect Core §3.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResponseType {
    /// `code`: the authorization code flow.
    Code,
    /// `token`: the implicit flow.
    Token,
    /// `id_token`: OpenID implicit, an ID token only.
    IdToken,
    /// `id_token token`: OpenID implicit, both.
    IdTokenToken,
    /// `code id_token`: hybrid, a code and an ID token with `c_hash`.
    CodeIdToken,
    /// `code token`: hybrid, a code and an access token.
    CodeToken,
    /// `code id_token token`: hybrid, all three.
    CodeIdTokenToken,
}

impl ResponseType {
    /// Every response type, in the order discovery lists them.
    pub const ALL: [ResponseType; 7] = [
        ResponseType::Code,
        ResponseType::Token,
        ResponseType::IdToken,
        ResponseType::IdTokenToken,
        ResponseType::CodeIdToken,
        ResponseType::CodeToken,
        ResponseType::CodeIdTokenToken,
    ];

    /// Parses `response_type` (space-separated values in any order).
    pub fn parse(raw: &str) -> Option<Self> {
        let mut values: Vec<&str> = raw.split(' ').filter(|v| !v.is_empty()).collect();
        values.sort_unstable();
        match values.as_slice() {
            ["code"] => Some(ResponseType::Code),
            ["token"] => Some(ResponseType::Token),
            ["id_token"] => Some(ResponseType::IdToken),
            ["id_token", "token"] => Some(ResponseType::IdTokenToken),
            ["code", "id_token"] => Some(ResponseType::CodeIdToken),
            ["code", "token"] => Some(ResponseType::CodeToken),
            ["code", "id_token", "token"] => Some(ResponseType::CodeIdTokenToken),
            _ => None,
        }
    }

    /// The registered name (RFC 7591 `response_types`).
    pub fn name(self) -> &'static str {
        match self {
            ResponseType::Code => "code",
            ResponseType::Token => "token",
            ResponseType::IdToken => "id_token",
            ResponseType::IdTokenToken => "id_token token",
            ResponseType::CodeIdToken => "code id_token",
            ResponseType::CodeToken => "code token",
            ResponseType::CodeIdTokenToken => "code id_token token",
        }
    }

    /// Whether the answer carries an authorization code.
    pub fn has_code(self) -> bool {
        matches!(
            self,
            ResponseType::Code
                | ResponseType::CodeIdToken
                | ResponseType::CodeToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Whether the answer carries an access token.
    pub fn has_token(self) -> bool {
        matches!(
            self,
            ResponseType::Token
                | ResponseType::IdTokenToken
                | ResponseType::CodeToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Whether the answer carries an ID token.
    pub fn has_id_token(self) -> bool {
        matches!(
            self,
            ResponseType::IdToken
                | ResponseType::IdTokenToken
                | ResponseType::CodeIdToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Where the answer goes without `response_mode`: the query for `code`,
    /// the fragment whenever anything else is in it (Multiple Response
    /// Type Encoding Practices §2.1, §3).
    pub fn default_mode(self) -> Mode {
        if self == ResponseType::Code {
            Mode::Query
        } else {
            Mode::Fragment
        }
    }
}

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The client.
    pub client: Arc<ClientRecord>,
    /// Where the answer goes.
    pub target: Target,
    /// Code, token, ID token, or a combination.
    pub response_type: ResponseType,
    /// How the answer travels (`response_mode`, or the type's default).
    pub mode: Mode,
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
    /// `max_age`: the longest time since sign-in the client accepts.
    pub max_age: Option<u64>,
    /// Set when the person was sent to sign in again (`prompt=login`): a
    /// session from before this time does not count.
    pub auth_after: Option<u64>,
    /// `acr_values` asked for a second factor.
    pub multi_factor: bool,
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
    /// Send it to the client's redirect URI (a redirect or a form post).
    Deliver(redirect::Response),
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
    /// The signed-in person must show a second factor first (or set one up).
    SecondFactor,
    /// The person must approve the request.
    Consent,
    /// Done: here is the answer.
    Answer(Outcome),
}

impl Request {
    /// The error answer for this request.
    pub fn error(&self, error: Error, issuer: &str) -> Outcome {
        match &self.target.destination {
            Destination::Uri(uri) => {
                let description = error.description().into_owned();
                let params = [
                    ("error", error.code()),
                    ("error_description", description.as_str()),
                ];
                Outcome::Deliver(redirect::build(
                    uri,
                    self.mode,
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
        let target = match redirect::verify(&client, params.get("redirect_uri")) {
            Ok(target) => target,
            // Skritter: "if your client account has no redirect URI set, this
            // value is used, as long as it's a valid URI" (legacy clients only).
            Err(e) => match params.get("redirect_uri") {
                Some(uri) if client.redirect_uris.is_empty() && self.legacy_implicit(&client) => {
                    redirect::unregistered(uri).ok_or(Failure::Page(e))?
                }
                _ => return Err(Failure::Page(e)),
            },
        };

        // From here on the redirect URI is trusted; errors go back to it.
        let state = params.get("state").map(str::to_owned);
        let response_type = params
            .get("response_type")
            .and_then(ResponseType::parse)
            .unwrap_or(ResponseType::Code);
        let mut request = Request {
            client,
            target,
            response_type,
            mode: response_type.default_mode(),
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
            max_age: None,
            auth_after: params.get(AUTH_AFTER).and_then(|v| v.parse().ok()),
            multi_factor: params
                .get("acr_values")
                .is_some_and(super::acr::asks_multi_factor),
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
        match params.get("response_type").map(ResponseType::parse) {
            None => {
                return Err(fail(
                    &request,
                    Error::InvalidRequest("response_type is missing".into()),
                ))
            }
            Some(Some(_)) => {}
            Some(None) => {
                return Err(fail(
                    &request,
                    Error::UnsupportedResponseType(
                        "supported response types are code, token, id_token, id_token token, code id_token, code token and code id_token token"
                            .into(),
                    ),
                ))
            }
        }
        let registered = request
            .client
            .response_types
            .iter()
            .any(|r| ResponseType::parse(r) == Some(response_type));
        if !registered {
            return Err(fail(
                &request,
                Error::UnauthorizedClient(
                    "the client is not registered for this response_type".into(),
                ),
            ));
        }
        if let Some(raw) = params.get("response_mode") {
            let Some(mode) = Mode::parse(raw) else {
                return Err(fail(
                    &request,
                    Error::InvalidRequest(
                        "response_mode must be query, fragment or form_post".into(),
                    ),
                ));
            };
            // Multiple Response Type Encoding Practices §2.1: an answer that
            // carries a token never travels in the query.
            if mode == Mode::Query && response_type != ResponseType::Code {
                return Err(fail(
                    &request,
                    Error::InvalidRequest(
                        "response_mode=query is not allowed when the answer carries a token".into(),
                    ),
                ));
            }
            request.mode = mode;
        } else if !response_type.has_code() && self.legacy_implicit(&request.client) {
            // A dialect's legacy client reads its implicit answer from the query.
            request.mode = Mode::Query;
        }
        if let Some(max_age) = params.get("max_age") {
            request.max_age = Some(max_age.parse().map_err(|_| {
                fail(
                    &request,
                    Error::InvalidRequest("max_age must be a number of seconds".into()),
                )
            })?);
        }
        // OpenID Connect Core §3.2.2.1, §3.3.2.11 (with its errata): a nonce
        // whenever the authorization endpoint returns an ID token.
        let wants_id_token = response_type.has_id_token();
        if wants_id_token && request.nonce.is_none() {
            return Err(fail(
                &request,
                Error::InvalidRequest(
                    "nonce is required when an ID token is returned from the authorization endpoint".into(),
                ),
            ));
        }
        if response_type != ResponseType::Code
            && request.target.destination == Destination::OutOfBand
        {
            return Err(fail(
                &request,
                Error::InvalidRequest("the implicit flow needs a redirect URI".into()),
            ));
        }
        request.scope = self
            .scopes
            .grant(
                params.get("scope"),
                super::scope::Holder::of(&request.client),
            )
            .map_err(|e| fail(&request, e))?;
        if wants_id_token && !request.scope.contains("openid") {
            return Err(fail(
                &request,
                Error::InvalidScope("an ID token needs the openid scope".into()),
            ));
        }
        if response_type.has_code() {
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
        user: Option<(&UserRecord, &SessionRecord)>,
    ) -> Result<Step> {
        let none = request.prompts("none");
        let now = self.clock.now();
        let fresh = |auth_time: u64| {
            let young_enough = request
                .max_age
                .is_none_or(|max| now.saturating_sub(auth_time) <= max);
            let after_marker = request.auth_after.is_none_or(|after| auth_time >= after);
            let login_forced = request.prompts("login") && request.auth_after.is_none();
            young_enough && after_marker && !login_forced
        };
        let user = user.filter(|(_, session)| fresh(session.auth_time));
        let Some((user, session)) = user else {
            if none {
                return Ok(Step::Answer(request.error(
                    Error::LoginRequired("the person is not signed in".into()),
                    &self.settings.issuer,
                )));
            }
            return Ok(Step::SignIn);
        };
        self.may_authorize(&request.client, user).await?;
        if self.needs_second_factor(request, user, session) {
            if none {
                return Ok(Step::Answer(request.error(
                    Error::InteractionRequired("a second factor is needed".into()),
                    &self.settings.issuer,
                )));
            }
            return Ok(Step::SecondFactor);
        }
        // A first-party application an administrator marked needs no consent.
        let known = request.client.flags.skip_consent
            || consent::covers(
                &self.store,
                user.id,
                &request.client.client_id,
                &request.scope,
            )
            .await?;
        if known && !request.prompts("consent") {
            return Ok(Step::Answer(
                self.approve(request, user, session, false).await?,
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

    /// Whether the request, its client or the policy wants a second factor
    /// that this session has not shown.
    pub fn needs_second_factor(
        &self,
        request: &Request,
        user: &UserRecord,
        session: &SessionRecord,
    ) -> bool {
        let wanted = request.multi_factor
            || request.client.flags.require_mfa
            || self.second_factor_required(user);
        wanted && !super::acr::is_multi_factor(&session.amr)
    }

    /// Refuses a private application to anyone but its owner and the people
    /// they listed, and an application open to some groups to non-members.
    pub async fn may_authorize(&self, client: &ClientRecord, user: &UserRecord) -> Result<()> {
        let flags = &client.flags;
        if flags.private && client.owner != Some(user.id) && !flags.allowed_users.contains(&user.id)
        {
            return Err(Error::Forbidden(
                "this application is private: only its developer and the people they chose may use it".into(),
            ));
        }
        if !client.allowed_groups.is_empty() {
            let member_of = crate::accounts::groups::names_of(&self.store, user.id)
                .await
                .map_err(crate::accounts::users::AccountError::into_error)?;
            if !crate::accounts::groups::in_any(&member_of, &client.allowed_groups) {
                return Err(Error::Forbidden(
                    "this application is open only to members of some groups, and you are in none of them; ask an administrator".into(),
                ));
            }
        }
        Ok(())
    }

    /// The person approved: remember it (when `remember`) and answer with a code or a token.
    pub async fn approve(
        &self,
        request: &Request,
        user: &UserRecord,
        session: &SessionRecord,
        remember: bool,
    ) -> Result<Outcome> {
        let auth_time = session.auth_time;
        self.may_authorize(&request.client, user).await?;
        if self.needs_second_factor(request, user, session) {
            return Err(Error::Forbidden(
                "this application needs a sign-in with a second factor".into(),
            ));
        }
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
        let user_id = user.id.to_string();
        let mut extras: Vec<(&str, &str)> = Vec::new();
        if self.user_id_in_authorization(&request.client) {
            extras.push(("user_id", &user_id));
        }
        let code = if request.response_type.has_code() {
            Some(self.new_code(request, user, session).await?)
        } else {
            None
        };
        let Destination::Uri(uri) = &request.target.destination else {
            return match code {
                Some((code, _)) if request.response_type == ResponseType::Code => {
                    Ok(Outcome::ShowCode {
                        code,
                        state: request.state.clone(),
                    })
                }
                _ => Err(Error::InvalidRequest(
                    "the implicit flow needs a redirect URI".into(),
                )),
            };
        };
        let mut params: Vec<(&str, String)> = Vec::new();
        let code_text = code.as_ref().map(|(code, _)| code.clone());
        if let Some(code) = &code_text {
            params.push(("code", code.clone()));
        }
        let mut access_token = None;
        if request.response_type.has_token() {
            // RFC 6749 §4.2.2 and RFC 9700 §2.1.2: no refresh token from the
            // authorization endpoint, except for a dialect's legacy client.
            let legacy = self.legacy_implicit(&request.client) && !request.response_type.has_code();
            let token_type = if self.user_id_in_authorization(&request.client) {
                "bearer"
            } else {
                "Bearer"
            };
            let issued = self
                .issue(Grant {
                    client: &request.client,
                    user_id: Some(user.id),
                    scope: &request.scope,
                    auth_time: Some(auth_time),
                    amr: &session.amr,
                    // A hybrid answer's token belongs to the code's grant, so
                    // a replayed code revokes it too (RFC 6749 §4.1.2).
                    grant_id: code.as_ref().map(|(_, grant_id)| grant_id.clone()),
                    refresh: legacy && self.may_refresh(&request.client, &request.scope),
                    nonce: None,
                })
                .await?;
            self.metrics
                .token_issued(if request.response_type.has_code() {
                    "hybrid"
                } else {
                    "implicit"
                });
            params.push(("access_token", issued.access_token.clone()));
            if let Some(refresh) = &issued.refresh_token {
                params.push(("refresh_token", refresh.clone()));
            }
            params.push(("token_type", token_type.into()));
            let expires_in = issued.expires_in.map(|e| e.to_string()).unwrap_or_default();
            params.push(("expires_in", expires_in));
            params.push(("scope", issued.scope.clone()));
            access_token = Some(issued.access_token);
        }
        if request.response_type.has_id_token() {
            let id_token = self
                .id_token(super::id_token::Subject {
                    client: &request.client,
                    user,
                    scope: &request.scope,
                    auth_time,
                    amr: &session.amr,
                    nonce: request.nonce.as_deref(),
                    access_token: access_token.as_deref(),
                    code: code_text.as_deref(),
                })
                .await?;
            params.push(("id_token", id_token));
        }
        let mut pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.extend(&extras);
        Ok(Outcome::Deliver(redirect::build(
            uri,
            request.mode,
            &pairs,
            request.state.as_deref(),
            issuer,
        )))
    }

    /// Stores a new authorization code for the request: the code and its
    /// grant's identifier.
    async fn new_code(
        &self,
        request: &Request,
        user: &UserRecord,
        session: &SessionRecord,
    ) -> Result<(String, String)> {
        let code = new_token(TokenKind::Code).map_err(Error::internal)?;
        // A code copied by hand from a page gets the RFC 6749 §4.1.2
        // upper bound (10 minutes); a redirected one the setting.
        let ttl = match request.target.destination {
            Destination::OutOfBand => OUT_OF_BAND_CODE_TTL.max(self.settings.code_ttl),
            Destination::Uri(_) => self.settings.code_ttl,
        };
        let grant_id = crate::crypto::random::new_id().map_err(Error::internal)?;
        let record = CodeRecord {
            client_id: request.client.client_id.clone(),
            user_id: user.id,
            redirect_uri: request.target.requested.clone(),
            scope: request.scope.to_string(),
            code_challenge: request.code_challenge.clone(),
            nonce: request.nonce.clone(),
            auth_time: session.auth_time,
            amr: session.amr.clone(),
            expires_at: self.clock.now() + ttl,
            grant_id: grant_id.clone(),
            redeemed: false,
        };
        self.store
            .insert_code(&sha256(code.as_bytes()), &record)
            .await?;
        Ok((code, grant_id))
    }

    /// The person refused.
    pub fn deny(&self, request: &Request) -> Outcome {
        request.error(
            Error::AccessDenied("the person denied the request".into()),
            &self.settings.issuer,
        )
    }
}
