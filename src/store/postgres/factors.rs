//! Second factors by user id, and sign-ins waiting for their second factor
//! under their cookie's digest, on PostgreSQL. A change of factors is a
//! compare-and-swap on the record (or a conditional insert or delete when
//! it appears or empties), retried when another instance's change won; a
//! waiting sign-in is taken by one `DELETE … RETURNING`.

use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::codec::{decode, encode};
use crate::store::{FactorsRecord, PendingSignInRecord, StoreResult};

impl PgStore {
    /// The factors record with the bytes it is stored as.
    async fn factors_bytes(&self, user_id: u64) -> StoreResult<Option<(Vec<u8>, FactorsRecord)>> {
        let row = self
            .client_conn()
            .await?
            .query_opt(
                "SELECT record FROM factors WHERE user_id = $1",
                &[&i64_of(user_id)],
            )
            .await
            .map_err(db_err)?;
        row.map(|row| {
            let bytes: Vec<u8> = row.get(0);
            decode(&bytes).map(|record| (bytes, record))
        })
        .transpose()
    }

    /// A person's second factors; `None` when they have none.
    pub async fn factors(&self, user_id: u64) -> StoreResult<Option<FactorsRecord>> {
        Ok(self.factors_bytes(user_id).await?.map(|(_, r)| r))
    }

    /// Changes a person's factors atomically: `change` sees the current
    /// record (empty when none) and answers `None` to leave it as it is, or
    /// `Some(answer)` after changing it; it may run more than once when a
    /// concurrent change wins the race. An emptied record is removed.
    pub async fn update_factors<T>(
        &self,
        user_id: u64,
        mut change: impl FnMut(&mut FactorsRecord) -> Option<T>,
    ) -> StoreResult<Option<T>> {
        let id = i64_of(user_id);
        loop {
            let current = self.factors_bytes(user_id).await?;
            let mut record = match &current {
                Some((_, record)) => record.clone(),
                None => FactorsRecord::default(),
            };
            let Some(answer) = change(&mut record) else {
                return Ok(None);
            };
            let emptied = record == FactorsRecord::default();
            let client = self.client_conn().await?;
            let swapped = match (&current, emptied) {
                (None, true) => {
                    // Still none, unless one appeared meanwhile: then the
                    // change runs again on it, as a failed swap would.
                    client
                        .query_opt("SELECT 1 FROM factors WHERE user_id = $1", &[&id])
                        .await
                        .map_err(db_err)?
                        .map_or(1, |_| 0)
                }
                (None, false) => client
                    .execute(
                        "INSERT INTO factors (user_id, record) VALUES ($1, $2) \
                         ON CONFLICT (user_id) DO NOTHING",
                        &[&id as Param<'_>, &encode(&record)?],
                    )
                    .await
                    .map_err(db_err)?,
                (Some((old, _)), true) => client
                    .execute(
                        "DELETE FROM factors WHERE user_id = $1 AND record = $2",
                        &[&id as Param<'_>, old],
                    )
                    .await
                    .map_err(db_err)?,
                (Some((old, _)), false) => client
                    .execute(
                        "UPDATE factors SET record = $3 WHERE user_id = $1 AND record = $2",
                        &[&id as Param<'_>, old, &encode(&record)?],
                    )
                    .await
                    .map_err(db_err)?,
            };
            if swapped == 1 {
                return Ok(Some(answer));
            }
        }
    }

    /// Stores a sign-in that waits for its second factor.
    pub async fn insert_pending_sign_in(
        &self,
        digest: &Digest,
        record: &PendingSignInRecord,
    ) -> StoreResult<()> {
        self.put_expiring("pending_sign_ins", digest, record.expires_at, record)
            .await
    }

    /// The waiting sign-in under this digest, if any.
    pub async fn pending_sign_in(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<PendingSignInRecord>> {
        Ok(self
            .record_by_digest(
                "SELECT record FROM pending_sign_ins WHERE digest = $1",
                digest,
            )
            .await?
            .map(|(_, r)| r))
    }

    /// Takes the waiting sign-in under this digest: one caller only gets it.
    pub async fn take_pending_sign_in(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<PendingSignInRecord>> {
        Ok(self
            .record_by_digest(
                "DELETE FROM pending_sign_ins WHERE digest = $1 RETURNING record",
                digest,
            )
            .await?
            .map(|(_, r)| r))
    }
}
