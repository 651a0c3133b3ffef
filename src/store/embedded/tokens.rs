//! Tokens, the grant index, refresh rotation and authorization codes.

use super::*;

impl SledStore {
    // ---- tokens ----

    /// Stores tokens under their digests; durable when it returns.
    pub async fn insert_tokens(&self, tokens: &[(Digest, TokenRecord)]) -> StoreResult<()> {
        for (digest, record) in tokens {
            // Tokens have no expiry index (one write per token instead of
            // two); the sweeper scans them. The grant index entry goes
            // first: one left by a crash points at nothing, harmlessly.
            if let Some(grant) = &record.grant_id {
                self.grant_tokens
                    .insert(grant_key(grant, digest), &[])
                    .map_err(db_err)?;
            }
            if let Some(user_id) = record.user_id {
                self.user_tokens
                    .insert(user_token_key(user_id, &record.client_id, digest), &[])
                    .map_err(db_err)?;
            }
            self.tokens
                .insert(digest, encode(record)?)
                .map_err(db_err)?;
        }
        self.flush().await
    }

    /// The token stored under this digest, live or not.
    pub async fn token(&self, digest: &Digest) -> StoreResult<Option<TokenRecord>> {
        self.tokens
            .get(digest)
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Removes the token if `allowed` accepts it, atomically; durable when it
    /// returns. Answers the record that was there (removed or not).
    pub async fn remove_token_if(
        &self,
        digest: &Digest,
        allowed: impl Fn(&TokenRecord) -> bool,
    ) -> StoreResult<Option<(TokenRecord, bool)>> {
        loop {
            let Some(current) = self.tokens.get(digest).map_err(db_err)? else {
                return Ok(None);
            };
            let record: TokenRecord = decode(&current)?;
            if !allowed(&record) {
                return Ok(Some((record, false)));
            }
            let swapped = self
                .tokens
                .compare_and_swap(digest, Some(current), None as Option<&[u8]>)
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(Some((record, true)));
            }
        }
    }

    /// Deletes every token of a grant; durable when it returns. Answers how many went.
    pub async fn revoke_grant(&self, grant_id: &str) -> StoreResult<usize> {
        let mut prefix = grant_id.as_bytes().to_vec();
        prefix.push(0);
        let mut removed = 0;
        for entry in self.grant_tokens.scan_prefix(&prefix).keys() {
            let key = entry.map_err(db_err)?;
            if self
                .tokens
                .remove(&key[prefix.len()..])
                .map_err(db_err)?
                .is_some()
            {
                removed += 1;
            }
            self.grant_tokens.remove(&key).map_err(db_err)?;
        }
        self.flush().await?;
        Ok(removed)
    }

    /// Marks a refresh token rotated, atomically: only one caller wins.
    /// Durable when it returns.
    pub async fn rotate_token(
        &self,
        digest: &Digest,
        rotation: crate::store::Rotation,
    ) -> StoreResult<crate::store::RotationOutcome> {
        use crate::store::RotationOutcome;
        loop {
            let Some(current) = self.tokens.get(digest).map_err(db_err)? else {
                return Ok(RotationOutcome::Unknown);
            };
            let record: TokenRecord = decode(&current)?;
            if record.rotated.is_some() {
                return Ok(RotationOutcome::AlreadyRotated(record));
            }
            let mut next = record.clone();
            next.rotated = Some(rotation.clone());
            let swapped = self
                .tokens
                .compare_and_swap(digest, Some(current), Some(encode(&next)?))
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(RotationOutcome::Rotated(record));
            }
        }
    }

    // ---- authorization codes ----

    /// Stores a new authorization code; durable when it returns.
    pub async fn insert_code(&self, digest: &Digest, code: &CodeRecord) -> StoreResult<()> {
        // Kept an hour past expiry so that a late replay is still recognised.
        self.expiry
            .insert(
                expiry_key(code.expires_at + 3600, Expiring::Code, digest),
                &[],
            )
            .map_err(db_err)?;
        self.codes.insert(digest, encode(code)?).map_err(db_err)?;
        self.flush().await
    }

    /// The code stored under this digest, spent or not.
    pub async fn code(&self, digest: &Digest) -> StoreResult<Option<CodeRecord>> {
        self.codes
            .get(digest)
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Spends a code atomically: exactly one caller ever sees `Fresh`.
    pub async fn redeem_code(&self, digest: &Digest) -> StoreResult<Redemption> {
        loop {
            let Some(current) = self.codes.get(digest).map_err(db_err)? else {
                return Ok(Redemption::Unknown);
            };
            let record: CodeRecord = decode(&current)?;
            if record.redeemed {
                return Ok(Redemption::Replayed(record));
            }
            let mut spent = record.clone();
            spent.redeemed = true;
            let swapped = self
                .codes
                .compare_and_swap(digest, Some(current), Some(encode(&spent)?))
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(Redemption::Fresh(record));
            }
        }
    }

    /// Ends a code at once (a replay of it was seen): it stays stored, spent
    /// and expired, until swept; durable when it returns.
    pub async fn end_code(&self, digest: &Digest) -> StoreResult<()> {
        self.codes
            .fetch_and_update(digest, |current| {
                let mut record: CodeRecord = decode(current?).ok()?;
                record.redeemed = true;
                record.expires_at = 0;
                encode(&record).ok()
            })
            .map_err(db_err)?;
        self.flush().await
    }

    /// Deletes every token a user holds for a client (consent withdrawn);
    /// durable when it returns. Answers how many went.
    pub async fn revoke_user_client(&self, user_id: u64, client_id: &str) -> StoreResult<usize> {
        let prefix = user_client_prefix(user_id, client_id);
        let mut removed = 0;
        for entry in self.user_tokens.scan_prefix(&prefix).keys() {
            let key = entry.map_err(db_err)?;
            if self
                .tokens
                .remove(&key[prefix.len()..])
                .map_err(db_err)?
                .is_some()
            {
                removed += 1;
            }
            self.user_tokens.remove(&key).map_err(db_err)?;
        }
        self.flush().await?;
        Ok(removed)
    }

    /// When a user was last issued a token for a client that still exists.
    pub async fn last_issued(&self, user_id: u64, client_id: &str) -> StoreResult<Option<u64>> {
        let prefix = user_client_prefix(user_id, client_id);
        let mut latest = None;
        for entry in self.user_tokens.scan_prefix(&prefix).keys() {
            let key = entry.map_err(db_err)?;
            if let Some(value) = self.tokens.get(&key[prefix.len()..]).map_err(db_err)? {
                let record: TokenRecord = decode(&value)?;
                latest = latest.max(Some(record.issued_at));
            }
        }
        Ok(latest)
    }
}
