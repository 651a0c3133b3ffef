//! Clients and settings on PostgreSQL. No cache: every instance sees a
//! change made on another at its next request.

use std::sync::Arc;

use super::{db_err, Param, PgStore};
use crate::store::codec::{decode, encode};
use crate::store::{ClientRecord, StoreResult};

impl PgStore {
    /// The client with this id.
    pub async fn client(&self, client_id: &str) -> StoreResult<Option<Arc<ClientRecord>>> {
        let row = self
            .client_conn()
            .await?
            .query_opt(
                "SELECT record FROM clients WHERE client_id = $1",
                &[&client_id],
            )
            .await
            .map_err(db_err)?;
        row.map(|row| decode(&row.get::<_, Vec<u8>>(0)).map(Arc::new))
            .transpose()
    }

    /// Whether a client with this id exists (introspection asks on every
    /// call: no record is read or decoded).
    pub async fn client_exists(&self, client_id: &str) -> StoreResult<bool> {
        let row = self
            .client_conn()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM clients WHERE client_id = $1)",
                &[&client_id],
            )
            .await
            .map_err(db_err)?;
        Ok(row.get(0))
    }

    /// Creates or replaces a client.
    pub async fn put_client(&self, client: &ClientRecord) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO clients (client_id, record) VALUES ($1, $2) \
                 ON CONFLICT (client_id) DO UPDATE SET record = EXCLUDED.record",
                &[&client.client_id as Param<'_>, &encode(client)?],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Creates a client only if its id is free, atomically; `false` (and
    /// nothing written) when the id is taken.
    pub async fn insert_new_client(&self, client: &ClientRecord) -> StoreResult<bool> {
        let inserted = self
            .client_conn()
            .await?
            .execute(
                "INSERT INTO clients (client_id, record) VALUES ($1, $2) \
                 ON CONFLICT (client_id) DO NOTHING",
                &[&client.client_id as Param<'_>, &encode(client)?],
            )
            .await
            .map_err(db_err)?;
        Ok(inserted == 1)
    }

    /// Every client, in id order.
    pub async fn clients(&self) -> StoreResult<Vec<ClientRecord>> {
        self.client_conn()
            .await?
            .query("SELECT record FROM clients ORDER BY client_id", &[])
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
            .collect()
    }

    /// Removes a client; `false` when there was none.
    pub async fn remove_client(&self, client_id: &str) -> StoreResult<bool> {
        let removed = self
            .client_conn()
            .await?
            .execute("DELETE FROM clients WHERE client_id = $1", &[&client_id])
            .await
            .map_err(db_err)?;
        Ok(removed == 1)
    }

    /// A server setting.
    pub async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(self
            .client_conn()
            .await?
            .query_opt("SELECT value FROM settings WHERE name = $1", &[&name])
            .await
            .map_err(db_err)?
            .map(|row| row.get(0)))
    }

    /// Sets a server setting.
    pub async fn put_setting(&self, name: &str, value: &str) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO settings (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                &[&name, &value],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
