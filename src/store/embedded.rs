//! The embedded adapter: sled, one tree per record kind, big-endian keys.

use std::path::Path;

use super::codec::{decode, encode};
use super::durability::Flusher;
use super::records::{ClientRecord, ScopeRecord, TokenRecord, UserRecord};
use super::{StoreError, StoreResult};
use crate::crypto::Digest;

fn db_err(e: sled::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// The sled-backed store; cheap to clone (every field is a handle).
#[derive(Clone)]
pub struct SledStore {
    db: sled::Db,
    flusher: Flusher,
    clients: sled::Tree,
    users: sled::Tree,
    usernames: sled::Tree,
    scopes: sled::Tree,
    tokens: sled::Tree,
    token_expiry: sled::Tree,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SledStore")
    }
}

/// The key of the expiry index: expiry time, then the token digest.
fn expiry_key(expires_at: u64, digest: &Digest) -> [u8; 40] {
    let mut key = [0u8; 40];
    key[..8].copy_from_slice(&expires_at.to_be_bytes());
    key[8..].copy_from_slice(digest);
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
            token_expiry: tree("token_expiry")?,
            flusher: Flusher::start(db.clone())?,
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
    pub async fn client(&self, client_id: &str) -> StoreResult<Option<ClientRecord>> {
        self.clients
            .get(client_id.as_bytes())
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Creates or replaces a client.
    pub async fn put_client(&self, client: &ClientRecord) -> StoreResult<()> {
        self.clients
            .insert(client.client_id.as_bytes(), encode(client)?)
            .map_err(db_err)?;
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
            // The index entry goes first: a crash between the two leaves an
            // index entry without a token, which the sweeper drops harmlessly.
            if let Some(exp) = record.expires_at {
                self.token_expiry
                    .insert(expiry_key(exp, digest), &[])
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

    /// Deletes tokens that expired before `now`, at most `limit` of them;
    /// answers how many index entries it processed.
    pub fn sweep_expired_tokens(&self, now: u64, limit: usize) -> StoreResult<usize> {
        let end = expiry_key(now.saturating_add(1), &[0u8; 32]);
        let mut done = 0;
        for entry in self.token_expiry.range(..end).keys().take(limit) {
            let key = entry.map_err(db_err)?;
            self.tokens.remove(&key[8..]).map_err(db_err)?;
            self.token_expiry.remove(&key).map_err(db_err)?;
            done += 1;
        }
        Ok(done)
    }

    /// How many tokens are stored, expired or not (for tests and the admin).
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }
}
