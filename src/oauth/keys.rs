//! The key ring: one current signing key per algorithm, plus retired keys
//! that stay published (and accepted as `id_token_hint`) until every token
//! they signed has expired.

use serde_json::{json, Map, Value};

use crate::crypto::jwt::{self, Alg, KeyError, SigningKey};
use crate::crypto::random::new_id;
use crate::store::{KeyRecord, Store, StoreError};

/// The server's signing keys.
#[derive(Debug)]
pub struct KeyRing {
    current: Vec<SigningKey>,
    published: Vec<SigningKey>,
    jwks: String,
}

/// Why the key ring could not be loaded.
#[derive(Debug)]
pub enum KeyRingError {
    /// The database failed.
    Store(StoreError),
    /// A key could not be made or read.
    Key(KeyError),
}

impl std::fmt::Display for KeyRingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRingError::Store(e) => write!(f, "{e}"),
            KeyRingError::Key(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for KeyRingError {}

/// Makes a new key record for `alg`, or takes the preset one (tests).
fn new_record(alg: Alg, now: u64, preset: &[(Alg, Vec<u8>)]) -> Result<KeyRecord, KeyRingError> {
    let pkcs8 = match preset.iter().find(|(a, _)| *a == alg) {
        Some((_, der)) => der.clone(),
        None => jwt::generate(alg).map_err(KeyRingError::Key)?,
    };
    let id = new_id().map_err(|_| KeyRingError::Key(KeyError("no randomness".into())))?;
    Ok(KeyRecord {
        kid: format!("{}-{}", alg.name().to_lowercase(), &id[..12]),
        alg: alg.name().to_owned(),
        pkcs8,
        created_at: now,
        retired_at: None,
    })
}

/// Adds a current key for every algorithm that has none.
pub async fn ensure(
    store: &Store,
    now: u64,
    preset: &[(Alg, Vec<u8>)],
) -> Result<(), KeyRingError> {
    let keys = store.keys().await.map_err(KeyRingError::Store)?;
    for alg in Alg::ALL {
        let has_current = keys
            .iter()
            .any(|k| k.alg == alg.name() && k.retired_at.is_none());
        if !has_current {
            let record = new_record(alg, now, preset)?;
            // Several instances may start at once on one shared database:
            // the first key of each algorithm wins and the others use it.
            if store.add_key(&record).await.map_err(KeyRingError::Store)? {
                log::info!("created signing key {}", record.kid);
            }
        }
    }
    Ok(())
}

/// Retires every current key and makes new ones (`gatehouse keys rotate`).
pub async fn rotate(store: &Store, now: u64) -> Result<Vec<String>, KeyRingError> {
    for mut key in store.keys().await.map_err(KeyRingError::Store)? {
        if key.retired_at.is_none() {
            key.retired_at = Some(now);
            store.put_key(&key).await.map_err(KeyRingError::Store)?;
        }
    }
    let mut made = Vec::new();
    for alg in Alg::ALL {
        let record = new_record(alg, now, &[])?;
        if store.add_key(&record).await.map_err(KeyRingError::Store)? {
            made.push(record.kid);
        }
    }
    Ok(made)
}

impl KeyRing {
    /// Loads the keys; retired ones stay published for `retain` seconds after retirement.
    pub async fn load(store: &Store, now: u64, retain: u64) -> Result<Self, KeyRingError> {
        let mut current = Vec::new();
        let mut published = Vec::new();
        let mut records = store.keys().await.map_err(KeyRingError::Store)?;
        records.sort_by_key(|k| std::cmp::Reverse(k.created_at));
        for record in records {
            let Some(alg) = Alg::from_name(&record.alg) else {
                continue;
            };
            let load = || {
                SigningKey::from_pkcs8(&record.kid, alg, &record.pkcs8).map_err(KeyRingError::Key)
            };
            match record.retired_at {
                None if !current.iter().any(|k: &SigningKey| k.alg == alg) => current.push(load()?),
                None => published.push(load()?),
                Some(at) if now < at.saturating_add(retain) => published.push(load()?),
                Some(_) => {}
            }
        }
        let keys: Vec<Value> = current
            .iter()
            .chain(published.iter())
            .map(SigningKey::jwk)
            .collect();
        let jwks = json!({ "keys": keys }).to_string();
        Ok(KeyRing {
            current,
            published,
            jwks,
        })
    }

    /// The JWK Set document.
    pub fn jwks(&self) -> &str {
        &self.jwks
    }

    /// The current key for `alg`.
    pub fn signer(&self, alg: Alg) -> Option<&SigningKey> {
        self.current.iter().find(|k| k.alg == alg)
    }

    /// Verifies a JWT signed by any published key; answers its claims.
    pub fn verify(&self, token: &str) -> Option<Map<String, Value>> {
        let kid = jwt::kid_of(token)?;
        self.current
            .iter()
            .chain(self.published.iter())
            .find(|k| k.kid == kid)?
            .verify_jwt(token)
    }
}
