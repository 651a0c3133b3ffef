//! Leaving: downloading one's data from /account/export, and deleting one's
//! account at /account/delete, after which nothing of it works and its
//! username and `sub` never belong to anyone else.

use gatehouse::accounts::signup::Signup;
use reqwest::blocking::Response;
use serde_json::Value;

use crate::harness::*;

/// The tokens `webapp` gets for `scope` through this signed-in browser
/// (which leaves a consent behind).
fn tokens_in(server: &TestServer, browser: &Browser, scope: &str) -> Value {
    let pkce = Pkce::new();
    let code = code_for(server, browser, "webapp", scope, Some(&pkce));
    json(
        exchange(
            server,
            "webapp",
            &code,
            redirect_of("webapp"),
            Some(&pkce.verifier),
        ),
        200,
    )
}

fn field<'a>(tokens: &'a Value, name: &str) -> &'a str {
    tokens[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {tokens}"))
}

/// Confirms the deletion page's form with `password`.
fn delete_with(server: &TestServer, browser: &Browser, password: &str) -> Response {
    let page = html_page(browser.get(&server.url("/account/delete")), 200);
    browser.post_form(
        &server.url("/account/delete"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("password", password),
        ],
    )
}

/// Signs up at /signup with `username`; answers the response.
fn sign_up(server: &TestServer, username: &str) -> Response {
    let browser = Browser::new();
    let page = html_page(browser.get(&server.url("/signup")), 200);
    browser.post_form(
        &server.url("/signup"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("username", username),
            ("password", "a-new-password"),
            ("email", ""),
            ("name", ""),
        ],
    )
}

fn userinfo_status(server: &TestServer, access: &str) -> u16 {
    server
        .http
        .get(server.url("/oauth/userinfo"))
        .bearer_auth(access)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn export_needs_sign_in() {
    let server = people_server(|_| {});
    let response = Browser::new().get(&server.url("/account/export"));
    assert!(
        matches!(response.status().as_u16(), 302 | 303),
        "{}",
        response.status()
    );
    assert!(location(&response).contains("/login"));
}

#[test]
fn export_holds_profile_factors_consents_and_sessions_and_no_secret() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let tokens = tokens_in(&server, &browser, "openid offline_access read");
    let (totp_secret, recovery) = browser.enrol_totp(&server);
    let sub = server.introspect(field(&tokens, "access_token"))["sub"].clone();

    let response = browser.get(&server.url("/account/export"));
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("application/json"));
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"gatehouse-alice.json\""
    );
    assert_eq!(header(&response, "cache-control"), "no-store");
    let cookies: Vec<String> = set_cookies(&response);
    let text = response.text().unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();

    let profile = &data["profile"];
    assert_eq!(profile["username"], "alice");
    assert_eq!(profile["sub"], sub);
    assert_eq!(profile["name"], "Alice Liddell");
    assert_eq!(profile["email"], "alice@example.org");
    assert_eq!(profile["email_verified"], false);
    assert_eq!(profile["admin"], false);
    assert!(profile["created_at"].as_u64().is_some(), "{profile}");
    assert_eq!(profile["groups"], serde_json::json!([]));

    assert_eq!(data["second_factors"]["totp_enrolled"], true);
    assert!(data["second_factors"]["totp_enrolled_at"]
        .as_u64()
        .is_some());
    assert_eq!(
        data["second_factors"]["recovery_codes_left"],
        recovery.len()
    );
    assert_eq!(data["passkeys"], serde_json::json!([]));
    assert_eq!(data["linked_providers"], serde_json::json!([]));

    let apps = data["authorized_applications"].as_array().unwrap();
    assert_eq!(apps.len(), 1, "{data}");
    assert_eq!(apps[0]["client_id"], "webapp");
    assert_eq!(apps[0]["client_name"], "Web App");
    assert!(scope_set(&apps[0]["scope"]).contains(&"read".to_owned()));
    assert!(apps[0]["granted_at"].as_u64().is_some());

    let sessions = data["sessions"].as_array().unwrap();
    assert!(!sessions.is_empty(), "{data}");
    assert_eq!(
        sessions.iter().filter(|s| s["current"] == true).count(),
        1,
        "{data}"
    );
    assert!(sessions[0]["methods"]
        .as_array()
        .unwrap()
        .contains(&Value::from("pwd")));

    // Described, never disclosed: no password, hash, key, code or token.
    for secret in [
        "password",
        "pbkdf2",
        "digest",
        "secret",
        &totp_secret,
        field(&tokens, "access_token"),
        field(&tokens, "refresh_token"),
    ]
    .into_iter()
    .chain(recovery.iter().map(String::as_str))
    {
        assert!(!text.contains(secret), "the export shows {secret}: {text}");
    }
    for cookie in cookies {
        assert!(!text.contains(&cookie_value(&cookie)));
    }
}

