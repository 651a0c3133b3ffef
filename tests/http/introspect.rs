//! Token introspection at POST /oauth/introspect (RFC 7662).

use crate::harness::*;

#[test]
fn an_active_token_is_described() {
    let server = TestServer::start();
    let before = server.clock.now();
    let token = server.client_token(Some("read write"));
    let response = server.post_basic(
        "/oauth/introspect",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("token", &token)],
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let info = json(response, 200);
    assert_eq!(info["active"], true);
    assert_eq!(info["scope"], "read write");
    assert_eq!(info["client_id"], CLIENT_ID);
    assert_eq!(info["token_type"], "Bearer");
    assert_eq!(info["iss"], server.base);
    let iat = info["iat"].as_u64().unwrap();
    assert!(iat >= before && iat <= server.clock.now());
    assert_eq!(info["exp"].as_u64().unwrap(), iat + 3600);
    // A client's own token acts for no user.
    assert!(info.get("sub").is_none());
}

#[test]
fn another_confidential_client_may_introspect_too() {
    let server = TestServer::start();
    let token = server.client_token(None);
    let info = json(
        server.post_form(
            "/oauth/introspect",
            &[
                ("token", &token),
                ("client_id", OTHER_ID),
                ("client_secret", OTHER_SECRET),
            ],
        ),
        200,
    );
    assert_eq!(info["active"], true);
}

#[test]
fn unknown_tokens_are_inactive_and_say_nothing_else() {
    let server = TestServer::start();
    for token in ["gth_at_doesnotexist", "garbage", "gth_rt_AAAA"] {
        let info = server.introspect(token);
        assert_eq!(info, serde_json::json!({"active": false}));
    }
}

#[test]
fn an_expired_token_is_inactive() {
    let server = TestServer::start();
    let token = server.client_token(None);
    // The test clock is the system's plus an offset, so a second may pass
    // between the two requests: one second short of the hour leaves room.
    server.clock.advance(3598);
    assert_eq!(server.introspect(&token)["active"], true);
    server.clock.advance(2);
    assert_eq!(
        server.introspect(&token),
        serde_json::json!({"active": false})
    );
}

#[test]
fn introspection_needs_client_authentication() {
    let server = TestServer::start();
    let token = server.client_token(None);
    let anonymous = server.post_form("/oauth/introspect", &[("token", &token)]);
    oauth_error(anonymous, 401, "invalid_client");
    let wrong = server.post_basic(
        "/oauth/introspect",
        CLIENT_ID,
        "bad-secret",
        &[("token", &token)],
    );
    oauth_error(wrong, 401, "invalid_client");
    let public = server.post_form(
        "/oauth/introspect",
        &[("token", &token), ("client_id", PUBLIC_ID)],
    );
    oauth_error(public, 401, "invalid_client");
}

#[test]
fn a_missing_token_parameter_is_invalid_request() {
    let server = TestServer::start();
    let response = server.post_basic(
        "/oauth/introspect",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("token_type_hint", "access_token")],
    );
    oauth_error(response, 400, "invalid_request");
}

#[test]
fn a_wrong_hint_still_finds_the_token() {
    let server = TestServer::start();
    let token = server.client_token(None);
    let info = json(
        server.post_basic(
            "/oauth/introspect",
            CLIENT_ID,
            CLIENT_SECRET,
            &[("token", &token), ("token_type_hint", "refresh_token")],
        ),
        200,
    );
    assert_eq!(info["active"], true);
}
