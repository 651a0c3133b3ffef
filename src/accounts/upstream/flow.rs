//! The two steps of a sign-in through another provider. `begin` keeps a
//! waiting record (state, nonce, PKCE verifier, where to go) under the
//! digest of a new cookie and answers the provider's authorization URL;
//! `finish` takes that record once, checks the answer's `state`, exchanges
//! the code and learns who the person is there.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use super::client::{Upstream, Upstreams};
use super::id_token::{self, Expected};
use super::UpstreamError;
use crate::crypto::random::new_id;
use crate::crypto::{constant_time_eq, new_token, sha256, TokenKind};
use crate::store::{Store, StoreError, UpstreamPendingRecord};

/// How long a waiting sign-in lasts.
pub const PENDING_TTL: u64 = 600;

/// A started sign-in: the cookie that binds it to the browser, and where
/// to send the browser.
#[derive(Debug)]
pub struct Started {
    /// The cookie's value (its digest names the waiting record).
    pub cookie: String,
    /// The provider's authorization URL with every parameter.
    pub location: String,
}

/// The provider's answer at the callback (RFC 6749 §4.1.2, RFC 9207 `iss`).
#[derive(Debug, Default)]
pub struct Callback<'a> {
    /// The code.
    pub code: Option<&'a str>,
    /// The state sent back.
    pub state: Option<&'a str>,
    /// An error code instead of a code.
    pub error: Option<&'a str>,
    /// The issuer of the answer, if the provider sends it.
    pub iss: Option<&'a str>,
}

/// Who the person is at the provider.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The stable subject (`sub`, or the user-info `id`/`user_id`).
    pub subject: String,
    /// A username they go by there (`preferred_username`, `login`, `username`).
    pub username: Option<String>,
    /// Their email address there.
    pub email: Option<String>,
    /// Whether the provider says it verified that address.
    pub email_verified: bool,
    /// Their display name.
    pub name: Option<String>,
}

fn random(what: &str) -> Result<String, StoreError> {
    new_id().map_err(|_| StoreError::Db(format!("no randomness for the {what}")))
}

/// Starts a sign-in (or, with `link_user`, a link) through `up`.
pub async fn begin(
    store: &Store,
    upstreams: &Upstreams,
    up: &Upstream,
    redirect_uri: &str,
    next: &str,
    link_user: Option<u64>,
    now: u64,
) -> Result<Started, UpstreamError> {
    let endpoints = upstreams.endpoints(up, now).await?;
    let cookie = new_token(TokenKind::UpstreamSignIn)
        .map_err(|_| StoreError::Db("no randomness for the cookie".into()))?;
    let state = random("state")?;
    let nonce = random("nonce")?;
    // 43 characters or more (RFC 7636 §4.1): two ids make 44.
    let verifier = format!("{}{}", random("verifier")?, random("verifier")?);
    let challenge = URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()));
    let c = &up.config;
    let mut location = url::Url::parse(&endpoints.authorization)
        .map_err(|e| UpstreamError::Provider(format!("the authorization URL: {e}")))?;
    {
        let mut q = location.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &c.client_id)
            .append_pair("redirect_uri", redirect_uri);
        let scope = c.scope();
        if !scope.is_empty() {
            q.append_pair("scope", &scope);
        }
        q.append_pair("state", &state);
        if c.is_oidc() {
            q.append_pair("nonce", &nonce);
        }
        q.append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
    }
    let record = UpstreamPendingRecord {
        provider: c.name.clone(),
        state_digest: sha256(state.as_bytes()),
        nonce,
        pkce_verifier: verifier,
        next: next.to_owned(),
        link_user,
        created_at: now,
        expires_at: now + PENDING_TTL,
    };
    store
        .insert_upstream_pending(&sha256(cookie.as_bytes()), &record)
        .await?;
    Ok(Started {
        cookie,
        location: location.into(),
    })
}

