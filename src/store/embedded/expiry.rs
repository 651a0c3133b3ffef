//! Sweeping expired records.

use super::*;

impl SledStore {
    // ---- expiry ----

    /// Deletes records that expired before `now`, at most `limit` of them;
    /// answers how many index entries it processed.
    pub fn sweep_expired(&self, now: u64, limit: usize) -> StoreResult<usize> {
        let end = expiry_key(now.saturating_add(1), Expiring::Token, &[0u8; 32]);
        let mut done = 0;
        for entry in self.expiry.range(..end).keys().take(limit) {
            let key = entry.map_err(db_err)?;
            let digest = &key[9..];
            let tree = match key[8] {
                t if t == Expiring::Code as u8 => &self.codes,
                t if t == Expiring::Device as u8 => &self.devices,
                t if t == Expiring::UserCode as u8 => &self.user_codes,
                t if t == Expiring::LoginRequest as u8 => &self.login_requests,
                t if t == Expiring::LoginCode as u8 => &self.login_codes,
                t if t == Expiring::PendingSignIn as u8 => &self.pending_sign_ins,
                t if t == Expiring::EmailVerification as u8 => &self.email_verifications,
                t if t == Expiring::Reset as u8 => &self.resets,
                t if t == Expiring::PasskeyCeremony as u8 => &self.passkey_ceremonies,
                t if t == Expiring::UpstreamPending as u8 => &self.upstream_pending,
                _ => &self.sessions,
            };
            // A session's index entry is written at its absolute end, so the
            // record it points at is always expired by now.
            let removed = tree.remove(digest).map_err(db_err)?;
            if key[8] == Expiring::Session as u8 {
                if let Some(old) = removed {
                    let session: SessionRecord = decode(&old)?;
                    let digest: Digest = digest.try_into().unwrap_or([0; 32]);
                    self.user_sessions
                        .remove(user_session_key(session.user_id, &digest))
                        .map_err(db_err)?;
                }
            }
            self.expiry.remove(&key).map_err(db_err)?;
            done += 1;
        }
        Ok(done)
    }

    /// Deletes expired tokens, scanning from `from` (a digest) for at most
    /// `limit` records; answers how many went and where to continue.
    pub fn sweep_tokens(
        &self,
        now: u64,
        from: &[u8],
        limit: usize,
    ) -> StoreResult<(usize, Option<Vec<u8>>)> {
        let mut removed = 0;
        let mut next = None;
        for (seen, entry) in self.tokens.range(from..).enumerate() {
            let (key, value) = entry.map_err(db_err)?;
            if seen == limit {
                next = Some(key.to_vec());
                break;
            }
            let record: TokenRecord = decode(&value)?;
            if !record.is_live(now) {
                // Only if unchanged since read: a concurrent rotation wins.
                let gone = self
                    .tokens
                    .compare_and_swap(&key, Some(value), None as Option<&[u8]>)
                    .map_err(db_err)?;
                if gone.is_ok() {
                    removed += 1;
                    if let Some(user_id) = record.user_id {
                        self.user_tokens
                            .remove(user_token_key(user_id, &record.client_id, &key))
                            .map_err(db_err)?;
                    }
                    if let Some(grant) = &record.grant_id {
                        let digest: Digest = key.as_ref().try_into().unwrap_or([0; 32]);
                        self.grant_tokens
                            .remove(grant_key(grant, &digest))
                            .map_err(db_err)?;
                    }
                }
            }
        }
        Ok((removed, next))
    }

    /// How many tokens are stored, expired or not (for tests and the admin).
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// How many records of each kind are stored (each a count of its tree).
    pub fn record_counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("clients", self.clients.len()),
            ("users", self.users.len()),
            ("tokens", self.tokens.len()),
            ("codes", self.codes.len()),
            ("sessions", self.sessions.len()),
            ("consents", self.consents.len()),
            ("devices", self.devices.len()),
            ("signing_keys", self.keys.len()),
        ]
    }

    /// The database's size on disk in bytes (0 when it cannot tell).
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    /// Whether a write reaches the disk now: writes a marker and flushes.
    pub async fn can_write(&self, now: u64) -> StoreResult<()> {
        self.settings
            .insert("readyz", &now.to_be_bytes())
            .map_err(db_err)?;
        self.flush().await
    }
}
