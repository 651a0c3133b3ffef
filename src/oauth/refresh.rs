//! What an instance reads again from a shared store, because another
//! instance may have changed it: the signing keys (a rotation) and the
//! policies an administrator sets on the admin page. On the embedded store
//! only this process writes them, so nothing needs reading again.

use std::time::Duration;

use super::{Policies, Provider};
use crate::store::{Store, StoreResult};

/// How often an instance on a shared store reads the keys and policies
/// again unless told otherwise (`--shared-refresh`): a rotation made on one
/// instance is used and published by all within this time.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

impl Policies {
    /// The policies stored by an administrator, each falling back to
    /// `defaults` (the flags) when none was stored or it no longer parses.
    pub async fn stored(store: &Store, defaults: Policies) -> StoreResult<Policies> {
        Ok(Policies {
            signup: store
                .setting("signup")
                .await?
                .and_then(|v| v.parse().ok())
                .unwrap_or(defaults.signup),
            registration: store
                .setting("registration")
                .await?
                .and_then(|v| v.parse().ok())
                .unwrap_or(defaults.registration),
            second_factor: store
                .setting("second_factor")
                .await?
                .and_then(|v| super::second_factor::SecondFactorPolicy::parse(&v))
                .unwrap_or(defaults.second_factor),
        })
    }
}

impl Provider {
    /// Reads the keys and policies again from the store (another instance
    /// may have rotated or changed them); `defaults` as for [`Policies::stored`].
    pub async fn refresh_shared(&self, defaults: Policies) -> crate::error::Result<()> {
        self.reload_keys().await?;
        let policies = Policies::stored(&self.store, defaults).await?;
        match self.policies.write() {
            Ok(mut p) => *p = policies,
            Err(poisoned) => *poisoned.into_inner() = policies,
        }
        Ok(())
    }

    /// Whether other instances share this provider's store.
    pub fn shares_store(&self) -> bool {
        self.store.is_shared()
    }
}
