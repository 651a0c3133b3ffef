//! Backups and restore: `gatehouse backup --out FILE` while the server
//! serves (through its control socket) or offline, and `gatehouse restore
//! FILE --data NEWDIR` into an empty directory. A restored server accepts
//! every client, user, password, consent, session, signing key and live
//! token of the original; nothing revoked comes back; a backup taken under
//! load keeps every token acknowledged before it began.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use crate::harness::*;

fn cli(args: &[&str]) -> String {
    let (ok, out, err) = run_cli(args, None);
    assert!(ok, "{args:?}: {err}");
    out
}

/// `gatehouse backup --out file --data data`; answers what it printed.
fn backup(file: &Path, data: &Path) -> String {
    cli(&[
        "backup",
        "--out",
        file.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ])
}

/// `gatehouse restore file --data data`: (success, stdout, stderr).
fn restore(file: &Path, data: &Path) -> (bool, String, String) {
    run_cli(
        &[
            "restore",
            file.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        None,
    )
}

/// Asserts a command succeeded; answers what it printed.
fn cli_ok((ok, out, err): (bool, String, String)) -> String {
    assert!(ok, "{err}");
    out
}

fn token(base: &str, form: &[(&str, &str)], client: (&str, &str)) -> Value {
    client_token(base, client, form)
}

fn active(base: &str, token: &str) -> bool {
    let info = json(
        http_client()
            .post(format!("{base}/oauth/introspect"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("token", token)])
            .send()
            .unwrap(),
        200,
    );
    info["active"] == true
}

fn spawn(data: &Path, seed: Option<&Path>) -> BinServer {
    match seed {
        Some(seed) => BinServer::spawn(data, &["--seed", seed.to_str().unwrap()], &[]),
        None => BinServer::spawn(data, &[], &[]),
    }
}

#[test]
fn a_backup_taken_while_serving_restores_everything_and_nothing_revoked() {
    if embedded_only("gatehouse backup copies the embedded database; PostgreSQL has pg_dump") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let data = dir.path().join("db");
    let server = spawn(&data, Some(&seed));
    let base = server.base.clone();
    // State worth keeping: tokens, a revoked one, a session, a consent, rotated keys.
    let app = token(
        &base,
        &[("grant_type", "client_credentials")],
        (CLIENT_ID, CLIENT_SECRET),
    );
    let revoked = token(
        &base,
        &[("grant_type", "client_credentials")],
        (CLIENT_ID, CLIENT_SECRET),
    );
    let response = http_client()
        .post(format!("{base}/oauth/revoke"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", revoked["access_token"].as_str().unwrap())])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let user = token(
        &base,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "alice-password"),
        ],
        ("pwapp", "pwapp-secret"),
    );
    let browser = Browser::new();
    browser.login_at(&base, "alice", "alice-password");
    let consent = html_page(browser.authorize_webapp_at(&base), 200);
    let allowed = browser.decide_at(&base, &consent, "allow");
    assert_eq!(allowed.status(), 303);
    let session = browser.cookie(&base, "gh_session").unwrap();
    cli(&["keys", "rotate", "--data", data.to_str().unwrap()]);
    let jwks = jwks_at(&base);

    let file = dir.path().join("gatehouse.backup");
    let out = backup(&file, &data);
    assert!(out.starts_with("backed up "), "{out}");
    drop(server);

    let restored_dir = dir.path().join("restored");
    let out = cli_ok(restore(&file, &restored_dir));
    assert!(out.starts_with("restored "), "{out}");
    let restored = spawn(&restored_dir, None);
    let base = restored.base.clone();
    assert!(active(&base, app["access_token"].as_str().unwrap()));
    assert!(active(&base, user["access_token"].as_str().unwrap()));
    assert!(
        !active(&base, revoked["access_token"].as_str().unwrap()),
        "a revoked token came back"
    );
    // The refresh token, the password, the session, the consent and the keys.
    let refreshed = token(
        &base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", user["refresh_token"].as_str().unwrap()),
        ],
        ("pwapp", "pwapp-secret"),
    );
    assert!(refreshed["access_token"].is_string());
    Browser::new().login_at(&base, "bob", "bob-password");
    let account = http_client()
        .get(format!("{base}/account"))
        .header("cookie", format!("gh_session={session}"))
        .send()
        .unwrap();
    assert!(html_page(account, 200).contains("alice"));
    let again = Browser::new();
    again.login_at(&base, "alice", "alice-password");
    let remembered = again.authorize_webapp_at(&base);
    assert_eq!(remembered.status(), 302, "the consent was remembered");
    assert_eq!(jwks_at(&base), jwks);
    // A new person never gets an old person's id.
    let (ok, out, err) = run_cli(
        &[
            "user",
            "add",
            "newcomer",
            "--password-stdin",
            "--data",
            restored_dir.to_str().unwrap(),
        ],
        Some("newcomer-password\n"),
    );
    assert!(ok, "{err}");
    let users: Value = serde_json::from_str(&cli(&[
        "user",
        "list",
        "--json",
        "--data",
        restored_dir.to_str().unwrap(),
    ]))
    .unwrap();
    let subs: Vec<u64> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["sub"].as_str().unwrap().parse().unwrap())
        .collect();
    let newest = out
        .split("sub ")
        .nth(1)
        .unwrap()
        .trim_end_matches(")\n")
        .parse::<u64>()
        .unwrap();
    assert_eq!(subs.iter().filter(|s| **s == newest).count(), 1, "{subs:?}");
}

