//! Token revocation at POST /oauth/revoke (RFC 7009).

use crate::harness::*;

#[test]
fn a_revoked_token_is_inactive() {
    let server = TestServer::start();
    let token = server.client_token(None);
    let response = server.post_basic(
        "/oauth/revoke",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("token", &token)],
    );
    assert_eq!(response.status(), 200);
    assert_eq!(server.introspect(&token)["active"], false);
}

#[test]
fn revoking_honours_and_survives_a_wrong_hint() {
    let server = TestServer::start();
    for hint in ["access_token", "refresh_token"] {
        let token = server.client_token(None);
        let response = server.post_basic(
            "/oauth/revoke",
            CLIENT_ID,
            CLIENT_SECRET,
            &[("token", &token), ("token_type_hint", hint)],
        );
        assert_eq!(response.status(), 200, "hint {hint}");
        assert_eq!(server.introspect(&token)["active"], false, "hint {hint}");
    }
}

#[test]
fn an_unknown_token_is_revoked_without_complaint() {
    let server = TestServer::start();
    let response = server.post_basic(
        "/oauth/revoke",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("token", "gth_at_nope")],
    );
    assert_eq!(response.status(), 200);
    let again = server.post_basic(
        "/oauth/revoke",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("token", "gth_at_nope")],
    );
    assert_eq!(again.status(), 200);
}

#[test]
fn a_client_cannot_revoke_another_clients_token() {
    let server = TestServer::start();
    let token = server.client_token(None);
    let response = server.post_form(
        "/oauth/revoke",
        &[
            ("token", &token),
            ("client_id", OTHER_ID),
            ("client_secret", OTHER_SECRET),
        ],
    );
    oauth_error(response, 400, "unauthorized_client");
    assert_eq!(server.introspect(&token)["active"], true);
}

#[test]
fn revocation_needs_client_authentication() {
    let server = TestServer::start();
    let token = server.client_token(None);
    let anonymous = server.post_form("/oauth/revoke", &[("token", &token)]);
    oauth_error(anonymous, 401, "invalid_client");
    let wrong = server.post_basic(
        "/oauth/revoke",
        CLIENT_ID,
        "bad-secret",
        &[("token", &token)],
    );
    oauth_error(wrong, 401, "invalid_client");
    assert_eq!(server.introspect(&token)["active"], true);
}

#[test]
fn a_missing_token_parameter_is_invalid_request() {
    let server = TestServer::start();
    let response = server.post_basic("/oauth/revoke", CLIENT_ID, CLIENT_SECRET, &[]);
    oauth_error(response, 400, "invalid_request");
}

#[test]
fn revoking_a_refresh_token_also_revokes_the_access_tokens_of_its_grant() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let access = first["access_token"].as_str().unwrap().to_owned();
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    assert!(is_active(&server, &access));
    let response = server.post_basic(
        "/oauth/revoke",
        "webapp",
        "webapp-secret",
        &[("token", &refresh), ("token_type_hint", "refresh_token")],
    );
    assert_eq!(response.status(), 200);
    assert!(!is_active(&server, &refresh));
    assert!(!is_active(&server, &access));
}

#[test]
fn revoking_an_access_token_leaves_its_refresh_token_alone() {
    let server = people_server(|_| {});
    let first = tokens_for(&server, "webapp", "alice", "read write");
    let access = first["access_token"].as_str().unwrap().to_owned();
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    let response = server.post_basic(
        "/oauth/revoke",
        "webapp",
        "webapp-secret",
        &[("token", &access)],
    );
    assert_eq!(response.status(), 200);
    assert!(!is_active(&server, &access));
    assert!(is_active(&server, &refresh));
}
