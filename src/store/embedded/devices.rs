//! Device authorizations, initial access tokens, invitations, password-reset
//! links and signing keys.

use super::*;

impl SledStore {
    // ---- device authorizations ----

    /// Stores a new device authorization under its device code's and user
    /// code's digests; `false` (and nothing stored) when the user code is taken.
    pub async fn insert_device(
        &self,
        digest: &Digest,
        user_code_digest: &Digest,
        device: &DeviceRecord,
    ) -> StoreResult<bool> {
        let claimed = self
            .user_codes
            .compare_and_swap(user_code_digest, None as Option<&[u8]>, Some(&digest[..]))
            .map_err(db_err)?;
        if claimed.is_err() {
            return Ok(false);
        }
        for (kind, key) in [
            (Expiring::Device, digest),
            (Expiring::UserCode, user_code_digest),
        ] {
            self.expiry
                .insert(expiry_key(device.expires_at + 3600, kind, key), &[])
                .map_err(db_err)?;
        }
        self.devices
            .insert(digest, encode(device)?)
            .map_err(db_err)?;
        self.flush().await?;
        Ok(true)
    }

    /// The device authorization under a device code's digest.
    pub async fn device(&self, digest: &Digest) -> StoreResult<Option<DeviceRecord>> {
        self.devices
            .get(digest)
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// The device code digest and authorization a user code's digest names.
    pub async fn device_by_user_code(
        &self,
        user_code_digest: &Digest,
    ) -> StoreResult<Option<(Digest, DeviceRecord)>> {
        let Some(digest) = self.user_codes.get(user_code_digest).map_err(db_err)? else {
            return Ok(None);
        };
        let digest: Digest = digest
            .as_ref()
            .try_into()
            .map_err(|_| StoreError::Codec("bad user code index entry".into()))?;
        Ok(self.device(&digest).await?.map(|d| (digest, d)))
    }

    /// Changes a device authorization atomically: `change` sees the current
    /// record and answers the next one, or `None` to leave it. Answers the
    /// record before and after, when it changed. Durable when `durable`.
    pub async fn update_device(
        &self,
        digest: &Digest,
        change: impl Fn(&DeviceRecord) -> Option<DeviceRecord>,
        durable: bool,
    ) -> StoreResult<Option<(DeviceRecord, DeviceRecord)>> {
        loop {
            let Some(current) = self.devices.get(digest).map_err(db_err)? else {
                return Ok(None);
            };
            let before: DeviceRecord = decode(&current)?;
            let Some(after) = change(&before) else {
                return Ok(None);
            };
            let swapped = self
                .devices
                .compare_and_swap(digest, Some(current), Some(encode(&after)?))
                .map_err(db_err)?;
            if swapped.is_ok() {
                if durable {
                    self.flush().await?;
                }
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
        self.initial_tokens
            .insert(digest, encode(token)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// The initial access token under this digest.
    pub async fn initial_token(&self, digest: &Digest) -> StoreResult<Option<InitialTokenRecord>> {
        self.initial_tokens
            .get(digest)
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    // ---- signing keys ----

    /// Every signing key, current and retired, in kid order.
    pub async fn keys(&self) -> StoreResult<Vec<KeyRecord>> {
        self.keys
            .iter()
            .values()
            .map(|v| decode(&v.map_err(db_err)?))
            .collect()
    }

    /// Creates or replaces a signing key; durable when it returns.
    pub async fn put_key(&self, key: &KeyRecord) -> StoreResult<()> {
        self.keys
            .insert(key.kid.as_bytes(), encode(key)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// Adds a current signing key unless its algorithm has one already;
    /// durable when it returns.
    pub async fn add_key(&self, key: &KeyRecord) -> StoreResult<bool> {
        let taken = self
            .keys()
            .await?
            .iter()
            .any(|k| k.alg == key.alg && k.retired_at.is_none() && key.retired_at.is_none());
        if taken {
            return Ok(false);
        }
        self.put_key(key).await?;
        Ok(true)
    }

    /// Stores an invitation; durable when it returns.
    pub async fn insert_invite(&self, digest: &Digest, invite: &InviteRecord) -> StoreResult<()> {
        self.invites
            .insert(digest, encode(invite)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// Whether an invitation is unused and unexpired at `now`.
    pub async fn invite_usable(&self, digest: &Digest, now: u64) -> StoreResult<bool> {
        let Some(bytes) = self.invites.get(digest).map_err(db_err)? else {
            return Ok(false);
        };
        let invite: InviteRecord = decode(&bytes)?;
        Ok(!invite.used && now < invite.expires_at)
    }

    /// Spends an invitation atomically: exactly one caller gets `true`.
    pub async fn spend_invite(&self, digest: &Digest, now: u64) -> StoreResult<bool> {
        loop {
            let Some(current) = self.invites.get(digest).map_err(db_err)? else {
                return Ok(false);
            };
            let invite: InviteRecord = decode(&current)?;
            if invite.used || now >= invite.expires_at {
                return Ok(false);
            }
            let spent = InviteRecord {
                used: true,
                ..invite
            };
            let swapped = self
                .invites
                .compare_and_swap(digest, Some(current), Some(encode(&spent)?))
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(true);
            }
        }
    }

    /// Stores a password-reset link; durable when it returns.
    pub async fn insert_reset(&self, digest: &Digest, reset: &ResetRecord) -> StoreResult<()> {
        // Indexed by expiry, so the sweep reclaims links anyone can ask for by mail.
        self.expiry
            .insert(expiry_key(reset.expires_at, Expiring::Reset, digest), &[])
            .map_err(db_err)?;
        self.resets.insert(digest, encode(reset)?).map_err(db_err)?;
        self.flush().await
    }

    /// The reset link under this digest, if unused and unexpired at `now`.
    pub async fn usable_reset(
        &self,
        digest: &Digest,
        now: u64,
    ) -> StoreResult<Option<ResetRecord>> {
        let Some(bytes) = self.resets.get(digest).map_err(db_err)? else {
            return Ok(None);
        };
        let reset: ResetRecord = decode(&bytes)?;
        Ok((!reset.used && now < reset.expires_at).then_some(reset))
    }

    /// Spends a reset link atomically; answers it to the one caller that spent it.
    pub async fn spend_reset(&self, digest: &Digest, now: u64) -> StoreResult<Option<ResetRecord>> {
        loop {
            let Some(current) = self.resets.get(digest).map_err(db_err)? else {
                return Ok(None);
            };
            let reset: ResetRecord = decode(&current)?;
            if reset.used || now >= reset.expires_at {
                return Ok(None);
            }
            let spent = ResetRecord {
                used: true,
                ..reset.clone()
            };
            let swapped = self
                .resets
                .compare_and_swap(digest, Some(current), Some(encode(&spent)?))
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(Some(reset));
            }
        }
    }
}
