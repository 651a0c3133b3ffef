//! Slowing down password guessing. Failures are counted per account and per
//! client address; past a threshold each further failure locks that key for
//! twice as long as the last (2 s, 4 s, 8 s … up to 15 minutes), and attempts
//! during a lock are refused with the seconds to wait. An unknown username is
//! counted exactly like a known one, so the answers say nothing about which
//! accounts exist. On the embedded store the counts live in memory (a
//! restart forgives); on a shared database they live in it, so guesses
//! spread over several instances are counted as if on one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::store::{Store, StoreResult, ThrottleRule};

/// Failures allowed per account before locking.
const ACCOUNT_LIMIT: u32 = 5;
/// Failures allowed per client address before locking (several people may share one).
const ADDRESS_LIMIT: u32 = 20;
/// The longest lock, in seconds.
const MAX_LOCK: u64 = 15 * 60;
/// A key with no failure for this long starts afresh (and the sweeper may
/// delete a shared one).
pub const FORGET_AFTER: u64 = 3600;
/// Bound on remembered keys, so a flood of usernames cannot exhaust memory.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    locked_until: u64,
    last_failure: u64,
}

/// What is being throttled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// An account, by lower-cased username.
    Account(String),
    /// A client address.
    Address(IpAddr),
}

/// Logs a refused sign-in as one line that fail2ban or CrowdSec can match
/// (the address first, so that no username can imitate it; never the
/// password): `sign-in failed: client=203.0.113.9 user="alice"`, or
/// `sign-in locked: client=… user="…" retry_after=8` when throttled.
pub fn log_refusal(peer: Option<IpAddr>, username: &str, locked_for: Option<u64>) {
    let client = peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    match locked_for {
        None => {
            log::warn!(target: "gatehouse::auth", "sign-in failed: client={client} user={username:?}")
        }
        Some(wait) => log::warn!(
            target: "gatehouse::auth",
            "sign-in locked: client={client} user={username:?} retry_after={wait}"
        ),
    }
}

/// The keys one sign-in attempt counts against.
pub fn keys(username: &str, peer: Option<IpAddr>) -> Vec<Key> {
    let mut keys = vec![Key::Account(username.to_lowercase())];
    keys.extend(peer.map(Key::Address));
    keys
}

/// Failure counts by key.
#[derive(Debug)]
pub struct Throttle {
    entries: Mutex<HashMap<Key, Entry>>,
    /// Counts allowed per account and per address before locking.
    limits: (u32, u32),
    /// Where the counts live instead when other instances share the store:
    /// the store and this throttle's name, which prefixes its keys there.
    shared: Option<(Store, &'static str)>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::with_limits(ACCOUNT_LIMIT, ADDRESS_LIMIT)
    }
}

impl Throttle {
    /// A throttle that locks an account key after `account` counts and an
    /// address key after `address` (the sign-in one: 5 and 20).
    pub fn with_limits(account: u32, address: u32) -> Self {
        Throttle {
            entries: Mutex::default(),
            limits: (account.max(1), address.max(1)),
            shared: None,
        }
    }

    /// This throttle with its counts kept in `store` under `name` when
    /// other instances share that store; unchanged on the embedded store.
    pub fn kept_in(mut self, store: &Store, name: &'static str) -> Self {
        if store.is_shared() {
            self.shared = Some((store.clone(), name));
        }
        self
    }

    /// A key's name and rule in the shared table.
    fn shared_key(&self, name: &str, key: &Key) -> (String, ThrottleRule) {
        let text = match key {
            Key::Account(user) => format!("{name}:account:{user}"),
            Key::Address(ip) => format!("{name}:address:{ip}"),
        };
        let rule = ThrottleRule {
            limit: Self::limit(self.limits, key),
            first_lock: 2,
            max_lock: MAX_LOCK,
            forget_after: FORGET_AFTER,
        };
        (text, rule)
    }

    fn shared_keys(&self, name: &str, keys: &[Key]) -> Vec<(String, ThrottleRule)> {
        keys.iter().map(|k| self.shared_key(name, k)).collect()
    }

    fn limit(limits: (u32, u32), key: &Key) -> u32 {
        match key {
            Key::Account(_) => limits.0,
            Key::Address(_) => limits.1,
        }
    }

