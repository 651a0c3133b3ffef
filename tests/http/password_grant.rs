//! The resource owner password credentials grant (RFC 6749 §4.3), for
//! clients registered for it, throttled like sign-in.

use reqwest::blocking::Response;

use crate::harness::*;

fn password_grant(server: &TestServer, client: &str, username: &str, password: &str) -> Response {
    token_request(
        server,
        client,
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("scope", "read write"),
        ],
    )
}

#[test]
fn the_password_grant_issues_tokens_that_act_for_the_user() {
    let server = people_server(|_| {});
    let response = password_grant(&server, "pwapp", "alice", "alice-password");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json(response, 200);
    assert_eq!(body["token_type"], "Bearer");
    let scope = scope_set(&body["scope"]);
    assert!(scope.contains(&"read".to_owned()) && scope.contains(&"write".to_owned()));
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("gth_at_"));
    let refresh = body["refresh_token"].as_str().unwrap();
    assert!(refresh.starts_with("gth_rt_"));
    let alice = server.introspect(access);
    assert_eq!(alice["active"], true);
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["client_id"], "pwapp");
    let sub = alice["sub"].as_str().expect("sub is a string");
    assert!(!sub.is_empty());
    let bob = json(password_grant(&server, "pwapp", "bob", "bob-password"), 200);
    let bob = server.introspect(bob["access_token"].as_str().unwrap());
    assert_eq!(bob["username"], "bob");
    assert_ne!(bob["sub"].as_str().unwrap(), sub);
}

#[test]
fn a_password_grant_refresh_token_can_be_used() {
    let server = people_server(|_| {});
    let body = json(
        password_grant(&server, "pwapp", "alice", "alice-password"),
        200,
    );
    let refreshed = json(
        refresh(
            &server,
            "pwapp",
            body["refresh_token"].as_str().unwrap(),
            None,
        ),
        200,
    );
    let introspection = server.introspect(refreshed["access_token"].as_str().unwrap());
    assert_eq!(introspection["username"], "alice");
}

#[test]
fn a_wrong_password_or_unknown_user_is_invalid_grant() {
    let server = people_server(|_| {});
    let response = password_grant(&server, "pwapp", "alice", "not-her-password");
    oauth_error(response, 400, "invalid_grant");
    let response = password_grant(&server, "pwapp", "zelda", "alice-password");
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn a_client_without_the_password_grant_is_unauthorized_client() {
    let server = people_server(|_| {});
    let response = password_grant(&server, "webapp", "alice", "alice-password");
    oauth_error(response, 400, "unauthorized_client");
}

#[test]
fn five_wrong_passwords_are_throttled_with_retry_after() {
    let server = people_server(|_| {});
    for _ in 0..5 {
        let response = password_grant(&server, "pwapp", "alice", "guess");
        oauth_error(response, 400, "invalid_grant");
    }
    let locked = password_grant(&server, "pwapp", "alice", "alice-password");
    let retry_after: u64 = locked
        .headers()
        .get("retry-after")
        .expect("a 429 carries Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0);
    oauth_error(locked, 429, "temporarily_unavailable");
    server.clock.advance(retry_after);
    json(
        password_grant(&server, "pwapp", "alice", "alice-password"),
        200,
    );
}