#[test]
fn a_backup_taken_under_load_keeps_every_token_acknowledged_before_it() {
    if embedded_only("gatehouse backup copies the embedded database; PostgreSQL has pg_dump") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let data = dir.path().join("db");
    let server = spawn(&data, Some(&seed));
    let base = server.base.clone();
    let before: Vec<String> = (0..200)
        .map(|_| {
            token(
                &base,
                &[("grant_type", "client_credentials")],
                (CLIENT_ID, CLIENT_SECRET),
            )["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let file = dir.path().join("under-load.backup");
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut issued = 0;
                while !stop.load(Ordering::Relaxed) && issued < 5_000 {
                    token(
                        &base,
                        &[("grant_type", "client_credentials")],
                        (CLIENT_ID, CLIENT_SECRET),
                    );
                    issued += 1;
                }
            });
        }
        backup(&file, &data);
        stop.store(true, Ordering::Relaxed);
    });
    drop(server);
    let restored_dir = dir.path().join("restored");
    cli_ok(restore(&file, &restored_dir));
    let restored = spawn(&restored_dir, None);
    for token in &before {
        assert!(
            active(&restored.base, token),
            "a token acknowledged before the backup is missing"
        );
    }
}

#[test]
fn an_offline_backup_works_and_a_restore_refuses_a_directory_in_use() {
    if embedded_only("gatehouse backup copies the embedded database; PostgreSQL has pg_dump") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let data = dir.path().join("db");
    let server = spawn(&data, Some(&seed));
    let kept = token(
        &server.base,
        &[("grant_type", "client_credentials")],
        (CLIENT_ID, CLIENT_SECRET),
    );
    server.signal("TERM");
    let file = dir.path().join("offline.backup");
    backup(&file, &data);
    // Not into a directory that holds anything, the original included.
    let (ok, _, err) = restore(&file, &data);
    assert!(!ok && err.contains("not empty"), "{err}");
    // A damaged file restores nothing.
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    let damaged = dir.path().join("damaged.backup");
    std::fs::write(&damaged, &bytes).unwrap();
    let target = dir.path().join("from-damaged");
    let (ok, _, err) = restore(&damaged, &target);
    assert!(!ok && err.contains("checksum"), "{err}");
    assert!(!target.exists());
    let target = dir.path().join("fine");
    cli_ok(restore(&file, &target));
    let restored = spawn(&target, None);
    assert!(active(
        &restored.base,
        kept["access_token"].as_str().unwrap()
    ));
}
