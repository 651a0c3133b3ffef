//! Groups by lower-cased name, each with its members' ids.

use super::*;

impl SledStore {
    /// Every group, by name.
    pub async fn groups(&self) -> StoreResult<Vec<GroupRecord>> {
        self.groups
            .iter()
            .values()
            .map(|v| decode(&v.map_err(db_err)?))
            .collect()
    }

    /// The group of this name (compared case-insensitively).
    pub async fn group(&self, name: &str) -> StoreResult<Option<GroupRecord>> {
        self.groups
            .get(name.to_lowercase().as_bytes())
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Creates a group; `false` when one of that name exists.
    pub async fn create_group(&self, group: &GroupRecord) -> StoreResult<bool> {
        let created = self
            .groups
            .compare_and_swap(
                group.name.to_lowercase().as_bytes(),
                None as Option<&[u8]>,
                Some(encode(group)?),
            )
            .map_err(db_err)?;
        self.flush().await?;
        Ok(created.is_ok())
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
            let Some(current) = self.groups.get(key.as_bytes()).map_err(db_err)? else {
                return Ok(false);
            };
            let mut group: GroupRecord = decode(&current)?;
            if !change(&mut group) {
                return Ok(false);
            }
            let swapped = self
                .groups
                .compare_and_swap(key.as_bytes(), Some(current), Some(encode(&group)?))
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(true);
            }
        }
    }

    /// Removes a group; `false` when there was none.
    pub async fn remove_group(&self, name: &str) -> StoreResult<bool> {
        let removed = self
            .groups
            .remove(name.to_lowercase().as_bytes())
            .map_err(db_err)?;
        self.flush().await?;
        Ok(removed.is_some())
    }
}
