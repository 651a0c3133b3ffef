//! Bad requests get RFC 6749 §5.2 JSON, change nothing, and leave the server healthy.

use crate::harness::*;

fn assert_still_healthy(server: &TestServer) {
    assert_eq!(
        server
            .http
            .get(server.url("/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
    server.client_token(None);
}

#[test]
fn a_missing_grant_type_is_invalid_request() {
    let server = TestServer::start();
    let response = server.post_basic(
        "/oauth/token",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("scope", "read")],
    );
    oauth_error(response, 400, "invalid_request");
}

#[test]
fn a_repeated_parameter_is_invalid_request() {
    let server = TestServer::start();
    let response = server
        .http
        .post(server.url("/oauth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=read&scope=write")
        .send()
        .unwrap();
    let body = oauth_error(response, 400, "invalid_request");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("scope"));
}

#[test]
fn an_unknown_grant_type_is_unsupported_grant_type() {
    let server = TestServer::start();
    for grant in ["magic", "urn:example:nothing"] {
        let response = server.post_basic(
            "/oauth/token",
            CLIENT_ID,
            CLIENT_SECRET,
            &[("grant_type", grant)],
        );
        oauth_error(response, 400, "unsupported_grant_type");
    }
}

#[test]
fn a_wrong_content_type_is_invalid_request() {
    let server = TestServer::start();
    for path in ["/oauth/token", "/oauth/introspect", "/oauth/revoke"] {
        let response = server
            .http
            .post(server.url(path))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .json(&serde_json::json!({"grant_type": "client_credentials", "token": "x"}))
            .send()
            .unwrap();
        oauth_error(response, 400, "invalid_request");
        let bare = server
            .http
            .post(server.url(path))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .body("grant_type=client_credentials&token=x")
            .send()
            .unwrap();
        oauth_error(bare, 400, "invalid_request");
    }
    assert_still_healthy(&server);
}

#[test]
fn get_on_the_oauth_endpoints_is_405() {
    let server = TestServer::start();
    for path in ["/oauth/token", "/oauth/introspect", "/oauth/revoke"] {
        let response = server
            .http
            .get(server.url(&format!("{path}?grant_type=client_credentials")))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .send()
            .unwrap();
        assert_eq!(response.headers()["allow"], "POST", "{path}");
        oauth_error(response, 405, "invalid_request");
    }
}

#[test]
fn a_body_over_64_kib_is_413() {
    let server = TestServer::start();
    let big = format!(
        "grant_type=client_credentials&pad={}",
        "a".repeat(65 * 1024)
    );
    let response = server
        .http
        .post(server.url("/oauth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_still_healthy(&server);
}

#[test]
fn a_body_just_under_the_limit_is_read() {
    let server = TestServer::start();
    let body = format!(
        "grant_type=client_credentials&pad={}",
        "a".repeat(60 * 1024)
    );
    let response = server
        .http
        .post(server.url("/oauth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .unwrap();
    json(response, 200);
}

#[test]
fn malformed_bodies_and_headers_never_cause_a_server_error() {
    let server = TestServer::start();
    let bodies: [&[u8]; 5] = [
        b"%%%",
        b"grant_type=%FF%FE",
        b"=&=&",
        b"\xff\xfe\x00",
        b"grant_type",
    ];
    for body in bodies {
        let response = server
            .http
            .post(server.url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_vec())
            .send()
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{:?}",
            response.status()
        );
    }
    for header in [
        "Basic",
        "Basic ",
        "Basic ====",
        "Basic Og==",
        "Bearer x y z",
    ] {
        let response = server
            .http
            .post(server.url("/oauth/token"))
            .header("Authorization", header)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap();
        assert!(
            response.status().is_client_error(),
            "{header}: {:?}",
            response.status()
        );
    }
    assert_still_healthy(&server);
}

#[test]
fn an_unknown_path_is_a_json_404() {
    let server = TestServer::start();
    let response = server
        .http
        .get(server.url("/no/such/thing"))
        .send()
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn a_browser_gets_an_unknown_path_as_a_page_in_the_same_look() {
    let server = TestServer::start();
    let response = server
        .http
        .get(server.url("/no/such/page"))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert!(response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let body = response.text().unwrap();
    assert!(body.contains("/static/style.css") && body.contains("Not found"));
    assert!(!body.contains("panicked") && !body.contains("src/"));
}
