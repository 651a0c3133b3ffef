//! Email verification links on PostgreSQL: a row under the link token's
//! digest, with its expiry so the sweep removes the ones never followed.
//! Taking one is one `DELETE … RETURNING`: of two callers, on any
//! instances, one gets it.

use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::codec::encode;
use crate::store::records::EmailVerificationRecord;
use crate::store::StoreResult;

impl PgStore {
    /// Stores a verification link; durable when it returns.
    pub async fn insert_email_verification(
        &self,
        digest: &Digest,
        record: &EmailVerificationRecord,
    ) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO email_verifications (digest, user_id, expires_at, record) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (digest) DO UPDATE SET user_id = EXCLUDED.user_id, \
                 expires_at = EXCLUDED.expires_at, record = EXCLUDED.record",
                &[
                    &digest.as_slice() as Param<'_>,
                    &i64_of(record.user_id),
                    &i64_of(record.expires_at),
                    &encode(record)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The verification link under this digest, if it is live at `now`.
    pub async fn email_verification(
        &self,
        digest: &Digest,
        now: u64,
    ) -> StoreResult<Option<EmailVerificationRecord>> {
        Ok(self
            .record_by_digest::<EmailVerificationRecord>(
                "SELECT record FROM email_verifications WHERE digest = $1",
                digest,
            )
            .await?
            .map(|(_, r)| r)
            .filter(|r| now < r.expires_at))
    }

    /// Takes a verification link atomically (one delete: of two callers,
    /// one gets it); answers it if it was live at `now`.
    pub async fn take_email_verification(
        &self,
        digest: &Digest,
        now: u64,
    ) -> StoreResult<Option<EmailVerificationRecord>> {
        let record: Option<EmailVerificationRecord> = self
            .record_by_digest::<EmailVerificationRecord>(
                "DELETE FROM email_verifications WHERE digest = $1 RETURNING record",
                digest,
            )
            .await?
            .map(|(_, r)| r);
        Ok(record.filter(|r| now < r.expires_at))
    }
}
