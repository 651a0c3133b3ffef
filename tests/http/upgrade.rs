//! Upgrades: a data directory written by the previous store format
//! (`tests/fixtures/store-v1`, made by the server before client records
//! changed shape) opens with this binary, which serves every token, client
//! and password in it, keeps revoked tokens revoked, and reads the old
//! "tokens never expire" flag as a lifetime of 0.

use std::path::Path;

use serde_json::Value;

use crate::harness::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1")
}

fn token(tokens: &Value, which: &str, kind: &str) -> String {
    tokens[which][kind].as_str().unwrap().to_owned()
}

#[test]
fn a_store_of_the_previous_format_opens_and_serves_what_it_held() {
    if embedded_only("the fixture is an embedded database of the previous format") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("db");
    copy_dir(&fixture().join("db"), &data);
    let tokens: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("tokens.json")).unwrap())
            .unwrap();
    let server = BinServer::spawn(&data, &[], &[]);
    let client = http_client();
    let introspect = |token: &str| -> Value {
        json(
            client
                .post(server.url("/oauth/introspect"))
                .basic_auth("fixture-app", Some("fixture-app-secret"))
                .form(&[("token", token)])
                .send()
                .unwrap(),
            200,
        )
    };
    let info = introspect(&token(&tokens, "client_credentials", "access_token"));
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["scope"], "read");
    assert_eq!(
        introspect(&token(&tokens, "password", "access_token"))["username"],
        "ada"
    );
    assert_eq!(
        introspect(&token(&tokens, "revoked", "access_token"))["active"],
        false
    );
    // The refresh token of the old store rotates.
    let refreshed = json(
        client
            .post(server.url("/oauth/token"))
            .basic_auth("fixture-app", Some("fixture-app-secret"))
            .form(&[
                ("grant_type", "refresh_token"),
                (
                    "refresh_token",
                    &token(&tokens, "password", "refresh_token"),
                ),
            ])
            .send()
            .unwrap(),
        200,
    );
    assert!(refreshed["refresh_token"].is_string());
    // The version 1 flag "tokens never expire" reads as a lifetime of 0.
    let forever = json(
        client
            .post(server.url("/oauth/token"))
            .basic_auth("forever-app", Some("forever-app-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap(),
        200,
    );
    assert!(forever.get("expires_in").is_none(), "{forever}");
    // The password stored by the old format still signs in.
    let browser = Browser::new();
    browser.login_at(&server.base, "ada", "ada-fixture-password");
    let health = json(client.get(server.url("/healthz")).send().unwrap(), 200);
    assert_eq!(health["store_format"], 4);
}

#[test]
fn the_version_names_the_store_format() {
    let (ok, out, _) = run_cli(&["--version"], None);
    assert!(ok);
    assert!(out.trim().ends_with("(store format 4)"), "{out}");
}
