//! The accounts service's operations on addresses and password resets:
//! verification links, reset links by mail, and an administrator's reset link.

use super::Accounts;
use crate::accounts::users::AccountError;
use crate::accounts::{admin, email};
use crate::store::UserRecord;

impl Accounts {
    /// Starts verifying `user`'s address; answers the link's token, or none
    /// when one was sent a moment ago.
    pub async fn start_email_verification(
        &self,
        user: &UserRecord,
    ) -> Result<Option<String>, AccountError> {
        email::start_verification(&self.store, user, self.now()).await
    }

    /// The person and address a verification token names, if it is usable.
    pub async fn pending_email(
        &self,
        token: &str,
    ) -> Result<Option<(UserRecord, String)>, AccountError> {
        email::pending(&self.store, token, self.now()).await
    }

    /// Spends a verification token and marks the address verified.
    pub async fn verify_email(&self, token: &str) -> Result<UserRecord, AccountError> {
        email::verify(&self.store, token, self.now()).await
    }

    /// A password-reset link token for every account with a verified `address`.
    pub async fn reset_links(
        &self,
        address: &str,
    ) -> Result<Vec<(UserRecord, String)>, AccountError> {
        email::reset_links(&self.store, address, self.now()).await
    }

    /// An administrator's one-time password-reset link token for `user_id`.
    pub async fn create_reset(&self, user_id: u64) -> Result<String, AccountError> {
        admin::create_reset(&self.store, user_id, self.now()).await
    }

    /// Whether a reset token may still be used.
    pub async fn reset_usable(&self, token: &str) -> Result<bool, AccountError> {
        admin::reset_usable(&self.store, token, self.now()).await
    }

    /// Spends a reset token, setting `new_password`.
    pub async fn use_reset(&self, token: &str, new_password: &str) -> Result<(), AccountError> {
        admin::use_reset(
            &self.store,
            token,
            new_password,
            self.settings.pbkdf2_iterations,
            self.now(),
        )
        .await
    }
}