#[test]
fn deletion_with_a_wrong_password_changes_nothing() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let tokens = tokens_in(&server, &browser, "openid offline_access read");
    let page = html_page(delete_with(&server, &browser, "not-her-password"), 400);
    assert!(page.contains("password is not right"), "{page}");
    assert!(is_active(&server, field(&tokens, "access_token")));
    assert_eq!(
        userinfo_status(&server, field(&tokens, "access_token")),
        200
    );
    html_page(browser.get(&server.url("/account")), 200);
    Browser::new().login(&server, "alice", "alice-password");
}

#[test]
fn deletion_without_the_csrf_token_changes_nothing() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let response = browser.post_form(
        &server.url("/account/delete"),
        &[("password", "alice-password")],
    );
    assert!(response.status().is_client_error(), "{}", response.status());
    html_page(browser.get(&server.url("/account")), 200);
}

#[test]
fn deleting_an_account_ends_its_sessions_and_tokens_and_retires_its_name() {
    let server = people_server(|c| c.signup = Signup::Open);
    let browser = Browser::signed_in(&server, "alice");
    let elsewhere = Browser::signed_in(&server, "alice");
    let tokens = tokens_in(&server, &browser, "openid offline_access read");
    let access = field(&tokens, "access_token");
    let refresh_token = field(&tokens, "refresh_token");
    let sub = server.introspect(access)["sub"].clone();
    assert!(sub.is_string());
    // Without `openid` nothing asks for the user again when these are
    // used: only their removal stops them.
    let plain = tokens_in(&server, &browser, "read");
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "webapp", "read", Some(&pkce));

    let response = delete_with(&server, &browser, "alice-password");
    let cleared = set_cookies(&response)
        .into_iter()
        .any(|c| c.to_lowercase().contains("max-age=0"));
    let page = html_page(response, 200);
    assert!(page.contains("Your account is deleted"), "{page}");
    assert!(cleared, "the session cookie was not cleared");

    // Both browsers are signed out.
    for b in [&browser, &elsewhere] {
        let response = b.get(&server.url("/account"));
        assert!(matches!(response.status().as_u16(), 302 | 303));
        assert!(location(&response).contains("/login"));
    }
    // Every token is dead: introspection, UserInfo and the refresh grant.
    assert!(!is_active(&server, access));
    assert!(!is_active(&server, refresh_token));
    assert_eq!(userinfo_status(&server, access), 401);
    oauth_error(
        refresh(&server, "webapp", refresh_token, None),
        400,
        "invalid_grant",
    );
    oauth_error(
        refresh(&server, "webapp", field(&plain, "refresh_token"), None),
        400,
        "invalid_grant",
    );
    let late = exchange(
        &server,
        "webapp",
        &code,
        redirect_of("webapp"),
        Some(&pkce.verifier),
    );
    oauth_error(late, 400, "invalid_grant");
    // Nobody signs in as alice, and nobody takes her name, in any case.
    assert_sign_in_refused(&server, "alice", "alice-password");
    for name in ["alice", "ALICE"] {
        let page = html_page(sign_up(&server, name), 400);
        assert!(page.contains("deleted"), "{page}");
    }
    // A new person gets a new sub.
    assert_eq!(sign_up(&server, "alicia").status(), 303);
    let newcomer = Browser::signed_in_as(&server, "alicia", "a-new-password");
    let theirs = tokens_in(&server, &newcomer, "openid offline_access read");
    let new_sub = server.introspect(field(&theirs, "access_token"))["sub"].clone();
    assert!(new_sub.is_string());
    assert_ne!(new_sub, sub);
    // Bob is untouched.
    Browser::new().login(&server, "bob", "bob-password");
}

