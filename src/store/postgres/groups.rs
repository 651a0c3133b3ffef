//! Groups by lower-cased name, each with its members' ids, on PostgreSQL.
//! A change is a compare-and-swap on the record, retried when another
//! instance's change won.

use super::{db_err, Param, PgStore};
use crate::store::codec::{decode, encode};
use crate::store::{GroupRecord, StoreResult};

impl PgStore {
    /// Every group, by name (the lower-cased name's byte order, as the
    /// embedded store keeps them).
    pub async fn groups(&self) -> StoreResult<Vec<GroupRecord>> {
        let rows = self
            .client_conn()
            .await?
            .query("SELECT name, record FROM groups", &[])
            .await
            .map_err(db_err)?;
        let mut named = rows
            .iter()
            .map(|row| Ok((row.get::<_, String>(0), decode(&row.get::<_, Vec<u8>>(1))?)))
            .collect::<StoreResult<Vec<(String, GroupRecord)>>>()?;
        named.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(named.into_iter().map(|(_, group)| group).collect())
    }

    /// The group's record with the bytes it is stored as.
    async fn group_bytes(&self, key: &str) -> StoreResult<Option<(Vec<u8>, GroupRecord)>> {
        let row = self
            .client_conn()
            .await?
            .query_opt("SELECT record FROM groups WHERE name = $1", &[&key])
            .await
            .map_err(db_err)?;
        row.map(|row| {
            let bytes: Vec<u8> = row.get(0);
            decode(&bytes).map(|group| (bytes, group))
        })
        .transpose()
    }

    /// The group of this name (compared case-insensitively).
    pub async fn group(&self, name: &str) -> StoreResult<Option<GroupRecord>> {
        Ok(self
            .group_bytes(&name.to_lowercase())
            .await?
            .map(|(_, group)| group))
    }

    /// Creates a group; `false` when one of that name exists.
    pub async fn create_group(&self, group: &GroupRecord) -> StoreResult<bool> {
        let created = self
            .client_conn()
            .await?
            .execute(
                "INSERT INTO groups (name, record) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
                &[&group.name.to_lowercase() as Param<'_>, &encode(group)?],
            )
            .await
            .map_err(db_err)?;
        Ok(created == 1)
    }

    /// Changes a group atomically: `change` answers whether it changed
    /// anything (it may run again when a concurrent change won); `false`
    /// when there is no such group or nothing changed.
    pub async fn update_group(
        &self,
        name: &str,
        mut change: impl FnMut(&mut GroupRecord) -> bool,
    ) -> StoreResult<bool> {
        let key = name.to_lowercase();
        loop {
            let Some((bytes, mut group)) = self.group_bytes(&key).await? else {
                return Ok(false);
            };
            if !change(&mut group) {
                return Ok(false);
            }
            let swapped = self
                .client_conn()
                .await?
                .execute(
                    "UPDATE groups SET record = $3 WHERE name = $1 AND record = $2",
                    &[&key as Param<'_>, &bytes, &encode(&group)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                return Ok(true);
            }
        }
    }

    /// Removes a group; `false` when there was none.
    pub async fn remove_group(&self, name: &str) -> StoreResult<bool> {
        let removed = self
            .client_conn()
            .await?
            .execute(
                "DELETE FROM groups WHERE name = $1",
                &[&name.to_lowercase()],
            )
            .await
            .map_err(db_err)?;
        Ok(removed == 1)
    }
}
