//! Checking a second factor at sign-in: throttled exactly like a password
//! (the same per-account and per-address counts, so guesses at the code
//! and at the password add up), logged for fail2ban, and audited.

use std::net::IpAddr;

use super::audit::AuditEvent;
use super::Provider;
use crate::accounts::factors::{self, CodeUsed};
use crate::accounts::throttle;
use crate::error::{Error, Result};
use crate::store::UserRecord;

/// Who must have a second factor (set on `/admin`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SecondFactorPolicy {
    /// Whoever enrolled one uses it; nobody must (the default).
    #[default]
    Optional,
    /// Administrators must.
    Admins,
    /// Everyone must.
    Everyone,
}

impl SecondFactorPolicy {
    /// The name in forms and in the store.
    pub fn name(self) -> &'static str {
        match self {
            SecondFactorPolicy::Optional => "optional",
            SecondFactorPolicy::Admins => "admins",
            SecondFactorPolicy::Everyone => "everyone",
        }
    }

    /// The policy of a name, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "optional" => Some(SecondFactorPolicy::Optional),
            "admins" => Some(SecondFactorPolicy::Admins),
            "everyone" => Some(SecondFactorPolicy::Everyone),
            _ => None,
        }
    }

    /// Whether this person must use a second factor.
    pub fn applies_to(self, user: &UserRecord) -> bool {
        match self {
            SecondFactorPolicy::Optional => false,
            SecondFactorPolicy::Admins => user.admin,
            SecondFactorPolicy::Everyone => true,
        }
    }
}

impl Provider {
    /// Whether the policy in force requires `user` to use a second factor.
    pub fn second_factor_required(&self, user: &UserRecord) -> bool {
        self.policies().second_factor.applies_to(user)
    }

    /// Checks a code typed after the password (an authenticator app's
    /// code, or a recovery code, which is spent); `Ok(None)` when wrong,
    /// `Err(Throttled)` while the account or address is locked.
    pub async fn check_second_factor(
        &self,
        user: &UserRecord,
        code: &str,
        peer: Option<IpAddr>,
    ) -> Result<Option<CodeUsed>> {
        let keys = throttle::keys(&user.username, peer);
        if let Err(wait) = self.throttle.begin(&keys, self.clock.now()).await? {
            throttle::log_refusal(peer, &user.username, Some(wait));
            self.metrics.throttled();
            self.audit(AuditEvent {
                event: "sign_in_locked",
                actor: Some(&user.username),
                client_ip: peer,
                ..AuditEvent::default()
            })
            .await;
            return Err(Error::Throttled(wait));
        }
        let used = factors::use_code(&self.store, user.id, code, self.clock.now())
            .await
            .map_err(crate::accounts::users::AccountError::into_error)?;
        match used {
            Some(_) => self.throttle.succeeded(&keys).await?,
            None => throttle::log_refusal(peer, &user.username, None),
        }
        let event = match used {
            Some(CodeUsed::Totp) => "second_factor",
            Some(CodeUsed::Recovery) => "recovery_code_used",
            None => "second_factor_failed",
        };
        self.audit(AuditEvent {
            event,
            actor: Some(&user.username),
            client_ip: peer,
            ..AuditEvent::default()
        })
        .await;
        Ok(used)
    }
}
