//! The store port: typed records and the operations `oauth` and `accounts`
//! need, with no adapter type in its interface. [`Store`] is an enum over
//! the two adapters: the embedded sled database (the default) and
//! PostgreSQL (`--store postgres://…`), which several instances share.
//!
//! Every write method returns only once the write is durable (see
//! `durability.rs`), and every single-use step takes its record atomically.

mod codec;
mod durability;
mod embedded;
mod port;
#[cfg(test)]
mod port_tests;
mod postgres;
pub mod records;
pub mod sweep;
mod throttle_counts;
mod transfer;
mod upgrade;

use std::fmt;

pub use embedded::BackupSummary;
pub use port::Store;
pub use postgres::MIGRATIONS as POSTGRES_MIGRATIONS;
pub use records::EmailVerificationRecord;
pub use records::RetiredUserRecord;
pub use records::{
    AuditRecord, ClientFlags, ClientRecord, CodeRecord, ConsentRecord, DeviceRecord, DeviceState,
    FactorsRecord, GroupRecord, InitialTokenRecord, InviteRecord, KeyRecord, LoginRequestRecord,
    PasskeyFactor, PendingSignInRecord, ResetRecord, Rotation, ScopeRecord, SessionRecord,
    TokenKind, TokenRecord, TotpFactor, UserRecord,
};
pub use records::{PasskeyCeremonyRecord, PasskeyPurpose};
pub use records::{UpstreamLinkRecord, UpstreamPendingRecord};
pub use throttle_counts::{ThrottleRule, ThrottleState};
pub use transfer::TransferSummary;

/// A failure of the database itself (never a protocol rule).
#[derive(Debug)]
pub enum StoreError {
    /// Another process holds the database (a running server).
    Locked(String),
    /// The database reported an error.
    Db(String),
    /// A stored record could not be decoded or encoded.
    Codec(String),
    /// The database cannot be reached now (down, refusing connections, or
    /// too slow to answer): worth a retry later, an HTTP 503.
    Unavailable(String),
}

impl StoreError {
    /// Whether the database is unreachable for now rather than refusing
    /// this request (the HTTP layer's 503 `temporarily_unavailable`).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Locked(path) => write!(
                f,
                "the database at {path} is in use by a running gatehouse server; stop it first"
            ),
            StoreError::Db(e) => write!(f, "database error: {e}"),
            StoreError::Codec(e) => write!(f, "record encoding error: {e}"),
            StoreError::Unavailable(e) => write!(f, "database unavailable: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for crate::error::Error {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            crate::error::Error::Unavailable(e.to_string())
        } else {
            crate::error::Error::internal(e)
        }
    }
}

/// What removing an account took with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountRemoval {
    /// Sessions ended.
    pub sessions: usize,
    /// Access and refresh tokens revoked.
    pub tokens: usize,
    /// Consents forgotten.
    pub consents: usize,
    /// Groups the person left.
    pub groups: usize,
}

/// The outcome of redeeming an authorization code.
#[derive(Debug)]
pub enum Redemption {
    /// First use: the code is now spent.
    Fresh(CodeRecord),
    /// The code was spent before: a replay.
    Replayed(CodeRecord),
    /// No such code.
    Unknown,
}

/// The outcome of marking a refresh token rotated.
#[derive(Debug)]
pub enum RotationOutcome {
    /// This call rotated it; the record as it was before.
    Rotated(TokenRecord),
    /// It had been rotated already; the record as it is.
    AlreadyRotated(TokenRecord),
    /// No such token.
    Unknown,
}

/// The outcome of linking an upstream account to a local one.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    /// Linked now.
    Linked,
    /// That upstream account is linked to this user id already.
    SubjectTaken(u64),
    /// The user has another account of that provider linked.
    ProviderTaken,
}

/// A shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// The newest record format this build writes (the highest record version
/// of any kind), reported by `--version` and `/healthz`.
pub const FORMAT: u8 = 4;
