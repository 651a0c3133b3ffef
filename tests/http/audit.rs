//! The audit trail: security events are kept as records (time, actor,
//! client address, event, target), shown and filterable at `/admin/audit`
//! to administrators only, swept after the retention days, optionally
//! written as JSON log lines, and never hold a secret.

use std::time::Duration;

use crate::harness::*;

fn audit_page(server: &TestServer, browser: &Browser, query: &str) -> String {
    html_page(
        browser.get(&server.url(&format!("/admin/audit{query}"))),
        200,
    )
}

/// The events the page lists, in order.
fn events(page: &str) -> Vec<String> {
    page.split("<tr class=\"event\">")
        .skip(1)
        .filter_map(|row| row.split("<code>").nth(1)?.split("</code>").next())
        .map(str::to_owned)
        .collect()
}

fn server() -> TestServer {
    TestServer::start_with(&admin_seed(), |c| {
        c.signup = gatehouse::accounts::signup::Signup::Open;
        c.sweep_interval = 1;
    })
}

#[test]
fn security_events_are_kept_and_shown_to_administrators() {
    let server = server();
    // Failed sign-ins until locked, then the right one after the lock.
    for _ in 0..5 {
        let response = try_sign_in(&server, "alice", "wrong-password-1");
        assert_eq!(response.status(), 200);
    }
    assert_eq!(
        try_sign_in(&server, "alice", "alice-password").status(),
        429
    );
    server.clock.advance(3);
    let alice = Browser::signed_in(&server, "alice");
    // Consent given and withdrawn.
    let code_page = html_page(
        ask(&server, &alice, "webapp", "http://127.0.0.1:9000/cb"),
        200,
    );
    let response = alice.decide(&server, &code_page, "allow");
    assert_eq!(response.status(), 303);
    let csrf = csrf_from(&server, &alice, "/account");
    let withdrawn = alice.post_form(
        &server.url("/account/apps/withdraw"),
        &[("csrf_token", &csrf), ("client_id", "webapp")],
    );
    assert_eq!(withdrawn.status(), 303);
    // A client made, its secret reset, deleted.
    let app = album_app(&server, "bob", "Album");
    let bob = Browser::signed_in(&server, "bob");
    let csrf = csrf_from(&server, &bob, &format!("/developer/apps/{app}"));
    let reset = bob.post_form(
        &server.url(&format!("/developer/apps/{app}/secret")),
        &[("csrf_token", &csrf)],
    );
    let shown = html_page(reset, 200);
    let secret = text_between(&shown, "<code id=\"secret\">", "</code>").unwrap_or_default();
    let deleted = bob.post_form(
        &server.url(&format!("/developer/apps/{app}/delete")),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(deleted.status(), 303);
    // A password change and an admin action.
    let csrf = csrf_from(&server, &bob, "/account");
    let changed = bob.post_form(
        &server.url("/account/password"),
        &[
            ("csrf_token", &csrf),
            ("current_password", "bob-password"),
            ("new_password", "bob-new-password-1"),
        ],
    );
    assert_eq!(changed.status(), 303);
    as_root(
        &server,
        "/admin/settings",
        &[("signup", "invite"), ("registration", "token")],
    );

    let root = Browser::signed_in(&server, "root");
    let page = audit_page(&server, &root, "");
    let seen = events(&page);
    for event in [
        "sign_in_failed",
        "sign_in_locked",
        "sign_in",
        "consent_given",
        "consent_withdrawn",
        "client_created",
        "client_secret_reset",
        "client_deleted",
        "password_changed",
        "admin_settings",
    ] {
        assert!(
            seen.iter().any(|e| e == event),
            "{event} missing from {seen:?}"
        );
    }
    // Newest first, with who, from where and to what.
    assert_eq!(
        seen[0], "sign_in",
        "root's own sign-in is the newest: {seen:?}"
    );
    assert!(page.contains("127.0.0.1"));
    assert!(page.contains("webapp"));
    // Filters by event and by person.
    let failed = events(&audit_page(&server, &root, "?event=sign_in_failed"));
    assert_eq!(failed.len(), 5, "{failed:?}");
    let bobs = audit_page(&server, &root, "?who=bob");
    assert!(
        events(&bobs).iter().all(|e| e != "consent_given"),
        "alice's consent is not bob's"
    );
    // Nothing secret on the page.
    for secret in [
        "wrong-password-1",
        "alice-password",
        "bob-new-password-1",
        "bob-password",
        &secret,
    ] {
        if !secret.is_empty() {
            assert!(!page.contains(secret), "{secret} is on the audit page");
        }
    }
    // Administrators only.
    let refused = alice.get(&server.url("/admin/audit"));
    assert_eq!(refused.status(), 403);
}

#[test]
fn events_older_than_the_retention_are_swept() {
    let server = server();
    assert_eq!(
        try_sign_in(&server, "alice", "wrong-password-1").status(),
        200
    );
    server.clock.advance(91 * 24 * 3600);
    let root = Browser::signed_in(&server, "root");
    let started = std::time::Instant::now();
    loop {
        let seen = events(&audit_page(&server, &root, ""));
        if !seen.iter().any(|e| e == "sign_in_failed") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not swept: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn with_audit_log_on_events_are_also_json_log_lines_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &admin_seed());
    let data = dir.path().join("db");
    let server = BinServer::spawn(
        &data,
        &[
            "--seed",
            seed.to_str().unwrap(),
            "--audit-log",
            "true",
            "--log-format",
            "json",
        ],
        &[],
    );
    Browser::new().login_at(&server.base, "root", "root-password");
    let (ok, _, err) = run_cli(&["keys", "rotate", "--data", data.to_str().unwrap()], None);
    assert!(ok, "{err}");
    let started = std::time::Instant::now();
    let line = loop {
        if let Some(line) = server.log_lines().into_iter().find(|l| {
            l.contains("\"target\":\"gatehouse::audit\"") && l.contains("\"event\":\"sign_in\"")
        }) {
            break line;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no audit line");
        std::thread::sleep(Duration::from_millis(50));
    };
    let event: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["actor"], "root");
    assert_eq!(event["client"], "127.0.0.1");
    assert!(!server.log_lines().join("\n").contains("root-password"));
    // The key rotation through the control socket is on the page too.
    let browser = Browser::new();
    browser.login_at(&server.base, "root", "root-password");
    let page = html_page(
        browser.get(&server.url("/admin/audit?event=cli_keys_rotate")),
        200,
    );
    assert!(
        page.contains("cli_keys_rotate") && page.contains(">cli<"),
        "{page}"
    );
}
