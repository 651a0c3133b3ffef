//! Issuing tokens and the RFC 6749 §5.1 success response.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::scope::ScopeSet;
use super::Provider;
use crate::crypto::{new_token, sha256, TokenKind as SecretKind};
use crate::error::{Error, Result};
use crate::store::{ClientRecord, TokenKind, TokenRecord};

/// The body of a successful token response (RFC 6749 §5.1).
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer` (RFC 6750).
    pub token_type: String,
    /// Seconds until the access token expires; absent when it never does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// The refresh token, when one is issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The granted scope, always stated.
    pub scope: String,
    /// The OpenID Connect ID token, for `openid` grants that act for a user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// How the person behind a grant authenticated, for its ID token.
#[derive(Debug, Clone, Copy)]
pub struct Authn<'a> {
    /// When (OpenID `auth_time`); now when unknown.
    pub auth_time: Option<u64>,
    /// By what (RFC 8176 `amr`).
    pub amr: &'a [String],
    /// The request's nonce.
    pub nonce: Option<&'a str>,
}

/// What new tokens are for.
#[derive(Debug)]
pub struct Grant<'a> {
    /// The client they are issued to.
    pub client: &'a ClientRecord,
    /// The user they act for, if any.
    pub user_id: Option<u64>,
    /// The granted scope.
    pub scope: &'a ScopeSet,
    /// When the user authenticated.
    pub auth_time: Option<u64>,
    /// How the user authenticated (RFC 8176), for the ID token.
    pub amr: &'a [String],
    /// The family the tokens join; a new one is made when `None`.
    pub grant_id: Option<String>,
    /// Whether to issue a refresh token too.
    pub refresh: bool,
    /// The OpenID nonce to put in the ID token, if any.
    pub nonce: Option<&'a str>,
}

/// New tokens before they are stored: the response, and the records to store.
pub struct Minted {
    /// What the client receives.
    pub response: TokenResponse,
    /// What the store keeps, by digest.
    pub records: Vec<([u8; 32], TokenRecord)>,
}

impl Provider {
    /// Whether a grant for `client` with `scope` comes with a refresh token:
    /// the client must have the grant, and an OpenID request must ask for
    /// `offline_access` (OpenID Connect Core §11).
    pub fn may_refresh(&self, client: &ClientRecord, scope: &ScopeSet) -> bool {
        client.has_grant("refresh_token")
            && (!scope.contains("openid") || scope.contains("offline_access"))
    }

    /// Makes new tokens for `grant` without storing them.
    pub fn mint(&self, grant: Grant<'_>) -> Result<Minted> {
        let now = self.clock.now();
        // A client's own lifetime wins; 0 means until revoked (for old
        // clients that cannot refresh, such as Piictu's "good until deleted").
        let ttl = grant
            .client
            .access_token_ttl
            .unwrap_or(self.settings.access_token_ttl);
        let scope = grant.scope.to_string();
        let grant_id = match grant.grant_id {
            Some(id) => Some(id),
            None if grant.refresh => {
                Some(crate::crypto::random::new_id().map_err(Error::internal)?)
            }
            None => None,
        };
        let record = |kind, expires_at| TokenRecord {
            kind,
            client_id: grant.client.client_id.clone(),
            user_id: grant.user_id,
            scope: scope.clone(),
            issued_at: now,
            expires_at,
            grant_id: grant_id.clone(),
            auth_time: grant.auth_time,
            rotated: None,
        };
        let access_token = new_token(SecretKind::Access).map_err(Error::internal)?;
        let forever = ttl == 0;
        let access_expiry = (!forever).then_some(now + ttl);
        let mut records = vec![(
            sha256(access_token.as_bytes()),
            record(TokenKind::Access, access_expiry),
        )];
        let refresh_token = if grant.refresh {
            let token = new_token(SecretKind::Refresh).map_err(Error::internal)?;
            let ttl = self.settings.refresh_token_ttl;
            let expires_at = (ttl > 0).then_some(now + ttl);
            records.push((
                sha256(token.as_bytes()),
                record(TokenKind::Refresh, expires_at),
            ));
            Some(token)
        } else {
            None
        };
        Ok(Minted {
            response: TokenResponse {
                access_token,
                token_type: "Bearer".into(),
                expires_in: (!forever).then_some(ttl),
                refresh_token,
                scope,
                id_token: None,
            },
            records,
        })
    }

    /// Makes and durably stores tokens for `grant`, with an ID token when
    /// the scope has `openid` and the grant acts for a user.
    pub async fn issue(&self, grant: Grant<'_>) -> Result<TokenResponse> {
        let (client, user_id, scope) = (grant.client, grant.user_id, grant.scope);
        let authn = Authn {
            auth_time: grant.auth_time,
            amr: grant.amr,
            nonce: grant.nonce,
        };
        let mut minted = self.mint(grant)?;
        self.add_id_token(&mut minted.response, client, user_id, scope, authn)
            .await?;
        self.store.insert_tokens(&minted.records).await?;
        Ok(minted.response)
    }

    /// Adds an ID token to a response for an `openid` grant that acts for a user.
    pub async fn add_id_token(
        &self,
        response: &mut TokenResponse,
        client: &ClientRecord,
        user_id: Option<u64>,
        scope: &ScopeSet,
        authn: Authn<'_>,
    ) -> Result<()> {
        let Some(user_id) = user_id.filter(|_| scope.contains("openid")) else {
            return Ok(());
        };
        let user = self
            .store
            .user(user_id)
            .await?
            .ok_or_else(|| Error::InvalidGrant("the user no longer exists".into()))?;
        response.id_token = Some(
            self.id_token(super::id_token::Subject {
                client,
                user: &user,
                scope,
                auth_time: authn.auth_time.unwrap_or_else(|| self.clock.now()),
                amr: authn.amr,
                nonce: authn.nonce,
                access_token: Some(&response.access_token),
                code: None,
            })
            .await?,
        );
        Ok(())
    }
}
