//! A row of a PostgreSQL table as the copy makes it from one entry of a
//! sled tree: its values, whether it is copied or stays behind, and the
//! helpers `kinds.rs` builds its rows with.

use std::collections::HashMap;

use crate::store::codec::{decode, Versioned};
use crate::store::postgres::{i64_of, Param};
use crate::store::{StoreError, StoreResult};

/// One column's value in a row.
pub(super) enum Value {
    /// `BYTEA`.
    Bytes(Vec<u8>),
    /// `TEXT`.
    Text(String),
    /// `BIGINT`.
    Int(i64),
    /// A `BIGINT` that may be `NULL`.
    MaybeInt(Option<i64>),
    /// `BOOLEAN`.
    Flag(bool),
}

impl Value {
    /// The value as a statement parameter.
    pub(super) fn param(&self) -> Param<'_> {
        match self {
            Value::Bytes(v) => v,
            Value::Text(v) => v,
            Value::Int(v) => v,
            Value::MaybeInt(v) => v,
            Value::Flag(v) => v,
        }
    }
}

/// What becomes of one entry of a tree.
pub(super) enum Row {
    /// Copied as these columns.
    Copy(Vec<Value>),
    /// Left behind: it had expired (the sweeper would have removed it).
    Expired,
    /// Left behind: the embedded store's own bookkeeping, not a record.
    Internal,
}

/// What a row needs beyond its own entry.
pub(super) struct Context {
    /// The time of the copy (Unix seconds): what expired before is left.
    pub(super) now: u64,
    /// Each device code digest's user code digest (the sled `user_codes`
    /// tree, inverted: PostgreSQL keeps it in the device's row).
    pub(super) user_codes: HashMap<Vec<u8>, Vec<u8>>,
    /// The sled `login_requests` tree, for a login code's expiry.
    pub(super) login_requests: Option<sled::Tree>,
    /// The number of the last audit record copied.
    pub(super) audit_seq: std::cell::Cell<i64>,
    /// The algorithms of the current signing keys copied so far.
    pub(super) current_algs: std::cell::RefCell<std::collections::HashSet<String>>,
}

/// One tree and the table it fills.
pub(super) struct Kind {
    /// The sled tree.
    pub(super) tree: &'static str,
    /// The PostgreSQL table.
    pub(super) table: &'static str,
    /// The table's columns, in the order `row` answers them.
    pub(super) columns: &'static [&'static str],
    /// The row of one entry (key, stored bytes).
    pub(super) row: fn(&[u8], &[u8], &Context) -> StoreResult<Row>,
}

/// The row `columns` makes, unless the record's sweep time `until` has
/// passed (the sweeper removes what is due at or before now).
pub(super) fn live(cx: &Context, until: u64, columns: impl FnOnce() -> Vec<Value>) -> Row {
    if until <= cx.now {
        Row::Expired
    } else {
        Row::Copy(columns())
    }
}

/// A `(digest, expires_at, record)` row swept at `until`.
pub(super) fn expiring(key: &[u8], value: &[u8], cx: &Context, until: u64) -> Row {
    live(cx, until, || {
        vec![bytes(key), Value::Int(i64_of(until)), bytes(value)]
    })
}

/// A `(digest, expires_at, record)` row of a record that says its expiry.
pub(super) fn short_lived<T: Versioned>(
    key: &[u8],
    value: &[u8],
    cx: &Context,
    expires_at: fn(&T) -> u64,
) -> StoreResult<Row> {
    let record: T = decode(value)?;
    Ok(expiring(key, value, cx, expires_at(&record)))
}

pub(super) fn bytes(raw: &[u8]) -> Value {
    Value::Bytes(raw.to_vec())
}

pub(super) fn text(raw: &[u8]) -> StoreResult<Value> {
    String::from_utf8(raw.to_vec())
        .map(Value::Text)
        .map_err(|_| bad("a name that is not UTF-8"))
}

/// A big-endian u64 (an id, a time) as a BIGINT.
pub(super) fn id(raw: &[u8]) -> StoreResult<Value> {
    let raw: [u8; 8] = raw
        .try_into()
        .map_err(|_| bad("an id of the wrong length"))?;
    Ok(Value::Int(i64_of(u64::from_be_bytes(raw))))
}

pub(super) fn bad(what: &str) -> StoreError {
    StoreError::Codec(format!("the embedded store holds {what}"))
}
