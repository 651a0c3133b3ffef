//! Bearer tokens at /oauth/userinfo (RFC 6750 §2, §3; OpenID Connect Core
//! §5.3): where the token may travel, the claims, and the challenges.

use reqwest::blocking::Response;

use crate::harness::*;

fn with_header(server: &TestServer, scheme: &str, token: &str) -> Response {
    server
        .http
        .get(server.url("/oauth/userinfo"))
        .header("Authorization", format!("{scheme} {token}"))
        .send()
        .unwrap()
}

fn challenge(response: &Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .expect("a WWW-Authenticate challenge")
        .to_str()
        .unwrap()
        .to_owned()
}

fn access_token(server: &TestServer, client: &str, scope: &str) -> String {
    let body = tokens_for(server, client, "alice", scope);
    body["access_token"].as_str().unwrap().to_owned()
}

/// Asserts a 401 `invalid_token` challenge.
fn invalid_token(response: Response) {
    assert_eq!(response.status().as_u16(), 401);
    let header = challenge(&response);
    assert!(header.starts_with("Bearer "), "{header}");
    assert!(header.contains("error=\"invalid_token\""), "{header}");
}

#[test]
fn userinfo_answers_the_claims_the_scopes_allow() {
    let server = people_server(|_| {});
    let body = tokens_for(&server, "webapp", "alice", "openid profile email read");
    let token = body["access_token"].as_str().unwrap();
    let response = with_header(&server, "Bearer", token);
    let scopes_header = response.headers()["x-oauth-scopes"]
        .to_str()
        .unwrap()
        .to_owned();
    let claims = json(response, 200);
    let sub = claims["sub"].as_str().expect("sub is a string");
    assert_eq!(server.introspect(token)["sub"], sub);
    assert_eq!(claims["name"], "Alice Liddell");
    assert_eq!(claims["preferred_username"], "alice");
    assert!(claims["updated_at"].is_number(), "{claims}");
    assert_eq!(claims["email"], "alice@example.org");
    assert!(claims["email_verified"].is_boolean(), "{claims}");
    let mut listed: Vec<String> = scopes_header
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, scope_set(&body["scope"]));
    for s in ["openid", "profile", "email", "read"] {
        assert!(listed.contains(&s.to_owned()), "{s} not in {scopes_header}");
    }
}

#[test]
fn openid_alone_answers_only_the_subject() {
    let server = people_server(|_| {});
    let token = access_token(&server, "webapp", "openid read");
    let claims = json(with_header(&server, "Bearer", &token), 200);
    assert!(claims["sub"].is_string());
    for claim in ["name", "preferred_username", "email", "email_verified"] {
        assert!(claims.get(claim).is_none(), "{claim} in {claims}");
    }
}

#[test]
fn the_token_may_travel_in_any_one_of_three_ways() {
    let server = people_server(|_| {});
    let token = access_token(&server, "spa", "openid profile");
    json(with_header(&server, "bearer", &token), 200);
    json(with_header(&server, "BEARER", &token), 200);
    let form = server
        .http
        .post(server.url("/oauth/userinfo"))
        .form(&[("access_token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(json(form, 200)["preferred_username"], "alice");
    let query = server
        .http
        .get(server.url("/oauth/userinfo"))
        .query(&[("access_token", token.as_str())])
        .send()
        .unwrap();
    json(query, 200);
}

#[test]
fn a_token_sent_two_ways_at_once_is_invalid_request() {
    let server = people_server(|_| {});
    let token = access_token(&server, "spa", "openid");
    let response = server
        .http
        .get(server.url("/oauth/userinfo"))
        .query(&[("access_token", token.as_str())])
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let header = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.text().unwrap();
    assert!(
        header.contains("invalid_request") || body.contains("invalid_request"),
        "{header} {body}"
    );
}

#[test]
fn no_token_gets_a_bare_challenge() {
    let server = people_server(|_| {});
    let response = server
        .http
        .get(server.url("/oauth/userinfo"))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let header = challenge(&response);
    assert!(header.starts_with("Bearer realm="), "{header}");
    assert!(!header.contains("error="), "{header}");
}

#[test]
fn unknown_revoked_and_expired_tokens_are_invalid_token() {
    let server = people_server(|_| {});
    invalid_token(with_header(&server, "Bearer", "gth_at_not-a-real-token"));
    let revoked = access_token(&server, "webapp", "openid");
    let response = server.post_basic(
        "/oauth/revoke",
        "webapp",
        "webapp-secret",
        &[("token", revoked.as_str())],
    );
    assert_eq!(response.status().as_u16(), 200);
    invalid_token(with_header(&server, "Bearer", &revoked));
    let expiring = access_token(&server, "webapp", "openid");
    json(with_header(&server, "Bearer", &expiring), 200);
    server.clock.advance(3601);
    invalid_token(with_header(&server, "Bearer", &expiring));
}

#[test]
fn a_user_token_without_openid_is_insufficient_scope() {
    let server = people_server(|_| {});
    let token = access_token(&server, "webapp", "read");
    let response = with_header(&server, "Bearer", &token);
    assert_eq!(response.status().as_u16(), 403);
    let header = challenge(&response);
    assert!(header.starts_with("Bearer "), "{header}");
    assert!(header.contains("error=\"insufficient_scope\""), "{header}");
}

#[test]
fn an_application_token_is_invalid_token_even_with_openid() {
    let server = people_server(|_| {});
    let token = server.client_token(Some("read openid"));
    invalid_token(with_header(&server, "Bearer", &token));
}
