//! Sign-in throttling counters shared by every instance (issue 13 item 4:
//! guesses spread over instances are throttled as if on one). The policy
//! (limits, how long a lock lasts, when a quiet key is forgotten) is
//! `accounts/throttle.rs`'s and arrives with every call as a
//! [`ThrottleRule`]; these operations only count as told, each in one
//! statement (an upsert whose `ON CONFLICT … DO UPDATE` reads and writes
//! the row under its lock), so concurrent failures on one key from any
//! number of instances are each counted exactly once.

use super::{db_err, i64_of, PgStore};
use crate::store::{StoreResult, ThrottleRule, ThrottleState};

/// Counts one failure against `$1` at `$2`, with the rule's limit `$3`,
/// first lock `$4`, longest lock `$5` and forgetting period `$6`.
/// `fresh` is the failures after this one (1 after a quiet period).
const RECORD_FAILURE: &str = "
INSERT INTO throttle AS t (key, failures, last_failure, locked_until)
VALUES ($1, 1, $2::BIGINT,
        CASE WHEN $3::INT <= 1 THEN $2::BIGINT + LEAST($4::BIGINT, $5::BIGINT) ELSE 0 END)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN $2::BIGINT - t.last_failure >= $6::BIGINT THEN 1
                    ELSE t.failures + 1 END,
    last_failure = $2::BIGINT,
    locked_until = CASE
        WHEN (CASE WHEN $2::BIGINT - t.last_failure >= $6::BIGINT THEN 1
                   ELSE t.failures + 1 END) >= $3::INT
        THEN $2::BIGINT + LEAST(
            $4::BIGINT << LEAST((CASE WHEN $2::BIGINT - t.last_failure >= $6::BIGINT THEN 1
                                      ELSE t.failures + 1 END) - $3::INT, 16),
            $5::BIGINT)
        ELSE t.locked_until END";

fn u64_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn rule_params(rule: &ThrottleRule) -> (i32, i64, i64, i64) {
    (
        i32::try_from(rule.limit.max(1)).unwrap_or(i32::MAX),
        i64_of(rule.first_lock),
        i64_of(rule.max_lock),
        i64_of(rule.forget_after),
    )
}

impl PgStore {
    /// Counts a failure against `key` at `now` as `rule` says; answers the
    /// key's count and lock afterwards.
    pub async fn throttle_failed(
        &self,
        key: &str,
        rule: &ThrottleRule,
        now: u64,
    ) -> StoreResult<ThrottleState> {
        let (limit, first, max, forget) = rule_params(rule);
        let row = self
            .client_conn()
            .await?
            .query_one(
                &format!("{RECORD_FAILURE} RETURNING failures, locked_until"),
                &[&key, &i64_of(now), &limit, &first, &max, &forget],
            )
            .await
            .map_err(db_err)?;
        Ok(ThrottleState {
            failures: u32::try_from(row.get::<_, i32>(0)).unwrap_or(0),
            locked_until: u64_of(row.get(1)),
        })
    }

    /// Starts an attempt, as the in-memory throttle's `begin`: `Err(seconds)`
    /// when any key is locked at `now` (and nothing is counted); otherwise
    /// one failure is counted against every key, all or none, in one
    /// transaction. Of a burst of attempts on any instances, at most the
    /// limit start.
    pub async fn throttle_begin(
        &self,
        keys: &[(&str, ThrottleRule)],
        now: u64,
    ) -> StoreResult<Result<(), u64>> {
        // One order for every caller, so two transactions never wait on
        // each other's rows in a circle.
        let mut keys = keys.to_vec();
        keys.sort_by(|a, b| a.0.cmp(b.0));
        keys.dedup_by(|a, b| a.0 == b.0);
        let statement =
            format!("{RECORD_FAILURE} WHERE t.locked_until <= $2::BIGINT RETURNING failures");
        let mut client = self.client_conn().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        for (key, rule) in &keys {
            let (limit, first, max, forget) = rule_params(rule);
            let counted = tx
                .query_opt(
                    &statement,
                    &[key, &i64_of(now), &limit, &first, &max, &forget],
                )
                .await
                .map_err(db_err)?;
            if counted.is_none() {
                // Locked: the update's condition failed under the row's lock.
                tx.rollback().await.map_err(db_err)?;
                drop(client);
                let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
                let wait = self.throttle_check(&names, now).await?;
                // Unlocked in between (the lock ran out): report a second.
                return Ok(Err(wait.err().unwrap_or(1)));
            }
        }
        tx.commit().await.map_err(db_err)?;
        Ok(Ok(()))
    }

    /// `Err(seconds)` when any of `keys` is locked at `now`.
    pub async fn throttle_check(&self, keys: &[&str], now: u64) -> StoreResult<Result<(), u64>> {
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        let row = self
            .client_conn()
            .await?
            .query_one(
                "SELECT max(locked_until) FROM throttle WHERE key = ANY($1)",
                &[&keys],
            )
            .await
            .map_err(db_err)?;
        let wait = u64_of(row.get::<_, Option<i64>>(0).unwrap_or(0)).saturating_sub(now);
        Ok(if wait > 0 { Err(wait) } else { Ok(()) })
    }

    /// Forgets a key's failures and lock (a right password for an account).
    pub async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute("DELETE FROM throttle WHERE key = $1", &[&key])
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Takes back one failure that an attempt reserved (a right password
    /// from an address), unlocking the key when it falls below `limit`.
    pub async fn throttle_give_back(&self, key: &str, limit: u32) -> StoreResult<()> {
        let limit = i32::try_from(limit.max(1)).unwrap_or(i32::MAX);
        self.client_conn()
            .await?
            .execute(
                "UPDATE throttle SET failures = GREATEST(failures - 1, 0), \
                 locked_until = CASE WHEN failures - 1 < $2::INT THEN 0 ELSE locked_until END \
                 WHERE key = $1",
                &[&key, &limit],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Deletes up to `limit` keys unlocked at `now` and quiet for
    /// `forget_after` seconds (they would start afresh anyway); answers how
    /// many went. Bounded and skip-locked like the other sweeps.
    pub async fn sweep_throttle(
        &self,
        now: u64,
        forget_after: u64,
        limit: usize,
    ) -> StoreResult<usize> {
        let removed = self
            .client_conn()
            .await?
            .execute(
                "DELETE FROM throttle WHERE key IN (\
                 SELECT key FROM throttle WHERE last_failure <= $1 AND locked_until <= $2 \
                 ORDER BY last_failure LIMIT $3 FOR UPDATE SKIP LOCKED)",
                &[
                    &i64_of(now.saturating_sub(forget_after)),
                    &i64_of(now),
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// How many keys the table holds (for tests and metrics).
    pub async fn throttle_len(&self) -> StoreResult<usize> {
        self.count("throttle").await
    }
}
