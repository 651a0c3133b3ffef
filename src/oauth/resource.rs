//! Access tokens at protected resources (RFC 6750): which tokens open them.

use super::scope::ScopeSet;
use super::Provider;
use crate::crypto::sha256;
use crate::error::{Error, Result};
use crate::store::{ClientRecord, TokenKind, TokenRecord, UserRecord};

/// A valid access token and what it carries.
#[derive(Debug)]
pub struct Access {
    /// The token's record.
    pub token: TokenRecord,
    /// Its scope, parsed.
    pub scope: ScopeSet,
    /// The user it acts for, if any.
    pub user: Option<UserRecord>,
    /// The client it was issued to.
    pub client: std::sync::Arc<ClientRecord>,
}

impl Provider {
    /// Checks an access token: known, an access token, live, and (for a user
    /// token) belonging to an enabled user.
    pub async fn access(&self, token: &str) -> Result<Access> {
        let invalid =
            || Error::InvalidToken("the access token is unknown, expired or revoked".into());
        let record = self
            .store
            .token(&sha256(token.as_bytes()))
            .await?
            .filter(|r| r.kind == TokenKind::Access && r.is_live(self.clock.now()))
            .ok_or_else(invalid)?;
        // A removed client's tokens stop working at once.
        let client = self
            .store
            .client(&record.client_id)
            .await?
            .ok_or_else(invalid)?;
        let user = match record.user_id {
            Some(id) => Some(
                self.store
                    .user(id)
                    .await?
                    .filter(|u| !u.disabled)
                    .ok_or_else(invalid)?,
            ),
            None => None,
        };
        Ok(Access {
            scope: ScopeSet::parse(&record.scope).unwrap_or_default(),
            token: record,
            user,
            client,
        })
    }
}
