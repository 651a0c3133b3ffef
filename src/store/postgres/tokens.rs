//! Tokens, refresh rotation and authorization codes on PostgreSQL. A
//! single-use step is one conditional statement: the record is replaced
//! only if it is still the one that was read (`WHERE record = $old`, a
//! compare-and-swap, as the embedded store does), so of two instances
//! redeeming one code at the same moment exactly one succeeds; the other's
//! statement waits on the row, finds it changed, and reads it again.

use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::codec::{decode, encode};
use crate::store::{CodeRecord, Redemption, Rotation, RotationOutcome, StoreResult, TokenRecord};

impl PgStore {
    /// Stores tokens under their digests; durable when it returns.
    pub async fn insert_tokens(&self, tokens: &[(Digest, TokenRecord)]) -> StoreResult<()> {
        if tokens.is_empty() {
            return Ok(());
        }
        // One statement for all of them: atomic without a transaction, and
        // one round trip (a grant stores one to three tokens at once).
        let rows: Vec<String> = (0..tokens.len())
            .map(|i| {
                let n = i * 6;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                )
            })
            .collect();
        let columns: Vec<_> = tokens
            .iter()
            .map(|(digest, record)| {
                Ok((
                    digest.as_slice(),
                    record.grant_id.as_deref().unwrap_or(""),
                    record.client_id.as_str(),
                    record.user_id.map(i64_of),
                    record.expires_at.map(i64_of),
                    encode(record)?,
                ))
            })
            .collect::<StoreResult<_>>()?;
        let mut params: Vec<Param<'_>> = Vec::with_capacity(tokens.len() * 6);
        for (digest, grant, client, user, expires, record) in &columns {
            params.extend([digest as Param<'_>, grant, client, user, expires, record]);
        }
        self.client_conn()
            .await?
            .execute(
                &format!(
                    "INSERT INTO tokens (digest, grant_id, client_id, user_id, expires_at, record) \
                     VALUES {}",
                    rows.join(", ")
                ),
                &params,
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The token stored under this digest, live or not.
    pub async fn token(&self, digest: &Digest) -> StoreResult<Option<TokenRecord>> {
        Ok(self.token_bytes(digest).await?.map(|(_, r)| r))
    }

    async fn token_bytes(&self, digest: &Digest) -> StoreResult<Option<(Vec<u8>, TokenRecord)>> {
        self.record_by_digest("SELECT record FROM tokens WHERE digest = $1", digest)
            .await
    }

    /// Removes the token if `allowed` accepts it, atomically; durable when
    /// it returns. Answers the record that was there (removed or not).
    pub async fn remove_token_if(
        &self,
        digest: &Digest,
        allowed: impl Fn(&TokenRecord) -> bool,
    ) -> StoreResult<Option<(TokenRecord, bool)>> {
        loop {
            let Some((bytes, record)) = self.token_bytes(digest).await? else {
                return Ok(None);
            };
            if !allowed(&record) {
                return Ok(Some((record, false)));
            }
            let removed = self
                .client_conn()
                .await?
                .execute(
                    "DELETE FROM tokens WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes],
                )
                .await
                .map_err(db_err)?;
            if removed == 1 {
                return Ok(Some((record, true)));
            }
        }
    }

    /// Deletes every token of a grant; answers how many went.
    pub async fn revoke_grant(&self, grant_id: &str) -> StoreResult<usize> {
        let removed = self
            .client_conn()
            .await?
            .execute("DELETE FROM tokens WHERE grant_id = $1", &[&grant_id])
            .await
            .map_err(db_err)?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// Marks a refresh token rotated, atomically: only one caller wins.
    pub async fn rotate_token(
        &self,
        digest: &Digest,
        rotation: Rotation,
    ) -> StoreResult<RotationOutcome> {
        loop {
            let Some((bytes, record)) = self.token_bytes(digest).await? else {
                return Ok(RotationOutcome::Unknown);
            };
            if record.rotated.is_some() {
                return Ok(RotationOutcome::AlreadyRotated(record));
            }
            let mut next = record.clone();
            next.rotated = Some(rotation.clone());
            let swapped = self
                .client_conn()
                .await?
                .execute(
                    "UPDATE tokens SET record = $3 WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes, &encode(&next)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                return Ok(RotationOutcome::Rotated(record));
            }
        }
    }

    /// Deletes every token a user holds for a client; answers how many went.
    pub async fn revoke_user_client(&self, user_id: u64, client_id: &str) -> StoreResult<usize> {
        let removed = self
            .client_conn()
            .await?
            .execute(
                "DELETE FROM tokens WHERE user_id = $1 AND client_id = $2",
                &[&i64_of(user_id), &client_id],
            )
            .await
            .map_err(db_err)?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// When a user was last issued a token for a client.
    pub async fn last_issued(&self, user_id: u64, client_id: &str) -> StoreResult<Option<u64>> {
        let rows = self
            .client_conn()
            .await?
            .query(
                "SELECT record FROM tokens WHERE user_id = $1 AND client_id = $2",
                &[&i64_of(user_id), &client_id],
            )
            .await
            .map_err(db_err)?;
        let mut latest = None;
        for row in rows {
            let record: TokenRecord = decode(&row.get::<_, Vec<u8>>(0))?;
            latest = latest.max(Some(record.issued_at));
        }
        Ok(latest)
    }

    /// Stores a new authorization code; durable when it returns.
    pub async fn insert_code(&self, digest: &Digest, code: &CodeRecord) -> StoreResult<()> {
        // Kept an hour past expiry so that a late replay is still recognised.
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO codes (digest, expires_at, record) VALUES ($1, $2, $3)",
                &[
                    &&digest[..],
                    &i64_of(code.expires_at.saturating_add(3600)),
                    &encode(code)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn code_bytes(&self, digest: &Digest) -> StoreResult<Option<(Vec<u8>, CodeRecord)>> {
        self.record_by_digest("SELECT record FROM codes WHERE digest = $1", digest)
            .await
    }

    /// The code stored under this digest, spent or not.
    pub async fn code(&self, digest: &Digest) -> StoreResult<Option<CodeRecord>> {
        Ok(self.code_bytes(digest).await?.map(|(_, r)| r))
    }

    /// Spends a code atomically: exactly one caller, on any instance, ever
    /// sees `Fresh`.
    pub async fn redeem_code(&self, digest: &Digest) -> StoreResult<Redemption> {
        loop {
            let Some((bytes, record)) = self.code_bytes(digest).await? else {
                return Ok(Redemption::Unknown);
            };
            if record.redeemed {
                return Ok(Redemption::Replayed(record));
            }
            let mut spent = record.clone();
            spent.redeemed = true;
            let swapped = self
                .client_conn()
                .await?
                .execute(
                    "UPDATE codes SET record = $3 WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes, &encode(&spent)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                return Ok(Redemption::Fresh(record));
            }
        }
    }

    /// Ends a code at once (a replay of it was seen): spent and expired,
    /// so the next sweep removes it.
    pub async fn end_code(&self, digest: &Digest) -> StoreResult<()> {
        let Some((_, mut record)) = self.code_bytes(digest).await? else {
            return Ok(());
        };
        record.redeemed = true;
        record.expires_at = 0;
        self.client_conn()
            .await?
            .execute(
                "UPDATE codes SET expires_at = 0, record = $2 WHERE digest = $1",
                &[&digest.as_slice() as Param<'_>, &encode(&record)?],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
