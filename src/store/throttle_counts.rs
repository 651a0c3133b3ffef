//! The shape of a throttle count as the store keeps it for a shared
//! database: the rule a count follows arrives with every call (the policy
//! is `accounts/throttle.rs`'s), and the state is what a count stands at.

/// How failures against one key are counted (the in-memory throttle's
/// rule: from the `limit`th failure on, each locks the key for
/// `first_lock << (failures - limit)` seconds, at most `max_lock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures counted before the key locks.
    pub limit: u32,
    /// The lock, in seconds, that the `limit`th failure sets.
    pub first_lock: u64,
    /// The longest lock, in seconds.
    pub max_lock: u64,
    /// A key with no failure for this many seconds starts afresh.
    pub forget_after: u64,
}

/// A key's count after a failure was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    /// Failures counted in the current run.
    pub failures: u32,
    /// Until when (Unix seconds) the key is locked; in the past when not.
    pub locked_until: u64,
}
