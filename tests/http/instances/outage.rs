//! The database goes away under load and comes back (issue 13): a TCP
//! proxy between the server and PostgreSQL is cut for a few seconds while
//! clients ask for tokens. Meanwhile the server answers at once with 503
//! `temporarily_unavailable` and `/healthz` says the store is down; then
//! it recovers by itself, and every token it acknowledged is there.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::proxy::{database_behind_a_proxy, Proxy};
use super::within;
use crate::harness::*;

/// How long a client waits for an answer before giving up.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);
/// "Quickly": what any answer may take, outage or not (the pool gives up
/// on a connection after five seconds; a refused one fails at once).
const QUICK: Duration = Duration::from_secs(3);

/// One token request of the load: when it was sent (since the load
/// started), how long it took, and its answer.
#[derive(Debug)]
struct Answer {
    sent: Duration,
    took: Duration,
    status: u16,
    retry_after: String,
    body: Value,
}

/// Client-credentials token requests from `threads` threads until `stop`.
fn load(
    base: &str,
    threads: usize,
    start: Instant,
    stop: &AtomicBool,
    answers: &Mutex<Vec<Answer>>,
) {
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let client = reqwest::blocking::Client::builder()
                    .timeout(CLIENT_TIMEOUT)
                    .build()
                    .unwrap();
                while !stop.load(Ordering::SeqCst) {
                    let sent = start.elapsed();
                    let response = client
                        .post(format!("{base}/oauth/token"))
                        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .unwrap_or_else(|e| panic!("no answer at {sent:?}: {e}"));
                    let status = response.status().as_u16();
                    let retry_after = header(&response, "retry-after");
                    let text = response.text().unwrap();
                    let body = serde_json::from_str(&text)
                        .unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
                    let took = start.elapsed() - sent;
                    answers.lock().unwrap().push(Answer {
                        sent,
                        took,
                        status,
                        retry_after,
                        body,
                    });
                }
            });
        }
    });
}

/// `/healthz` at `base`: its status, its body and how long it took.
fn health(base: &str) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = http_client().get(format!("{base}/healthz")).send().unwrap();
    let status = response.status().as_u16();
    let body = serde_json::from_str(&response.text().unwrap()).unwrap();
    (status, body, started.elapsed())
}

/// The real binary with the seed on a fresh database reached through a
/// proxy the test can cut; the proxy, the server's database URL, the data
/// directory and the server.
fn server_behind_a_proxy() -> (Proxy, String, tempfile::TempDir, BinServer) {
    let (proxy, url) = database_behind_a_proxy();
    let dir = tempfile::tempdir().unwrap();
    let seed_file = write_seed(dir.path(), &seed());
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &["--seed", seed_file.to_str().unwrap(), "--store", &url],
        &[],
    );
    (proxy, url, dir, server)
}

