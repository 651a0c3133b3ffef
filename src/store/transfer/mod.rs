//! Moving a community from the embedded store to PostgreSQL (`gatehouse
//! migrate`): every record of a stopped server's sled database is copied
//! into an empty PostgreSQL database, unchanged, so that instances on
//! PostgreSQL accept every token, session and password of the old server.
//! Tokens, codes and other short-lived records that have expired stay
//! behind. The only place that knows both adapters' insides.
//!
//! The target is migrated (by connecting), then refused unless every
//! record table is empty, then filled kind by kind in transactions of a
//! few thousand rows (each statement inserting a few hundred). Last, the
//! user id sequence is set above every id the old server handed out.

mod kinds;
mod rows;

use std::path::Path;

use deadpool_postgres::Object;

use self::kinds::KINDS;
use self::rows::{Context, Kind, Row, Value};
use super::embedded::SledStore;
use super::postgres::{db_err, i64_of, Param, PgStore};
use super::{StoreError, StoreResult};

/// Rows per transaction.
const ROWS_PER_TRANSACTION: usize = 2_000;
/// Rows per statement at most (PostgreSQL takes up to 65,535 parameters).
const ROWS_PER_STATEMENT: usize = 250;

/// The PostgreSQL tables that hold records: a target with a row in any of
/// them is not empty (`gatehouse_migrations` is the schema's own).
const RECORD_TABLES: &[&str] = &[
    "clients",
    "users",
    "usernames",
    "retired_users",
    "scopes",
    "settings",
    "tokens",
    "sessions",
    "codes",
    "consents",
    "signing_keys",
    "devices",
    "initial_tokens",
    "invites",
    "resets",
    "login_requests",
    "login_codes",
    "audit",
    "factors",
    "groups",
    "pending_sign_ins",
    "email_verifications",
    "passkey_ceremonies",
    "passkey_credentials",
    "passkey_handles",
    "upstream_pending",
    "upstream_links",
    "throttle",
];

/// What a copy into PostgreSQL moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferSummary {
    /// Records copied, per table, in the order they were copied.
    pub copied: Vec<(&'static str, u64)>,
    /// Records left behind because they had expired, per table (only the
    /// tables that had any).
    pub expired: Vec<(&'static str, u64)>,
    /// The highest id the old server handed out (or a client id of digits
    /// holds): the target's new ids start above it.
    pub id_floor: u64,
}

impl TransferSummary {
    /// Records copied in all.
    pub fn total(&self) -> u64 {
        self.copied.iter().map(|(_, n)| n).sum()
    }
}

/// Copies the embedded store in `data` into the empty PostgreSQL database
/// at `url`, leaving what expired before `now`.
pub(super) async fn copy_embedded_into(
    data: &Path,
    cache_bytes: u64,
    url: &str,
    now: u64,
) -> StoreResult<TransferSummary> {
    // sled would make a new, empty database where there is none.
    let holds_database = std::fs::read_dir(data).is_ok_and(|mut d| d.next().is_some());
    if !holds_database {
        return Err(StoreError::Db(format!(
            "{}: no embedded database there (give the server's --data directory)",
            data.display()
        )));
    }
    let source = SledStore::open(data, cache_bytes)?;
    let target = PgStore::connect(url).await?;
    let mut client = target.client_conn().await?;
    refuse_unless_empty(&client).await?;
    let cx = Context {
        now,
        user_codes: inverted(&source, "user_codes")?,
        login_requests: source.raw_tree("login_requests")?,
        audit_seq: Default::default(),
        current_algs: Default::default(),
    };
    let next_id = source.next_id()?;
    let mut summary = TransferSummary::default();
    for kind in KINDS {
        let (copied, expired) = copy_kind(&source, &mut client, kind, &cx)
            .await
            .map_err(|e| partial(kind.table, e))?;
        summary.copied.push((kind.table, copied));
        if expired > 0 {
            summary.expired.push((kind.table, expired));
        }
    }
    summary.id_floor = set_counters(&client, next_id)
        .await
        .map_err(|e| partial("the id sequences", e))?;
    Ok(summary)
}

/// Refuses a target that holds any record, naming the tables that do.
async fn refuse_unless_empty(client: &Object) -> StoreResult<()> {
    let mut filled = Vec::new();
    for table in RECORD_TABLES {
        let statement = format!("SELECT EXISTS (SELECT 1 FROM {table})");
        let row = client
            .query_one(statement.as_str(), &[])
            .await
            .map_err(db_err)?;
        if row.get::<_, bool>(0) {
            filled.push(*table);
        }
    }
    if filled.is_empty() {
        return Ok(());
    }
    Err(StoreError::Db(format!(
        "the target database is not empty ({} hold records): migrate copies only into \
         an empty database, and changed nothing",
        filled.join(", ")
    )))
}

/// A tree of digests pointing at digests, the other way round.
fn inverted(
    source: &SledStore,
    tree: &str,
) -> StoreResult<std::collections::HashMap<Vec<u8>, Vec<u8>>> {
    let mut map = std::collections::HashMap::new();
    if let Some(tree) = source.raw_tree(tree)? {
        for entry in tree.iter() {
            let (key, value) = entry.map_err(|e| StoreError::Db(e.to_string()))?;
            map.insert(value.to_vec(), key.to_vec());
        }
    }
    Ok(map)
}

/// Copies one tree into its table; answers (copied, left as expired).
async fn copy_kind(
    source: &SledStore,
    client: &mut Object,
    kind: &Kind,
    cx: &Context,
) -> StoreResult<(u64, u64)> {
    let Some(tree) = source.raw_tree(kind.tree)? else {
        return Ok((0, 0));
    };
    let (mut copied, mut expired) = (0u64, 0u64);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(ROWS_PER_TRANSACTION);
    for entry in tree.iter() {
        let (key, value) = entry.map_err(|e| StoreError::Db(e.to_string()))?;
        match (kind.row)(&key, &value, cx)? {
            Row::Copy(values) => batch.push(values),
            Row::Expired => expired += 1,
            Row::Internal => {}
        }
        if batch.len() == ROWS_PER_TRANSACTION {
            copied += write(client, kind, &batch).await?;
            batch.clear();
        }
    }
    copied += write(client, kind, &batch).await?;
    Ok((copied, expired))
}

/// Inserts `rows` into the kind's table in one transaction.
async fn write(client: &mut Object, kind: &Kind, rows: &[Vec<Value>]) -> StoreResult<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let tx = client.transaction().await.map_err(db_err)?;
    let mut written = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let statement = insert_statement(kind.table, kind.columns, chunk.len());
        let params: Vec<Param<'_>> = chunk.iter().flatten().map(Value::param).collect();
        written += tx
            .execute(statement.as_str(), &params)
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(written)
}

