//! The embedded adapter: sled, one tree per record kind, big-endian keys.
//! This file opens the database and holds clients, users and scopes; the
//! other record kinds live in the files beside it.

mod audit;
mod backup;
pub use backup::BackupSummary;
mod devices;
mod directory;
mod email;
mod expiry;
mod factors;
mod groups;
mod leaving;
mod logins;
mod passkeys;
mod sessions;
mod tokens;
mod upstream;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use super::codec::{decode, encode};
use super::durability::Flusher;
use super::records::{
    AuditRecord, ClientRecord, CodeRecord, ConsentRecord, DeviceRecord, FactorsRecord, GroupRecord,
    InitialTokenRecord, InviteRecord, KeyRecord, LoginRequestRecord, PasskeyCeremonyRecord,
    PasskeyFactor, PendingSignInRecord, ResetRecord, ScopeRecord, SessionRecord, TokenRecord,
    UpstreamLinkRecord, UpstreamPendingRecord, UserRecord,
};
use super::{LinkOutcome, Redemption};
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
    user_tokens: sled::Tree,
    user_sessions: sled::Tree,
    codes: sled::Tree,
    sessions: sled::Tree,
    consents: sled::Tree,
    keys: sled::Tree,
    devices: sled::Tree,
    user_codes: sled::Tree,
    initial_tokens: sled::Tree,
    invites: sled::Tree,
    settings: sled::Tree,
    resets: sled::Tree,
    login_requests: sled::Tree,
    login_codes: sled::Tree,
    audit: sled::Tree,
    factors: sled::Tree,
    groups: sled::Tree,
    pending_sign_ins: sled::Tree,
    email_verifications: sled::Tree,
    passkey_ceremonies: sled::Tree,
    passkey_credentials: sled::Tree,
    passkey_handles: sled::Tree,
    retired_users: sled::Tree,
    upstream_pending: sled::Tree,
    upstream_links: sled::Tree,
    user_upstreams: sled::Tree,
    expiry: sled::Tree,
    /// Added to sled's id counter, which a restored database starts again
    /// from zero: the next id of the database the backup came from.
    id_floor: u64,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SledStore")
    }
}

/// The settings key of the id floor (see `SledStore::id_floor`).
const ID_FLOOR: &[u8] = b"\0id_floor";

/// Which tree an expiry index entry points into.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Expiring {
    Token = 1,
    Code = 2,
    Session = 3,
    Device = 4,
    UserCode = 5,
    LoginRequest = 6,
    LoginCode = 7,
    PendingSignIn = 8,
    EmailVerification = 9,
    Reset = 10,
    PasskeyCeremony = 11,
    UpstreamPending = 12,
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

/// The key of the user-token index: the user id, the client id, a zero
/// byte, then the token digest.
fn user_token_key(user_id: u64, client_id: &str, digest: &[u8]) -> Vec<u8> {
    let mut key = user_client_prefix(user_id, client_id);
    key.extend_from_slice(digest);
    key
}

/// The prefix of a user's tokens for one client.
fn user_client_prefix(user_id: u64, client_id: &str) -> Vec<u8> {
    let mut key = user_id.to_be_bytes().to_vec();
    key.extend_from_slice(client_id.as_bytes());
    key.push(0);
    key
}