#[test]
fn the_last_administrator_cannot_delete_themself() {
    let server = admin_server();
    let root = Browser::signed_in(&server, "root");
    let page = html_page(root.get(&server.url("/account/delete")), 403);
    assert!(page.contains("only administrator"), "{page}");
    assert!(!page.contains("name=\"password\""), "{page}");
    // The form's POST is refused the same way, with the right password.
    let csrf = csrf_from(&server, &root, "/account");
    let response = root.post_form(
        &server.url("/account/delete"),
        &[("csrf_token", &csrf), ("password", "root-password")],
    );
    let page = html_page(response, 403);
    assert!(page.contains("only administrator"), "{page}");
    html_page(root.get(&server.url("/admin")), 200);
    Browser::new().login(&server, "root", "root-password");
}

#[test]
fn the_account_page_links_to_export_and_deletion() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let page = html_page(browser.get(&server.url("/account")), 200);
    assert!(page.contains(&format!("href=\"{}\"", server.url("/account/export"))));
    assert!(page.contains(&format!("href=\"{}\"", server.url("/account/delete"))));
}

#[test]
fn a_deleted_name_is_refused_by_the_user_command_and_skipped_by_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let data_dir = dir.path().join("db");
    let data = data_dir.to_str().unwrap().to_owned();
    let seed_arg = ["--seed", seed.to_str().unwrap()];
    let server = BinServer::spawn(&data_dir, &seed_arg, &[]);
    let bob = Browser::signed_in_at(&server.base, "bob");
    let page = html_page(bob.get(&server.url("/account/delete")), 200);
    let response = bob.post_form(
        &server.url("/account/delete"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("password", "bob-password"),
        ],
    );
    html_page(response, 200);
    let add = |name: &str| {
        run_cli(
            &["user", "add", name, "--password-stdin", "--data", &data],
            Some("a-new-password\n"),
        )
    };
    // Through the running server's control socket, then offline.
    let (ok, _, err) = add("bob");
    assert!(!ok, "bob was added again");
    assert!(err.contains("deleted"), "{err}");
    server.signal("TERM");
    let (ok, _, err) = add("Bob");
    assert!(!ok, "Bob was added again");
    assert!(err.contains("deleted"), "{err}");

    // The seed, applied again at the next start, does not bring bob back.
    let server = BinServer::spawn(&data_dir, &seed_arg, &[]);
    let browser = Browser::new();
    let page = html_page(browser.get(&server.url("/login")), 200);
    let refused = browser.post_form(
        &server.url("/login"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("username", "bob"),
            ("password", "bob-password"),
        ],
    );
    assert_ne!(refused.status(), 303);
    assert!(refused
        .text()
        .unwrap()
        .contains("Wrong username or password"));
    Browser::signed_in_at(&server.base, "alice");
}

#[test]
fn the_admin_page_refuses_a_deleted_name_and_the_audit_trail_shows_the_deletion() {
    let server = admin_server();
    let alice = Browser::signed_in(&server, "alice");
    html_page(delete_with(&server, &alice, "alice-password"), 200);
    let root = Browser::signed_in(&server, "root");
    let response = admin_post(
        &server,
        &root,
        "/admin/users",
        &[
            ("username", "alice"),
            ("password", "another-password"),
            ("email", "alice@example.org"),
        ],
    );
    let page = html_page(response, 400);
    assert!(page.contains("deleted"), "{page}");
    let audit = html_page(root.get(&server.url("/admin/audit")), 200);
    assert!(audit.contains("account_deleted"), "{audit}");
}
