//! The authorization code grant at POST /oauth/token (RFC 6749 §4.1.3,
//! §10.5; RFC 7636 PKCE): issuing, single use, lifetime and binding.

use serde_json::Value;

use crate::harness::*;

const WEBAPP_CB: &str = "http://127.0.0.1:9000/cb";

/// Asserts a successful token response with its headers; answers the body.
fn tokens(response: reqwest::blocking::Response) -> Value {
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json(response, 200);
    assert!(
        body["access_token"]
            .as_str()
            .unwrap()
            .starts_with("gth_at_"),
        "{body}"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    assert!(body["scope"].is_string());
    body
}

fn refresh_token(body: &Value) -> &str {
    let token = body["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token: {body}"));
    assert!(token.starts_with("gth_rt_"), "{token}");
    token
}

#[test]
fn a_confidential_client_exchanges_its_code_with_basic_auth() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let scope = "openid profile offline_access read";
    let code = code_for(&server, &browser, "webapp", scope, None);
    let body = tokens(exchange(&server, "webapp", &code, Some(WEBAPP_CB), None));
    let granted = scope_set(&body["scope"]);
    for s in scope.split(' ') {
        assert!(granted.contains(&s.to_owned()), "{s} not in {granted:?}");
    }
    refresh_token(&body);
    let introspection = server.introspect(body["access_token"].as_str().unwrap());
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["client_id"], "webapp");
    assert_eq!(introspection["username"], "alice");
}

#[test]
fn a_public_client_exchanges_its_code_with_a_pkce_verifier() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "spa", "read", Some(&pkce));
    let redirect = redirect_of("spa");
    let body = tokens(exchange(
        &server,
        "spa",
        &code,
        redirect,
        Some(&pkce.verifier),
    ));
    refresh_token(&body);
}

#[test]
fn openid_without_offline_access_gets_no_refresh_token() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "openid read", None);
    let body = tokens(exchange(&server, "webapp", &code, Some(WEBAPP_CB), None));
    assert!(body.get("refresh_token").is_none(), "{body}");
}

#[test]
fn a_code_without_the_openid_scope_gets_a_refresh_token() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "read write", None);
    let body = tokens(exchange(&server, "webapp", &code, Some(WEBAPP_CB), None));
    refresh_token(&body);
}

#[test]
fn a_code_works_once_and_its_reuse_revokes_what_it_issued() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "read write", None);
    let first = tokens(exchange(&server, "webapp", &code, Some(WEBAPP_CB), None));
    let access = first["access_token"].as_str().unwrap();
    let refresh = refresh_token(&first);
    assert!(is_active(&server, access));
    let again = exchange(&server, "webapp", &code, Some(WEBAPP_CB), None);
    oauth_error(again, 400, "invalid_grant");
    assert!(!is_active(&server, access));
    assert!(!is_active(&server, refresh));
}

#[test]
fn a_code_expires_after_sixty_seconds() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "read", None);
    server.clock.advance(61);
    let response = exchange(&server, "webapp", &code, Some(WEBAPP_CB), None);
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn a_code_is_still_good_just_before_it_expires() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "read", None);
    // The test clock runs with the system's: a second of room before the minute.
    server.clock.advance(58);
    tokens(exchange(&server, "webapp", &code, Some(WEBAPP_CB), None));
}

#[test]
fn a_code_is_bound_to_the_client_it_was_issued_to() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "read", None);
    let response = exchange(&server, "oob", &code, Some(WEBAPP_CB), None);
    oauth_error(response, 400, "invalid_grant");
    let pkce = Pkce::new();
    let spa_code = code_for(&server, &browser, "spa", "read", Some(&pkce));
    let response = exchange(
        &server,
        "webapp",
        &spa_code,
        redirect_of("spa"),
        Some(&pkce.verifier),
    );
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn a_code_is_bound_to_the_redirect_uri_of_its_request() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "read", None);
    let other = "http://127.0.0.1:9000/other";
    oauth_error(
        exchange(&server, "webapp", &code, Some(other), None),
        400,
        "invalid_grant",
    );
    let code = code_for(&server, &browser, "webapp", "read", None);
    oauth_error(
        exchange(&server, "webapp", &code, None, None),
        400,
        "invalid_grant",
    );
}

#[test]
fn a_code_requested_without_redirect_uri_is_exchanged_without_one() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let query = [
        ("response_type", "code"),
        ("client_id", "webapp"),
        ("scope", "read"),
    ];
    let page = html_page(browser.authorize(&server, &query), 200);
    let code = query_of(&location(&browser.decide(&server, &page, "allow")))["code"].clone();
    tokens(exchange(&server, "webapp", &code, None, None));
}

#[test]
fn a_wrong_code_verifier_is_invalid_grant() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "spa", "read", Some(&pkce));
    let wrong = Pkce::new().verifier;
    let response = exchange(&server, "spa", &code, redirect_of("spa"), Some(&wrong));
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn a_missing_code_verifier_is_invalid_grant() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "webapp", "read", Some(&pkce));
    let response = exchange(&server, "webapp", &code, Some(WEBAPP_CB), None);
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn a_verifier_for_a_code_issued_without_a_challenge_is_invalid_grant() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let code = code_for(&server, &browser, "webapp", "read", None);
    let verifier = Pkce::new().verifier;
    let response = exchange(&server, "webapp", &code, Some(WEBAPP_CB), Some(&verifier));
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn a_confidential_client_may_also_use_pkce() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "webapp", "read", Some(&pkce));
    tokens(exchange(
        &server,
        "webapp",
        &code,
        Some(WEBAPP_CB),
        Some(&pkce.verifier),
    ));
}
