//! The refresh token grant (RFC 6749 §6; RFC 9700 §4.14): rotation, reuse
//! detection revoking the family, scope narrowing and the grace period.

use serde_json::Value;

use crate::harness::*;

fn access(body: &Value) -> String {
    body["access_token"].as_str().unwrap().to_owned()
}

fn refresh_of(body: &Value) -> String {
    let token = body["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token: {body}"));
    assert!(token.starts_with("gth_rt_"), "{token}");
    token.to_owned()
}

#[test]
fn each_refresh_returns_a_new_refresh_token() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "webapp", &old, None), 200);
    assert_ne!(refresh_of(&second), old);
    assert_ne!(access(&second), access(&first));
    assert_eq!(second["token_type"], "Bearer");
    let third = json(refresh(&server, "webapp", &refresh_of(&second), None), 200);
    assert_ne!(refresh_of(&third), refresh_of(&second));
    assert!(is_active(&server, &access(&third)));
}

#[test]
fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "webapp", &old, None), 200);
    let (new_access, new_refresh) = (access(&second), refresh_of(&second));
    assert!(is_active(&server, &new_access));
    assert!(is_active(&server, &new_refresh));
    oauth_error(refresh(&server, "webapp", &old, None), 400, "invalid_grant");
    assert!(!is_active(&server, &new_access));
    assert!(!is_active(&server, &new_refresh));
    oauth_error(
        refresh(&server, "webapp", &new_refresh, None),
        400,
        "invalid_grant",
    );
}

#[test]
fn a_public_clients_refresh_token_rotates_and_reuse_is_caught() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "spa", "alice", "read");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "spa", &old, None), 200);
    assert_ne!(refresh_of(&second), old);
    oauth_error(refresh(&server, "spa", &old, None), 400, "invalid_grant");
    assert!(!is_active(&server, &refresh_of(&second)));
}

#[test]
fn scope_may_narrow_on_refresh() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let narrowed = json(
        refresh(&server, "webapp", &refresh_of(&first), Some("read")),
        200,
    );
    let scope = scope_set(&narrowed["scope"]);
    assert!(scope.contains(&"read".to_owned()), "{scope:?}");
    assert!(!scope.contains(&"write".to_owned()), "{scope:?}");
    let introspection = server.introspect(&access(&narrowed));
    let granted = scope_set(&introspection["scope"]);
    assert!(!granted.contains(&"write".to_owned()), "{granted:?}");
}

#[test]
fn scope_never_widens_on_refresh() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "webapp", "alice", "read");
    let response = refresh(&server, "webapp", &refresh_of(&first), Some("read write"));
    oauth_error(response, 400, "invalid_scope");
}

#[test]
fn another_clients_refresh_token_is_invalid_grant() {
    let server = people_server(|_| {});
    let spa = tokens_for(&server, "spa", "alice", "read");
    let response = refresh(&server, "webapp", &refresh_of(&spa), None);
    oauth_error(response, 400, "invalid_grant");
    let webapp = tokens_for(&server, "webapp", "alice", "read");
    let response = refresh(&server, "spa", &refresh_of(&webapp), None);
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn within_the_grace_period_a_rotated_token_answers_the_same_pair() {
    let server = people_server(|c| c.refresh_grace = 10);
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "webapp", &old, None), 200);
    server.clock.advance(5);
    let raced = json(refresh(&server, "webapp", &old, None), 200);
    assert_eq!(access(&raced), access(&second));
    assert_eq!(refresh_of(&raced), refresh_of(&second));
    assert!(is_active(&server, &access(&second)));
}

#[test]
fn after_the_grace_period_reuse_revokes_the_family() {
    let server = people_server(|c| c.refresh_grace = 10);
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "webapp", &old, None), 200);
    server.clock.advance(11);
    oauth_error(refresh(&server, "webapp", &old, None), 400, "invalid_grant");
    assert!(!is_active(&server, &access(&second)));
    assert!(!is_active(&server, &refresh_of(&second)));
}

#[test]
fn without_a_grace_period_an_immediate_reuse_is_invalid_grant() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "webapp", &old, None), 200);
    oauth_error(refresh(&server, "webapp", &old, None), 400, "invalid_grant");
    assert!(!is_active(&server, &access(&second)));
}

#[test]
fn confidential_refresh_tokens_can_be_left_unrotated() {
    let server = people_server(|c| c.rotate_confidential_refresh = false);
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "webapp", &old, None), 200);
    if let Some(returned) = second["refresh_token"].as_str() {
        assert_eq!(returned, old);
    }
    let third = json(refresh(&server, "webapp", &old, None), 200);
    assert!(is_active(&server, &access(&third)));
    assert!(is_active(&server, &old));
}

#[test]
fn public_clients_rotate_even_when_confidential_ones_do_not() {
    let server = people_server(|c| c.rotate_confidential_refresh = false);
    let first = tokens_for(&server, "spa", "alice", "read");
    let old = refresh_of(&first);
    let second = json(refresh(&server, "spa", &old, None), 200);
    assert_ne!(refresh_of(&second), old);
    oauth_error(refresh(&server, "spa", &old, None), 400, "invalid_grant");
}

#[test]
fn an_unknown_refresh_token_is_invalid_grant() {
    let server = people_server(|_| {});
    let response = refresh(&server, "webapp", "gth_rt_not-a-real-token", None);
    oauth_error(response, 400, "invalid_grant");
}