#[test]
fn a_database_outage_under_load_is_answered_with_503_and_recovered_from_by_itself() {
    let (proxy, url, _dir, server) = server_behind_a_proxy();
    let base = server.base.clone();
    let (status, body, _) = health(&base);
    assert_eq!(
        (status, &body["store"]),
        (200, &Value::from("up")),
        "{body}"
    );

    let start = Instant::now();
    let stop = AtomicBool::new(false);
    let answers: Mutex<Vec<Answer>> = Mutex::default();
    let count = |status: u16, after: Duration| {
        let answers = answers.lock().unwrap();
        answers
            .iter()
            .filter(|a| a.status == status && a.sent >= after)
            .count()
    };
    let (cut_at, mended_at, outage_health) = std::thread::scope(|s| {
        s.spawn(|| load(&base, 4, start, &stop, &answers));
        // Whatever fails below, the load stops, so that the scope ends.
        let _stop = StopOnDrop(&stop);
        within(Duration::from_secs(20), "tokens before the outage", || {
            start.elapsed() > Duration::from_millis(500) && count(200, Duration::ZERO) >= 20
        });

        proxy.cut();
        let cut_at = start.elapsed();
        let mut outage_health = Vec::new();
        while start.elapsed() < cut_at + Duration::from_secs(3) {
            outage_health.push(health(&base));
            std::thread::sleep(Duration::from_millis(300));
        }
        proxy.mend();
        let mended_at = start.elapsed();

        // By itself: the same process, its pool opening new connections.
        let took = within(Duration::from_secs(20), "recovery", || {
            health(&base).0 == 200 && count(200, mended_at) >= 20
        });
        eprintln!("recovered {took:?} after the database's return");
        stop.store(true, Ordering::SeqCst);
        (cut_at, mended_at, outage_health)
    });
    let answers = answers.into_inner().unwrap();

    // Every answer came quickly, and was a token or "try again later".
    for answer in &answers {
        assert!(answer.took < QUICK, "slow: {answer:?}");
        match answer.status {
            200 => assert!(answer.body["access_token"].is_string(), "{answer:?}"),
            503 => {
                assert_eq!(
                    answer.body["error"], "temporarily_unavailable",
                    "{answer:?}"
                );
                assert!(answer.body["error_description"].is_string(), "{answer:?}");
                let seconds: Result<u64, _> = answer.retry_after.parse();
                assert!(seconds.is_ok_and(|s| s > 0), "{answer:?}");
            }
            _ => panic!(
                "neither a token nor 503: {answer:?} (cut at {cut_at:?}, mended at {mended_at:?})"
            ),
        }
    }
    // Everything sent well inside the outage was refused.
    let inside: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.sent > cut_at + Duration::from_millis(200) && a.sent + a.took < mended_at)
        .collect();
    assert!(
        inside.len() >= 4,
        "hardly any load in the outage: {inside:?}"
    );
    assert!(inside.iter().all(|a| a.status == 503), "{inside:?}");
    // /healthz said so quickly, and says the store is up again now.
    assert!(!outage_health.is_empty());
    for (status, body, took) in &outage_health {
        assert_eq!(*status, 503, "{body}");
        assert_eq!(body["store"], "down", "{body}");
        assert!(*took < QUICK, "/healthz took {took:?}");
    }
    let (status, body, _) = health(&base);
    assert_eq!(
        (status, &body["store"]),
        (200, &Value::from("up")),
        "{body}"
    );

    // The same process, never restarted and never panicking.
    let mut server = server;
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );
    let log = server.log_lines().join("\n");
    assert!(!log.contains("panicked"), "{log}");
    // Its complaints about the database never carry the database's password.
    if let Some(password) = url::Url::parse(&url).unwrap().password() {
        assert!(
            !log.contains(password),
            "the database password reached the log"
        );
    }

    // Every token acknowledged, before, during or after, is there.
    let acknowledged: Vec<&str> = answers
        .iter()
        .filter(|a| a.status == 200)
        .map(|a| a.body["access_token"].as_str().unwrap())
        .collect();
    let introspect = http_client();
    for token in &acknowledged {
        let seen = json(
            introspect
                .post(server.url("/oauth/introspect"))
                .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                .form(&[("token", *token)])
                .send()
                .unwrap(),
            200,
        );
        assert_eq!(
            seen["active"], true,
            "an acknowledged token is gone: {seen}"
        );
    }
    eprintln!(
        "{} answers ({} tokens, {} inside the outage of {:?}), the slowest in {:?}",
        answers.len(),
        acknowledged.len(),
        inside.len(),
        mended_at - cut_at,
        answers.iter().map(|a| a.took).max().unwrap_or_default()
    );
}

/// Sets its flag when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What an answer may take while the database stalls: the pool's five
/// seconds for a new connection, and some room.
const STALL_BOUND: Duration = Duration::from_secs(8);

/// A database that stops answering without closing anything (a hung
/// server, a proxy whose backend hangs) is answered like one that is gone:
/// 503 within a bound. Requests that need a new connection get that after
/// the pool's five seconds, and a request whose query went out on an open
/// connection after the port's five-second deadline on every call
/// (`statement_timeout` and `tcp_user_timeout` do not reach this case: the
/// bytes are acknowledged, here by the proxy's kernel, and the server
/// never runs the statement).
#[test]
fn a_database_that_stalls_is_answered_with_503_within_a_bound() {
    let (proxy, _, _dir, server) = server_behind_a_proxy();
    let base = server.base.clone();
    let client = reqwest::blocking::Client::builder()
        .timeout(STALL_BOUND * 2)
        .build()
        .unwrap();
    let token_request = || {
        let started = Instant::now();
        let answer = client
            .post(format!("{base}/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .map(|r| {
                let status = r.status().as_u16();
                (status, r.text().unwrap())
            });
        (answer.map_err(|e| e.to_string()), started.elapsed())
    };
    // A few connections in the pool first.
    let warm: Vec<_> = std::thread::scope(|s| {
        let all: Vec<_> = (0..4).map(|_| s.spawn(token_request)).collect();
        all.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        warm.iter().all(|(a, _)| matches!(a, Ok((200, _)))),
        "{warm:?}"
    );

    proxy.stall();
    let (answers, during) = std::thread::scope(|s| {
        let all: Vec<_> = (0..6).map(|_| s.spawn(token_request)).collect();
        let during = health(&base);
        let answers: Vec<_> = all.into_iter().map(|h| h.join().unwrap()).collect();
        (answers, during)
    });
    proxy.mend();
    for (answer, took) in &answers {
        assert!(*took < STALL_BOUND, "{took:?}: {answer:?}");
        let (status, body) = answer.as_ref().unwrap();
        assert_eq!(*status, 503, "{body}");
        assert!(body.contains("\"temporarily_unavailable\""), "{body}");
    }
    let (status, body, took) = during;
    assert_eq!(
        (status, &body["store"]),
        (503, &Value::from("down")),
        "{body}"
    );
    assert!(took < QUICK, "/healthz took {took:?}");

    within(Duration::from_secs(20), "recovery", || {
        health(&base).0 == 200 && matches!(token_request().0, Ok((200, _)))
    });
}
