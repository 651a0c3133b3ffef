//! Device authorizations (RFC 8628), initial access tokens (RFC 7591 §3),
//! invitations and password-reset links on PostgreSQL. A device row holds
//! its user code's digest in a unique column, so claiming a user code is
//! the insert itself; every change of a device, and spending an invite or
//! a reset link, is one compare-and-swap (`WHERE record = $old`): of two
//! instances approving, or redeeming, the same device code at once
//! exactly one changes it, and the other reads the winner's record.

use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::codec::{decode, encode};
use crate::store::{
    DeviceRecord, InitialTokenRecord, InviteRecord, ResetRecord, StoreError, StoreResult,
};

impl PgStore {
    // ---- device authorizations ----

    /// Stores a new device authorization under its device code's and user
    /// code's digests; `false` (and nothing stored) when the user code is taken.
    pub async fn insert_device(
        &self,
        digest: &Digest,
        user_code_digest: &Digest,
        device: &DeviceRecord,
    ) -> StoreResult<bool> {
        // Kept an hour past expiry, as the embedded store keeps it, so that
        // a late poll is still recognised and the user code stays taken.
        let inserted = self
            .client_conn()
            .await?
            .execute(
                "INSERT INTO devices (digest, user_code, expires_at, record) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[
                    &digest.as_slice() as Param<'_>,
                    &user_code_digest.as_slice(),
                    &i64_of(device.expires_at.saturating_add(3600)),
                    &encode(device)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(inserted == 1)
    }

    async fn device_bytes(&self, digest: &Digest) -> StoreResult<Option<(Vec<u8>, DeviceRecord)>> {
        self.record_by_digest("SELECT record FROM devices WHERE digest = $1", digest)
            .await
    }

    /// The device authorization under a device code's digest.
    pub async fn device(&self, digest: &Digest) -> StoreResult<Option<DeviceRecord>> {
        Ok(self.device_bytes(digest).await?.map(|(_, r)| r))
    }

    /// The device code digest and authorization a user code's digest names.
    pub async fn device_by_user_code(
        &self,
        user_code_digest: &Digest,
    ) -> StoreResult<Option<(Digest, DeviceRecord)>> {
        let row = self
            .client_conn()
            .await?
            .query_opt(
                "SELECT digest, record FROM devices WHERE user_code = $1",
                &[&user_code_digest.as_slice() as Param<'_>],
            )
            .await
            .map_err(db_err)?;
        row.map(|row| {
            let digest: Digest = row
                .get::<_, &[u8]>(0)
                .try_into()
                .map_err(|_| StoreError::Codec("bad device digest".into()))?;
            Ok((digest, decode(row.get::<_, &[u8]>(1))?))
        })
        .transpose()
    }

    /// Changes a device authorization atomically: `change` sees the current
    /// record and answers the next one, or `None` to leave it. Answers the
    /// record before and after, when it changed. Always durable here (every
    /// committed statement is); `durable` is kept for the port's sake.
    pub async fn update_device(
        &self,
        digest: &Digest,
        change: impl Fn(&DeviceRecord) -> Option<DeviceRecord>,
        durable: bool,
    ) -> StoreResult<Option<(DeviceRecord, DeviceRecord)>> {
        let _ = durable;
        loop {
            let Some((bytes, before)) = self.device_bytes(digest).await? else {
                return Ok(None);
            };
            let Some(after) = change(&before) else {
                return Ok(None);
            };
            let swapped = self
                .client_conn()
                .await?
                .execute(
                    "UPDATE devices SET record = $3 WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes, &encode(&after)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                return Ok(Some((before, after)));
            }
        }
    }

    // ---- initial access tokens ----

    /// Stores an initial access token; durable when it returns.
    pub async fn insert_initial_token(
        &self,
        digest: &Digest,
        token: &InitialTokenRecord,
    ) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO initial_tokens (digest, expires_at, record) VALUES ($1, $2, $3) \
                 ON CONFLICT (digest) DO UPDATE SET expires_at = EXCLUDED.expires_at, \
                 record = EXCLUDED.record",
                &[
                    &digest.as_slice() as Param<'_>,
                    &token.expires_at.map(i64_of),
                    &encode(token)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The initial access token under this digest.
    pub async fn initial_token(&self, digest: &Digest) -> StoreResult<Option<InitialTokenRecord>> {
        Ok(self
            .record_by_digest::<InitialTokenRecord>(
                "SELECT record FROM initial_tokens WHERE digest = $1",
                digest,
            )
            .await?
            .map(|(_, r)| r))
    }

    // ---- invitations ----

    /// Stores an invitation; durable when it returns.
    pub async fn insert_invite(&self, digest: &Digest, invite: &InviteRecord) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO invites (digest, expires_at, record) VALUES ($1, $2, $3) \
                 ON CONFLICT (digest) DO UPDATE SET expires_at = EXCLUDED.expires_at, \
                 record = EXCLUDED.record",
                &[
                    &digest.as_slice() as Param<'_>,
                    &i64_of(invite.expires_at),
                    &encode(invite)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn invite_bytes(&self, digest: &Digest) -> StoreResult<Option<(Vec<u8>, InviteRecord)>> {
        self.record_by_digest("SELECT record FROM invites WHERE digest = $1", digest)
            .await
    }

    /// Whether an invitation is unused and unexpired at `now`.
    pub async fn invite_usable(&self, digest: &Digest, now: u64) -> StoreResult<bool> {
        Ok(self
            .invite_bytes(digest)
            .await?
            .is_some_and(|(_, invite)| !invite.used && now < invite.expires_at))
    }

    /// Spends an invitation atomically: exactly one caller, on any
    /// instance, gets `true`.
    pub async fn spend_invite(&self, digest: &Digest, now: u64) -> StoreResult<bool> {
        loop {
            let Some((bytes, invite)) = self.invite_bytes(digest).await? else {
                return Ok(false);
            };
            if invite.used || now >= invite.expires_at {
                return Ok(false);
            }
            let spent = InviteRecord {
                used: true,
                ..invite
            };
            let swapped = self
                .client_conn()
                .await?
                .execute(
                    "UPDATE invites SET record = $3 WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes, &encode(&spent)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                return Ok(true);
            }
        }
    }

    // ---- password-reset links ----

    /// Stores a password-reset link; durable when it returns.
    pub async fn insert_reset(&self, digest: &Digest, reset: &ResetRecord) -> StoreResult<()> {
        // `expires_at` is indexed, so the sweep reclaims links anyone can
        // ask for by mail.
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO resets (digest, user_id, expires_at, record) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (digest) DO UPDATE SET user_id = EXCLUDED.user_id, \
                 expires_at = EXCLUDED.expires_at, record = EXCLUDED.record",
                &[
                    &digest.as_slice() as Param<'_>,
                    &i64_of(reset.user_id),
                    &i64_of(reset.expires_at),
                    &encode(reset)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn reset_bytes(&self, digest: &Digest) -> StoreResult<Option<(Vec<u8>, ResetRecord)>> {
        self.record_by_digest("SELECT record FROM resets WHERE digest = $1", digest)
            .await
    }

    /// The reset link under this digest, if unused and unexpired at `now`.
    pub async fn usable_reset(
        &self,
        digest: &Digest,
        now: u64,
    ) -> StoreResult<Option<ResetRecord>> {
        Ok(self
            .reset_bytes(digest)
            .await?
            .map(|(_, reset)| reset)
            .filter(|reset| !reset.used && now < reset.expires_at))
    }

    /// Spends a reset link atomically; answers it to the one caller, on any
    /// instance, that spent it.
    pub async fn spend_reset(&self, digest: &Digest, now: u64) -> StoreResult<Option<ResetRecord>> {
        loop {
            let Some((bytes, reset)) = self.reset_bytes(digest).await? else {
                return Ok(None);
            };
            if reset.used || now >= reset.expires_at {
                return Ok(None);
            }
            let spent = ResetRecord {
                used: true,
                ..reset.clone()
            };
            let swapped = self
                .client_conn()
                .await?
                .execute(
                    "UPDATE resets SET record = $3 WHERE digest = $1 AND record = $2",
                    &[&digest.as_slice() as Param<'_>, &bytes, &encode(&spent)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                return Ok(Some(reset));
            }
        }
    }
}
