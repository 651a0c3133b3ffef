//! Signing keys on PostgreSQL, shared by every instance: the first to start
//! on an empty database creates them (the one-current-key-per-algorithm
//! index turns the others' attempts into no-ops), and a rotation made on
//! one instance is read by the others when they next load their key ring.

use super::{db_err, Param, PgStore};
use crate::store::codec::{decode, encode};
use crate::store::{KeyRecord, StoreResult};

impl PgStore {
    /// Every signing key, current and retired, oldest first.
    pub async fn keys(&self) -> StoreResult<Vec<KeyRecord>> {
        self.client_conn()
            .await?
            .query("SELECT record FROM signing_keys ORDER BY kid", &[])
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
            .collect()
    }

    /// Creates or replaces a signing key (a retirement).
    pub async fn put_key(&self, key: &KeyRecord) -> StoreResult<()> {
        self.write_key(
            key,
            "ON CONFLICT (kid) DO UPDATE SET retired = EXCLUDED.retired, record = EXCLUDED.record",
        )
        .await
        .map(|_| ())
    }

    /// Adds a current key unless its algorithm has one: `false` when
    /// another instance's key got there first.
    pub async fn add_key(&self, key: &KeyRecord) -> StoreResult<bool> {
        self.write_key(key, "ON CONFLICT DO NOTHING").await
    }

    /// Inserts a key row, `on_conflict` saying what a clash does; answers
    /// whether a row was written.
    async fn write_key(&self, key: &KeyRecord, on_conflict: &str) -> StoreResult<bool> {
        let written = self
            .client_conn()
            .await?
            .execute(
                &format!(
                    "INSERT INTO signing_keys (kid, alg, retired, record) \
                     VALUES ($1, $2, $3, $4) {on_conflict}"
                ),
                &[
                    &key.kid as Param<'_>,
                    &key.alg,
                    &key.retired_at.is_some(),
                    &encode(key)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(written == 1)
    }
}
