//! The store port: one type, [`Store`], over the two adapters (sled, the
//! default, and PostgreSQL for several instances on one database). The
//! core calls only these methods; each arm hands the call to its adapter
//! unchanged, so no adapter type and no protocol rule is visible here.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use super::embedded::{BackupSummary, SledStore};
use super::postgres::PgStore;
use super::records::{
    AuditRecord, ClientRecord, CodeRecord, ConsentRecord, DeviceRecord, EmailVerificationRecord,
    FactorsRecord, GroupRecord, InitialTokenRecord, InviteRecord, KeyRecord, LoginRequestRecord,
    PasskeyCeremonyRecord, PasskeyFactor, PendingSignInRecord, ResetRecord, RetiredUserRecord,
    Rotation, ScopeRecord, SessionRecord, TokenRecord, UpstreamLinkRecord, UpstreamPendingRecord,
    UserRecord,
};
use super::TransferSummary;
use super::{AccountRemoval, LinkOutcome, Redemption, RotationOutcome, StoreError, StoreResult};
use super::{ThrottleRule, ThrottleState};
use crate::crypto::Digest;

/// Where records live: the embedded database or a shared PostgreSQL one.
/// Cheap to clone (each adapter is a set of handles).
#[derive(Clone)]
pub enum Store {
    /// The embedded sled database in the data directory (the default),
    /// behind one pointer: its dozens of tree handles are not copied on
    /// every clone.
    Embedded(Arc<SledStore>),
    /// A PostgreSQL database shared by every instance (`--store postgres://…`).
    Postgres(PgStore),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Embedded(_) => f.write_str("Store::Embedded"),
            Store::Postgres(s) => write!(f, "Store::{s:?}"),
        }
    }
}

/// Hands each listed call to the adapter in use, unchanged.
macro_rules! delegate {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        impl Store {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Store::Embedded(s) => s.$name($($arg),*).await,
                        Store::Postgres(s) => bounded(s.$name($($arg),*)).await,
                    }
                }
            )*
        }
    };
}

