//! The PostgreSQL adapter's sweeping, shared throttling counters and
//! behaviour when the database goes away, against real servers: two
//! instances sweep the same expired rows without fighting over them,
//! failures counted on two instances add up exactly, and a store whose
//! server stops answers "unavailable" quickly, then works again by itself.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gatehouse::store::CodeRecord;
use gatehouse::store::{Store, ThrottleRule};

use crate::harness::*;

/// Runs SQL on the database at `url`; answers what it printed.
fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-tAc", sql])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn count(url: &str, sql: &str) -> usize {
    psql(url, sql).parse().unwrap()
}

/// Inserts `n` rows into a table keyed by digest (the record's bytes do
/// not matter to a sweep), expiring at `expires_at` (SQL over `g`), with
/// digests made from `tag` so that tables and batches never collide.
fn fill(url: &str, table: &str, tag: &str, n: usize, expires_at: &str) {
    let digest = format!("sha256(('{tag}' || g)::bytea)");
    let (columns, values) = match table {
        "sessions" => ("digest, user_id, expires_at, record", "g % 50"),
        "devices" => ("digest, user_code, expires_at, record", digest.as_str()),
        _ => ("digest, expires_at, record", ""),
    };
    let extra = if values.is_empty() {
        String::new()
    } else {
        format!("{values}, ")
    };
    psql(
        url,
        &format!(
            "INSERT INTO {table} ({columns}) SELECT {digest}, {extra}{expires_at}, '\\x00'::bytea \
             FROM generate_series(1, {n}) g"
        ),
    );
}

const NOW: u64 = 1_000;
const BATCH: usize = 100;

#[test]
fn two_instances_sweeping_the_same_expired_rows_remove_each_exactly_once() {
    let url = fresh_database();
    block_on(async {
        let (a, b) = two_stores(&url).await;
        // 10,000 expired rows over four kinds, expiring up to and at NOW.
        let expired = format!("(g % {NOW}) + 1");
        fill(&url, "codes", "old", 4_000, &expired);
        fill(&url, "sessions", "old", 3_000, &expired);
        fill(&url, "devices", "old", 1_000, &expired);
        fill(&url, "login_codes", "old", 2_000, &expired);
        // Live rows, the nearest a second after NOW.
        let live = format!("{} + g", NOW);
        fill(&url, "codes", "live", 300, &live);
        fill(&url, "sessions", "live", 200, &live);
        fill(&url, "devices", "live", 100, &live);

        let sweep = |store: Store| async move {
            let (mut total, mut calls) = (0, 0);
            loop {
                let n = store.sweep_expired(NOW, BATCH).await.unwrap();
                assert!(n <= BATCH, "one call removed {n}");
                total += n;
                calls += 1;
                if n == 0 {
                    return (total, calls);
                }
            }
        };
        let (left, right) = (tokio::spawn(sweep(a)), tokio::spawn(sweep(b)));
        let ((left, left_calls), (right, right_calls)) =
            (left.await.unwrap(), right.await.unwrap());
        assert_eq!(left + right, 10_000, "{left} + {right}");
        assert!(left_calls + right_calls >= 10_000 / BATCH);
    });
    for table in ["codes", "sessions", "devices", "login_codes"] {
        assert_eq!(
            count(
                &url,
                &format!("SELECT count(*) FROM {table} WHERE expires_at <= {NOW}")
            ),
            0,
            "{table}"
        );
    }
    assert_eq!(count(&url, "SELECT count(*) FROM codes"), 300);
    assert_eq!(count(&url, "SELECT count(*) FROM sessions"), 200);
    assert_eq!(count(&url, "SELECT count(*) FROM devices"), 100);
}

fn fill_tokens(url: &str, tag: &str, n: usize, expires_at: &str) {
    psql(
        url,
        &format!(
            "INSERT INTO tokens (digest, grant_id, client_id, user_id, expires_at, record) \
             SELECT sha256(('{tag}' || g)::bytea), 'grant-' || g, 'webapp', g % 50, \
             {expires_at}, '\\x00'::bytea FROM generate_series(1, {n}) g"
        ),
    );
}

