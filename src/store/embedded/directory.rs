//! Pages of users and counts, for the admin pages: a slice in id order
//! that decodes only the records it answers, and a filtered slice.

use super::*;

impl SledStore {
    /// How many users there are.
    pub async fn user_count(&self) -> StoreResult<usize> {
        Ok(self.users.len())
    }

    /// How many clients there are.
    pub async fn client_count(&self) -> StoreResult<usize> {
        Ok(self.clients.len())
    }

    /// How many groups there are.
    pub async fn group_count(&self) -> StoreResult<usize> {
        Ok(self.groups.len())
    }

    /// At most `limit` users in id order after skipping `offset`; only the
    /// users answered are decoded.
    pub async fn users_slice(&self, offset: usize, limit: usize) -> StoreResult<Vec<UserRecord>> {
        self.users
            .iter()
            .values()
            .skip(offset)
            .take(limit)
            .map(|v| decode(&v.map_err(db_err)?))
            .collect()
    }

    /// The users `keep` accepts, in id order: at most `limit` of them after
    /// skipping `offset`, and how many it accepts in all.
    pub async fn users_matching(
        &self,
        keep: impl Fn(&UserRecord) -> bool,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(Vec<UserRecord>, usize)> {
        let mut found = Vec::new();
        let mut total = 0;
        for value in self.users.iter().values() {
            let user: UserRecord = decode(&value.map_err(db_err)?)?;
            if keep(&user) {
                if total >= offset && found.len() < limit {
                    found.push(user);
                }
                total += 1;
            }
        }
        Ok((found, total))
    }
}
