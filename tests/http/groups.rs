//! Groups: the `groups` scope's claim in ID tokens and UserInfo, and
//! clients open only to members of given groups.

use serde_json::json;

use crate::harness::*;

const CB: &str = "http://127.0.0.1:9500/cb";

fn seed() -> String {
    json!({
        "users": [
            {"username": "alice", "password": "alice-password", "groups": ["staff", "Grafana-Admins"]},
            {"username": "bob", "password": "bob-password"}
        ],
        "clients": [
            {"client_id": "open", "client_secret": "open-secret", "client_name": "Open",
             "redirect_uris": [CB], "grant_types": ["authorization_code"],
             "scope": "openid profile groups"},
            {"client_id": "staff-only", "client_secret": "staff-only-secret",
             "client_name": "Staff Only", "redirect_uris": [CB],
             "grant_types": ["authorization_code"], "scope": "openid groups",
             "allowed_groups": ["staff"]}
        ]
    })
    .to_string()
}

fn query<'a>(client: &'a str, scope: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CB),
        ("scope", scope),
        ("state", "s1"),
    ]
}

/// Runs the code flow for `client` and answers the token response.
fn tokens(server: &TestServer, browser: &Browser, client: &str, scope: &str) -> serde_json::Value {
    let mut response = browser.authorize(server, &query(client, scope));
    if response.status().as_u16() == 200 {
        response = browser.decide(server, &response.text().unwrap(), "allow");
    }
    let to = location(&response);
    let code = query_of(&to)["code"].clone();
    let secret = format!("{client}-secret");
    json(
        server.post_basic(
            "/oauth/token",
            client,
            &secret,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
            ],
        ),
        200,
    )
}

#[test]
fn the_groups_scope_puts_group_names_in_the_id_token_and_userinfo() {
    let server = TestServer::start_with(&seed(), |_| {});
    let alice = Browser::signed_in(&server, "alice");
    let body = tokens(&server, &alice, "open", "openid groups");
    let claims = jwt_claims(body["id_token"].as_str().unwrap());
    assert_eq!(claims["groups"], json!(["Grafana-Admins", "staff"]));
    let info = userinfo_at(&server.base, body["access_token"].as_str().unwrap());
    assert_eq!(info["groups"], json!(["Grafana-Admins", "staff"]));

    let without = tokens(&server, &alice, "open", "openid profile");
    let claims = jwt_claims(without["id_token"].as_str().unwrap());
    assert!(claims.get("groups").is_none(), "{claims}");

    let bob = Browser::signed_in(&server, "bob");
    let body = tokens(&server, &bob, "open", "openid groups");
    assert_eq!(
        jwt_claims(body["id_token"].as_str().unwrap())["groups"],
        json!([])
    );

    let discovery = json(
        server
            .http
            .get(server.url("/.well-known/openid-configuration"))
            .send()
            .unwrap(),
        200,
    );
    assert!(discovery["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("groups")));
}

#[test]
fn a_client_open_to_a_group_refuses_everyone_else_with_a_page_and_no_code() {
    let server = TestServer::start_with(&seed(), |_| {});
    let bob = Browser::signed_in(&server, "bob");
    let response = bob.authorize(&server, &query("staff-only", "openid"));
    assert!(response.headers().get("location").is_none());
    let page = html_page(response, 403);
    assert!(page.contains("members of some groups"), "{page}");

    let alice = Browser::signed_in(&server, "alice");
    let body = tokens(&server, &alice, "staff-only", "openid");
    assert!(body["access_token"].is_string());
}