#[test]
fn two_instances_sweeping_expired_tokens_remove_each_once_and_keep_the_rest() {
    let url = fresh_database();
    block_on(async {
        let (a, b) = two_stores(&url).await;
        fill_tokens(&url, "old", 10_000, &format!("(g % {NOW}) + 1"));
        fill_tokens(&url, "live", 300, &format!("{NOW} + g"));
        // Refresh tokens that never expire.
        fill_tokens(&url, "forever", 200, "NULL");
        let sweep = |store: Store| async move {
            let mut total = 0;
            let mut from = Vec::new();
            loop {
                let (n, next) = store.sweep_tokens(NOW, &from, BATCH).await.unwrap();
                assert!(n <= BATCH, "one call removed {n}");
                total += n;
                match next {
                    Some(key) => from = key,
                    None => return total,
                }
            }
        };
        let (left, right) = (tokio::spawn(sweep(a.clone())), tokio::spawn(sweep(b)));
        let (left, right) = (left.await.unwrap(), right.await.unwrap());
        assert_eq!(left + right, 10_000, "{left} + {right}");
        assert_eq!(a.token_count().await.unwrap(), 500);
        // Nothing more to do: an empty sweep says so.
        assert_eq!(a.sweep_tokens(NOW, &[], BATCH).await.unwrap(), (0, None));
    });
}

fn code(expires_at: u64) -> CodeRecord {
    CodeRecord {
        client_id: "webapp".into(),
        user_id: 7,
        redirect_uri: Some("http://127.0.0.1:9000/cb".into()),
        scope: "openid".into(),
        code_challenge: None,
        nonce: None,
        auth_time: 1,
        amr: vec!["pwd".into()],
        expires_at,
        grant_id: "grant-1".into(),
        redeemed: false,
    }
}

#[test]
fn a_code_is_swept_an_hour_after_it_expires() {
    let url = fresh_database();
    block_on(async {
        let store = Store::connect(&url).await.unwrap();
        store.insert_code(&[3; 32], &code(NOW)).await.unwrap();
        assert_eq!(store.sweep_expired(NOW + 3_599, BATCH).await.unwrap(), 0);
        assert!(store.code(&[3; 32]).await.unwrap().is_some());
        assert_eq!(store.sweep_expired(NOW + 3_600, BATCH).await.unwrap(), 1);
        assert!(store.code(&[3; 32]).await.unwrap().is_none());
        // A batch of zero removes nothing.
        store.insert_code(&[4; 32], &code(NOW)).await.unwrap();
        assert_eq!(store.sweep_expired(u64::MAX / 4, 0).await.unwrap(), 0);
    });
}

#[test]
fn the_store_reports_its_counts_size_and_writability() {
    let url = fresh_database();
    block_on(async {
        let store = Store::connect(&url).await.unwrap();
        fill_tokens(&url, "t", 7, "NULL");
        fill(&url, "codes", "c", 3, "5");
        assert_eq!(store.token_count().await.unwrap(), 7);
        let counts = store.record_counts().await.unwrap();
        assert!(counts.contains(&("tokens", 7)), "{counts:?}");
        assert!(counts.contains(&("codes", 3)), "{counts:?}");
        assert!(counts.contains(&("users", 0)), "{counts:?}");
        assert_eq!(counts.len(), 8);
        assert!(store.size_on_disk().await > 0);
        store.can_write(42).await.unwrap();
        store.can_write(43).await.unwrap();
    });
    assert_eq!(
        psql(&url, "SELECT value FROM settings WHERE name = 'readyz'"),
        "43"
    );
}

/// The sign-in throttle's rule for an account (accounts/throttle.rs).
const ACCOUNT: ThrottleRule = ThrottleRule {
    limit: 5,
    first_lock: 2,
    max_lock: 900,
    forget_after: 3_600,
};

