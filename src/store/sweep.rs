//! Expiry sweeping: a background task deletes expired tokens, codes and
//! sessions so the database does not grow without bound. Expired records are
//! already refused on use; the sweep only reclaims their space, so it needs
//! no flush.

use std::time::Duration;

use super::Store;
use crate::clock::Clock;

/// How many records one sweep step deletes before yielding.
const BATCH: usize = 1_000;

/// Deletes everything that has expired at `now`; answers how many went.
pub fn sweep_once(store: &Store, now: u64) -> usize {
    let mut total = 0;
    // Codes, sessions and device codes, through the expiry index.
    loop {
        match store.sweep_expired(now, BATCH) {
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
        match store.sweep_tokens(now, &from, BATCH) {
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

/// Runs [`sweep_once`] every `interval` on the current runtime until it stops.
pub fn spawn(
    store: Store,
    clock: Clock,
    interval: Duration,
    audit_retention: u64,
    report: impl Fn(usize) + Send + 'static,
) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            let store = store.clone();
            let now = clock.now();
            let swept = actix_web::rt::task::spawn_blocking(move || {
                let audit = store
                    .sweep_audit(now.saturating_sub(audit_retention))
                    .unwrap_or_else(|e| {
                        log::warn!("audit sweep failed: {e}");
                        0
                    });
                sweep_once(&store, now) + audit
            })
            .await;
            if let Ok(n) = swept {
                report(n);
                if n > 0 {
                    log::info!("swept {n} expired records");
                }
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

        assert_eq!(sweep_once(&store, 99), 0);
        assert_eq!(sweep_once(&store, 100), 2_500);
        assert_eq!(store.token_count(), 2);
        assert!(store.token(&sha256(b"later")).await.unwrap().is_some());
        assert_eq!(sweep_once(&store, 10_000), 1);
        assert!(store.token(&sha256(b"never")).await.unwrap().is_some());
    }
}
