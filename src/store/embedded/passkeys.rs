//! Passkeys: which account each credential id belongs to, each person's
//! WebAuthn user handle, and ceremonies waiting for their second request.
//! The passkeys themselves live in the person's factors record.

use super::*;

impl SledStore {
    /// The person's WebAuthn user handle; `fresh` becomes it when they have
    /// none yet (one atomic step, so two first registrations agree).
    pub async fn passkey_handle(&self, user_id: u64, fresh: [u8; 16]) -> StoreResult<[u8; 16]> {
        let key = user_id.to_be_bytes();
        let taken = self
            .passkey_handles
            .compare_and_swap(key, None as Option<&[u8]>, Some(&fresh[..]))
            .map_err(db_err)?;
        match taken {
            Ok(()) => {
                self.flush().await?;
                Ok(fresh)
            }
            Err(conflict) => conflict
                .current
                .and_then(|bytes| bytes.as_ref().try_into().ok())
                .ok_or_else(|| StoreError::Codec("bad passkey handle".into())),
        }
    }

    /// The person's user handle, if they ever registered a passkey.
    pub async fn existing_passkey_handle(&self, user_id: u64) -> StoreResult<Option<[u8; 16]>> {
        Ok(self
            .passkey_handles
            .get(user_id.to_be_bytes())
            .map_err(db_err)?
            .and_then(|bytes| bytes.as_ref().try_into().ok()))
    }

    /// Who registered this credential id, if anyone.
    pub async fn passkey_owner(&self, credential_id: &[u8]) -> StoreResult<Option<u64>> {
        self.passkey_credentials
            .get(credential_id)
            .map_err(db_err)?
            .map(|bytes| {
                bytes
                    .as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| StoreError::Codec("bad passkey owner".into()))
            })
            .transpose()
    }

    /// Registers a passkey for the person; `false` when its credential id
    /// belongs to an account already (WebAuthn §7.1 step 22).
    pub async fn add_passkey(&self, user_id: u64, passkey: PasskeyFactor) -> StoreResult<bool> {
        let owner = user_id.to_be_bytes();
        let claimed = self
            .passkey_credentials
            .compare_and_swap(
                &passkey.credential_id,
                None as Option<&[u8]>,
                Some(&owner[..]),
            )
            .map_err(db_err)?;
        if claimed.is_err() {
            return Ok(false);
        }
        let added = self
            .update_factors(user_id, |factors| {
                factors.passkeys.push(passkey.clone());
                Some(())
            })
            .await;
        if added.is_err() {
            self.passkey_credentials
                .remove(&passkey.credential_id)
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
        let owner = user_id.to_be_bytes();
        let _ = self
            .passkey_credentials
            .compare_and_swap(credential_id, Some(&owner[..]), None as Option<&[u8]>)
            .map_err(db_err)?;
        self.flush().await?;
        Ok(true)
    }

    /// Stores a ceremony until its second request.
    pub async fn insert_passkey_ceremony(
        &self,
        digest: &Digest,
        record: &PasskeyCeremonyRecord,
    ) -> StoreResult<()> {
        self.expiry
            .insert(
                expiry_key(record.expires_at, Expiring::PasskeyCeremony, digest),
                &[],
            )
            .map_err(db_err)?;
        self.passkey_ceremonies
            .insert(digest, encode(record)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// Takes the ceremony under this digest: one request only gets it.
    pub async fn take_passkey_ceremony(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<PasskeyCeremonyRecord>> {
        let Some(bytes) = self.passkey_ceremonies.remove(digest).map_err(db_err)? else {
            return Ok(None);
        };
        self.flush().await?;
        decode(&bytes).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PasskeyPurpose;

    fn passkey(id: &[u8]) -> PasskeyFactor {
        PasskeyFactor {
            credential_id: id.to_vec(),
            name: "key".into(),
            credential: "{}".into(),
            created_at: 1,
            last_used: None,
        }
    }

    fn store() -> (tempfile::TempDir, SledStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SledStore::open(&dir.path().join("db"), 1 << 20).expect("open");
        (dir, store)
    }

    #[actix_web::test]
    async fn a_credential_id_belongs_to_one_account_only() {
        let (_dir, store) = store();
        assert!(store.add_passkey(1, passkey(b"cred")).await.expect("add"));
        assert!(!store.add_passkey(2, passkey(b"cred")).await.expect("add"));
        assert_eq!(store.passkey_owner(b"cred").await.expect("owner"), Some(1));
        assert!(store.factors(2).await.expect("factors").is_none());
        // Someone else cannot remove it, and its owner can.
        assert!(!store.remove_passkey(2, b"cred").await.expect("remove"));
        assert!(store.remove_passkey(1, b"cred").await.expect("remove"));
        assert_eq!(store.passkey_owner(b"cred").await.expect("owner"), None);
    }

    #[actix_web::test]
    async fn the_first_handle_wins() {
        let (_dir, store) = store();
        let first = store.passkey_handle(7, [1; 16]).await.expect("handle");
        let second = store.passkey_handle(7, [2; 16]).await.expect("handle");
        assert_eq!(first, [1; 16]);
        assert_eq!(second, [1; 16]);
    }

    #[actix_web::test]
    async fn a_ceremony_is_taken_once() {
        let (_dir, store) = store();
        let record = PasskeyCeremonyRecord {
            user_id: None,
            purpose: PasskeyPurpose::SignIn,
            state: "{}".into(),
            next: "/".into(),
            expires_at: 100,
        };
        store
            .insert_passkey_ceremony(&[3; 32], &record)
            .await
            .expect("insert");
        let store = std::sync::Arc::new(store);
        let takers: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                actix_web::rt::spawn(async move { store.take_passkey_ceremony(&[3; 32]).await })
            })
            .collect();
        let mut taken = 0;
        for taker in takers {
            if taker.await.expect("join").expect("take").is_some() {
                taken += 1;
            }
        }
        assert_eq!(taken, 1);
    }
}
