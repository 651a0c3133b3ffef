//! The embedded adapter: sled, one tree per record kind, big-endian keys.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use super::codec::{decode, encode};
use super::durability::Flusher;
use super::records::{
    ClientRecord, CodeRecord, ConsentRecord, DeviceRecord, InitialTokenRecord, KeyRecord,
    ScopeRecord, SessionRecord, TokenRecord, UserRecord,
};
use super::Redemption;
use super::{StoreError, StoreResult};
use crate::crypto::Digest;

fn db_err(e: sled::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// Decoded clients by id, so that authenticating a client costs no decoding.
/// Every client write goes through this store and updates it.
type ClientCache = Arc<RwLock<HashMap<String, Arc<ClientRecord>>>>;

/// The sled-backed store; cheap to clone (every field is a handle).
#[derive(Clone)]
pub struct SledStore {
    db: sled::Db,
    client_cache: ClientCache,
    flusher: Flusher,
    clients: sled::Tree,
    users: sled::Tree,
    usernames: sled::Tree,
    scopes: sled::Tree,
    tokens: sled::Tree,
    grant_tokens: sled::Tree,
    codes: sled::Tree,
    sessions: sled::Tree,
    consents: sled::Tree,
    keys: sled::Tree,
    devices: sled::Tree,
    user_codes: sled::Tree,
    initial_tokens: sled::Tree,
    expiry: sled::Tree,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SledStore")
    }
}

/// Which tree an expiry index entry points into.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Expiring {
    Token = 1,
    Code = 2,
    Session = 3,
    Device = 4,
    UserCode = 5,
}

/// The key of the expiry index: expiry time, the tree, then the record's digest.
fn expiry_key(expires_at: u64, kind: Expiring, digest: &Digest) -> [u8; 41] {
    let mut key = [0u8; 41];
    key[..8].copy_from_slice(&expires_at.to_be_bytes());
    key[8] = kind as u8;
    key[9..].copy_from_slice(digest);
    key
}

/// The key of the grant index: the grant id, then a token digest.
fn grant_key(grant_id: &str, digest: &Digest) -> Vec<u8> {
    let mut key = Vec::with_capacity(grant_id.len() + 33);
    key.extend_from_slice(grant_id.as_bytes());
    key.push(0);
    key.extend_from_slice(digest);
    key
}

/// The key of a consent: the user id, then the client id.
fn consent_key(user_id: u64, client_id: &str) -> Vec<u8> {
    let mut key = user_id.to_be_bytes().to_vec();
    key.extend_from_slice(client_id.as_bytes());
    key
}