#[test]
fn failures_on_two_instances_at_once_are_each_counted_exactly_once() {
    let url = fresh_database();
    block_on(async {
        let (a, b) = two_stores(&url).await;
        let hammer = |store: Store| async move {
            let mut seen = Vec::new();
            for _ in 0..250 {
                let state = store
                    .throttle_failed("account:alice", &ACCOUNT, NOW)
                    .await
                    .unwrap();
                seen.push(state.failures);
            }
            seen
        };
        let tasks = [
            tokio::spawn(hammer(a.clone())),
            tokio::spawn(hammer(a.clone())),
            tokio::spawn(hammer(b.clone())),
            tokio::spawn(hammer(b.clone())),
        ];
        let mut seen = Vec::new();
        for task in tasks {
            seen.extend(task.await.unwrap());
        }
        // Every failure got its own count: 1, 2, … 1000, none twice.
        seen.sort_unstable();
        assert_eq!(seen, (1..=1_000).collect::<Vec<u32>>());
        // Locked for the longest time, on both instances.
        assert_eq!(
            b.throttle_check(&["account:alice"], NOW).await.unwrap(),
            Err(900)
        );
        assert_eq!(
            a.throttle_check(&["account:alice"], NOW).await.unwrap(),
            Err(900)
        );
    });
}

#[test]
fn a_burst_of_attempts_on_two_instances_starts_only_the_limit() {
    let url = fresh_database();
    block_on(async {
        let (a, b) = two_stores(&url).await;
        let address = ThrottleRule {
            limit: 20,
            ..ACCOUNT
        };
        let keys = [("account:dave", ACCOUNT), ("address:10.0.0.1", address)];
        // Twenty at once: each opens a connection of its own, and opening
        // (SCRAM, in a debug build, on one thread) is what bounds a burst.
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                tokio::spawn(async move { store.throttle_begin(&keys, NOW).await.unwrap() })
            })
            .collect();
        let mut started = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => started += 1,
                Err(wait) => assert!(wait >= 1, "{wait}"),
            }
        }
        assert_eq!(started, 5);
        // A refused attempt counted nothing: the address saw five.
        let state = a
            .throttle_failed("address:10.0.0.1", &address, NOW)
            .await
            .unwrap();
        assert_eq!(state.failures, 6);
        assert!(b
            .throttle_check(&["account:dave"], NOW)
            .await
            .unwrap()
            .is_err());
    });
}

