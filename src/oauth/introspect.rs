//! Token introspection (RFC 7662): what a resource server learns about a token.

use serde::Serialize;

use super::Provider;
use crate::crypto::sha256;
use crate::error::Result;
use crate::store::TokenKind;

/// The introspection response (RFC 7662 §2.2); inactive tokens carry only `active`.
#[derive(Debug, Serialize, Default)]
pub struct Introspection {
    /// Whether the token is valid now.
    pub active: bool,
    /// The token's scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user's username, for user tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Expiry, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// Issue time, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// The user the token acts for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

impl Provider {
    /// Describes a token. The hint only orders a search, which is a single
    /// lookup here, so an unknown or wrong hint changes nothing (§2.1).
    pub async fn introspect(&self, token: &str) -> Result<Introspection> {
        let Some(record) = self.store.token(&sha256(token.as_bytes())).await? else {
            return Ok(Introspection::default());
        };
        if !record.is_live(self.clock.now()) || !self.store.client_exists(&record.client_id).await?
        {
            return Ok(Introspection::default());
        }
        // A disabled or removed user's tokens are inactive.
        let username = match record.user_id {
            Some(id) => match self.store.user(id).await?.filter(|u| !u.disabled) {
                Some(user) => Some(user.username),
                None => return Ok(Introspection::default()),
            },
            None => None,
        };
        Ok(Introspection {
            active: true,
            scope: Some(record.scope),
            client_id: Some(record.client_id),
            username,
            token_type: Some(match record.kind {
                TokenKind::Access => "Bearer",
                TokenKind::Refresh => "refresh_token",
            }),
            exp: record.expires_at,
            iat: Some(record.issued_at),
            sub: record.user_id.map(|id| id.to_string()),
            iss: Some(self.settings.issuer.clone()),
        })
    }
}
