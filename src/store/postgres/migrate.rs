//! The schema's migrations, compiled into the binary and applied at start
//! by whichever instance gets there first, while the others wait; none is
//! ever applied twice. Each runs in one transaction that first claims its
//! version in `gatehouse_migrations`: a second instance's claim of the
//! same version waits on the first's row until that transaction ends,
//! then finds it taken (or, if the first failed, takes it and applies the
//! migration itself). No advisory lock, so the same code runs on engines
//! that lack them.
//!
//! CockroachDB: it refuses a schema change after a write in the same
//! transaction, so there the claim and the migration cannot share one;
//! this is the one place the adapter is PostgreSQL-only (see the README).

use deadpool_postgres::Object;

use super::db_err;
use crate::store::StoreResult;

/// Every migration: its version, its name, its SQL.
pub const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "records", include_str!("schema/0001_records.sql")),
    (4, "sweep", include_str!("schema/0004_sweep.sql")),
    (5, "keys", include_str!("schema/0005_keys.sql")),
];

/// The bookkeeping table. Five instances starting at once may race to
/// create it; PostgreSQL then reports a duplicate to the losers, who find
/// it made and go on.
const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS gatehouse_migrations (
    version INT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

async fn ensure_bookkeeping(client: &Object) -> StoreResult<()> {
    for attempt in 0..3 {
        match client.batch_execute(BOOKKEEPING).await {
            Ok(()) => return Ok(()),
            // unique_violation or duplicate_table: another instance made it.
            Err(e)
                if attempt < 2
                    && e.code().is_some_and(|c| {
                        *c == tokio_postgres::error::SqlState::UNIQUE_VIOLATION
                            || *c == tokio_postgres::error::SqlState::DUPLICATE_TABLE
                    }) => {}
            Err(e) => return Err(db_err(e)),
        }
    }
    Ok(())
}

/// Applies what is missing; answers the versions applied by this call.
pub(super) async fn apply(client: &mut Object) -> StoreResult<Vec<u32>> {
    ensure_bookkeeping(client).await?;
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        let tx = client.transaction().await.map_err(db_err)?;
        let claimed = tx
            .execute(
                "INSERT INTO gatehouse_migrations (version, name, applied_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING",
                &[&i32::try_from(*version).unwrap_or(i32::MAX), name, &now()],
            )
            .await
            .map_err(db_err)?;
        if claimed == 0 {
            tx.rollback().await.map_err(db_err)?;
            continue;
        }
        tx.batch_execute(sql).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        log::info!(version = *version, name = *name; "applied a database migration");
        applied.push(*version);
    }
    Ok(applied)
}

/// The versions applied so far, in order.
pub(super) async fn applied(client: &Object) -> StoreResult<Vec<u32>> {
    ensure_bookkeeping(client).await?;
    let rows = client
        .query(
            "SELECT version FROM gatehouse_migrations ORDER BY version",
            &[],
        )
        .await
        .map_err(db_err)?;
    Ok(rows
        .iter()
        .map(|row| u32::try_from(row.get::<_, i32>(0)).unwrap_or(0))
        .collect())
}
