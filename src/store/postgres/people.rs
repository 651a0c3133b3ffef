//! Users, usernames, ids and scopes on PostgreSQL. A user's id comes from
//! the `user_ids` sequence (never reused: it is the OpenID `sub`), and its
//! lower-cased username is claimed in `usernames` in the same transaction
//! that stores the record; a name once taken stays there, pointing at the
//! id, even after the account is removed (see `leaving.rs`).

use tokio_postgres::Row;

use super::{db_err, i64_of, Param, PgStore};
use crate::store::codec::{decode, encode, Versioned};
use crate::store::{ScopeRecord, StoreError, StoreResult, UserRecord};

/// The records in the first column of `rows`, decoded.
pub(super) fn decode_rows<T: Versioned>(rows: &[Row]) -> StoreResult<Vec<T>> {
    rows.iter()
        .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
        .collect()
}

/// A stored BIGINT id as the store's number.
pub(super) fn u64_of(n: i64) -> StoreResult<u64> {
    u64::try_from(n).map_err(|_| StoreError::Codec("negative id".into()))
}

impl PgStore {
    /// The user with this id.
    pub async fn user(&self, id: u64) -> StoreResult<Option<UserRecord>> {
        self.client_conn()
            .await?
            .query_opt("SELECT record FROM users WHERE id = $1", &[&i64_of(id)])
            .await
            .map_err(db_err)?
            .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
            .transpose()
    }

    /// The user with this username, compared case-insensitively.
    pub async fn user_by_name(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        self.client_conn()
            .await?
            .query_opt(
                "SELECT u.record FROM usernames n JOIN users u ON u.id = n.user_id \
                 WHERE n.username = $1",
                &[&username.to_lowercase()],
            )
            .await
            .map_err(db_err)?
            .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
            .transpose()
    }

    /// Creates a user with a new id; `None` when the username is taken
    /// (by a live account or a removed one).
    pub async fn create_user(&self, mut user: UserRecord) -> StoreResult<Option<UserRecord>> {
        let mut client = self.client_conn().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        // The sequence never hands a number out twice, even when this
        // transaction rolls back, so a user id is never reused.
        let id: i64 = tx
            .query_one("SELECT nextval('user_ids')", &[])
            .await
            .map_err(db_err)?
            .get(0);
        user.id = u64_of(id)?;
        let claimed = tx
            .execute(
                "INSERT INTO usernames (username, user_id) VALUES ($1, $2) \
                 ON CONFLICT (username) DO NOTHING",
                &[&user.username.to_lowercase() as Param<'_>, &id],
            )
            .await
            .map_err(db_err)?;
        if claimed == 0 {
            tx.rollback().await.map_err(db_err)?;
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO users (id, record) VALUES ($1, $2)",
            &[&id as Param<'_>, &encode(&user)?],
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some(user))
    }

    /// Replaces a user's record (the username must not change).
    pub async fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO users (id, record) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
                &[&i64_of(user.id) as Param<'_>, &encode(user)?],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Every user, in id order.
    pub async fn users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = self
            .client_conn()
            .await?
            .query("SELECT record FROM users ORDER BY id", &[])
            .await
            .map_err(db_err)?;
        decode_rows(&rows)
    }

    /// The id a username (compared case-insensitively) was ever given.
    pub(super) async fn username_id(&self, username: &str) -> StoreResult<Option<u64>> {
        self.client_conn()
            .await?
            .query_opt(
                "SELECT user_id FROM usernames WHERE username = $1",
                &[&username.to_lowercase()],
            )
            .await
            .map_err(db_err)?
            .map(|row| u64_of(row.get(0)))
            .transpose()
    }

    /// Removes a user by username for good (see `remove_account`: the name
    /// stays taken); `false` when there was none.
    pub async fn remove_user(&self, username: &str, now: u64) -> StoreResult<bool> {
        let Some(id) = self.username_id(username).await? else {
            return Ok(false);
        };
        Ok(self.remove_account(id, now).await?.is_some())
    }

    /// A new number, unique for the life of the database (from the
    /// `user_ids` sequence, shared by every instance). Unlike the embedded
    /// store's, this one asks the database, so it is async.
    pub async fn next_id(&self) -> StoreResult<u64> {
        let id: i64 = self
            .client_conn()
            .await?
            .query_one("SELECT nextval('user_ids')", &[])
            .await
            .map_err(db_err)?
            .get(0);
        u64_of(id)
    }

    /// Creates or replaces a scope definition.
    pub async fn put_scope(&self, scope: &ScopeRecord) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO scopes (name, record) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record",
                &[&scope.name as Param<'_>, &encode(scope)?],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Every stored scope, in name order (byte order, as the embedded
    /// store keeps them, whatever the database's collation).
    pub async fn scopes(&self) -> StoreResult<Vec<ScopeRecord>> {
        let rows = self
            .client_conn()
            .await?
            .query("SELECT record FROM scopes", &[])
            .await
            .map_err(db_err)?;
        let mut scopes: Vec<ScopeRecord> = decode_rows(&rows)?;
        scopes.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        Ok(scopes)
    }
}
