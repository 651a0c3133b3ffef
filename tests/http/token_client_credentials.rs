//! The client credentials grant at POST /oauth/token (RFC 6749 §4.4, §2.3.1, §5).

use base64::Engine;

use crate::harness::*;

fn basic_header(raw: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[test]
fn client_credentials_with_basic_auth_issues_a_bearer_token() {
    let server = TestServer::start();
    let response = server.post_basic(
        "/oauth/token",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("grant_type", "client_credentials"), ("scope", "write")],
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = json(response, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "write");
    assert!(body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    assert!(token.starts_with("gth_at_"), "{token}");
    // 256 bits in base64url are 43 characters.
    assert_eq!(token.len(), "gth_at_".len() + 43);
}

#[test]
fn the_basic_scheme_is_matched_in_any_case() {
    let server = TestServer::start();
    let header = format!(
        "bASIC {}",
        basic_header(&format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let response = server
        .http
        .post(server.url("/oauth/token"))
        .header("Authorization", header)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    json(response, 200);
}

#[test]
fn basic_credentials_are_form_url_decoded() {
    let server = TestServer::start();
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let header = format!(
        "Basic {}",
        basic_header(&format!("{}:{}", encode(ODD_ID), encode(ODD_SECRET)))
    );
    let response = server
        .http
        .post(server.url("/oauth/token"))
        .header("Authorization", header)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    json(response, 200);
}

#[test]
fn client_secret_post_works() {
    let server = TestServer::start();
    let response = server.post_form(
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", OTHER_ID),
            ("client_secret", OTHER_SECRET),
        ],
    );
    json(response, 200);
}

#[test]
fn two_authentication_methods_at_once_are_invalid_request() {
    let server = TestServer::start();
    let response = server.post_basic(
        "/oauth/token",
        CLIENT_ID,
        CLIENT_SECRET,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    );
    oauth_error(response, 400, "invalid_request");
}

#[test]
fn a_wrong_basic_secret_is_401_invalid_client_with_a_challenge() {
    let server = TestServer::start();
    let response = server.post_basic(
        "/oauth/token",
        CLIENT_ID,
        "wrong-secret",
        &[("grant_type", "client_credentials")],
    );
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Basic realm="), "{challenge}");
    oauth_error(response, 401, "invalid_client");
}

#[test]
fn an_unknown_client_and_a_wrong_post_secret_are_invalid_client() {
    let server = TestServer::start();
    let unknown = server.post_basic(
        "/oauth/token",
        "nobody",
        "whatever",
        &[("grant_type", "client_credentials")],
    );
    oauth_error(unknown, 401, "invalid_client");
    let wrong = server.post_form(
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", OTHER_ID),
            ("client_secret", "nope-nope"),
        ],
    );
    oauth_error(wrong, 401, "invalid_client");
    let missing = server.post_form("/oauth/token", &[("grant_type", "client_credentials")]);
    oauth_error(missing, 401, "invalid_client");
}

#[test]
fn a_public_client_may_not_use_client_credentials() {
    let server = TestServer::start();
    let response = server.post_form(
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", PUBLIC_ID),
        ],
    );
    oauth_error(response, 400, "unauthorized_client");
}

#[test]
fn a_client_without_the_grant_is_unauthorized_client() {
    let server = TestServer::start();
    let response = server.post_basic(
        "/oauth/token",
        WEBAPP_ID,
        WEBAPP_SECRET,
        &[("grant_type", "client_credentials")],
    );
    oauth_error(response, 400, "unauthorized_client");
}

#[test]
fn no_scope_requested_gives_the_defaults() {
    let server = TestServer::start();
    let token = server.client_token(None);
    assert_eq!(server.introspect(&token)["scope"], "read");
}

#[test]
fn a_scope_beyond_the_client_is_invalid_scope_and_issues_nothing() {
    let server = TestServer::start();
    for scope in ["read admin", "unknown", "read \"quoted\""] {
        let response = server.post_basic(
            "/oauth/token",
            CLIENT_ID,
            CLIENT_SECRET,
            &[("grant_type", "client_credentials"), ("scope", scope)],
        );
        oauth_error(response, 400, "invalid_scope");
    }
}

#[test]
fn a_subset_of_the_allowed_scopes_is_granted_as_asked() {
    let server = TestServer::start();
    let token = server.client_token(Some("write read"));
    let info = server.introspect(&token);
    assert_eq!(info["scope"], "write read");
    assert_eq!(info["client_id"], CLIENT_ID);
}

#[test]
fn the_token_lifetime_is_a_setting() {
    let server = TestServer::start_with(&seed(), |c| c.access_token_ttl = 120);
    let body = json(
        server.post_basic(
            "/oauth/token",
            CLIENT_ID,
            CLIENT_SECRET,
            &[("grant_type", "client_credentials")],
        ),
        200,
    );
    assert_eq!(body["expires_in"], 120);
}
