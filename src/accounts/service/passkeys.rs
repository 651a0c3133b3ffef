//! The accounts service's passkey operations: the WebAuthn ceremonies
//! (adding, signing in, checking for a purpose), renaming and removing.

use super::Accounts;
use crate::accounts::passkeys::{self, Ceremony, Passkeys, Verified};
use crate::accounts::users::AccountError;
use crate::store::{PasskeyPurpose, UserRecord};

/// The refusal when the server has no passkey relying party.
fn no_passkeys() -> AccountError {
    AccountError::Invalid(
        "passkeys need this server to be reached by a domain name, not an IP address".into(),
    )
}

impl Accounts {
    /// Whether this server offers passkeys (its issuer has a domain name).
    pub fn passkeys_offered(&self) -> bool {
        self.passkeys.is_some()
    }

    /// Refuses, saying why, when this server offers no passkeys.
    pub fn require_passkeys(&self) -> Result<(), AccountError> {
        self.relying_party().map(|_| ())
    }

    fn relying_party(&self) -> Result<&Passkeys, AccountError> {
        self.passkeys.as_ref().ok_or_else(no_passkeys)
    }

    /// Starts adding a passkey named `name`; `next` is where to go after.
    pub async fn start_passkey_registration(
        &self,
        user: &UserRecord,
        name: &str,
        next: &str,
    ) -> Result<Ceremony, AccountError> {
        let rp = self.relying_party()?;
        rp.start_registration(&self.store, user, name, next, self.now())
            .await
    }

    /// Finishes adding a passkey with the browser's answer.
    pub async fn finish_passkey_registration(
        &self,
        user_id: u64,
        ceremony: &str,
        answer: &str,
    ) -> Result<Verified, AccountError> {
        let rp = self.relying_party()?;
        rp.finish_registration(&self.store, user_id, ceremony, answer, self.now())
            .await
    }

    /// Starts a sign-in with any passkey; `next` is where to go after.
    pub async fn start_passkey_sign_in(&self, next: &str) -> Result<Ceremony, AccountError> {
        let rp = self.relying_party()?;
        rp.start_sign_in(&self.store, next, self.now()).await
    }

    /// Starts a check of one of `user_id`'s passkeys for `purpose`.
    pub async fn start_passkey_check(
        &self,
        user_id: u64,
        purpose: PasskeyPurpose,
    ) -> Result<Ceremony, AccountError> {
        let rp = self.relying_party()?;
        rp.start_check(&self.store, user_id, purpose, self.now())
            .await
    }

    /// Checks the browser's answer to a ceremony of `purpose` (by
    /// `expected_user`'s passkeys, when named).
    pub async fn finish_passkey(
        &self,
        expected_user: Option<u64>,
        purpose: PasskeyPurpose,
        ceremony: &str,
        answer: &str,
    ) -> Result<Verified, AccountError> {
        let rp = self.relying_party()?;
        rp.finish_authentication(
            &self.store,
            expected_user,
            purpose,
            ceremony,
            answer,
            self.now(),
        )
        .await
    }

    /// Renames one of a person's passkeys; answers whether it was there.
    pub async fn rename_passkey(
        &self,
        user_id: u64,
        id: &str,
        name: &str,
    ) -> Result<bool, AccountError> {
        passkeys::rename(&self.store, user_id, id, name).await
    }

    /// Removes one of a person's passkeys; answers whether it was there.
    pub async fn remove_passkey(&self, user_id: u64, id: &str) -> Result<bool, AccountError> {
        passkeys::remove(&self.store, user_id, id).await
    }
}
