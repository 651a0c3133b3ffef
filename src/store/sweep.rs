//! Expiry sweeping: a background task deletes expired tokens, codes and
//! sessions so the database does not grow without bound. Expired records are
//! already refused on use; the sweep only reclaims their space, so it needs
//! no flush. On a shared database every instance sweeps, in bounded batches
//! that skip the rows another instance is deleting, with no leader.

use std::time::Duration;

use super::Store;
use crate::clock::Clock;

/// How many records one sweep step deletes before yielding.
const BATCH: usize = 1_000;

/// What the sweeper removes besides expired records.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Audit records older than this many seconds go.
    pub audit: u64,
    /// Shared throttle keys with no failure for this many seconds go
    /// (they would start afresh anyway).
    pub throttle: u64,
}

/// Deletes everything that has expired at `now`; answers how many went.
pub async fn sweep_once(store: &Store, now: u64) -> usize {
    let mut total = 0;
    // Codes, sessions and device codes, through the expiry index.
    loop {
        match store.sweep_expired(now, BATCH).await {
            Ok(n) => {
                total += n;
                if n < BATCH {
                    break;
                }
            }
            Err(e) => {
                log::warn!("expiry sweep failed: {e}");
                return total;
            }
        }
    }
    // Tokens, by a scan in batches.
    let mut from = Vec::new();
    loop {
        match store.sweep_tokens(now, &from, BATCH).await {
            Ok((n, next)) => {
                total += n;
                match next {
                    Some(key) => from = key,
                    None => return total,
                }
            }
            Err(e) => {
                log::warn!("token sweep failed: {e}");
                return total;
            }
        }
    }
}

/// Deletes what `retention` lets go at `now` (old audit records, quiet
/// throttle keys); answers how many went.
async fn sweep_retained(store: &Store, now: u64, retention: Retention) -> usize {
    let audit = store
        .sweep_audit(now.saturating_sub(retention.audit))
        .await
        .unwrap_or_else(|e| {
            log::warn!("audit sweep failed: {e}");
            0
        });
    let mut throttle = 0;
    loop {
        match store.sweep_throttle(now, retention.throttle, BATCH).await {
            Ok(n) => {
                throttle += n;
                if n < BATCH {
                    break;
                }
            }
            Err(e) => {
                log::warn!("throttle sweep failed: {e}");
                break;
            }
        }
    }
    audit + throttle
}

/// Runs [`sweep_once`] every `interval` on the current runtime until it stops.
pub fn spawn(
    store: Store,
    clock: Clock,
    interval: Duration,
    retention: Retention,
    report: impl Fn(usize) + Send + 'static,
) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            let now = clock.now();
            let n = sweep_once(&store, now).await + sweep_retained(&store, now, retention).await;
            report(n);
            if n > 0 {
                log::info!("swept {n} expired records");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::sha256;
    use crate::store::{TokenKind, TokenRecord};

    fn record(expires_at: Option<u64>) -> TokenRecord {
        TokenRecord {
            kind: TokenKind::Access,
            client_id: "c".into(),
            user_id: None,
            scope: String::new(),
            issued_at: 0,
            expires_at,
            grant_id: None,
            auth_time: None,
            rotated: None,
        }
    }

    #[actix_web::test]
    async fn sweeping_removes_expired_tokens_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 1 << 20).unwrap();
        let mut tokens = Vec::new();
        for i in 0..2_500u32 {
            tokens.push((sha256(&i.to_be_bytes()), record(Some(100))));
        }
        tokens.push((sha256(b"later"), record(Some(1_000))));
        tokens.push((sha256(b"never"), record(None)));
        store.insert_tokens(&tokens).await.unwrap();

        assert_eq!(sweep_once(&store, 99).await, 0);
        assert_eq!(sweep_once(&store, 100).await, 2_500);
        assert_eq!(store.token_count().await.unwrap(), 2);
        assert!(store.token(&sha256(b"later")).await.unwrap().is_some());
        assert_eq!(sweep_once(&store, 10_000).await, 1);
        assert!(store.token(&sha256(b"never")).await.unwrap().is_some());
    }
}
