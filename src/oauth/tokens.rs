//! Issuing tokens and the RFC 6749 §5.1 success response.

use std::fmt;

use serde::Serialize;

use super::scope::ScopeSet;
use super::Provider;
use crate::crypto::{new_token, sha256, TokenKind as SecretKind};
use crate::error::{Error, Result};
use crate::store::{TokenKind, TokenRecord};

/// The body of a successful token response (RFC 6749 §5.1).
#[derive(Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer` (RFC 6750).
    pub token_type: &'static str,
    /// Seconds until the access token expires; absent when it never does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// The refresh token, when one is issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The granted scope, always stated.
    pub scope: String,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// What a new access token is for.
#[derive(Debug)]
pub struct Grant<'a> {
    /// The client it is issued to.
    pub client_id: &'a str,
    /// The user it acts for, if any.
    pub user_id: Option<u64>,
    /// The granted scope.
    pub scope: &'a ScopeSet,
}

impl Provider {
    /// Creates an access token for `grant`, durably, and the response that carries it.
    pub async fn issue_access_token(&self, grant: Grant<'_>) -> Result<TokenResponse> {
        let now = self.clock.now();
        let ttl = self.settings.access_token_ttl;
        let access_token = new_token(SecretKind::Access).map_err(Error::internal)?;
        let scope = grant.scope.to_string();
        let record = TokenRecord {
            kind: TokenKind::Access,
            client_id: grant.client_id.to_owned(),
            user_id: grant.user_id,
            scope: scope.clone(),
            issued_at: now,
            expires_at: Some(now + ttl),
            grant_id: None,
            auth_time: None,
            rotated: None,
        };
        self.store
            .insert_tokens(&[(sha256(access_token.as_bytes()), record)])
            .await?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: Some(ttl),
            refresh_token: None,
            scope,
        })
    }
}
