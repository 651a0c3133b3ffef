//! Pages of users and counts, for the admin pages, on PostgreSQL: a slice
//! in id order that reads only the records it answers, and a filtered
//! slice.

use super::people::decode_rows;
use super::{db_err, i64_of, PgStore};
use crate::store::codec::decode;
use crate::store::{StoreResult, UserRecord};

impl PgStore {
    /// How many users there are.
    pub async fn user_count(&self) -> StoreResult<usize> {
        self.count("users").await
    }

    /// How many clients there are.
    pub async fn client_count(&self) -> StoreResult<usize> {
        self.count("clients").await
    }

    /// How many groups there are.
    pub async fn group_count(&self) -> StoreResult<usize> {
        self.count("groups").await
    }

    /// At most `limit` users in id order after skipping `offset`; only the
    /// users answered are read.
    pub async fn users_slice(&self, offset: usize, limit: usize) -> StoreResult<Vec<UserRecord>> {
        let as_i64 = |n: usize| i64_of(u64::try_from(n).unwrap_or(u64::MAX));
        let rows = self
            .client_conn()
            .await?
            .query(
                "SELECT record FROM users ORDER BY id LIMIT $1 OFFSET $2",
                &[&as_i64(limit), &as_i64(offset)],
            )
            .await
            .map_err(db_err)?;
        decode_rows(&rows)
    }

    /// The users `keep` accepts, in id order: at most `limit` of them after
    /// skipping `offset`, and how many it accepts in all.
    pub async fn users_matching(
        &self,
        keep: impl Fn(&UserRecord) -> bool,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(Vec<UserRecord>, usize)> {
        let rows = self
            .client_conn()
            .await?
            .query("SELECT record FROM users ORDER BY id", &[])
            .await
            .map_err(db_err)?;
        let mut found = Vec::new();
        let mut total = 0;
        for row in &rows {
            let user: UserRecord = decode(&row.get::<_, Vec<u8>>(0))?;
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