    /// `Err(seconds)` when any key is locked at `now`.
    pub async fn check(&self, keys: &[Key], now: u64) -> StoreResult<Result<(), u64>> {
        if let Some((store, name)) = &self.shared {
            let keys = self.shared_keys(name, keys);
            let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
            return store.throttle_check(&names, now).await;
        }
        let Ok(entries) = self.entries.lock() else {
            return Ok(Ok(()));
        };
        Ok(Self::wait(&entries, keys, now))
    }

    fn wait(entries: &HashMap<Key, Entry>, keys: &[Key], now: u64) -> Result<(), u64> {
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(k))
            .map(|e| e.locked_until.saturating_sub(now))
            .max()
            .unwrap_or(0);
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }

    /// Starts an attempt: `Err(seconds)` when a key is locked; otherwise the
    /// attempt is counted as a failure against every key *before* the
    /// password is checked, so a burst of parallel guesses is counted in
    /// full (at most the limit of them ever reach a hash). A right password
    /// then takes its count back with [`Throttle::succeeded`].
    pub async fn begin(&self, keys: &[Key], now: u64) -> StoreResult<Result<(), u64>> {
        if let Some((store, name)) = &self.shared {
            let keys = self.shared_keys(name, keys);
            let keys: Vec<(&str, ThrottleRule)> =
                keys.iter().map(|(k, rule)| (k.as_str(), *rule)).collect();
            return store.throttle_begin(&keys, now).await;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return Ok(Ok(()));
        };
        if let Err(wait) = Self::wait(&entries, keys, now) {
            return Ok(Err(wait));
        }
        Self::count(&mut entries, keys, now, self.limits);
        Ok(Ok(()))
    }

    /// Counts a failure against every key (a check that needed no reservation).
    pub async fn failed(&self, keys: &[Key], now: u64) -> StoreResult<()> {
        if let Some((store, name)) = &self.shared {
            for (key, rule) in self.shared_keys(name, keys) {
                store.throttle_failed(&key, &rule, now).await?;
            }
            return Ok(());
        }
        if let Ok(mut entries) = self.entries.lock() {
            Self::count(&mut entries, keys, now, self.limits);
        }
        Ok(())
    }

    fn count(entries: &mut HashMap<Key, Entry>, keys: &[Key], now: u64, limits: (u32, u32)) {
        Self::make_room(entries, keys.len(), now);
        for key in keys {
            let entry = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                locked_until: 0,
                last_failure: now,
            });
            if now.saturating_sub(entry.last_failure) >= FORGET_AFTER {
                entry.failures = 0;
            }
            entry.failures += 1;
            entry.last_failure = now;
            let limit = Self::limit(limits, key);
            if entry.failures >= limit {
                let doublings = (entry.failures - limit).min(16);
                entry.locked_until = now + (2u64 << doublings).min(MAX_LOCK);
            }
        }
    }

    /// Keeps the table under [`MAX_KEYS`] whatever arrives: forgotten keys
    /// go first, then unlocked ones, then (a flood of locked keys) any.
    fn make_room(entries: &mut HashMap<Key, Entry>, needed: usize, now: u64) {
        if entries.len() + needed <= MAX_KEYS {
            return;
        }
        entries.retain(|_, e| now.saturating_sub(e.last_failure) < FORGET_AFTER);
        if entries.len() + needed > MAX_KEYS {
            entries.retain(|_, e| e.locked_until > now);
        }
        while entries.len() + needed > MAX_KEYS {
            let Some(key) = entries.keys().next().cloned() else {
                break;
            };
            entries.remove(&key);
        }
    }

    /// A right password: the account's failures are forgotten, and the
    /// address gets back the failure its attempt reserved.
    pub async fn succeeded(&self, keys: &[Key]) -> StoreResult<()> {
        if let Some((store, name)) = &self.shared {
            for key in keys {
                let (text, rule) = self.shared_key(name, key);
                match key {
                    Key::Account(_) => store.throttle_clear(&text).await?,
                    Key::Address(_) => store.throttle_give_back(&text, rule.limit).await?,
                }
            }
            return Ok(());
        }
        let Ok(mut entries) = self.entries.lock() else {
            return Ok(());
        };
        for key in keys {
            match key {
                Key::Account(_) => {
                    entries.remove(key);
                }
                Key::Address(_) => {
                    if let Some(entry) = entries.get_mut(key) {
                        entry.failures = entry.failures.saturating_sub(1);
                        if entry.failures < Self::limit(self.limits, key) {
                            entry.locked_until = 0;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// How many keys the in-memory table holds (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether the table holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn five_failures_lock_an_account_for_a_growing_time() {
        let t = Throttle::default();
        let k = keys("Alice", None);
        for _ in 0..4 {
            t.failed(&k, 100).await.unwrap();
            assert!(t.check(&k, 100).await.unwrap().is_ok());
        }
        t.failed(&k, 100).await.unwrap();
        assert_eq!(t.check(&k, 100).await.unwrap(), Err(2));
        assert!(t.check(&k, 102).await.unwrap().is_ok());
        t.failed(&k, 102).await.unwrap();
        assert_eq!(t.check(&k, 102).await.unwrap(), Err(4));
        assert_eq!(t.check(&keys("alice", None), 102).await.unwrap(), Err(4));
    }

    #[actix_web::test]
    async fn success_forgets_and_time_forgives() {
        let t = Throttle::default();
        let k = keys("bob", None);
        for _ in 0..5 {
            t.failed(&k, 0).await.unwrap();
        }
        t.succeeded(&k).await.unwrap();
        assert!(t.check(&k, 0).await.unwrap().is_ok());
        for _ in 0..4 {
            t.failed(&k, 0).await.unwrap();
        }
        t.failed(&k, FORGET_AFTER + 1).await.unwrap();
        assert!(t.check(&k, FORGET_AFTER + 1).await.unwrap().is_ok());
    }

    #[actix_web::test]
    async fn an_address_has_a_higher_limit() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for i in 0..19 {
            t.failed(&[Key::Address(ip)], 0).await.unwrap();
            assert!(
                t.check(&[Key::Address(ip)], 0).await.unwrap().is_ok(),
                "{i}"
            );
        }
        t.failed(&[Key::Address(ip)], 0).await.unwrap();
        assert!(t.check(&[Key::Address(ip)], 0).await.unwrap().is_err());
    }

    #[actix_web::test]
    async fn a_burst_of_parallel_attempts_is_counted_before_any_hash() {
        let t = Throttle::default();
        let k = keys("dave", None);
        // Fifty attempts start before any of them is answered.
        let mut started = 0;
        for _ in 0..50 {
            started += usize::from(t.begin(&k, 0).await.unwrap().is_ok());
        }
        assert_eq!(started, ACCOUNT_LIMIT as usize);
        assert!(t.check(&k, 0).await.unwrap().is_err());
    }

    #[actix_web::test]
    async fn a_right_password_takes_its_reservation_back() {
        let t = Throttle::default();
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        let k = keys("erin", Some(ip));
        for _ in 0..30 {
            t.begin(&k, 0).await.unwrap().unwrap();
            t.succeeded(&k).await.unwrap();
        }
        assert!(t.check(&k, 0).await.unwrap().is_ok());
    }

    #[actix_web::test]
    async fn the_table_never_holds_more_than_its_bound() {
        let t = Throttle::default();
        for i in 0..(MAX_KEYS + 500) {
            t.failed(&[Key::Account(format!("user{i}"))], 7)
                .await
                .unwrap();
        }
        assert!(t.len() <= MAX_KEYS, "{}", t.len());
    }

    #[actix_web::test]
    async fn a_throttle_may_have_its_own_limits() {
        let t = Throttle::with_limits(3, 10);
        let k = keys("frank@example.org", None);
        for _ in 0..3 {
            assert!(t.begin(&k, 0).await.unwrap().is_ok());
        }
        assert_eq!(t.begin(&k, 0).await.unwrap(), Err(2));
        assert!(t.begin(&k, 2).await.unwrap().is_ok());
        assert_eq!(t.begin(&k, 2).await.unwrap(), Err(4));
    }

    #[actix_web::test]
    async fn the_lock_never_exceeds_fifteen_minutes() {
        let t = Throttle::default();
        let k = keys("carol", None);
        for _ in 0..40 {
            t.failed(&k, 0).await.unwrap();
        }
        assert_eq!(t.check(&k, 0).await.unwrap(), Err(MAX_LOCK));
    }
}