/// `INSERT INTO table (a, b) VALUES ($1, $2), ($3, $4), …` for `rows` rows.
fn insert_statement(table: &str, columns: &[&str], rows: usize) -> String {
    let mut statement = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            statement.push_str(", ");
        }
        statement.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                statement.push_str(", ");
            }
            n += 1;
            statement.push('$');
            statement.push_str(&n.to_string());
        }
        statement.push(')');
    }
    statement
}

/// Sets the user id sequence above the old server's counter and every id
/// copied (users, usernames, deleted accounts, client ids of digits, which
/// the dialects' registrations take from the same counter), and the audit
/// sequence above the copied records' numbers; answers the user id floor.
async fn set_counters(client: &Object, next_id: u64) -> StoreResult<u64> {
    let row = client
        .query_one(
            "SELECT COALESCE((SELECT max(id) FROM users), 0), \
                    COALESCE((SELECT max(user_id) FROM usernames), 0), \
                    COALESCE((SELECT max(id) FROM retired_users), 0), \
                    COALESCE((SELECT max(seq) FROM audit), 0)",
            &[],
        )
        .await
        .map_err(db_err)?;
    let copied = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
    let mut floor = next_id.max(copied(0)).max(copied(1)).max(copied(2));
    for row in client
        .query("SELECT client_id FROM clients", &[])
        .await
        .map_err(db_err)?
    {
        if let Ok(n) = row.get::<_, &str>(0).parse::<u64>() {
            floor = floor.max(n);
        }
    }
    let audit = copied(3).max(1);
    client
        .execute(
            "SELECT setval('user_ids', $1), setval('audit_seq', $2)",
            &[&i64_of(floor) as Param<'_>, &i64_of(audit)],
        )
        .await
        .map_err(db_err)?;
    Ok(floor)
}

/// A failure once rows were written: the target holds part of the copy.
fn partial(what: &str, e: StoreError) -> StoreError {
    let advice = format!(
        "while copying {what}; the target database now holds part of the copy: \
         drop it, create it again empty, and run migrate again"
    );
    match e {
        StoreError::Locked(s) => StoreError::Locked(s),
        StoreError::Db(s) => StoreError::Db(format!("{s} ({advice})")),
        StoreError::Codec(s) => StoreError::Codec(format!("{s} ({advice})")),
        StoreError::Unavailable(s) => StoreError::Unavailable(format!("{s} ({advice})")),
    }
}

#[cfg(test)]
mod tests;
