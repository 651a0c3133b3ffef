//! The accounts service's operations for leaving: the data export and the
//! deletion of an account.

use super::Accounts;
use crate::accounts::export::{self, AccountExport};
use crate::accounts::leaving::{self, Proof};
use crate::accounts::users::AccountError;
use crate::crypto::Digest;
use crate::store::{AccountRemoval, UserRecord};

impl Accounts {
    /// Everything kept about `user`, for download; `current` is the digest
    /// of the asking session's cookie.
    pub async fn export(
        &self,
        user: &UserRecord,
        current: Option<&Digest>,
    ) -> Result<AccountExport, AccountError> {
        export::gather(
            &self.store,
            &self.settings.issuer,
            user,
            current,
            self.now(),
            self.settings.session_idle,
        )
        .await
    }

    /// Refuses (with the reason) when `user` may not delete their account.
    pub async fn may_leave(&self, user: &UserRecord) -> Result<(), AccountError> {
        leaving::may_leave(&self.store, user).await
    }

    /// Deletes `user`'s account, who proved it is them by `proof`.
    pub async fn delete_account(
        &self,
        user: &UserRecord,
        proof: Proof,
    ) -> Result<AccountRemoval, AccountError> {
        leaving::delete(&self.store, user, proof, self.now()).await
    }
}
