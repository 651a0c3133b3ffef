//! Token revocation (RFC 7009): a client withdraws one of its own tokens.

use super::Provider;
use crate::crypto::sha256;
use crate::error::{Error, Result};
use crate::store::{ClientRecord, TokenKind};

impl Provider {
    /// Revokes `token` if `client` owns it. An unknown token is success
    /// (§2.2); another client's token is refused and left alone (§2.1).
    pub async fn revoke(&self, client: &ClientRecord, token: &str) -> Result<()> {
        let digest = sha256(token.as_bytes());
        match self
            .store
            .remove_token_if(&digest, |record| record.client_id == client.client_id)
            .await?
        {
            Some((_, false)) => Err(Error::UnauthorizedClient(
                "the token was not issued to this client".into(),
            )),
            // §2.1: revoking a refresh token also invalidates the access
            // tokens of the same grant.
            Some((record, true)) if record.kind == TokenKind::Refresh => {
                if let Some(grant) = &record.grant_id {
                    self.store.revoke_grant(grant).await?;
                }
                Ok(())
            }
            Some((_, true)) | None => Ok(()),
        }
    }
}