/// A claim as text: a string, or a number (GitHub's `id`).
fn claim_text(value: &Value, name: &str) -> Option<String> {
    match value.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The identity in ID-token claims or a user-info answer.
fn identity_of(claims: &Value, subject: String) -> Identity {
    let first = |names: &[&str]| names.iter().find_map(|n| claim_text(claims, n));
    Identity {
        subject,
        username: first(&["preferred_username", "login", "username"]),
        email: first(&["email"]),
        email_verified: claims.get("email_verified").and_then(Value::as_bool) == Some(true),
        name: first(&["name"]),
    }
}

/// Takes the waiting sign-in the `cookie` names, once, and checks the
/// provider's answer; answers the record and who the person is.
pub async fn finish(
    store: &Store,
    upstreams: &Upstreams,
    name: &str,
    cookie: Option<&str>,
    answer: &Callback<'_>,
    redirect_uri: &str,
    now: u64,
) -> Result<(UpstreamPendingRecord, Identity), UpstreamError> {
    let up = upstreams.get(name)?;
    let Some(cookie) = cookie else {
        return Err(UpstreamError::NoPending);
    };
    let pending = store
        .take_upstream_pending(&sha256(cookie.as_bytes()))
        .await?
        .filter(|p| now < p.expires_at && p.provider == name)
        .ok_or(UpstreamError::NoPending)?;
    let state_ok = answer
        .state
        .is_some_and(|s| constant_time_eq(&sha256(s.as_bytes()), &pending.state_digest));
    if !state_ok {
        return Err(UpstreamError::StateMismatch);
    }
    if let Some(error) = answer.error {
        return Err(UpstreamError::Denied(error.chars().take(64).collect()));
    }
    let c = &up.config;
    let code = answer
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| UpstreamError::Provider("the answer has no code".into()))?;
    let endpoints = upstreams.endpoints(up, now).await?;
    // RFC 9207: an answer that names its issuer must name this provider's,
    // and one from a provider that promises to name it must do so.
    match (answer.iss, &endpoints.issuer) {
        (Some(iss), Some(issuer)) if iss != issuer => {
            return Err(UpstreamError::Provider(
                "the answer names another issuer (RFC 9207)".into(),
            ))
        }
        (None, Some(_)) if endpoints.iss_required => {
            return Err(UpstreamError::Provider(
                "the answer does not name its issuer (RFC 9207)".into(),
            ))
        }
        _ => {}
    }
    let tokens = upstreams
        .exchange(up, &endpoints, code, redirect_uri, &pending.pkce_verifier)
        .await?;
    let identity = match &endpoints.issuer {
        Some(issuer) => {
            let jwt = tokens
                .get("id_token")
                .and_then(Value::as_str)
                .ok_or_else(|| UpstreamError::IdToken("there is none".into()))?;
            let kid = id_token::kid(jwt);
            let keys = upstreams.keys(up, &endpoints, kid.as_deref(), now).await?;
            let expected = Expected {
                issuer,
                client_id: &c.client_id,
                nonce: &pending.nonce,
                now,
            };
            let claims = id_token::verify(jwt, &keys, &expected).map_err(UpstreamError::IdToken)?;
            let claims = Value::Object(claims);
            let subject = claim_text(&claims, "sub").unwrap_or_default();
            identity_of(&claims, subject)
        }
        None => {
            let access = tokens
                .get("access_token")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let url = endpoints.userinfo.as_deref().unwrap_or_default();
            let info = upstreams.userinfo(url, access).await?;
            let subject = ["sub", "id", "user_id"]
                .iter()
                .find_map(|n| claim_text(&info, n))
                .ok_or_else(|| {
                    UpstreamError::Provider(
                        "the user info names no account (sub, id or user_id)".into(),
                    )
                })?;
            let mut identity = identity_of(&info, subject);
            // A plain OAuth 2.0 provider's word on an address is not a verification.
            identity.email_verified = false;
            identity
        }
    };
    Ok((pending, identity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn github_and_oidc_answers_give_an_identity() {
        let gh = json!({"id": 583231, "login": "octocat", "name": "The Octocat", "email": null});
        let id = identity_of(&gh, claim_text(&gh, "id").unwrap());
        assert_eq!(id.subject, "583231");
        assert_eq!(id.username.as_deref(), Some("octocat"));
        assert_eq!(id.email, None);
        let oidc = json!({"sub": "7", "preferred_username": "bob", "email": "b@x.org", "email_verified": true});
        let id = identity_of(&oidc, "7".into());
        assert!(id.email_verified);
        assert_eq!(id.username.as_deref(), Some("bob"));
    }
}
