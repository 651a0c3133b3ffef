//! Checking a username and password: off the async workers, on at most a
//! set number of blocking threads at once (a flood of sign-ins queues
//! rather than spawning a thread each), and with the same cost whether or
//! not the account exists.

use tokio::sync::Semaphore;

use super::users::AccountError;
use crate::crypto::password;
use crate::store::{Store, UserRecord};

/// Verifies passwords with a bounded number of hashes in flight.
#[derive(Debug)]
pub struct PasswordChecker {
    /// A hash verified against for an unknown user, so that both take as long.
    dummy_hash: String,
    /// One permit per hash that may run at once.
    permits: Semaphore,
}

impl PasswordChecker {
    /// A checker whose unknown-user hash uses `iterations`, running at most
    /// `concurrency` (at least one) verifications at once.
    pub fn new(iterations: u32, concurrency: usize) -> Self {
        PasswordChecker {
            dummy_hash: password::dummy_hash(iterations),
            permits: Semaphore::new(concurrency.max(1)),
        }
    }

    /// A turn at hashing: while it is held, one of the permits is taken
    /// (for making a new password's hash, as sign-up does).
    pub async fn turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.permits.acquire().await.ok()
    }

    /// Answers the user when the password is right and the account enabled.
    pub async fn verify(
        &self,
        store: &Store,
        username: &str,
        password: &str,
    ) -> Result<Option<UserRecord>, AccountError> {
        let user = store.user_by_name(username).await?;
        let hash = user
            .as_ref()
            .map_or_else(|| self.dummy_hash.clone(), |u| u.password_hash.clone());
        let password = password.to_owned();
        // The semaphore is never closed, so acquiring fails only if it were.
        let Ok(_permit) = self.permits.acquire().await else {
            return Ok(None);
        };
        let ok = tokio::task::spawn_blocking(move || password::verify(&password, &hash))
            .await
            .unwrap_or(false);
        Ok(user.filter(|u| ok && !u.disabled))
    }
}
