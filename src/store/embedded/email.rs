//! Email verification links: a record under the link token's digest, with
//! an expiry index entry so the sweep removes the ones never followed.

use super::*;
use crate::store::records::EmailVerificationRecord;

impl SledStore {
    /// Stores a verification link; durable when it returns.
    pub async fn insert_email_verification(
        &self,
        digest: &Digest,
        record: &EmailVerificationRecord,
    ) -> StoreResult<()> {
        self.expiry
            .insert(
                expiry_key(record.expires_at, Expiring::EmailVerification, digest),
                &[],
            )
            .map_err(db_err)?;
        self.email_verifications
            .insert(digest, encode(record)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// The verification link under this digest, if it is live at `now`.
    pub async fn email_verification(
        &self,
        digest: &Digest,
        now: u64,
    ) -> StoreResult<Option<EmailVerificationRecord>> {
        let Some(bytes) = self.email_verifications.get(digest).map_err(db_err)? else {
            return Ok(None);
        };
        let record: EmailVerificationRecord = decode(&bytes)?;
        Ok((now < record.expires_at).then_some(record))
    }

    /// Takes a verification link atomically (one remove: of two callers,
    /// one gets it); answers it if it was live at `now`.
    pub async fn take_email_verification(
        &self,
        digest: &Digest,
        now: u64,
    ) -> StoreResult<Option<EmailVerificationRecord>> {
        let Some(bytes) = self.email_verifications.remove(digest).map_err(db_err)? else {
            return Ok(None);
        };
        self.flush().await?;
        let record: EmailVerificationRecord = decode(&bytes)?;
        Ok((now < record.expires_at).then_some(record))
    }
}
