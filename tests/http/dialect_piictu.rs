//! The piictu dialect: piictu-auth.txt's `curl -F` token request, its
//! `Authorization: OAuth` call, and tokens "good until deleted".

use gatehouse::dialects::Dialect;
use reqwest::blocking::multipart::Form;

use crate::harness::*;

const CLIENT_ID: &str = "piictu-app";
const CLIENT_SECRET: &str = "piictu-app-secret";

fn piictu_server() -> TestServer {
    let seed = serde_json::json!({
        "users": [
            {"username": "fede", "password": "tomato-tomato", "name": "Fede Tomato", "email": "fede@piictu.com"},
            {"username": "root", "password": "root-password", "admin": true}
        ],
        "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "client_name": "Piictu",
                     "grant_types": ["password"]}]
    });
    TestServer::start_with(&seed.to_string(), |c| c.dialects = vec![Dialect::Piictu])
}

/// `curl -i …/oauth/access_token -F grant_type=password -F client_id=… -F client_secret=… -F username=fede -F password=tomato`
fn curl_f(
    server: &TestServer,
    extra: &[(&'static str, &'static str)],
) -> reqwest::blocking::Response {
    let mut form = Form::new()
        .text("grant_type", "password")
        .text("client_id", CLIENT_ID)
        .text("client_secret", CLIENT_SECRET)
        .text("username", "fede")
        .text("password", "tomato-tomato");
    for (k, v) in extra {
        form = form.text(*k, *v);
    }
    server
        .http
        .post(server.url("/oauth/access_token"))
        .multipart(form)
        .send()
        .unwrap()
}

#[test]
fn the_curl_f_request_answers_the_token_the_user_and_the_scope() {
    let server = piictu_server();
    let body = json(curl_f(&server, &[]), 200);
    assert!(body["access_token"]
        .as_str()
        .unwrap()
        .starts_with("gth_at_"));
    assert_eq!(body["scope"], "read write");
    let user = &body["user"];
    assert_eq!(user["username"], "fede");
    assert_eq!(user["fullname"], "Fede Tomato");
    assert_eq!(user["email"], "fede@piictu.com");
    assert!(user["id"].is_string() && user["created_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn urlencoded_bodies_work_too_and_a_wrong_password_is_invalid_grant() {
    let server = piictu_server();
    let ok = server.post_form(
        "/oauth/access_token",
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("username", "fede"),
            ("password", "tomato-tomato"),
        ],
    );
    assert_eq!(json(ok, 200)["user"]["username"], "fede");
    let mut form = Form::new();
    for (k, v) in [
        ("grant_type", "password"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("username", "fede"),
        ("password", "potato"),
    ] {
        form = form.text(k, v);
    }
    let wrong = server
        .http
        .post(server.url("/oauth/access_token"))
        .multipart(form)
        .send()
        .unwrap();
    oauth_error(wrong, 400, "invalid_grant");
}

#[test]
fn the_oauth_authorization_scheme_opens_protected_endpoints() {
    let server = piictu_server();
    let body = json(curl_f(&server, &[("scope", "openid profile")]), 200);
    let token = body["access_token"].as_str().unwrap();
    // curl -H "Authorization: OAuth  <token>" (two spaces, as the document has it)
    let info = json(
        server
            .http
            .get(server.url("/oauth/userinfo"))
            .header("Authorization", format!("OAuth  {token}"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(info["preferred_username"], "fede");
}

#[test]
fn tokens_are_good_until_deleted_when_an_administrator_says_so() {
    let server = piictu_server();
    let before = json(curl_f(&server, &[]), 200);
    assert_eq!(before["expires_in"], 3600);

    let admin = Browser::signed_in_as(&server, "root", "root-password");
    let csrf = Browser::csrf(&html_page(admin.get(&server.url("/admin")), 200));
    let saved = admin.post_form(
        &server.url(&format!("/admin/apps/{CLIENT_ID}/flags")),
        &[
            ("csrf_token", &csrf),
            ("tokens_never_expire", "on"),
            ("name_approved", "on"),
        ],
    );
    assert_eq!(saved.status(), 303);

    let forever = json(curl_f(&server, &[]), 200);
    assert!(forever.get("expires_in").is_none(), "{forever}");
    let token = forever["access_token"].as_str().unwrap().to_owned();
    server.clock.advance(10 * 365 * 24 * 3600);
    let info = server.introspect_as(CLIENT_ID, CLIENT_SECRET, &token);
    assert_eq!(info["active"], true);
    assert!(info.get("exp").is_none());
    // Deleting it is what ends it.
    let revoked = server.post_basic(
        "/oauth/revoke",
        CLIENT_ID,
        CLIENT_SECRET,
        &[("token", &token)],
    );
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        server.introspect_as(CLIENT_ID, CLIENT_SECRET, &token)["active"],
        false
    );
}