/// The key of the user-session index: the user id, then the session digest.
fn user_session_key(user_id: u64, digest: &Digest) -> [u8; 40] {
    let mut key = [0u8; 40];
    key[..8].copy_from_slice(&user_id.to_be_bytes());
    key[8..].copy_from_slice(digest);
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
            // sled's default (LowSpace) rewrites log segments sooner; in
            // two alternating runs of scripts/bench.sh on one pinned core,
            // HighThroughput took 87 instead of 103 µs of CPU per token
            // request and 40 instead of 47 per introspection. Not stored
            // in the database: a data directory opens either way.
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|e| match e {
                sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Locked(path.display().to_string())
                }
                other => db_err(other),
            })?;
        let tree = |name: &str| db.open_tree(name).map_err(db_err);
        let settings = tree("settings")?;
        let id_floor = match settings.get(ID_FLOOR).map_err(db_err)? {
            Some(bytes) => u64::from_be_bytes(
                bytes
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Codec("bad id floor".into()))?,
            ),
            None => 0,
        };
        Ok(SledStore {
            id_floor,
            clients: tree("clients")?,
            users: tree("users")?,
            usernames: tree("usernames")?,
            scopes: tree("scopes")?,
            tokens: tree("tokens")?,
            grant_tokens: tree("grant_tokens")?,
            user_tokens: tree("user_tokens")?,
            user_sessions: tree("user_sessions")?,
            codes: tree("codes")?,
            sessions: tree("sessions")?,
            consents: tree("consents")?,
            keys: tree("keys")?,
            devices: tree("devices")?,
            user_codes: tree("user_codes")?,
            initial_tokens: tree("initial_tokens")?,
            invites: tree("invites")?,
            settings,
            resets: tree("resets")?,
            login_requests: tree("login_requests")?,
            login_codes: tree("login_codes")?,
            audit: tree("audit")?,
            factors: tree("factors")?,
            groups: tree("groups")?,
            pending_sign_ins: tree("pending_sign_ins")?,
            email_verifications: tree("email_verifications")?,
            passkey_ceremonies: tree("passkey_ceremonies")?,
            passkey_credentials: tree("passkey_credentials")?,
            passkey_handles: tree("passkey_handles")?,
            retired_users: tree("retired_users")?,
            upstream_pending: tree("upstream_pending")?,
            upstream_links: tree("upstream_links")?,
            user_upstreams: tree("user_upstreams")?,
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

    /// Creates a client only if its id is free, atomically; `false` (and
    /// nothing written) when the id is taken.
    pub async fn insert_new_client(&self, client: &ClientRecord) -> StoreResult<bool> {
        let created = self
            .clients
            .compare_and_swap(
                client.client_id.as_bytes(),
                None as Option<&[u8]>,
                Some(encode(client)?),
            )
            .map_err(db_err)?
            .is_ok();
        if created {
            self.forget_client(&client.client_id);
            self.flush().await?;
        }
        Ok(created)
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
        user.id = self.next_id()?;
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

    /// Removes a user by username for good (see `remove_account`: the name
    /// stays taken); `false` when there was none.
    pub async fn remove_user(&self, username: &str, now: u64) -> StoreResult<bool> {
        let key = username.to_lowercase();
        let Some(id) = self.usernames.get(key.as_bytes()).map_err(db_err)? else {
            return Ok(false);
        };
        let id: [u8; 8] = id
            .as_ref()
            .try_into()
            .map_err(|_| StoreError::Codec("bad username index entry".into()))?;
        Ok(self
            .remove_account(u64::from_be_bytes(id), now)
            .await?
            .is_some())
    }

    /// A new number, unique for the life of the database.
    pub fn next_id(&self) -> StoreResult<u64> {
        Ok(self.id_floor + self.db.generate_id().map_err(db_err)? + 1)
    }

    /// The names of the trees the database holds (for copying it elsewhere).
    pub(in crate::store) fn tree_names(&self) -> Vec<String> {
        self.db
            .tree_names()
            .iter()
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect()
    }

    /// The tree `name` as stored, keys and record bytes (for copying the
    /// database elsewhere); `None` when the database has no such tree.
    pub(in crate::store) fn raw_tree(&self, name: &str) -> StoreResult<Option<sled::Tree>> {
        if !self.tree_names().iter().any(|n| n == name) {
            return Ok(None);
        }
        self.db.open_tree(name).map(Some).map_err(db_err)
    }

    // ---- settings ----

    /// A setting an administrator stored, if any.
    pub async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        self.settings
            .get(name.as_bytes())
            .map_err(db_err)?
            .map(|v| String::from_utf8(v.to_vec()).map_err(|e| StoreError::Codec(e.to_string())))
            .transpose()
    }

    /// Stores a setting; durable when it returns.
    pub async fn put_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        self.settings
            .insert(name.as_bytes(), value.as_bytes())
            .map_err(db_err)?;
        self.flush().await
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
}
