//! Second factors by user id, and sign-ins waiting for their second factor
//! under their cookie's digest.

use super::*;

impl SledStore {
    /// A person's second factors; `None` when they have none.
    pub async fn factors(&self, user_id: u64) -> StoreResult<Option<FactorsRecord>> {
        self.factors
            .get(user_id.to_be_bytes())
            .map_err(db_err)?
            .map(|bytes| decode(&bytes))
            .transpose()
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
        let key = user_id.to_be_bytes();
        loop {
            let current = self.factors.get(key).map_err(db_err)?;
            let mut record = match &current {
                Some(bytes) => decode(bytes)?,
                None => FactorsRecord::default(),
            };
            let Some(answer) = change(&mut record) else {
                return Ok(None);
            };
            let new = if record == FactorsRecord::default() {
                None
            } else {
                Some(encode(&record)?)
            };
            let swapped = self
                .factors
                .compare_and_swap(key, current, new)
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
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
        self.expiry
            .insert(
                expiry_key(record.expires_at, Expiring::PendingSignIn, digest),
                &[],
            )
            .map_err(db_err)?;
        self.pending_sign_ins
            .insert(digest, encode(record)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// The waiting sign-in under this digest, if any.
    pub async fn pending_sign_in(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<PendingSignInRecord>> {
        self.pending_sign_ins
            .get(digest)
            .map_err(db_err)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    /// Takes the waiting sign-in under this digest: one caller only gets it.
    pub async fn take_pending_sign_in(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<PendingSignInRecord>> {
        let taken = self.pending_sign_ins.remove(digest).map_err(db_err)?;
        let Some(bytes) = taken else {
            return Ok(None);
        };
        self.flush().await?;
        decode(&bytes).map(Some)
    }
}
