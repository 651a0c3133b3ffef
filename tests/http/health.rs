//! Health and metrics: `/healthz` (liveness, version, store format),
//! `/readyz` (the store takes a write), and `/metrics` in the Prometheus
//! text format, off unless asked for, on a separate address or behind a
//! bearer token, with counters that move with requests.

use std::collections::HashMap;
use std::time::Duration;

use crate::harness::*;

/// Parses the text exposition: every sample line `name{labels} value`,
/// keyed by everything before the value; refuses a malformed line.
fn samples(text: &str) -> HashMap<String, f64> {
    assert!(text.ends_with("# EOF\n"), "{text}");
    let mut out = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "{line}");
        }
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line}"));
        out.insert(series.to_owned(), value);
    }
    out
}

fn metrics_at(base: &str) -> HashMap<String, f64> {
    let response = http_client().get(format!("{base}/metrics")).send().unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    samples(&response.text().unwrap())
}

fn spawn_with_seed(args: &[&str], env: &[(&str, &str)]) -> (tempfile::TempDir, BinServer) {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &seed());
    let mut all = vec!["--seed", seed.to_str().unwrap()];
    all.extend_from_slice(args);
    let seed_arg: Vec<String> = all.iter().map(|s| s.to_string()).collect();
    let refs: Vec<&str> = seed_arg.iter().map(String::as_str).collect();
    let server = BinServer::spawn(&dir.path().join("db"), &refs, env);
    (dir, server)
}

#[test]
fn healthz_and_readyz_answer_while_the_store_writes() {
    let (_dir, server) = spawn_with_seed(&[], &[]);
    let health = json(
        http_client().get(server.url("/healthz")).send().unwrap(),
        200,
    );
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(health["store_format"], 4);
    let ready = json(
        http_client().get(server.url("/readyz")).send().unwrap(),
        200,
    );
    assert_eq!(ready["status"], "ready");
}

#[test]
fn metrics_are_off_unless_asked_for() {
    let (_dir, server) = spawn_with_seed(&[], &[]);
    let response = http_client().get(server.url("/metrics")).send().unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn metrics_on_the_main_address_need_the_bearer_token() {
    let (_dir, server) = spawn_with_seed(&[], &[("GATEHOUSE_METRICS_TOKEN", "scrape-me-please")]);
    let client = http_client();
    let anonymous = client.get(server.url("/metrics")).send().unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = client
        .get(server.url("/metrics"))
        .bearer_auth("nope")
        .send()
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client
        .get(server.url("/metrics"))
        .bearer_auth("scrape-me-please")
        .send()
        .unwrap();
    assert_eq!(right.status(), 200);
    let all = server.log_lines().join("\n");
    assert!(
        !all.contains("scrape-me-please"),
        "the token reached the log"
    );
}

#[test]
fn metrics_on_their_own_address_parse_and_move_with_requests() {
    let (_dir, server) = spawn_with_seed(&["--metrics-addr", "127.0.0.1:0"], &[]);
    let started = std::time::Instant::now();
    let metrics_base = loop {
        let found = server.log_lines().iter().find_map(|l| {
            l.split("metrics on ")
                .nth(1)
                .map(|r| r.trim_end_matches("/metrics").to_owned())
        });
        if let Some(base) = found {
            break base;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no metrics address in the log"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let before = metrics_at(&metrics_base);
    let issued = "gatehouse_tokens_issued_total{grant_type=\"client_credentials\"}";
    let requests = "gatehouse_http_requests_total{route=\"/oauth/token\",status=\"200\"}";
    let client = http_client();
    for _ in 0..3 {
        let response = client
            .post(server.url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let token = json(
        client
            .post(server.url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap(),
        200,
    );
    let _ = client
        .post(server.url("/oauth/introspect"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", token["access_token"].as_str().unwrap())])
        .send()
        .unwrap();
    let after = metrics_at(&metrics_base);
    let moved = |series: &str| {
        after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
    };
    assert_eq!(moved(issued), 4.0, "{after:?}");
    assert_eq!(moved(requests), 4.0, "{after:?}");
    assert_eq!(moved("gatehouse_introspections_total"), 1.0);
    assert!(after["gatehouse_records{kind=\"tokens\"}"] >= 4.0);
    assert!(after["gatehouse_store_size_bytes"] > 0.0);
    assert!(after
        .keys()
        .any(|k| k.starts_with("gatehouse_http_request_duration_seconds_bucket{")));
    // The metrics address answers nothing else.
    let other = client
        .get(format!("{metrics_base}/oauth/jwks"))
        .send()
        .unwrap();
    assert_eq!(other.status(), 404);
}
