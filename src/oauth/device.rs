//! The device authorization grant (RFC 8628): a device asks for a code pair,
//! the person approves on another screen at `/device`, and the device polls
//! the token endpoint until it gets its tokens, exactly once.

use serde::Serialize;

use super::scope::ScopeSet;
use super::tokens::{Grant, TokenResponse};
use super::Provider;
use crate::crypto::random::fill;
use crate::crypto::{new_token, sha256, TokenKind};
use crate::error::{Error, Result};
use crate::store::{ClientRecord, DeviceRecord, DeviceState, UserRecord};

/// The device grant's registered name.
pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Letters for user codes: no vowels (no words) and no look-alikes (RFC 8628 §6.1).
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// The device authorization response (RFC 8628 §3.2).
#[derive(Serialize)]
pub struct DeviceAuthorization {
    /// The device's secret handle.
    pub device_code: String,
    /// What the person types, as `XXXX-XXXX`.
    pub user_code: String,
    /// Where the person goes.
    pub verification_uri: String,
    /// The same, with the code filled in.
    pub verification_uri_complete: String,
    /// Seconds until the codes expire.
    pub expires_in: u64,
    /// Seconds between polls.
    pub interval: u64,
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// A random user code: 8 letters of the alphabet, unbiased.
fn new_user_code() -> Result<String> {
    let mut code = String::with_capacity(8);
    while code.len() < 8 {
        let mut bytes = [0u8; 16];
        fill(&mut bytes).map_err(Error::internal)?;
        // 240 is the largest multiple of 20 below 256: reject above it.
        for b in bytes.iter().filter(|b| **b < 240) {
            if code.len() < 8 {
                code.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
            }
        }
    }
    Ok(code)
}

/// Normalises what a person typed: case and dashes or spaces do not matter.
pub fn normalize_user_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `XXXX-XXXX`.
pub fn display_user_code(code: &str) -> String {
    if code.len() == 8 {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

impl Provider {
    /// Starts a device authorization for `client`.
    pub async fn device_authorization(
        &self,
        client: &ClientRecord,
        scope: Option<&str>,
    ) -> Result<DeviceAuthorization> {
        if !client.has_grant(GRANT) {
            return Err(Error::UnauthorizedClient(
                "this client may not use the device grant".into(),
            ));
        }
        let scope = self
            .scopes
            .grant(scope, crate::oauth::scope::Holder::of(client))?;
        let now = self.clock.now();
        let ttl = self.settings.device_code_ttl;
        let interval = self.settings.device_interval;
        let device_code = new_token(TokenKind::DeviceCode).map_err(Error::internal)?;
        loop {
            let user_code = new_user_code()?;
            let record = DeviceRecord {
                client_id: client.client_id.clone(),
                scope: scope.to_string(),
                user_code: user_code.clone(),
                expires_at: now + ttl,
                interval,
                last_poll: 0,
                state: DeviceState::Pending,
            };
            let stored = self
                .store
                .insert_device(
                    &sha256(device_code.as_bytes()),
                    &sha256(user_code.as_bytes()),
                    &record,
                )
                .await?;
            if stored {
                let verification_uri = format!("{}/device", self.settings.issuer);
                let shown = display_user_code(&user_code);
                let mut complete = url::Url::parse(&verification_uri).map_err(Error::internal)?;
                complete.query_pairs_mut().append_pair("user_code", &shown);
                return Ok(DeviceAuthorization {
                    device_code,
                    user_code: shown,
                    verification_uri,
                    verification_uri_complete: complete.to_string(),
                    expires_in: ttl,
                    interval,
                });
            }
        }
    }

    /// The pending authorization a typed user code names; `None` when
    /// unknown, expired or already answered.
    pub async fn pending_device(&self, typed: &str) -> Result<Option<DeviceRecord>> {
        let code = normalize_user_code(typed);
        let found = self
            .store
            .device_by_user_code(&sha256(code.as_bytes()))
            .await?;
        let now = self.clock.now();
        Ok(found
            .map(|(_, d)| d)
            .filter(|d| d.state == DeviceState::Pending && now < d.expires_at))
    }

    /// Whether approving this device needs a second factor that the
    /// session has not shown: its application is marked so, or the policy
    /// covers the person (as at the authorization endpoint).
    pub async fn device_needs_second_factor(
        &self,
        device: &DeviceRecord,
        user: &UserRecord,
        session: &crate::store::SessionRecord,
    ) -> Result<bool> {
        let marked = self
            .store
            .client(&device.client_id)
            .await?
            .is_some_and(|c| c.flags.require_mfa);
        let wanted = marked || self.second_factor_required(user);
        Ok(wanted && !super::acr::is_multi_factor(&session.amr))
    }

    /// Records the person's answer to a pending authorization; `false` when
    /// it was no longer pending.
    pub async fn answer_device(
        &self,
        typed: &str,
        user: &UserRecord,
        auth_time: u64,
        allow: bool,
    ) -> Result<bool> {
        let code = normalize_user_code(typed);
        let Some((digest, _)) = self
            .store
            .device_by_user_code(&sha256(code.as_bytes()))
            .await?
        else {
            return Ok(false);
        };
        let now = self.clock.now();
        let changed = self
            .store
            .update_device(
                &digest,
                |d| {
                    (d.state == DeviceState::Pending && now < d.expires_at).then(|| {
                        let mut next = d.clone();
                        next.state = if allow {
                            DeviceState::Approved {
                                user_id: user.id,
                                auth_time,
                            }
                        } else {
                            DeviceState::Denied
                        };
                        next
                    })
                },
                true,
            )
            .await?;
        Ok(changed.is_some())
    }

    /// A poll of the token endpoint with a device code (RFC 8628 §3.4, §3.5).
    pub async fn poll_device(
        &self,
        client: &ClientRecord,
        device_code: &str,
    ) -> Result<TokenResponse> {
        let digest = sha256(device_code.as_bytes());
        let now = self.clock.now();
        let Some(record) = self.store.device(&digest).await? else {
            return Err(Error::InvalidGrant("unknown device_code".into()));
        };
        if record.client_id != client.client_id {
            return Err(Error::InvalidGrant("unknown device_code".into()));
        }
        if now >= record.expires_at {
            return Err(Error::ExpiredToken);
        }
        match record.state {
            DeviceState::Issued => Err(Error::InvalidGrant(
                "the device code was already used".into(),
            )),
            DeviceState::Denied => Err(Error::AccessDenied("the person denied the request".into())),
            DeviceState::Pending => {
                let too_fast = now < record.last_poll.saturating_add(record.interval);
                self.store
                    .update_device(
                        &digest,
                        |d| {
                            let mut next = d.clone();
                            if too_fast {
                                next.interval += 5;
                            } else {
                                next.last_poll = now;
                            }
                            Some(next)
                        },
                        false,
                    )
                    .await?;
                Err(if too_fast {
                    Error::SlowDown
                } else {
                    Error::AuthorizationPending
                })
            }
            DeviceState::Approved { user_id, auth_time } => {
                let spent = self
                    .store
                    .update_device(
                        &digest,
                        |d| {
                            matches!(d.state, DeviceState::Approved { .. }).then(|| {
                                let mut next = d.clone();
                                next.state = DeviceState::Issued;
                                next
                            })
                        },
                        true,
                    )
                    .await?;
                if spent.is_none() {
                    return Err(Error::InvalidGrant(
                        "the device code was already used".into(),
                    ));
                }
                let scope = ScopeSet::parse(&record.scope)?;
                self.issue(Grant {
                    client,
                    user_id: Some(user_id),
                    scope: &scope,
                    auth_time: Some(auth_time),
                    amr: &[],
                    grant_id: None,
                    refresh: self.may_refresh(client, &scope),
                    nonce: None,
                })
                .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_only_the_alphabet() {
        for _ in 0..50 {
            let code = new_user_code().unwrap();
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        }
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalize_user_code("bcdf-ghjk"), "BCDFGHJK");
        assert_eq!(normalize_user_code("BCDF GHJK"), "BCDFGHJK");
        assert_eq!(display_user_code("BCDFGHJK"), "BCDF-GHJK");
    }
}
