//! The client credentials grant (RFC 6749 §4.4): a confidential client asks
//! for a token that acts for itself, with no user.

use crate::error::{Error, Result};
use crate::oauth::scope::ScopeSet;
use crate::oauth::tokens::{Grant, TokenResponse};
use crate::oauth::Provider;
use crate::store::ClientRecord;

impl Provider {
    /// Issues a client's own access token for `scope` (or the defaults).
    pub async fn client_credentials(
        &self,
        client: &ClientRecord,
        scope: Option<&str>,
    ) -> Result<TokenResponse> {
        // §4.4: "MUST only be used by confidential clients".
        if !client.is_confidential() {
            return Err(Error::UnauthorizedClient(
                "this client may not use the client_credentials grant".into(),
            ));
        }
        let scope = match scope {
            None if self.scopeless_app_tokens(client) => ScopeSet::default(),
            _ => self
                .scopes
                .grant(scope, crate::oauth::scope::Holder::of(client))?,
        };
        self.issue(Grant {
            client,
            user_id: None,
            scope: &scope,
            auth_time: None,
            amr: &[],
            grant_id: None,
            refresh: false,
            nonce: None,
        })
        .await
    }
}