#[test]
fn the_counts_follow_the_rule_they_are_given() {
    let url = fresh_database();
    block_on(async {
        let store = Store::connect(&url).await.unwrap();
        let key = "account:bob";
        for n in 1..5 {
            let state = store.throttle_failed(key, &ACCOUNT, 100).await.unwrap();
            assert_eq!(state.failures, n);
            assert!(state.locked_until <= 100);
        }
        // The fifth locks for 2 s, the sixth for 4 s.
        store.throttle_failed(key, &ACCOUNT, 100).await.unwrap();
        assert_eq!(store.throttle_check(&[key], 100).await.unwrap(), Err(2));
        assert_eq!(
            store.throttle_begin(&[(key, ACCOUNT)], 101).await.unwrap(),
            Err(1)
        );
        assert_eq!(store.throttle_check(&[key], 102).await.unwrap(), Ok(()));
        store.throttle_failed(key, &ACCOUNT, 102).await.unwrap();
        assert_eq!(
            store.throttle_check(&[key, "other"], 102).await.unwrap(),
            Err(4)
        );
        // A right password forgets the account.
        store.throttle_clear(key).await.unwrap();
        assert_eq!(store.throttle_check(&[key], 102).await.unwrap(), Ok(()));
        // A quiet hour forgives.
        for _ in 0..4 {
            store.throttle_failed(key, &ACCOUNT, 200).await.unwrap();
        }
        let state = store.throttle_failed(key, &ACCOUNT, 3_800).await.unwrap();
        assert_eq!(state.failures, 1);
        // An address gets back what a right password's attempt reserved.
        let address = ThrottleRule {
            limit: 3,
            ..ACCOUNT
        };
        let ip = "address:10.0.0.2";
        for _ in 0..3 {
            assert_eq!(
                store.throttle_begin(&[(ip, address)], 0).await.unwrap(),
                Ok(())
            );
        }
        assert!(store.throttle_check(&[ip], 0).await.unwrap().is_err());
        store.throttle_give_back(ip, 3).await.unwrap();
        assert_eq!(store.throttle_check(&[ip], 0).await.unwrap(), Ok(()));
        assert_eq!(
            store.throttle_begin(&[(ip, address)], 0).await.unwrap(),
            Ok(())
        );
        // A limit of one locks on the first failure.
        let strict = ThrottleRule {
            limit: 1,
            ..ACCOUNT
        };
        let state = store.throttle_failed("strict", &strict, 10).await.unwrap();
        assert_eq!(state.locked_until, 12);
        // Quiet, unlocked keys are swept; locked or recent ones stay.
        assert_eq!(store.throttle_len().await.unwrap(), 3);
        assert_eq!(store.sweep_throttle(3_700, 3_600, 10).await.unwrap(), 2);
        assert_eq!(store.throttle_len().await.unwrap(), 1);
        assert_eq!(store.sweep_throttle(7_400, 3_600, 10).await.unwrap(), 1);
    });
}

/// A PostgreSQL cluster of the test's own (initdb in a temporary
/// directory), so that stopping it disturbs no other test. Run as the
/// `postgres` user when the tests run as root (initdb refuses root).
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

const BIN: &str = "/usr/lib/postgresql/15/bin";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn run(program: &str, args: &[&str]) {
    let path = Path::new(BIN).join(program);
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&path);
        c
    } else {
        Command::new(&path)
    };
    let output = command.args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Cluster {
    fn new() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let status = Command::new("chown")
                .args(["postgres:"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster { dir, port };
        let data = cluster.data();
        run(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        );
        cluster.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start(&self) {
        let log: PathBuf = self.dir.path().join("log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.display().to_string(),
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
    }

    fn stop(&self) {
        run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(if is_root() { "runuser" } else { "true" })
            .args(if is_root() {
                vec!["-u", "postgres", "--"]
            } else {
                vec![]
            })
            .arg(Path::new(BIN).join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

#[test]
fn a_stopped_database_is_unavailable_at_once_and_the_store_recovers_by_itself() {
    let cluster = Cluster::new();
    block_on(async {
        let store = Store::connect(&cluster.url()).await.unwrap();
        // A write acknowledged before the outage.
        store.insert_code(&[5; 32], &code(NOW)).await.unwrap();

        cluster.stop();
        for _ in 0..3 {
            let started = Instant::now();
            let error = store.code(&[5; 32]).await.unwrap_err();
            assert!(error.is_unavailable(), "{error}");
            assert!(
                started.elapsed() < Duration::from_secs(6),
                "{:?}",
                started.elapsed()
            );
        }
        let error = store.ping().await.unwrap_err();
        assert!(error.is_unavailable(), "{error}");
        let error = store.sweep_expired(NOW, BATCH).await.unwrap_err();
        assert!(error.is_unavailable(), "{error}");

        // The same store, not rebuilt, works once the server is back,
        // and the acknowledged write is there.
        cluster.start();
        store.ping().await.unwrap();
        assert!(store.code(&[5; 32]).await.unwrap().is_some());
        store.can_write(NOW).await.unwrap();
        // A failure that is not an outage is not reported as one.
        let error = store.insert_code(&[5; 32], &code(NOW)).await.unwrap_err();
        assert!(!error.is_unavailable(), "{error}");
    });
}