delegate! {
    /// Registers a passkey for the person; `false` when its credential id
    /// belongs to an account already (WebAuthn §7.1 step 22).
    fn add_passkey(&self, user_id: u64, passkey: PasskeyFactor) -> StoreResult<bool>;
    /// Up to `limit` audit records before the cursor `before` (`None`: the
    /// newest), newest first, that `keep` accepts, each with its cursor.
    fn audit_page(&self, before: Option<u128>, limit: usize, keep: impl Fn(&AuditRecord) -> bool, ) -> StoreResult<Vec<(u128, AuditRecord)>>;
    /// Whether a write reaches the disk now: writes a marker and flushes.
    fn can_write(&self, now: u64) -> StoreResult<()>;
    /// The client with this id.
    fn client(&self, client_id: &str) -> StoreResult<Option<Arc<ClientRecord>>>;
    /// How many clients there are.
    fn client_count(&self) -> StoreResult<usize>;
    /// Every client, in id order.
    fn clients(&self) -> StoreResult<Vec<ClientRecord>>;
    /// Ends a code at once (a replay of it was seen): it stays stored, spent
    /// and expired, until swept; durable when it returns.
    fn end_code(&self, digest: &Digest) -> StoreResult<()>;
    /// The code stored under this digest, spent or not.
    fn code(&self, digest: &Digest) -> StoreResult<Option<CodeRecord>>;
    /// Marks the login request that a code's digest names as confirmed by
    /// `user_id`, atomically; `false` when there is none for that user that
    /// is still live at `now`.
    fn confirm_login_code(&self, code_digest: &Digest, user_id: u64, now: u64) -> StoreResult<bool>;
    /// The consent a user gave a client, if any.
    fn consent(&self, user_id: u64, client_id: &str) -> StoreResult<Option<ConsentRecord>>;
    /// Every consent a user gave, by client id.
    fn consents_of(&self, user_id: u64) -> StoreResult<Vec<(String, ConsentRecord)>>;
    /// Creates a group; `false` when one of that name exists.
    fn create_group(&self, group: &GroupRecord) -> StoreResult<bool>;
    /// Creates a user with a new id; `None` when the username is taken.
    fn create_user(&self, user: UserRecord) -> StoreResult<Option<UserRecord>>;
    /// The device authorization under a device code's digest.
    fn device(&self, digest: &Digest) -> StoreResult<Option<DeviceRecord>>;
    /// The device code digest and authorization a user code's digest names.
    fn device_by_user_code(&self, user_code_digest: &Digest) -> StoreResult<Option<(Digest, DeviceRecord)>>;
    /// The verification link under this digest, if it is live at `now`.
    fn email_verification(&self, digest: &Digest, now: u64) -> StoreResult<Option<EmailVerificationRecord>>;
    /// The person's user handle, if they ever registered a passkey.
    fn existing_passkey_handle(&self, user_id: u64) -> StoreResult<Option<[u8; 16]>>;
    /// A person's second factors; `None` when they have none.
    fn factors(&self, user_id: u64) -> StoreResult<Option<FactorsRecord>>;
    /// The group of this name (compared case-insensitively).
    fn group(&self, name: &str) -> StoreResult<Option<GroupRecord>>;
    /// How many groups there are.
    fn group_count(&self) -> StoreResult<usize>;
    /// Every group, by name.
    fn groups(&self) -> StoreResult<Vec<GroupRecord>>;
    /// The initial access token under this digest.
    fn initial_token(&self, digest: &Digest) -> StoreResult<Option<InitialTokenRecord>>;
    /// Keeps an audit record (durable when it returns).
    fn insert_audit(&self, record: &AuditRecord) -> StoreResult<()>;
    /// Stores a new authorization code; durable when it returns.
    fn insert_code(&self, digest: &Digest, code: &CodeRecord) -> StoreResult<()>;
    /// Stores a new device authorization under its device code's and user
    /// code's digests; `false` (and nothing stored) when the user code is taken.
    fn insert_device(&self, digest: &Digest, user_code_digest: &Digest, device: &DeviceRecord) -> StoreResult<bool>;
    /// Stores a verification link; durable when it returns.
    fn insert_email_verification(&self, digest: &Digest, record: &EmailVerificationRecord) -> StoreResult<()>;
    /// Stores an initial access token; durable when it returns.
    fn insert_initial_token(&self, digest: &Digest, token: &InitialTokenRecord) -> StoreResult<()>;
    /// Stores an invitation; durable when it returns.
    fn insert_invite(&self, digest: &Digest, invite: &InviteRecord) -> StoreResult<()>;
    /// Stores a new login request; `false` (and nothing stored) when the
    /// code's digest is taken already.
    fn insert_login_request(&self, digest: &Digest, code_digest: &Digest, request: &LoginRequestRecord) -> StoreResult<bool>;
    /// Creates a client only if its id is free, atomically; `false` (and
    /// nothing written) when the id is taken.
    fn insert_new_client(&self, client: &ClientRecord) -> StoreResult<bool>;
    /// Stores a ceremony until its second request.
    fn insert_passkey_ceremony(&self, digest: &Digest, record: &PasskeyCeremonyRecord) -> StoreResult<()>;
    /// Stores a sign-in that waits for its second factor.
    fn insert_pending_sign_in(&self, digest: &Digest, record: &PendingSignInRecord) -> StoreResult<()>;
    /// Stores a password-reset link; durable when it returns.
    fn insert_reset(&self, digest: &Digest, reset: &ResetRecord) -> StoreResult<()>;
    /// Stores a new session; durable when it returns.
    fn insert_session(&self, digest: &Digest, session: &SessionRecord) -> StoreResult<()>;
    /// Stores tokens under their digests; durable when it returns.
    fn insert_tokens(&self, tokens: &[(Digest, TokenRecord)]) -> StoreResult<()>;
    /// Stores a sign-in waiting for the provider's answer.
    fn insert_upstream_pending(&self, digest: &Digest, record: &UpstreamPendingRecord) -> StoreResult<()>;
    /// Whether an invitation is unused and unexpired at `now`.
    fn invite_usable(&self, digest: &Digest, now: u64) -> StoreResult<bool>;
    /// When a user was last issued a token for a client that still exists.
    fn last_issued(&self, user_id: u64, client_id: &str) -> StoreResult<Option<u64>>;
    /// Links an upstream account to a user, atomically in both trees: not
    /// when the upstream account is linked already, nor when the user has
    /// another account of that provider.
    fn link_upstream(&self, link: &UpstreamLinkRecord) -> StoreResult<LinkOutcome>;
    /// The person's WebAuthn user handle; `fresh` becomes it when they have
    /// none yet (one atomic step, so two first registrations agree).
    fn passkey_handle(&self, user_id: u64, fresh: [u8; 16]) -> StoreResult<[u8; 16]>;
    /// Who registered this credential id, if anyone.
    fn passkey_owner(&self, credential_id: &[u8]) -> StoreResult<Option<u64>>;
    /// The waiting sign-in under this digest, if any.
    fn pending_sign_in(&self, digest: &Digest) -> StoreResult<Option<PendingSignInRecord>>;
    /// Creates or replaces a client.
    fn put_client(&self, client: &ClientRecord) -> StoreResult<()>;
    /// Records a consent; durable when it returns.
    fn put_consent(&self, user_id: u64, client_id: &str, consent: &ConsentRecord) -> StoreResult<()>;
    /// Creates or replaces a scope definition.
    fn put_scope(&self, scope: &ScopeRecord) -> StoreResult<()>;
    /// Stores a setting; durable when it returns.
    fn put_setting(&self, name: &str, value: &str) -> StoreResult<()>;
    /// Replaces a user's record (the username must not change).
    fn put_user(&self, user: &UserRecord) -> StoreResult<()>;
    /// Spends a code atomically: exactly one caller ever sees `Fresh`.
    fn redeem_code(&self, digest: &Digest) -> StoreResult<Redemption>;
    /// Removes the account `user_id` and everything that acts for it in
    /// one transaction, then sweeps up what was issued while it ran;
    /// `None` when there is no such account. Durable when it returns.
    fn remove_account(&self, user_id: u64, now: u64) -> StoreResult<Option<AccountRemoval>>;
    /// Removes a client; `false` when there was none.
    fn remove_client(&self, client_id: &str) -> StoreResult<bool>;
    /// Forgets a consent; durable when it returns.
    fn remove_consent(&self, user_id: u64, client_id: &str) -> StoreResult<()>;
    /// Removes a group; `false` when there was none.
    fn remove_group(&self, name: &str) -> StoreResult<bool>;
    /// Removes one of the person's passkeys; `false` when they have no
    /// passkey with this credential id.
    fn remove_passkey(&self, user_id: u64, credential_id: &[u8]) -> StoreResult<bool>;
    /// Ends a session; durable when it returns.
    fn remove_session(&self, digest: &Digest) -> StoreResult<()>;
    /// Ends every session of a user but `keep`; durable when it returns.
    fn remove_sessions_of(&self, user_id: u64, keep: Option<&Digest>) -> StoreResult<usize>;
    /// Removes the token if `allowed` accepts it, atomically; durable when it
    /// returns. Answers the record that was there (removed or not).
    fn remove_token_if(&self, digest: &Digest, allowed: impl Fn(&TokenRecord) -> bool, ) -> StoreResult<Option<(TokenRecord, bool)>>;
    /// Removes a user by username for good (see `remove_account`: the name
    /// stays taken); `false` when there was none.
    fn remove_user(&self, username: &str, now: u64) -> StoreResult<bool>;
    /// The deleted account that held this username, if one did.
    fn retired_username(&self, username: &str) -> StoreResult<Option<RetiredUserRecord>>;
    /// Deletes every token of a grant; durable when it returns. Answers how many went.
    fn revoke_grant(&self, grant_id: &str) -> StoreResult<usize>;
    /// Deletes every token a user holds for a client (consent withdrawn);
    /// durable when it returns. Answers how many went.
    fn revoke_user_client(&self, user_id: u64, client_id: &str) -> StoreResult<usize>;
    /// Marks a refresh token rotated, atomically: only one caller wins.
    /// Durable when it returns.
    fn rotate_token(&self, digest: &Digest, rotation: Rotation) -> StoreResult<RotationOutcome>;
    /// Every stored scope, in name order.
    fn scopes(&self) -> StoreResult<Vec<ScopeRecord>>;
    /// The session stored under this digest.
    fn session(&self, digest: &Digest) -> StoreResult<Option<SessionRecord>>;
    /// A user's sessions, by digest (expired ones included until swept).
    fn sessions_of(&self, user_id: u64) -> StoreResult<Vec<(Digest, SessionRecord)>>;
    /// A setting an administrator stored, if any.
    fn setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Spends an invitation atomically: exactly one caller gets `true`.
    fn spend_invite(&self, digest: &Digest, now: u64) -> StoreResult<bool>;
    /// Spends a reset link atomically; answers it to the one caller that spent it.
    fn spend_reset(&self, digest: &Digest, now: u64) -> StoreResult<Option<ResetRecord>>;
    /// Takes a verification link atomically (one remove: of two callers,
    /// one gets it); answers it if it was live at `now`.
    fn take_email_verification(&self, digest: &Digest, now: u64) -> StoreResult<Option<EmailVerificationRecord>>;
    /// Takes a login request for `user_id` atomically, if it is live at `now`
    /// and confirmed (or `confirmation_needed` is false); a request is taken
    /// once only.
    fn take_login_request(&self, digest: &Digest, user_id: u64, now: u64, confirmation_needed: bool) -> StoreResult<Option<LoginRequestRecord>>;
    /// Takes the ceremony under this digest: one request only gets it.
    fn take_passkey_ceremony(&self, digest: &Digest) -> StoreResult<Option<PasskeyCeremonyRecord>>;
    /// Takes the waiting sign-in under this digest: one caller only gets it.
    fn take_pending_sign_in(&self, digest: &Digest) -> StoreResult<Option<PendingSignInRecord>>;
    /// Takes the waiting sign-in under this digest (one remove: of two
    /// callers, one gets it).
    fn take_upstream_pending(&self, digest: &Digest) -> StoreResult<Option<UpstreamPendingRecord>>;
    /// The token stored under this digest, live or not.
    fn token(&self, digest: &Digest) -> StoreResult<Option<TokenRecord>>;
    /// Records activity on a session; not flushed (losing it only shortens the session).
    fn touch_session(&self, digest: &Digest, session: &SessionRecord) -> StoreResult<()>;
    /// Removes a user's link to a provider, from both trees at once; answers
    /// the link that was removed.
    fn unlink_upstream(&self, user_id: u64, provider: &str) -> StoreResult<Option<UpstreamLinkRecord>>;
    /// Changes a device authorization atomically: `change` sees the current
    /// record and answers the next one, or `None` to leave it. Answers the
    /// record before and after, when it changed. Durable when `durable`.
    fn update_device(&self, digest: &Digest, change: impl Fn(&DeviceRecord) -> Option<DeviceRecord>, durable: bool, ) -> StoreResult<Option<(DeviceRecord, DeviceRecord)>>;
    /// Changes a group atomically: `change` answers whether it changed
    /// anything (it may run again when a concurrent change won); `false`
    /// when there is no such group or nothing changed.
    fn update_group(&self, name: &str, change: impl FnMut(&mut GroupRecord) -> bool, ) -> StoreResult<bool>;
    /// The link of an upstream account, if it is linked.
    fn upstream_link(&self, provider: &str, subject: &str) -> StoreResult<Option<UpstreamLinkRecord>>;
    /// Every provider linked to a user, in provider-name order.
    fn upstream_links_of(&self, user_id: u64) -> StoreResult<Vec<UpstreamLinkRecord>>;
    /// The reset link under this digest, if unused and unexpired at `now`.
    fn usable_reset(&self, digest: &Digest, now: u64) -> StoreResult<Option<ResetRecord>>;
    /// The user with this id.
    fn user(&self, id: u64) -> StoreResult<Option<UserRecord>>;
    /// The user with this username, compared case-insensitively.
    fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// How many users there are.
    fn user_count(&self) -> StoreResult<usize>;
    /// Every user, in id order.
    fn users(&self) -> StoreResult<Vec<UserRecord>>;
    /// The users `keep` accepts, in id order: at most `limit` of them after
    /// skipping `offset`, and how many it accepts in all.
    fn users_matching(&self, keep: impl Fn(&UserRecord) -> bool, offset: usize, limit: usize, ) -> StoreResult<(Vec<UserRecord>, usize)>;
    /// At most `limit` users in id order after skipping `offset`; only the
    /// users answered are decoded.
    fn users_slice(&self, offset: usize, limit: usize) -> StoreResult<Vec<UserRecord>>;
}

