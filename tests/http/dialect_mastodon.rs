//! The mastodon dialect: mastodon-doorkeeper-oauth.txt's four steps, word
//! for word, plus app registration in both body forms and the
//! verify_credentials endpoints.

use gatehouse::dialects::Dialect;

use crate::harness::*;

/// A server with only Mastodon's scopes: alice, the webapp client, nothing else.
fn mastodon_server() -> TestServer {
    let seed = serde_json::json!({
        "users": [{"username": "alice", "password": "alice-password", "name": "Alice Liddell"}],
        "clients": [{"client_id": "webapp", "client_secret": "webapp-secret",
                     "redirect_uris": ["http://127.0.0.1:9000/cb"],
                     "grant_types": ["authorization_code", "refresh_token"]}]
    });
    TestServer::start_with(&seed.to_string(), |c| c.dialects = vec![Dialect::Mastodon])
}

/// Registers an app with `POST /api/v1/apps` as a form; answers (client_key, client_secret).
fn register(server: &TestServer, scopes: &str) -> (String, String) {
    let body = json(
        server
            .http
            .post(server.url("/api/v1/apps"))
            .form(&[
                ("client_name", "Tooter"),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                ("scopes", scopes),
                ("website", "https://tooter.example"),
            ])
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(body["name"], "Tooter");
    assert_eq!(body["website"], "https://tooter.example");
    assert_eq!(body["redirect_uri"], "urn:ietf:wg:oauth:2.0:oob");
    assert!(
        body["id"]
            .as_str()
            .is_some_and(|id| id.parse::<u64>().is_ok()),
        "{body}"
    );
    (
        body["client_id"].as_str().unwrap().to_owned(),
        body["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// Step 4: the person visits /oauth/authorize with the document's parameters,
/// allows, and "gets back a code" on the page.
fn code_by_hand(server: &TestServer, client_key: &str, scope: Option<&str>) -> String {
    let browser = Browser::signed_in(server, "alice");
    let mut query = vec![
        ("response_type", "code"),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ("client_id", client_key),
    ];
    if let Some(scope) = scope {
        query.push(("scope", scope));
    }
    let consent = html_page(browser.authorize(server, &query), 200);
    let shown = html_page(browser.decide(server, &consent, "allow"), 200);
    shown_code(&shown)
}

#[test]
fn the_four_steps_of_the_document_work_word_for_word() {
    let server = mastodon_server();
    // Step 1: register, keep client_key and client_secret.
    let (client_key, client_secret) = register(&server, "read write follow");
    // Step 4: no tokens yet, so the person authorizes; store the code "as your refresh_token".
    let refresh_token = code_by_hand(&server, &client_key, Some("read write follow"));
    // Step 2: refresh at /oauth/token with client_id=<client_key>, client_secret, grant_type=refresh_token.
    let refresh = |token: &str| {
        server
            .http
            .post(server.url("/oauth/token"))
            .form(&[
                ("client_id", client_key.as_str()),
                ("client_secret", client_secret.as_str()),
                ("grant_type", "refresh_token"),
                ("refresh_token", token),
            ])
            .send()
            .unwrap()
    };
    let tokens = json(refresh(&refresh_token), 200);
    assert_eq!(scope_set(&tokens["scope"]), ["follow", "read", "write"]);
    let access_token = tokens["access_token"].as_str().unwrap().to_owned();
    // Step 3: verify credentials with Authorization: Bearer <access_token>.
    let me = json(
        server
            .http
            .get(server.url("/api/v1/accounts/verify_credentials"))
            .header("Authorization", format!("Bearer {access_token}"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(me["username"], "alice");
    assert_eq!(me["acct"], "alice");
    assert_eq!(me["display_name"], "Alice Liddell");
    assert!(me["id"].is_string());
    // Later, step 2 again with the real refresh token.
    let next = json(refresh(tokens["refresh_token"].as_str().unwrap()), 200);
    assert_ne!(next["access_token"], tokens["access_token"]);
    // The code was spent: presenting it again is refused.
    oauth_error(refresh(&refresh_token), 400, "invalid_grant");
}

#[test]
fn without_a_scope_the_token_defaults_to_read() {
    let server = mastodon_server();
    let (client_key, client_secret) = register(&server, "read write follow");
    let code = code_by_hand(&server, &client_key, None);
    let tokens = json(
        server.post_form(
            "/oauth/token",
            &[
                ("client_id", &client_key),
                ("client_secret", &client_secret),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ],
        ),
        200,
    );
    assert_eq!(tokens["scope"], "read");
}

#[test]
fn apps_register_from_json_too_and_verify_their_credentials() {
    let server = mastodon_server();
    let body = json(
        server
            .http
            .post(server.url("/api/v1/apps"))
            .json(&serde_json::json!({
                "client_name": "Elephant",
                "redirect_uris": "https://elephant.example/cb\nurn:ietf:wg:oauth:2.0:oob",
                "scopes": "read push",
            }))
            .send()
            .unwrap(),
        200,
    );
    let (id, secret) = (
        body["client_id"].as_str().unwrap(),
        body["client_secret"].as_str().unwrap(),
    );
    // An app token from client credentials opens apps/verify_credentials, not the account one.
    let app = json(
        server.post_form(
            "/oauth/token",
            &[
                ("client_id", id),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
            ],
        ),
        200,
    );
    let token = app["access_token"].as_str().unwrap();
    let verified = json(
        server
            .http
            .get(server.url("/api/v1/apps/verify_credentials"))
            .bearer_auth(token)
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(verified["name"], "Elephant");
    let account = server
        .http
        .get(server.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(account.status(), 422);
    let bad = server
        .http
        .get(server.url("/api/v1/apps/verify_credentials"))
        .bearer_auth("gth_at_nonsense")
        .send()
        .unwrap();
    assert_eq!(bad.status(), 401);
}

#[test]
fn bad_app_registrations_are_refused_as_mastodon_does() {
    let server = mastodon_server();
    for form in [
        vec![("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")],
        vec![("client_name", "X"), ("redirect_uris", "not a uri")],
        vec![
            ("client_name", "X"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", "admin:everything"),
        ],
    ] {
        let response = server
            .http
            .post(server.url("/api/v1/apps"))
            .form(&form)
            .send()
            .unwrap();
        assert_eq!(response.status(), 422, "{form:?}");
        let body: serde_json::Value = response.json().unwrap();
        assert!(body["error"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed"));
    }
}

#[test]
fn a_code_as_refresh_token_is_only_understood_for_mastodon_apps() {
    let server = mastodon_server();
    let browser = Browser::signed_in(&server, "alice");
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "webapp", "read", Some(&pkce));
    let response = server.post_basic(
        "/oauth/token",
        "webapp",
        "webapp-secret",
        &[("grant_type", "refresh_token"), ("refresh_token", &code)],
    );
    oauth_error(response, 400, "invalid_grant");
}

#[test]
fn the_dialect_routes_exist_only_when_asked_for() {
    let server = people_server(|_| {});
    let response = server
        .http
        .post(server.url("/api/v1/apps"))
        .form(&[("client_name", "X")])
        .send()
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn conflicting_dialects_are_refused_at_start_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("db");
    let (ok, _, err) = run_cli(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
            "--dialect",
            "piictu",
            "--dialect",
            "appnet",
        ],
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("piictu") && err.contains("appnet") && err.contains("/oauth/access_token"),
        "{err}"
    );
}

#[test]
fn dialects_may_come_from_the_environment_comma_separated() {
    let dir = tempfile::tempdir().unwrap();
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &[],
        &[("GATEHOUSE_DIALECTS", "mastodon")],
    );
    let response = http_client()
        .post(server.url("/api/v1/apps"))
        .form(&[
            ("client_name", "Env"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
}
