//! Passkeys on PostgreSQL: which account each credential id belongs to,
//! each person's WebAuthn user handle, and ceremonies waiting for their
//! second request. The passkeys themselves live in the person's factors
//! record. Each claim is one `INSERT … ON CONFLICT DO NOTHING`, so of two
//! instances registering at once exactly one gets it.

use super::people::u64_of;
use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::{PasskeyCeremonyRecord, PasskeyFactor, StoreError, StoreResult};

/// A stored user handle as its 16 bytes.
fn handle_of(bytes: &[u8]) -> StoreResult<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Codec("bad passkey handle".into()))
}

impl PgStore {
    /// The person's WebAuthn user handle; `fresh` becomes it when they have
    /// none yet (one atomic step, so two first registrations agree).
    pub async fn passkey_handle(&self, user_id: u64, fresh: [u8; 16]) -> StoreResult<[u8; 16]> {
        let client = self.client_conn().await?;
        loop {
            let inserted = client
                .execute(
                    "INSERT INTO passkey_handles (user_id, handle) VALUES ($1, $2) \
                     ON CONFLICT (user_id) DO NOTHING",
                    &[&i64_of(user_id) as Param<'_>, &fresh.as_slice()],
                )
                .await
                .map_err(db_err)?;
            if inserted == 1 {
                return Ok(fresh);
            }
            // Taken: the handle that won, unless the account went meanwhile.
            if let Some(handle) = self.existing_passkey_handle(user_id).await? {
                return Ok(handle);
            }
        }
    }

    /// The person's user handle, if they ever registered a passkey.
    pub async fn existing_passkey_handle(&self, user_id: u64) -> StoreResult<Option<[u8; 16]>> {
        self.client_conn()
            .await?
            .query_opt(
                "SELECT handle FROM passkey_handles WHERE user_id = $1",
                &[&i64_of(user_id)],
            )
            .await
            .map_err(db_err)?
            .map(|row| handle_of(&row.get::<_, Vec<u8>>(0)))
            .transpose()
    }

    /// Who registered this credential id, if anyone.
    pub async fn passkey_owner(&self, credential_id: &[u8]) -> StoreResult<Option<u64>> {
        self.client_conn()
            .await?
            .query_opt(
                "SELECT user_id FROM passkey_credentials WHERE credential_id = $1",
                &[&credential_id],
            )
            .await
            .map_err(db_err)?
            .map(|row| u64_of(row.get(0)))
            .transpose()
    }

    /// Registers a passkey for the person; `false` when its credential id
    /// belongs to an account already (WebAuthn §7.1 step 22).
    pub async fn add_passkey(&self, user_id: u64, passkey: PasskeyFactor) -> StoreResult<bool> {
        let owner = i64_of(user_id);
        let claimed = self
            .client_conn()
            .await?
            .execute(
                "INSERT INTO passkey_credentials (credential_id, user_id) VALUES ($1, $2) \
                 ON CONFLICT (credential_id) DO NOTHING",
                &[&passkey.credential_id as Param<'_>, &owner],
            )
            .await
            .map_err(db_err)?;
        if claimed == 0 {
            return Ok(false);
        }
        let added = self
            .update_factors(user_id, |factors| {
                factors.passkeys.push(passkey.clone());
                Some(())
            })
            .await;
        if added.is_err() {
            self.client_conn()
                .await?
                .execute(
                    "DELETE FROM passkey_credentials WHERE credential_id = $1 AND user_id = $2",
                    &[&passkey.credential_id as Param<'_>, &owner],
                )
                .await
                .map_err(db_err)?;
        }
        added.map(|_| true)
    }

    /// Removes one of the person's passkeys; `false` when they have no
    /// passkey with this credential id.
    pub async fn remove_passkey(&self, user_id: u64, credential_id: &[u8]) -> StoreResult<bool> {
        let removed = self
            .update_factors(user_id, |factors| {
                let before = factors.passkeys.len();
                factors
                    .passkeys
                    .retain(|p| p.credential_id != credential_id);
                (factors.passkeys.len() < before).then_some(())
            })
            .await?;
        if removed.is_none() {
            return Ok(false);
        }
        // Only the owner's entry goes: the index never points elsewhere.
        self.client_conn()
            .await?
            .execute(
                "DELETE FROM passkey_credentials WHERE credential_id = $1 AND user_id = $2",
                &[&credential_id as Param<'_>, &i64_of(user_id)],
            )
            .await
            .map_err(db_err)?;
        Ok(true)
    }

    /// Stores a ceremony until its second request.
    pub async fn insert_passkey_ceremony(
        &self,
        digest: &Digest,
        record: &PasskeyCeremonyRecord,
    ) -> StoreResult<()> {
        self.put_expiring("passkey_ceremonies", digest, record.expires_at, record)
            .await
    }

    /// Takes the ceremony under this digest: one request only gets it.
    pub async fn take_passkey_ceremony(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<PasskeyCeremonyRecord>> {
        Ok(self
            .record_by_digest(
                "DELETE FROM passkey_ceremonies WHERE digest = $1 RETURNING record",
                digest,
            )
            .await?
            .map(|(_, r)| r))
    }
}
