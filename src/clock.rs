//! The current time as a value the server is given, so tests can move it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch: the system's, or a manual clock's for tests.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { offset: None }
    }

    /// A clock that follows the system clock plus an offset that [`Clock::advance`] grows.
    pub fn manual() -> Self {
        Clock {
            offset: Some(Arc::new(AtomicU64::new(0))),
        }
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance(&self, seconds: u64) {
        if let Some(offset) = &self.offset {
            offset.fetch_add(seconds, Ordering::SeqCst);
        }
    }

    /// Now, in whole seconds since the Unix epoch.
    pub fn now(&self) -> u64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        system + self.offset.as_ref().map_or(0, |o| o.load(Ordering::SeqCst))
    }
}
