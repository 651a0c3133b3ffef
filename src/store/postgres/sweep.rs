//! Sweeping expired records on PostgreSQL, by any instance, without a
//! leader (issue 13 item 6). Each batch is one statement that deletes at
//! most `limit` rows of one table, chosen oldest expiry first among the
//! rows no other transaction holds:
//!
//! ```sql
//! DELETE FROM codes WHERE digest IN (
//!     SELECT digest FROM codes WHERE expires_at <= $1
//!     ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
//! ```
//!
//! so two instances sweeping at once take disjoint rows and never wait on
//! each other, and a row a request is changing at that moment (a rotation,
//! a redemption) is left to the next sweep. CockroachDB: `SKIP LOCKED` is
//! supported from 23.2 on; older versions refuse the statement.
//!
//! The kinds and their moment of expiry are the embedded store's: a code
//! is kept an hour past its expiry (the column already holds that), a
//! session until its absolute end; a session's per-user listing is its own
//! row's `user_id`, so it goes with the row. Registration tokens and
//! invites are not swept, as in the embedded store.

use super::{db_err, i64_of, PgStore};
use crate::store::StoreResult;

/// The tables `sweep_expired` reclaims (what the embedded store's expiry
/// index covers), each keyed by `digest`. Tokens have their own sweep.
const EXPIRING: &[&str] = &[
    "codes",
    "devices",
    "login_requests",
    "login_codes",
    "pending_sign_ins",
    "email_verifications",
    "resets",
    "passkey_ceremonies",
    "upstream_pending",
    "sessions",
];

/// One bounded batch of `table`: deletes at most `$2` rows whose
/// `expires_at` is at or before `$1`, skipping rows locked elsewhere.
fn batch_statement(table: &str) -> String {
    format!(
        "DELETE FROM {table} WHERE digest IN (\
         SELECT digest FROM {table} WHERE expires_at <= $1 \
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
    )
}

impl PgStore {
    /// Deletes up to `limit` rows of `table` expired at `now`; answers how
    /// many went.
    async fn sweep_table(&self, table: &str, now: u64, limit: usize) -> StoreResult<usize> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let removed = self
            .client_conn()
            .await?
            .execute(&batch_statement(table), &[&i64_of(now), &limit])
            .await
            .map_err(db_err)?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// Deletes records that expired before `now`, at most `limit` of them;
    /// answers how many records it removed (a device grant is one row
    /// here, where the embedded store counts its two index entries).
    pub async fn sweep_expired(&self, now: u64, limit: usize) -> StoreResult<usize> {
        let mut done = 0;
        for table in EXPIRING {
            if done >= limit {
                break;
            }
            done += self.sweep_table(table, now, limit - done).await?;
        }
        Ok(done)
    }

    /// Deletes expired tokens, at most `limit` of them; answers how many
    /// went and whether to continue. There is no scan to resume here (the
    /// expiry index finds them): `from` is unused, and the answer is
    /// `Some` (an empty key) when a full batch went and more may remain.
    pub async fn sweep_tokens(
        &self,
        now: u64,
        from: &[u8],
        limit: usize,
    ) -> StoreResult<(usize, Option<Vec<u8>>)> {
        let _ = from;
        let removed = self.sweep_table("tokens", now, limit).await?;
        // Refresh tokens without an expiry have a NULL `expires_at`, which
        // `<=` never selects: they stay until revoked, as in sled.
        let next = (limit > 0 && removed == limit).then(Vec::new);
        Ok((removed, next))
    }

    /// How many tokens are stored, expired or not (for tests and the admin).
    pub async fn token_count(&self) -> StoreResult<usize> {
        self.count("tokens").await
    }

    /// How many rows `table` (a name of ours, never input) holds.
    pub(super) async fn count(&self, table: &str) -> StoreResult<usize> {
        let row = self
            .client_conn()
            .await?
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .map_err(db_err)?;
        Ok(usize::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    /// How many records of each kind are stored (each a count of its table).
    pub async fn record_counts(&self) -> StoreResult<Vec<(&'static str, usize)>> {
        let mut counts = Vec::new();
        for (kind, table) in [
            ("clients", "clients"),
            ("users", "users"),
            ("tokens", "tokens"),
            ("codes", "codes"),
            ("sessions", "sessions"),
            ("consents", "consents"),
            ("devices", "devices"),
            ("signing_keys", "signing_keys"),
        ] {
            counts.push((kind, self.count(table).await?));
        }
        Ok(counts)
    }

    /// The database's size on disk in bytes (0 when it cannot tell).
    /// PostgreSQL only: CockroachDB has no `pg_database_size` and answers 0.
    pub async fn size_on_disk(&self) -> u64 {
        let Ok(client) = self.client_conn().await else {
            return 0;
        };
        client
            .query_one("SELECT pg_database_size(current_database())", &[])
            .await
            .ok()
            .and_then(|row| u64::try_from(row.get::<_, i64>(0)).ok())
            .unwrap_or(0)
    }

    /// Whether a write reaches the database now: writes a marker, which
    /// PostgreSQL acknowledges only once it is durable.
    pub async fn can_write(&self, now: u64) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO settings (name, value) VALUES ('readyz', $1) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                &[&now.to_string()],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
