//! Turning dialects on: only when asked for, never two that conflict, from the environment too.

use crate::harness::*;

#[test]
fn the_dialect_routes_exist_only_when_asked_for() {
    let server = people_server(|_| {});
    let response = server
        .http
        .post(server.url("/api/v1/apps"))
        .form(&[("client_name", "X")])
        .send()
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn conflicting_dialects_are_refused_at_start_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("db");
    let err = refused_start(&data, &["--dialect", "piictu", "--dialect", "appnet"]);
    assert!(
        err.contains("piictu") && err.contains("appnet") && err.contains("/oauth/access_token"),
        "{err}"
    );
}

#[test]
fn dialects_may_come_from_the_environment_comma_separated() {
    let dir = tempfile::tempdir().unwrap();
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &[],
        &[("GATEHOUSE_DIALECTS", "skritter,mastodon")],
    );
    let response = http_client()
        .post(server.url("/api/v1/apps"))
        .form(&[("client_name", "Env"), ("redirect_uris", OOB)])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let skritter = http_client()
        .get(server.url("/api/v0/users/me"))
        .send()
        .unwrap();
    assert_eq!(skritter.status(), 401, "skritter's route is there too");
}