impl SledStore {
    /// Opens (or creates) the database in `path` with a page cache of `cache_bytes`.
    pub fn open(path: &Path, cache_bytes: u64) -> StoreResult<Self> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .open()
            .map_err(|e| match e {
                sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Locked(path.display().to_string())
                }
                other => db_err(other),
            })?;
        let tree = |name: &str| db.open_tree(name).map_err(db_err);
        Ok(SledStore {
            clients: tree("clients")?,
            users: tree("users")?,
            usernames: tree("usernames")?,
            scopes: tree("scopes")?,
            tokens: tree("tokens")?,
            grant_tokens: tree("grant_tokens")?,
            codes: tree("codes")?,
            sessions: tree("sessions")?,
            consents: tree("consents")?,
            keys: tree("keys")?,
            devices: tree("devices")?,
            user_codes: tree("user_codes")?,
            initial_tokens: tree("initial_tokens")?,
            expiry: tree("expiry")?,
            flusher: Flusher::start(db.clone())?,
            client_cache: Arc::default(),
            db,
        })
    }

    /// Waits until all earlier writes are on disk (shared with concurrent callers).
    pub async fn flush(&self) -> StoreResult<()> {
        self.flusher.flush().await
    }

    /// Flushes from outside an async context (shutdown, offline commands).
    pub fn flush_blocking(&self) -> StoreResult<()> {
        self.db.flush().map(|_| ()).map_err(db_err)
    }

    // ---- clients ----

    /// The client with this id.
    pub async fn client(&self, client_id: &str) -> StoreResult<Option<Arc<ClientRecord>>> {
        if let Some(hit) = self
            .client_cache
            .read()
            .ok()
            .and_then(|c| c.get(client_id).cloned())
        {
            return Ok(Some(hit));
        }
        let Some(bytes) = self.clients.get(client_id.as_bytes()).map_err(db_err)? else {
            return Ok(None);
        };
        let client = Arc::new(decode::<ClientRecord>(&bytes)?);
        if let Ok(mut cache) = self.client_cache.write() {
            cache.insert(client_id.to_owned(), client.clone());
        }
        Ok(Some(client))
    }

    fn forget_client(&self, client_id: &str) {
        if let Ok(mut cache) = self.client_cache.write() {
            cache.remove(client_id);
        }
    }

    /// Whether a client with this id exists (without decoding it).
    pub fn client_exists(&self, client_id: &str) -> StoreResult<bool> {
        self.clients
            .contains_key(client_id.as_bytes())
            .map_err(db_err)
    }

    /// Creates or replaces a client.
    pub async fn put_client(&self, client: &ClientRecord) -> StoreResult<()> {
        self.clients
            .insert(client.client_id.as_bytes(), encode(client)?)
            .map_err(db_err)?;
        self.forget_client(&client.client_id);
        self.flush().await
    }

    /// Every client, in id order.
    pub async fn clients(&self) -> StoreResult<Vec<ClientRecord>> {
        self.clients
            .iter()
            .values()
            .map(|v| decode(&v.map_err(db_err)?))
            .collect()
    }

    /// Removes a client; `false` when there was none.
    pub async fn remove_client(&self, client_id: &str) -> StoreResult<bool> {
        let removed = self.clients.remove(client_id.as_bytes()).map_err(db_err)?;
        self.forget_client(client_id);
        self.flush().await?;
        Ok(removed.is_some())
    }

    // ---- users ----

    /// The user with this id.
    pub async fn user(&self, id: u64) -> StoreResult<Option<UserRecord>> {
        self.users
            .get(id.to_be_bytes())
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// The user with this username, compared case-insensitively.
    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let key = username.to_lowercase();
        match self.usernames.get(key.as_bytes()).map_err(db_err)? {
            Some(id) => {
                let id: [u8; 8] = id
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Codec("bad username index entry".into()))?;
                self.user(u64::from_be_bytes(id)).await
            }
            None => Ok(None),
        }
    }

    /// Creates a user with a new id; `None` when the username is taken.
    pub async fn create_user(&self, mut user: UserRecord) -> StoreResult<Option<UserRecord>> {
        // sled ids are unique across restarts, so a user id is never reused.
        user.id = self.db.generate_id().map_err(db_err)? + 1;
        let name_key = user.username.to_lowercase();
        let id = user.id.to_be_bytes();
        let claimed = self
            .usernames
            .compare_and_swap(name_key.as_bytes(), None as Option<&[u8]>, Some(&id[..]))
            .map_err(db_err)?;
        if claimed.is_err() {
            return Ok(None);
        }
        self.users.insert(id, encode(&user)?).map_err(db_err)?;
        self.flush().await?;
        Ok(Some(user))
    }

    /// Replaces a user's record (the username must not change).
    pub async fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        self.users
            .insert(user.id.to_be_bytes(), encode(user)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// Every user, in id order.
    pub async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        self.users
            .iter()
            .values()
            .map(|v| decode(&v.map_err(db_err)?))
            .collect()
    }

    /// Removes a user by username; `false` when there was none.
    pub async fn remove_user(&self, username: &str) -> StoreResult<bool> {
        let key = username.to_lowercase();
        let Some(id) = self.usernames.remove(key.as_bytes()).map_err(db_err)? else {
            return Ok(false);
        };
        self.users.remove(id).map_err(db_err)?;
        self.flush().await?;
        Ok(true)
    }

    // ---- scopes ----

    /// Creates or replaces a scope definition.
    pub async fn put_scope(&self, scope: &ScopeRecord) -> StoreResult<()> {
        self.scopes
            .insert(scope.name.as_bytes(), encode(scope)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// Every stored scope, in name order.
    pub async fn scopes(&self) -> StoreResult<Vec<ScopeRecord>> {
        self.scopes
            .iter()
            .values()
            .map(|v| decode(&v.map_err(db_err)?))
            .collect()
    }

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

    // ---- sessions ----

    /// Stores a new session; durable when it returns.
    pub async fn insert_session(
        &self,
        digest: &Digest,
        session: &SessionRecord,
    ) -> StoreResult<()> {
        self.expiry
            .insert(
                expiry_key(session.expires_at, Expiring::Session, digest),
                &[],
            )
            .map_err(db_err)?;
        self.sessions
            .insert(digest, encode(session)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// The session stored under this digest.
    pub async fn session(&self, digest: &Digest) -> StoreResult<Option<SessionRecord>> {
        self.sessions
            .get(digest)
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Records activity on a session; not flushed (losing it only shortens the session).
    pub async fn touch_session(&self, digest: &Digest, session: &SessionRecord) -> StoreResult<()> {
        self.sessions
            .insert(digest, encode(session)?)
            .map_err(db_err)?;
        Ok(())
    }

    /// Ends a session; durable when it returns.
    pub async fn remove_session(&self, digest: &Digest) -> StoreResult<()> {
        self.sessions.remove(digest).map_err(db_err)?;
        self.flush().await
    }

    // ---- consents ----

    /// The consent a user gave a client, if any.
    pub async fn consent(
        &self,
        user_id: u64,
        client_id: &str,
    ) -> StoreResult<Option<ConsentRecord>> {
        self.consents
            .get(consent_key(user_id, client_id))
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Records a consent; durable when it returns.
    pub async fn put_consent(
        &self,
        user_id: u64,
        client_id: &str,
        consent: &ConsentRecord,
    ) -> StoreResult<()> {
        self.consents
            .insert(consent_key(user_id, client_id), encode(consent)?)
            .map_err(db_err)?;
        self.flush().await
    }

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
                t if t == Expiring::Token as u8 => &self.tokens,
                t if t == Expiring::Code as u8 => &self.codes,
                t if t == Expiring::Device as u8 => &self.devices,
                t if t == Expiring::UserCode as u8 => &self.user_codes,
                _ => &self.sessions,
            };
            // A session's index entry is written at its absolute end, so the
            // record it points at is always expired by now.
            tree.remove(digest).map_err(db_err)?;
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
}
