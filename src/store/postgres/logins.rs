//! Sign-ins started through an API (ScratchOAuth2's login endpoints) on
//! PostgreSQL: a request under its CSRF token's digest, and its code's
//! digest pointing at it (`login_codes.record` holds the request's digest,
//! the bytes the embedded store's `login_codes` tree keeps). Confirming
//! and taking a request are compare-and-swaps, so each happens once.

use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::codec::encode;
use crate::store::{LoginRequestRecord, StoreError, StoreResult};

impl PgStore {
    async fn login_request_bytes(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<(Vec<u8>, LoginRequestRecord)>> {
        self.record_by_digest(
            "SELECT record FROM login_requests WHERE digest = $1",
            digest,
        )
        .await
    }

    /// Stores a new login request; `false` (and nothing stored) when the
    /// code's digest is taken already.
    pub async fn insert_login_request(
        &self,
        digest: &Digest,
        code_digest: &Digest,
        request: &LoginRequestRecord,
    ) -> StoreResult<bool> {
        let mut client = self.client_conn().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let expires_at = i64_of(request.expires_at);
        let claimed = tx
            .execute(
                "INSERT INTO login_codes (digest, expires_at, record) VALUES ($1, $2, $3) \
                 ON CONFLICT (digest) DO NOTHING",
                &[
                    &code_digest.as_slice() as Param<'_>,
                    &expires_at,
                    &digest.as_slice(),
                ],
            )
            .await
            .map_err(db_err)?;
        if claimed == 0 {
            tx.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO login_requests (digest, expires_at, record) VALUES ($1, $2, $3) \
             ON CONFLICT (digest) DO UPDATE SET expires_at = EXCLUDED.expires_at, \
             record = EXCLUDED.record",
            &[
                &digest.as_slice() as Param<'_>,
                &expires_at,
                &encode(request)?,
            ],
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    /// Marks the login request that a code's digest names as confirmed by
    /// `user_id`, atomically; `false` when there is none for that user that
    /// is still live at `now`.
    pub async fn confirm_login_code(
        &self,
        code_digest: &Digest,
        user_id: u64,
        now: u64,
    ) -> StoreResult<bool> {
        let row = self
            .client_conn()
            .await?
            .query_opt(
                "SELECT record FROM login_codes WHERE digest = $1",
                &[&code_digest.as_slice() as Param<'_>],
            )
            .await
            .map_err(db_err)?;
        let Some(row) = row else {
            return Ok(false);
        };
        let digest: Digest = row
            .get::<_, &[u8]>(0)
            .try_into()
            .map_err(|_| StoreError::Codec("bad login code index entry".into()))?;
        loop {
            let Some((bytes, mut request)) = self.login_request_bytes(&digest).await? else {
                return Ok(false);
            };
            if request.user_id != user_id || now >= request.expires_at {
                return Ok(false);
            }
            request.confirmed = true;
            let swapped = self
                .client_conn()
                .await?
                .execute(
                    "UPDATE login_requests SET record = $3 WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes, &encode(&request)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                return Ok(true);
            }
        }
    }

    /// Takes a login request for `user_id` atomically, if it is live at `now`
    /// and confirmed (or `confirmation_needed` is false); a request is taken
    /// once only, on any instance.
    pub async fn take_login_request(
        &self,
        digest: &Digest,
        user_id: u64,
        now: u64,
        confirmation_needed: bool,
    ) -> StoreResult<Option<LoginRequestRecord>> {
        loop {
            let Some((bytes, request)) = self.login_request_bytes(digest).await? else {
                return Ok(None);
            };
            let ready = request.confirmed || !confirmation_needed;
            if request.user_id != user_id || now >= request.expires_at || !ready {
                return Ok(None);
            }
            let removed = self
                .client_conn()
                .await?
                .execute(
                    "DELETE FROM login_requests WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes],
                )
                .await
                .map_err(db_err)?;
            if removed == 1 {
                return Ok(Some(request));
            }
        }
    }
}
