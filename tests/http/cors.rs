//! CORS for browser clients: the token endpoint answers the origins of a
//! client's redirect URIs; userinfo, revocation and discovery answer any
//! origin; the authorization endpoint and the pages answer none. And
//! redirects after a POST are 303.

use reqwest::blocking::Response;
use reqwest::Method;

use crate::harness::*;

const SPA_ORIGIN: &str = "http://127.0.0.1:9100";
const EVIL: &str = "https://evil.example";

fn preflight(server: &TestServer, path: &str, origin: &str, method: &str) -> Response {
    server
        .http
        .request(Method::OPTIONS, server.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .send()
        .unwrap()
}

fn allow_origin(response: &Response) -> Option<String> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn the_token_endpoint_allows_a_registered_origin_in_preflight() {
    let server = people_server(|_| {});
    let response = preflight(&server, "/oauth/token", SPA_ORIGIN, "POST");
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(allow_origin(&response).as_deref(), Some(SPA_ORIGIN));
    let methods = response.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");
}

#[test]
fn the_token_endpoint_ignores_an_unknown_origin() {
    let server = people_server(|_| {});
    let response = preflight(&server, "/oauth/token", EVIL, "POST");
    assert_eq!(allow_origin(&response), None);
    let response = server
        .http
        .post(server.url("/oauth/token"))
        .header("Origin", EVIL)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    assert_eq!(allow_origin(&response), None);
}

#[test]
fn a_public_clients_token_response_carries_its_origin() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "spa", "read", Some(&pkce));
    let response = server
        .http
        .post(server.url("/oauth/token"))
        .header("Origin", SPA_ORIGIN)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "spa"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_of("spa").unwrap()),
            ("code_verifier", pkce.verifier.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(allow_origin(&response).as_deref(), Some(SPA_ORIGIN));
    json(response, 200);
}

#[test]
fn userinfo_revocation_and_discovery_answer_any_origin() {
    let server = people_server(|_| {});
    for (path, method) in [
        ("/oauth/userinfo", "GET"),
        ("/oauth/revoke", "POST"),
        ("/.well-known/openid-configuration", "GET"),
    ] {
        let response = preflight(&server, path, EVIL, method);
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        assert!(allow_origin(&response).is_some(), "{path}");
    }
    let discovery = server
        .http
        .get(server.url("/.well-known/openid-configuration"))
        .header("Origin", EVIL)
        .send()
        .unwrap();
    assert!(allow_origin(&discovery).is_some());
    let token = tokens_for(&server, "spa", "alice", "openid")["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let userinfo = server
        .http
        .get(server.url("/oauth/userinfo"))
        .header("Origin", EVIL)
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert!(allow_origin(&userinfo).is_some());
    json(userinfo, 200);
    let without_token = server
        .http
        .get(server.url("/oauth/userinfo"))
        .header("Origin", EVIL)
        .send()
        .unwrap();
    assert_eq!(without_token.status().as_u16(), 401);
    assert!(allow_origin(&without_token).is_some());
    let revoke = server
        .http
        .post(server.url("/oauth/revoke"))
        .header("Origin", EVIL)
        .form(&[("client_id", "spa"), ("token", token.as_str())])
        .send()
        .unwrap();
    assert!(allow_origin(&revoke).is_some());
}

#[test]
fn the_authorization_endpoint_and_pages_never_answer_cors() {
    let server = people_server(|_| {});
    for path in ["/oauth/authorize", "/login"] {
        for origin in [SPA_ORIGIN, EVIL] {
            for method in ["GET", "POST"] {
                let response = preflight(&server, path, origin, method);
                assert_eq!(allow_origin(&response), None, "OPTIONS {path} {origin}");
            }
            let response = server
                .http
                .get(server.url(path))
                .header("Origin", origin)
                .query(&[("client_id", "spa"), ("response_type", "code")])
                .send()
                .unwrap();
            assert_eq!(allow_origin(&response), None, "GET {path} {origin}");
        }
    }
}

#[test]
fn redirects_after_a_post_are_303() {
    let server = people_server(|_| {});
    let browser = Browser::new();
    let query = [
        ("response_type", "code"),
        ("client_id", "webapp"),
        ("scope", "read"),
    ];
    let signed_out = browser.post_form(&server.url("/oauth/authorize"), &query);
    assert_eq!(signed_out.status().as_u16(), 303);
    let page = html_page(browser.get(&server.url("/login")), 200);
    let login = browser.post_form(
        &server.url("/login"),
        &[
            ("username", "alice"),
            ("password", "alice-password"),
            ("csrf_token", &Browser::csrf(&page)),
        ],
    );
    assert_eq!(login.status().as_u16(), 303);
    let consent = html_page(
        browser.post_form(&server.url("/oauth/authorize"), &query),
        200,
    );
    assert_eq!(
        browser.decide(&server, &consent, "allow").status().as_u16(),
        303
    );
    // Consent remembered: the POST request itself is answered with a redirect.
    let remembered = browser.post_form(&server.url("/oauth/authorize"), &query);
    assert_eq!(remembered.status().as_u16(), 303);
    assert!(query_of(&location(&remembered)).contains_key("code"));
    let home = html_page(browser.get(&server.url("/")), 200);
    let logout = browser.post_form(
        &server.url("/logout"),
        &[("csrf_token", &Browser::csrf(&home))],
    );
    assert_eq!(logout.status().as_u16(), 303);
}
