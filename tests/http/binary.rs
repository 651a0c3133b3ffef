//! The built binary: flags and variables, durability across kill -9,
//! graceful stop on signals, and logs that never carry a secret.

use std::path::Path;

use crate::harness::*;

fn token_from(base: &str) -> String {
    let body = json(
        http_client()
            .post(format!("{base}/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap(),
        200,
    );
    body["access_token"].as_str().unwrap().to_owned()
}

fn active(base: &str, token: &str) -> bool {
    let body = json(
        http_client()
            .post(format!("{base}/oauth/introspect"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("token", token)])
            .send()
            .unwrap(),
        200,
    );
    body["active"].as_bool().unwrap()
}

fn revoke(base: &str, token: &str) {
    let response = http_client()
        .post(format!("{base}/oauth/revoke"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", token)])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
}

fn seeded_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &seed());
    (dir, seed.to_str().unwrap().to_owned())
}

#[test]
fn an_issued_token_survives_kill_9() {
    let (dir, seed) = seeded_dir();
    let data = dir.path().join("db");
    let server = BinServer::spawn(&data, &["--seed", &seed], &[]);
    let token = token_from(&server.base);
    server.kill9();
    let server = BinServer::spawn(&data, &[], &[]);
    assert!(active(&server.base, &token));
}

#[test]
fn a_revoked_token_stays_revoked_after_kill_9() {
    let (dir, seed) = seeded_dir();
    let data = dir.path().join("db");
    let server = BinServer::spawn(&data, &["--seed", &seed], &[]);
    let token = token_from(&server.base);
    revoke(&server.base, &token);
    server.kill9();
    let server = BinServer::spawn(&data, &[], &[]);
    assert!(!active(&server.base, &token));
}

#[test]
fn settings_come_from_gatehouse_variables() {
    let (dir, seed) = seeded_dir();
    let data = dir.path().join("db");
    let server = BinServer::spawn(
        &data,
        &[],
        &[
            ("GATEHOUSE_SEED", &seed),
            ("GATEHOUSE_ISSUER", "https://sso.example.net"),
            ("GATEHOUSE_ACCESS_TOKEN_TTL", "77"),
        ],
    );
    let doc = json(
        http_client()
            .get(server.url("/.well-known/openid-configuration"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(doc["issuer"], "https://sso.example.net");
    let body = json(
        http_client()
            .post(server.url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(body["expires_in"], 77);
}

#[test]
fn a_flag_beats_its_variable() {
    let (dir, seed) = seeded_dir();
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &["--seed", &seed, "--issuer", "https://flag.example"],
        &[("GATEHOUSE_ISSUER", "https://variable.example")],
    );
    let doc = json(
        http_client()
            .get(server.url("/.well-known/oauth-authorization-server"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(doc["issuer"], "https://flag.example");
}

#[test]
fn sigterm_stops_gracefully_and_keeps_the_data() {
    for signal in ["TERM", "INT"] {
        let (dir, seed) = seeded_dir();
        let data = dir.path().join("db");
        let server = BinServer::spawn(&data, &["--seed", &seed], &[]);
        let token = token_from(&server.base);
        let (status, _) = server.signal(signal);
        assert!(status.success(), "SIG{signal}: {status:?}");
        let server = BinServer::spawn(&data, &[], &[]);
        assert!(active(&server.base, &token), "SIG{signal}");
    }
}

fn files_contain(dir: &Path, needle: &[u8]) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                return true;
            }
        }
    }
    false
}

#[test]
fn logs_and_database_never_hold_a_secret_in_clear() {
    let (dir, seed) = seeded_dir();
    let data = dir.path().join("db");
    let server = BinServer::spawn(&data, &["--seed", &seed], &[("RUST_LOG", "trace")]);
    let token = token_from(&server.base);
    assert!(active(&server.base, &token));
    // The token also travels in a query string, which the log must not show.
    let _ = http_client()
        .get(format!("{}/oauth/introspect?token={token}", server.base))
        .send()
        .unwrap();
    revoke(&server.base, &token);
    let (_, log) = server.signal("TERM");
    let log = log.join("\n");
    assert!(
        log.contains("POST /oauth/token 200"),
        "no request line in:\n{log}"
    );
    assert!(log.contains("GET /oauth/introspect 405"), "{log}");
    for secret in [token.as_str(), CLIENT_SECRET, "alice-password"] {
        assert!(!log.contains(secret), "the log shows a secret");
        assert!(
            !files_contain(&data, secret.as_bytes()),
            "the database holds a secret in clear"
        );
    }
}

#[test]
fn help_explains_the_commands() {
    let (ok, out, _) = run_cli(&["--help"], None);
    assert!(ok);
    for word in ["serve", "user", "client"] {
        assert!(out.contains(word), "{out}");
    }
    let (ok, out, _) = run_cli(&["serve", "--help"], None);
    assert!(ok);
    for flag in [
        "--addr",
        "--data",
        "--issuer",
        "--seed",
        "GATEHOUSE_ADDR",
        "GATEHOUSE_SEED",
    ] {
        assert!(out.contains(flag), "{flag} missing from:\n{out}");
    }
}
