//! The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2):
//! every use of a rotating refresh token returns a new one, and presenting a
//! rotated token again revokes the whole family, since one of the two
//! holders is not the client. A short grace period (off by default) lets a
//! client whose parallel requests raced receive the same new pair again.

use crate::crypto::seal;
use crate::crypto::sha256;
use crate::error::{Error, Result};
use crate::oauth::scope::ScopeSet;
use crate::oauth::tokens::{Grant, TokenResponse};
use crate::oauth::Provider;
use crate::store::{ClientRecord, Rotation, RotationOutcome, TokenKind, TokenRecord};

fn invalid(why: &'static str) -> Error {
    Error::InvalidGrant(why.into())
}

impl Provider {
    /// Exchanges a refresh token for a new access token (and a new refresh token when it rotates).
    pub async fn refresh(
        &self,
        client: &ClientRecord,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> Result<TokenResponse> {
        let digest = sha256(refresh_token.as_bytes());
        let Some(record) = self.store.token(&digest).await? else {
            return Err(invalid("unknown refresh token"));
        };
        if record.kind != TokenKind::Refresh || record.client_id != client.client_id {
            return Err(invalid("unknown refresh token"));
        }
        if record.rotated.is_some() {
            return self.reused(refresh_token, record).await;
        }
        let now = self.clock.now();
        if !record.is_live(now) {
            return Err(invalid("the refresh token has expired"));
        }
        let granted = ScopeSet::parse(&record.scope)?;
        let scope = match scope {
            None => granted.clone(),
            Some(asked) => {
                let asked = ScopeSet::parse(asked)?;
                if let Some(extra) = asked.iter().find(|s| !granted.contains(s)) {
                    return Err(Error::InvalidScope(
                        format!("scope `{extra}` was not part of the original grant").into(),
                    ));
                }
                if asked.is_empty() {
                    granted.clone()
                } else {
                    asked
                }
            }
        };
        let rotate = !client.is_confidential() || self.settings.rotate_confidential_refresh;
        let mut minted = self.mint(Grant {
            client,
            user_id: record.user_id,
            scope: &scope,
            auth_time: record.auth_time,
            amr: &[],
            grant_id: record.grant_id.clone(),
            refresh: rotate,
            nonce: None,
        })?;
        // OpenID Connect Core §12.2: a new ID token, same auth_time, no nonce.
        self.add_id_token(
            &mut minted.response,
            client,
            record.user_id,
            &scope,
            crate::oauth::tokens::Authn {
                auth_time: record.auth_time,
                amr: &[],
                nonce: None,
            },
        )
        .await?;
        // The refresh token keeps the original grant's scope, so a later
        // refresh may ask for the wider scope again (RFC 6749 §6).
        let mut records = minted.records;
        for (_, r) in records
            .iter_mut()
            .filter(|(_, r)| r.kind == TokenKind::Refresh)
        {
            r.scope = record.scope.clone();
        }
        self.store.insert_tokens(&records).await?;
        if !rotate {
            return Ok(minted.response);
        }
        // The successor is kept (sealed) only for the grace period; with
        // none, a rotated token needs no more than the time it rotated.
        let sealed = if self.settings.refresh_grace > 0 {
            let successor = serde_json::to_vec(&minted.response).map_err(Error::internal)?;
            seal::seal(refresh_token.as_bytes(), &successor)
                .ok_or_else(|| Error::internal("sealing failed"))?
        } else {
            Vec::new()
        };
        let rotation = Rotation {
            at: now,
            sealed_successor: sealed,
        };
        match self.store.rotate_token(&digest, rotation).await? {
            RotationOutcome::Rotated(_) => Ok(minted.response),
            RotationOutcome::AlreadyRotated(current) => {
                // A parallel request won the race: withdraw what we minted.
                for (d, _) in &records {
                    self.store.remove_token_if(d, |_| true).await?;
                }
                self.reused(refresh_token, current).await
            }
            RotationOutcome::Unknown => Err(invalid("unknown refresh token")),
        }
    }

    /// A rotated refresh token came back: the same successor within the
    /// grace period, otherwise the family is revoked.
    async fn reused(&self, refresh_token: &str, record: TokenRecord) -> Result<TokenResponse> {
        let now = self.clock.now();
        if let Some(rotation) = &record.rotated {
            let grace = self.settings.refresh_grace;
            if grace > 0 && now < rotation.at + grace {
                let successor = seal::open(refresh_token.as_bytes(), &rotation.sealed_successor)
                    .and_then(|plain| serde_json::from_slice::<TokenResponse>(&plain).ok());
                if let Some(successor) = successor {
                    let still_live = self
                        .store
                        .token(&sha256(successor.access_token.as_bytes()))
                        .await?
                        .is_some();
                    if still_live {
                        return Ok(successor);
                    }
                }
            }
        }
        if let Some(grant) = &record.grant_id {
            let revoked = self.store.revoke_grant(grant).await?;
            log::warn!(
                "rotated refresh token of client {} reused; revoked {revoked} tokens of its family",
                record.client_id
            );
        }
        Err(invalid("the refresh token was already used"))
    }
}