/// The calls whose adapters differ in shape: the embedded adapter answers
/// some at once, or does its scanning on a blocking thread, and a few exist
/// only for one of them.
impl Store {
    /// Opens (or creates) the embedded database in `path`.
    pub fn open(path: &Path, cache_bytes: u64) -> StoreResult<Self> {
        SledStore::open(path, cache_bytes).map(|s| Store::Embedded(Arc::new(s)))
    }

    /// Connects to the PostgreSQL database at `url` and applies any
    /// migration not yet applied.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        PgStore::connect(url).await.map(Store::Postgres)
    }

    /// Whether other instances share this store (so state kept in memory
    /// would not be seen by them).
    pub fn is_shared(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// Waits until every write made before the call is durable (PostgreSQL
    /// acknowledges only durable writes, so there it returns at once).
    pub async fn flush(&self) -> StoreResult<()> {
        match self {
            Store::Embedded(s) => s.flush().await,
            Store::Postgres(_) => Ok(()),
        }
    }

    /// [`Store::flush`] for a caller outside any runtime (shutdown, the
    /// offline commands).
    pub fn flush_blocking(&self) -> StoreResult<()> {
        match self {
            Store::Embedded(s) => s.flush_blocking(),
            Store::Postgres(_) => Ok(()),
        }
    }

    /// Whether a client with this id exists.
    pub async fn client_exists(&self, client_id: &str) -> StoreResult<bool> {
        match self {
            Store::Embedded(s) => s.client_exists(client_id),
            Store::Postgres(s) => bounded(s.client_exists(client_id)).await,
        }
    }

    /// A fresh number, never answered before (client ids, user ids).
    pub async fn next_id(&self) -> StoreResult<u64> {
        match self {
            Store::Embedded(s) => s.next_id(),
            Store::Postgres(s) => bounded(s.next_id()).await,
        }
    }

    /// Every signing key, current and retired.
    pub async fn keys(&self) -> StoreResult<Vec<KeyRecord>> {
        match self {
            Store::Embedded(s) => s.keys().await,
            Store::Postgres(s) => bounded(s.keys()).await,
        }
    }

    /// Replaces a signing key (retiring it); durable when it returns.
    pub async fn put_key(&self, key: &KeyRecord) -> StoreResult<()> {
        match self {
            Store::Embedded(s) => s.put_key(key).await,
            Store::Postgres(s) => bounded(s.put_key(key)).await,
        }
    }

    /// Adds a current signing key unless its algorithm has one already
    /// (another instance made it first): `false` then, and nothing changes.
    pub async fn add_key(&self, key: &KeyRecord) -> StoreResult<bool> {
        match self {
            Store::Embedded(s) => s.add_key(key).await,
            Store::Postgres(s) => bounded(s.add_key(key)).await,
        }
    }

    /// Changes a person's second factors atomically: `change` edits the
    /// record (a fresh one when there is none) and answers `None` to leave
    /// it as it was; it may run more than once when a write races.
    pub async fn update_factors<T>(
        &self,
        user_id: u64,
        change: impl FnMut(&mut FactorsRecord) -> Option<T>,
    ) -> StoreResult<Option<T>> {
        match self {
            Store::Embedded(s) => s.update_factors(user_id, change).await,
            Store::Postgres(s) => bounded(s.update_factors(user_id, change)).await,
        }
    }

    /// Deletes up to `limit` expired codes, sessions and other short-lived
    /// records at `now`; answers how many went.
    pub async fn sweep_expired(&self, now: u64, limit: usize) -> StoreResult<usize> {
        match self {
            Store::Embedded(s) => {
                let s = s.clone();
                blocking(move || s.sweep_expired(now, limit)).await
            }
            Store::Postgres(s) => s.sweep_expired(now, limit).await,
        }
    }

    /// Deletes expired tokens among the next `limit` from the key `from`;
    /// answers how many went and where to go on (`None`: done).
    pub async fn sweep_tokens(
        &self,
        now: u64,
        from: &[u8],
        limit: usize,
    ) -> StoreResult<(usize, Option<Vec<u8>>)> {
        match self {
            Store::Embedded(s) => {
                let (s, from) = (s.clone(), from.to_vec());
                blocking(move || s.sweep_tokens(now, &from, limit)).await
            }
            Store::Postgres(s) => s.sweep_tokens(now, from, limit).await,
        }
    }

    /// Deletes audit records older than `cutoff`; answers how many went.
    pub async fn sweep_audit(&self, cutoff: u64) -> StoreResult<usize> {
        match self {
            Store::Embedded(s) => {
                let s = s.clone();
                blocking(move || s.sweep_audit(cutoff)).await
            }
            Store::Postgres(s) => s.sweep_audit(cutoff).await,
        }
    }

    /// How many tokens are stored, expired or not.
    pub async fn token_count(&self) -> StoreResult<usize> {
        match self {
            Store::Embedded(s) => Ok(s.token_count()),
            Store::Postgres(s) => s.token_count().await,
        }
    }

    /// How many records of each kind are stored (for `/metrics`).
    pub async fn record_counts(&self) -> StoreResult<Vec<(&'static str, usize)>> {
        match self {
            Store::Embedded(s) => Ok(s.record_counts()),
            Store::Postgres(s) => s.record_counts().await,
        }
    }

    /// The database's size on disk in bytes (0 when it cannot tell).
    pub async fn size_on_disk(&self) -> u64 {
        match self {
            Store::Embedded(s) => s.size_on_disk(),
            Store::Postgres(s) => s.size_on_disk().await,
        }
    }

    /// Writes a backup of every record to `out` (the embedded store only:
    /// a PostgreSQL database is backed up with its own tools).
    pub fn write_backup(&self, out: impl Write, now: u64) -> StoreResult<BackupSummary> {
        match self {
            Store::Embedded(s) => s.write_backup(out, now),
            Store::Postgres(_) => Err(StoreError::Db(
                "a PostgreSQL store is backed up with pg_dump, not gatehouse backup".into(),
            )),
        }
    }

    /// Restores a backup into the empty directory `data`.
    pub fn restore_backup(
        input: impl Read,
        data: &Path,
        cache_bytes: u64,
    ) -> StoreResult<BackupSummary> {
        SledStore::restore_backup(input, data, cache_bytes)
    }

    /// Copies the embedded database in `data` (no server may hold it) into
    /// the empty PostgreSQL database at `url`, every record but those that
    /// expired before `now`; refuses a target that holds any record, and
    /// then changes nothing.
    pub async fn copy_embedded_into(
        data: &Path,
        cache_bytes: u64,
        url: &str,
        now: u64,
    ) -> StoreResult<TransferSummary> {
        super::transfer::copy_embedded_into(data, cache_bytes, url, now).await
    }

    /// Counts one failed attempt against every key as each rule says, unless
    /// one is locked at `now`: `Err(seconds)` then, and nothing is counted.
    /// Shared stores only: the embedded one's counts live in memory.
    pub async fn throttle_begin(
        &self,
        keys: &[(&str, ThrottleRule)],
        now: u64,
    ) -> StoreResult<Result<(), u64>> {
        match self {
            Store::Embedded(_) => Err(in_memory()),
            Store::Postgres(s) => bounded(s.throttle_begin(keys, now)).await,
        }
    }

    /// Counts one failure against `key` as `rule` says; answers its count
    /// and lock afterwards (shared stores only).
    pub async fn throttle_failed(
        &self,
        key: &str,
        rule: &ThrottleRule,
        now: u64,
    ) -> StoreResult<ThrottleState> {
        match self {
            Store::Embedded(_) => Err(in_memory()),
            Store::Postgres(s) => bounded(s.throttle_failed(key, rule, now)).await,
        }
    }

    /// How many throttle keys the shared table holds (0 for the embedded store).
    pub async fn throttle_len(&self) -> StoreResult<usize> {
        match self {
            Store::Embedded(_) => Ok(0),
            Store::Postgres(s) => s.throttle_len().await,
        }
    }

    /// Whether the database answers now (for `/healthz`).
    pub async fn ping(&self) -> StoreResult<()> {
        match self {
            Store::Embedded(_) => Ok(()),
            Store::Postgres(s) => bounded(s.ping()).await,
        }
    }

    /// Applies any schema migration not yet applied; answers the versions
    /// this call applied (the embedded store has none).
    pub async fn migrate(&self) -> StoreResult<Vec<u32>> {
        match self {
            Store::Embedded(_) => Ok(Vec::new()),
            Store::Postgres(s) => s.migrate().await,
        }
    }

    /// The schema versions applied to the database, in order (the
    /// embedded store has none).
    pub async fn applied_migrations(&self) -> StoreResult<Vec<u32>> {
        match self {
            Store::Embedded(_) => Ok(Vec::new()),
            Store::Postgres(s) => s.applied_migrations().await,
        }
    }

    /// `Err(seconds)` when any of `keys` is locked at `now` (shared stores only).
    pub async fn throttle_check(&self, keys: &[&str], now: u64) -> StoreResult<Result<(), u64>> {
        match self {
            Store::Embedded(_) => Err(in_memory()),
            Store::Postgres(s) => bounded(s.throttle_check(keys, now)).await,
        }
    }

    /// Forgets a key's failures and lock (shared stores only).
    pub async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        match self {
            Store::Embedded(_) => Err(in_memory()),
            Store::Postgres(s) => bounded(s.throttle_clear(key)).await,
        }
    }

    /// Takes back one failure an attempt reserved, unlocking the key below
    /// `limit` (shared stores only).
    pub async fn throttle_give_back(&self, key: &str, limit: u32) -> StoreResult<()> {
        match self {
            Store::Embedded(_) => Err(in_memory()),
            Store::Postgres(s) => bounded(s.throttle_give_back(key, limit)).await,
        }
    }

    /// Deletes up to `limit` throttle keys quiet for `forget_after` seconds
    /// and unlocked at `now`; the embedded store has none to delete.
    pub async fn sweep_throttle(
        &self,
        now: u64,
        forget_after: u64,
        limit: usize,
    ) -> StoreResult<usize> {
        match self {
            Store::Embedded(_) => Ok(0),
            Store::Postgres(s) => s.sweep_throttle(now, forget_after, limit).await,
        }
    }
}

/// The longest a call to the PostgreSQL adapter may take, as a whole,
/// before it fails as unavailable: a database that stops answering on an
/// open connection (no error, no closed socket) must not hold requests.
const CALL_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// `call` given at most [`CALL_DEADLINE`].
async fn bounded<T>(call: impl std::future::Future<Output = StoreResult<T>>) -> StoreResult<T> {
    tokio::time::timeout(CALL_DEADLINE, call)
        .await
        .unwrap_or_else(|_| {
            Err(StoreError::Unavailable(format!(
                "PostgreSQL did not answer within {} s",
                CALL_DEADLINE.as_secs()
            )))
        })
}

/// The embedded store's throttle counts live in `accounts::throttle`.
fn in_memory() -> StoreError {
    StoreError::Db("the embedded store keeps throttle counts in memory".into())
}

/// Runs a scan of the embedded database on a blocking thread, so that a
/// long sweep never stalls the requests of the worker it started on.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> StoreResult<T> + Send + 'static,
) -> StoreResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Db(format!("sweep thread: {e}")))?
}
