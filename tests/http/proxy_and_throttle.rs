//! Behind a reverse proxy, and throttling that holds: forwarding headers
//! are believed only from a `--trusted-proxy`, so one guesser behind the
//! proxy no longer locks sign-in for everyone, and a spoofed header from
//! anyone else changes nothing; a burst of parallel guesses is counted in
//! full; refusals are logged for fail2ban, and the JSON log carries the
//! request's fields with the client address as the proxy gave it.

use std::time::Duration;

use reqwest::blocking::Response;

use crate::harness::*;

/// A sign-in through the login page, as if forwarded for `client`
/// (`X-Forwarded-For`, or RFC 7239 `Forwarded` when `rfc7239`).
fn sign_in_via(
    server: &TestServer,
    client: &str,
    rfc7239: bool,
    username: &str,
    password: &str,
) -> Response {
    let browser = Browser::new();
    let page = html_page(browser.get(&server.url("/login")), 200);
    let (name, value) = if rfc7239 {
        ("forwarded", format!("for=\"{client}:4711\";proto=https"))
    } else {
        ("x-forwarded-for", format!("{client}, 127.0.0.1"))
    };
    browser
        .http
        .post(server.url("/login"))
        .header(name, value)
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf_token", &Browser::csrf(&page)),
        ])
        .send()
        .unwrap()
}

/// Twenty wrong passwords from one guesser, each for a different name.
fn twenty_guesses(server: &TestServer, client: &str, rfc7239: bool) {
    for i in 0..20 {
        let response = sign_in_via(
            server,
            client,
            rfc7239,
            &format!("nobody{i}"),
            "wrong-password",
        );
        assert_eq!(response.status(), 200, "guess {i}");
    }
}

#[test]
fn behind_a_trusted_proxy_one_guesser_does_not_lock_sign_in_for_everyone() {
    for rfc7239 in [false, true] {
        let server = people_server(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]);
        twenty_guesses(&server, "198.51.100.1", rfc7239);
        // The guesser is now locked out…
        let guesser = sign_in_via(&server, "198.51.100.1", rfc7239, "alice", "alice-password");
        assert_eq!(guesser.status(), 429, "rfc7239: {rfc7239}");
        // …and everyone else behind the same proxy signs in.
        let alice = sign_in_via(&server, "203.0.113.7", rfc7239, "alice", "alice-password");
        assert_eq!(alice.status(), 303, "rfc7239: {rfc7239}");
    }
}

#[test]
fn without_a_trusted_proxy_the_headers_are_ignored() {
    let server = people_server(|_| {});
    // Each guess claims another address; none of that counts.
    for i in 0..20 {
        let response = sign_in_via(
            &server,
            &format!("198.51.100.{i}"),
            false,
            &format!("nobody{i}"),
            "wrong",
        );
        assert_eq!(response.status(), 200, "guess {i}");
    }
    let next = sign_in_via(&server, "203.0.113.99", false, "alice", "alice-password");
    assert_eq!(
        next.status(),
        429,
        "all guesses came from 127.0.0.1 and were counted there"
    );
}

#[test]
fn fifty_parallel_wrong_passwords_for_one_account_are_all_counted() {
    let server = people_server(|_| {});
    let started = std::time::Instant::now();
    let answers: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..50)
            .map(|_| {
                scope.spawn(|| {
                    token_request(
                        &server,
                        "pwapp",
                        &[
                            ("grant_type", "password"),
                            ("username", "bob"),
                            ("password", "not-bobs-password"),
                        ],
                    )
                    .status()
                    .as_u16()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = answers.iter().filter(|s| **s == 400).count();
    let refused = answers.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 50, "{answers:?}");
    // The server's clock runs: each lock that ran out while the burst was
    // still arriving (after 2 s, then 4 more, 8 more …) let one more
    // attempt through, and locked the account again for twice as long.
    let took = started.elapsed().as_secs() + 1;
    let (mut allowed, mut at, mut lock) = (5, 0, 2);
    while at + lock <= took {
        (allowed, at, lock) = (allowed + 1, at + lock, lock * 2);
    }
    assert!(
        checked <= allowed,
        "only the account's limit may reach a hash ({allowed} in {took} s): {answers:?}"
    );
    // Bob's account is locked now, even for the right password.
    let right = token_request(
        &server,
        "pwapp",
        &[
            ("grant_type", "password"),
            ("username", "bob"),
            ("password", "bob-password"),
        ],
    );
    assert_eq!(right.status(), 429);
}

/// Waits for a log line that contains `needle`.
fn log_line(server: &BinServer, needle: &str) -> String {
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(line) = server.log_lines().into_iter().find(|l| l.contains(needle)) {
            return line;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no log line with {needle:?}");
}

#[test]
fn the_json_log_has_a_line_per_request_and_refusals_fail2ban_can_match() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &[
            "--seed",
            seed.to_str().unwrap(),
            "--trusted-proxy",
            "127.0.0.1",
            "--log-format",
            "json",
        ],
        &[],
    );
    let client = http_client();
    let response = client
        .post(server.url("/oauth/token?access_token=secret-in-query"))
        .header("x-forwarded-for", "192.0.2.44")
        .basic_auth("pwapp", Some("pwapp-secret"))
        .form(&[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "guess-one"),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
    let request: serde_json::Value =
        serde_json::from_str(&log_line(&server, "\"path\":\"/oauth/token\"")).unwrap();
    assert_eq!(request["method"], "POST");
    assert_eq!(request["status"], 400);
    assert_eq!(request["client"], "192.0.2.44");
    assert!(request["ms"].is_number());
    assert!(request["time"].as_str().unwrap().ends_with('Z'));
    let refusal: serde_json::Value =
        serde_json::from_str(&log_line(&server, "sign-in failed")).unwrap();
    let message = refusal["message"].as_str().unwrap();
    assert_eq!(message, "sign-in failed: client=192.0.2.44 user=\"alice\"");
    assert_eq!(refusal["level"], "WARN");
    let all = server.log_lines().join("\n");
    for secret in ["guess-one", "pwapp-secret", "secret-in-query"] {
        assert!(!all.contains(secret), "{secret} reached the log");
    }
}
