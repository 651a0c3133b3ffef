//! The authorization code grant's exchange (RFC 6749 §4.1.3, RFC 7636 §4.6).
//! A code is single-use: a second redemption fails and revokes every token
//! issued from it (§4.1.2, RFC 9700 §4.2.4 … the replay suggests theft).

use crate::crypto::sha256;
use crate::error::{Error, Result};
use crate::oauth::scope::ScopeSet;
use crate::oauth::tokens::{Grant, TokenResponse};
use crate::oauth::{pkce, Provider};
use crate::store::{ClientRecord, Redemption};

fn invalid(why: &'static str) -> Error {
    Error::InvalidGrant(why.into())
}

impl Provider {
    /// Exchanges a code for tokens.
    pub async fn exchange_code(
        &self,
        client: &ClientRecord,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> Result<TokenResponse> {
        self.redeem(client, code, Some(redirect_uri), code_verifier)
            .await
    }

    /// Exchanges a code for a client whose document never repeats the
    /// redirect URI (Mastodon's "store this code as your refresh_token",
    /// Scratch's `POST /tokens`): the code's own redirect URI stands.
    pub async fn exchange_code_as_issued(
        &self,
        client: &ClientRecord,
        code: &str,
        code_verifier: Option<&str>,
    ) -> Result<TokenResponse> {
        self.redeem(client, code, None, code_verifier).await
    }

    /// `redirect_uri`: `Some(repeated)` checks it as RFC 6749 §4.1.3 says;
    /// `None` takes the code's own.
    async fn redeem(
        &self,
        client: &ClientRecord,
        code: &str,
        redirect_uri: Option<Option<&str>>,
        code_verifier: Option<&str>,
    ) -> Result<TokenResponse> {
        let digest = sha256(code.as_bytes());
        // Check the binding before spending the code, so that a wrong client
        // or verifier cannot burn a code that is not theirs.
        let Some(record) = self.store.code(&digest).await? else {
            return Err(invalid("unknown authorization code"));
        };
        if record.client_id != client.client_id {
            return Err(invalid("the code was issued to another client"));
        }
        if self.clock.now() >= record.expires_at {
            return Err(invalid("the authorization code has expired"));
        }
        match (
            &record.redirect_uri,
            redirect_uri.unwrap_or(record.redirect_uri.as_deref()),
        ) {
            (Some(sent), Some(again)) if sent == again => {}
            (Some(_), _) => {
                return Err(invalid(
                    "redirect_uri differs from the authorization request",
                ))
            }
            (None, Some(again)) if !client.redirect_uris.iter().any(|r| r == again) => {
                return Err(invalid("redirect_uri is not registered for this client"))
            }
            (None, _) => {}
        }
        if !record.redeemed {
            pkce::verify(record.code_challenge.as_deref(), code_verifier)?;
        }
        let record = match self.store.redeem_code(&digest).await? {
            Redemption::Fresh(record) => record,
            Redemption::Replayed(record) => {
                // Ended first, so that a redemption racing this one (on
                // another worker or instance) finds out after storing its
                // tokens, whatever this revocation got to see.
                self.store.end_code(&digest).await?;
                let revoked = self.store.revoke_grant(&record.grant_id).await?;
                log::warn!(
                    "authorization code for client {} replayed; revoked {revoked} tokens",
                    record.client_id
                );
                return Err(invalid(
                    "the authorization code was already used; the tokens issued for it are revoked now (RFC 6749 §4.1.2): keep the refresh_token of the first answer instead",
                ));
            }
            Redemption::Unknown => return Err(invalid("unknown authorization code")),
        };
        let scope = ScopeSet::parse(&record.scope)?;
        let issued = self
            .issue(Grant {
                client,
                user_id: Some(record.user_id),
                scope: &scope,
                auth_time: Some(record.auth_time),
                amr: &record.amr,
                grant_id: Some(record.grant_id.clone()),
                refresh: self.may_refresh(client, &scope),
                nonce: record.nonce.as_deref(),
            })
            .await?;
        // A replay that arrived while these tokens were being stored ended
        // the code before revoking the grant, and its revocation may have
        // run before they were stored: then they go now (RFC 6749 §4.1.2).
        // This answer still succeeds, as the first of a code used twice
        // does when the second comes later; its tokens are revoked alike.
        // A code gone altogether was ended and swept already.
        let ended = self
            .store
            .code(&digest)
            .await?
            .is_none_or(|code| code.expires_at == 0);
        if ended {
            let revoked = self.store.revoke_grant(&record.grant_id).await?;
            log::warn!(
                "authorization code for client {} replayed while redeemed; revoked {revoked} tokens",
                record.client_id
            );
        }
        Ok(issued)
    }
}
