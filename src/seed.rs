//! The seed file (JSON, format in DESIGN.md): users, clients and scopes,
//! applied idempotently at start. A seeded client is replaced by its seed
//! entry; a seeded user who already exists keeps their password (change it
//! with `gatehouse user passwd`) and gets the seed's name, email and admin flag.

use std::path::Path;

use serde::Deserialize;

use crate::accounts::users::{self, NewUser};
use crate::oauth::client_metadata::ClientMetadata;
use crate::oauth::clients::Existing;
use crate::store::{ScopeRecord, Store};

/// A user entry of the seed file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    username: String,
    password: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    admin: bool,
    /// An enrolled authenticator app's key in base32 (RFC 4648), for tests
    /// and for moving people from another provider.
    #[serde(default)]
    totp_secret: Option<String>,
    /// Groups the person is in (made when missing).
    #[serde(default)]
    groups: Vec<String>,
}

/// A scope entry of the seed file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedScope {
    name: String,
    description: String,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    always: bool,
}

/// The whole seed file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    users: Vec<SeedUser>,
    #[serde(default)]
    clients: Vec<ClientMetadata>,
    #[serde(default)]
    scopes: Vec<SeedScope>,
}

/// A seed file that cannot be read or applied, with the place and the problem.
#[derive(Debug)]
pub struct SeedError(pub String);

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SeedError {}

/// The demo seed, compiled in for `gatehouse dev`.
pub const DEMO: &str = include_str!("../data/demo-seed.json");

/// Parses the compiled-in demo seed.
pub fn demo() -> Result<Seed, SeedError> {
    serde_json::from_str(DEMO).map_err(|e| SeedError(format!("demo seed: {e}")))
}

/// Reads and parses a seed file.
pub fn load(path: &Path) -> Result<Seed, SeedError> {
    let fail = |problem: String| SeedError(format!("seed file {}: {problem}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| fail(e.to_string()))
}

impl Seed {
    /// Applies the seed to the store; running it twice leaves one copy of each record.
    pub async fn apply(
        self,
        path: &Path,
        store: &Store,
        iterations: u32,
        now: u64,
    ) -> Result<(), SeedError> {
        let fail = |place: String, problem: String| {
            SeedError(format!("seed file {}: {place}: {problem}", path.display()))
        };
        // Validate everything before writing anything.
        let mut clients = Vec::new();
        for (i, client) in self.clients.into_iter().enumerate() {
            let place = format!("clients[{i}] ({})", client.client_id);
            if let Some(name) = &client.dialect {
                name.parse::<crate::dialect_name::Dialect>()
                    .map_err(|e| fail(format!("{place}.dialect"), e))?;
            }
            let mut new = client.into_new_client();
            // Applied at every start: a seeded client is replaced by its
            // seed, keeping what an administrator set since.
            new.existing = Existing::ReplaceKeepingAdminFields;
            clients.push(
                new.validate(None, now)
                    .map_err(|e| fail(place, e.to_string()))?,
            );
        }
        for (i, user) in self.users.iter().enumerate() {
            let place = format!("users[{i}] ({})", user.username);
            users::check_username(&user.username)
                .map_err(|e| fail(format!("{place}.username"), e.to_string()))?;
            // The seed is the administrator's own word, so a password that
            // sign-up would refuse (a document's `tomato`) is allowed here,
            // with a warning; people choosing their own still meet the rule.
            if let Err(e) = users::check_password(&user.username, &user.password) {
                if user.password.is_empty() || user.password.chars().count() > 1024 {
                    return Err(fail(format!("{place}.password"), e.to_string()));
                }
                log::warn!("seed file {}: {place}.password: {e}", path.display());
            }
            for (g, group) in user.groups.iter().enumerate() {
                crate::accounts::groups::check_name(group)
                    .map_err(|e| fail(format!("{place}.groups[{g}]"), e.to_string()))?;
            }
            if let Some(secret) = &user.totp_secret {
                crate::crypto::totp::decode_secret(secret).ok_or_else(|| {
                    fail(
                        format!("{place}.totp_secret"),
                        "must be base32 (RFC 4648) of at least 80 bits".into(),
                    )
                })?;
            }
        }
        for (i, scope) in self.scopes.iter().enumerate() {
            crate::oauth::scope::ScopeSet::parse(&scope.name)
                .ok()
                .filter(|s| s.iter().count() == 1 && !scope.name.contains(':'))
                .ok_or_else(|| {
                    fail(
                        format!("scopes[{i}].name"),
                        format!("`{}` is not a single scope token", scope.name),
                    )
                })?;
        }

        let db = |e: crate::store::StoreError| SeedError(e.to_string());
        for scope in self.scopes {
            let record = ScopeRecord {
                name: scope.name,
                description: scope.description,
                default: scope.default,
                always: scope.always,
            };
            store.put_scope(&record).await.map_err(db)?;
        }
        for client in clients {
            let place = format!("clients ({})", client.given_id().unwrap_or(""));
            crate::oauth::clients::create(store, client)
                .await
                .map_err(|e| SeedError(crate::oauth::clients::operator_message(e)))?
                .map_err(|e| fail(place, e.to_string()))?;
        }
        for user in self.users {
            let secret = user
                .totp_secret
                .as_deref()
                .and_then(crate::crypto::totp::decode_secret);
            let id = match store.user_by_name(&user.username).await.map_err(db)? {
                Some(mut existing) => {
                    // A seed's address is typed, not proven: a changed one is unverified.
                    if existing.email != user.email {
                        existing.email_verified = false;
                    }
                    existing.email = user.email;
                    existing.name = user.name;
                    existing.admin = user.admin;
                    store.put_user(&existing).await.map_err(db)?;
                    existing.id
                }
                None if store
                    .retired_username(&user.username)
                    .await
                    .map_err(db)?
                    .is_some() =>
                {
                    // Applied at every start: a seeded person who deleted
                    // their account stays deleted, and the server still starts.
                    log::warn!(
                        "seed: users ({}): {}; skipped",
                        user.username,
                        crate::accounts::leaving::retired_name(&user.username)
                    );
                    continue;
                }
                None => {
                    let new = NewUser {
                        username: user.username.clone(),
                        password: user.password,
                        email: user.email,
                        name: user.name,
                        admin: user.admin,
                    };
                    users::create_unchecked_password(store, new, iterations, now)
                        .await
                        .map_err(|e| fail(format!("users ({})", user.username), e.to_string()))?
                        .id
                }
            };
            for group in &user.groups {
                let failed = |e: crate::accounts::users::AccountError| {
                    fail(format!("users ({}).groups", user.username), e.to_string())
                };
                crate::accounts::groups::ensure(store, group, now)
                    .await
                    .map_err(failed)?;
                crate::accounts::groups::add_member(store, group, id)
                    .await
                    .map_err(failed)?;
            }
            if let Some(secret) = secret {
                crate::accounts::factors::import_totp(store, id, &secret, now)
                    .await
                    .map_err(|e| fail(format!("users ({})", user.username), e.to_string()))?;
            }
        }
        Ok(())
    }
}
