//! The admin pages at /admin: people, applications' flags, sign-up and
//! registration policies, invitations and password resets.

use serde_json::json as body;

use crate::harness::*;

/// POSTs dynamic client registration metadata with no token.
fn register(server: &TestServer) -> reqwest::blocking::Response {
    http_client()
        .post(server.url("/oauth/register"))
        .json(&body!({"redirect_uris": ["https://x.example/cb"]}))
        .send()
        .unwrap()
}

/// A password-grant request for alice by a client.
fn alice_by_password(server: &TestServer, id: &str, secret: &str) -> reqwest::blocking::Response {
    server.post_basic(
        "/oauth/token",
        id,
        secret,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "alice-password"),
            ("scope", "read"),
        ],
    )
}

#[test]
fn the_admin_pages_need_a_session() {
    let server = admin_server();
    let response = Browser::new().get(&server.url("/admin"));
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), server.url("/login?next=%2Fadmin"));
}

#[test]
fn a_person_who_is_not_an_administrator_is_refused() {
    let server = admin_server();
    let alice = Browser::signed_in(&server, "alice");
    html_page(alice.get(&server.url("/admin")), 403);
}

#[test]
fn the_admin_page_lists_every_person_and_every_application() {
    let server = admin_server();
    let album = album_app(&server, "bob", "Photo Album");
    let root = Browser::signed_in(&server, "root");
    let page = html_page(root.get(&server.url("/admin/users")), 200);
    for name in ["root", "alice", "bob", "carol", "dave"] {
        assert!(page.contains(name), "{name} is not listed");
        assert!(
            page.contains(&format!("{name}@example.org")),
            "{name}'s email is not listed"
        );
    }
    for (id, name) in [
        ("webapp", "Web App"),
        (CLIENT_ID, "Service"),
        (album.as_str(), "Photo Album"),
    ] {
        let page = html_page(root.get(&server.url("/admin/apps")), 200);
        assert!(page.contains(id), "{id} is not listed");
        assert!(page.contains(name), "{name} is not listed");
    }
    let page = html_page(root.get(&server.url("/admin/apps")), 200);
    assert!(page.contains("nameless"));
    let row = row_with(&page, &album);
    assert!(
        row.contains("bob"),
        "the owner is not beside the app: {row}"
    );
}

#[test]
fn an_administrator_adds_a_person_who_can_then_sign_in() {
    let server = admin_server();
    as_root(
        &server,
        "/admin/users",
        &[
            ("username", "erin"),
            ("password", "erin-password"),
            ("email", "erin@example.org"),
        ],
    );
    let erin = Browser::new();
    erin.login(&server, "erin", "erin-password");
    html_page(erin.get(&server.url("/admin")), 403);
    let root = Browser::signed_in(&server, "root");
    let page = html_page(root.get(&server.url("/admin/users")), 200);
    assert!(page.contains("erin@example.org"));
}

#[test]
fn an_administrator_can_add_another_administrator() {
    let server = admin_server();
    as_root(
        &server,
        "/admin/users",
        &[
            ("username", "frank"),
            ("password", "frank-password"),
            ("email", "frank@example.org"),
            ("admin", "on"),
        ],
    );
    let frank = Browser::signed_in(&server, "frank");
    html_page(frank.get(&server.url("/admin")), 200);
}

#[test]
fn a_bad_new_person_is_explained_and_nothing_is_created() {
    let server = admin_server();
    let root = Browser::signed_in(&server, "root");
    let cases = [
        ("bad name", "long-enough-1", "letters, digits"),
        ("gina", "short", "at least 8 characters"),
    ];
    for (username, password, words) in cases {
        let response = admin_post(
            &server,
            &root,
            "/admin/users",
            &[
                ("username", username),
                ("password", password),
                ("email", "gina@example.org"),
            ],
        );
        let page = html_page(response, 400);
        assert!(page.contains(words), "{words} missing for {username}");
    }
    assert_sign_in_refused(&server, "gina", "short");
    let page = html_page(root.get(&server.url("/admin/users")), 200);
    assert!(page.contains("root@example.org"), "{page}");
    assert!(!page.contains("gina"), "a person was created");
    assert!(!page.contains("bad name"), "a person was created");
}

#[test]
fn a_disabled_person_is_locked_out_at_once_until_enabled() {
    let server = admin_server();
    let (access, sub) = access_and_sub(&server, "alice");
    let session = Browser::signed_in(&server, "alice");
    assert_eq!(session.get(&server.url("/account")).status(), 200);

    as_root(&server, &format!("/admin/users/{sub}/disable"), &[]);
    assert_sign_in_refused(&server, "alice", "alice-password");
    let response = session.get(&server.url("/account"));
    assert_eq!(response.status(), 302, "the old session still works");
    assert!(location(&response).starts_with(&server.url("/login")));
    let info = introspect_as_webapp(&server, &access);
    assert_eq!(info["active"], false, "{info}");
    // Others are untouched.
    Browser::signed_in(&server, "bob");

    as_root(&server, &format!("/admin/users/{sub}/enable"), &[]);
    let again = Browser::signed_in(&server, "alice");
    assert_eq!(again.get(&server.url("/account")).status(), 200);
}

#[test]
fn making_and_unmaking_an_administrator_takes_effect_at_once() {
    let server = admin_server();
    let sub = sub_of(&server, "alice");
    let alice = Browser::signed_in(&server, "alice");
    html_page(alice.get(&server.url("/admin")), 403);
    as_root(&server, &format!("/admin/users/{sub}/admin"), &[]);
    html_page(alice.get(&server.url("/admin")), 200);
    as_root(&server, &format!("/admin/users/{sub}/unadmin"), &[]);
    html_page(alice.get(&server.url("/admin")), 403);
}

#[test]
fn a_password_reset_link_sets_a_new_password_once() {
    let server = admin_server();
    let sub = sub_of(&server, "alice");
    let root = Browser::signed_in(&server, "root");
    let page = html_page(
        admin_post(&server, &root, &format!("/admin/users/{sub}/reset"), &[]),
        200,
    );
    let link = link_path(&page, "/reset?token=gth_pr_");

    let browser = Browser::new();
    let form = html_page(browser.get(&server.url(&link)), 200);
    assert!(
        elements(&form, "input")
            .iter()
            .any(|a| a.get("name").map(String::as_str) == Some("new_password")),
        "no new_password input: {form}"
    );
    let token = hidden_value(&form, "token").expect("a hidden token");
    let csrf = Browser::csrf(&form);
    let response = browser.post_form(
        &server.url("/reset"),
        &[
            ("csrf_token", &csrf),
            ("token", &token),
            ("new_password", "through-the-looking-glass"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), server.url("/login"));
    Browser::new().login(&server, "alice", "through-the-looking-glass");
    assert_sign_in_refused(&server, "alice", "alice-password");

    // The link works once.
    let reopened = browser.get(&server.url(&link));
    let status = reopened.status().as_u16();
    html_page(reopened, status);
    assert!(
        matches!(status, 400 | 403),
        "reopened link answered {status}"
    );
    let again = browser.post_form(
        &server.url("/reset"),
        &[
            ("csrf_token", &csrf),
            ("token", &token),
            ("new_password", "a-second-new-password"),
        ],
    );
    let status = again.status().as_u16();
    html_page(again, status);
    assert!(matches!(status, 400 | 403), "reused link answered {status}");
    assert_sign_in_refused(&server, "alice", "a-second-new-password");
}

#[test]
fn the_password_grant_works_once_an_administrator_allows_it() {
    let server = admin_server();
    let bob = Browser::signed_in(&server, "bob");
    let (id, secret) = dashboard_app(
        &server,
        &bob,
        &[
            ("name", "Legacy"),
            ("type", "confidential"),
            ("grant_types", "password"),
        ],
    );
    let secret = secret.expect("a confidential app gets a secret");
    oauth_error(
        alice_by_password(&server, &id, &secret),
        400,
        "unauthorized_client",
    );
    set_flags(&server, &id, &["password_allowed"]);
    let tokens = json(alice_by_password(&server, &id, &secret), 200);
    assert!(tokens["access_token"].is_string(), "{tokens}");
    // Unchecking the box takes it away again.
    set_flags(&server, &id, &[]);
    oauth_error(
        alice_by_password(&server, &id, &secret),
        400,
        "unauthorized_client",
    );
}

#[test]
fn the_sign_up_and_registration_policies_change_at_once() {
    let server = admin_server();
    set_policies(&server, "open", "open");
    html_page(Browser::new().get(&server.url("/signup")), 200);
    json(register(&server), 201);

    set_policies(&server, "closed", "closed");
    html_page(Browser::new().get(&server.url("/signup")), 403);
    assert_eq!(register(&server).status(), 403);
}

#[test]
fn an_invitation_from_the_admin_page_opens_sign_up_once() {
    let server = admin_server();
    set_policies(&server, "invite", "token");
    assert_eq!(Browser::new().get(&server.url("/signup")).status(), 403);
    let root = Browser::signed_in(&server, "root");
    let page = html_page(admin_post(&server, &root, "/admin/invites", &[]), 200);
    let link = link_path(&page, "/signup?invite=gth_in_");

    let browser = Browser::new();
    let form = html_page(browser.get(&server.url(&link)), 200);
    let csrf = Browser::csrf(&form);
    let invite = hidden_value(&form, "invite").expect("a hidden invite");
    let fields = |name: &'static str, csrf: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("username", name.to_owned()),
            ("password", "invited-person".to_owned()),
            ("invite", invite.clone()),
        ]
    };
    let first = browser
        .http
        .post(server.url("/signup"))
        .form(&fields("hana", &csrf))
        .send()
        .unwrap();
    assert_eq!(first.status(), 303);
    Browser::new().login(&server, "hana", "invited-person");

    let other = Browser::new();
    let csrf = csrf_from(&server, &other, "/login");
    let second = other
        .http
        .post(server.url("/signup"))
        .form(&fields("ivan", &csrf))
        .send()
        .unwrap();
    assert_eq!(second.status(), 403);
    assert_eq!(other.get(&server.url(&link)).status(), 403);
    assert_sign_in_refused(&server, "ivan", "invited-person");
}

/// Every admin change, by path and fields, aimed at the person `alice`
/// (their id); ordered so that any that got through leaves a trace.
fn every_change(alice: &str) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "/admin/users".to_owned(),
            vec![
                ("username", "mallory"),
                ("password", "mallory-password"),
                ("email", "mallory@example.org"),
                ("admin", "on"),
            ],
        ),
        (format!("/admin/users/{alice}/enable"), vec![]),
        (format!("/admin/users/{alice}/disable"), vec![]),
        (format!("/admin/users/{alice}/unadmin"), vec![]),
        (format!("/admin/users/{alice}/admin"), vec![]),
        (format!("/admin/users/{alice}/reset"), vec![]),
        (
            "/admin/apps/webapp/flags".to_owned(),
            vec![("skip_consent", "on"), ("verified", "on")],
        ),
        (
            "/admin/settings".to_owned(),
            vec![("signup", "open"), ("registration", "open")],
        ),
        ("/admin/invites".to_owned(), vec![]),
    ]
}

/// Asserts none of [`every_change`] happened.
fn assert_nothing_changed(server: &TestServer) {
    assert_sign_in_refused(server, "mallory", "mallory-password");
    let alice = Browser::signed_in(server, "alice");
    html_page(alice.get(&server.url("/admin")), 403);
    html_page(Browser::new().get(&server.url("/signup")), 403);
    assert_eq!(register(server).status(), 403);
    // webapp still asks carol (who never allowed it) for consent, unverified.
    let page = consent_page(server, "carol", "webapp", "http://127.0.0.1:9000/cb");
    assert!(!has_class(&page, "verified"));
}

#[test]
fn every_admin_form_refuses_a_post_without_its_csrf_token() {
    let server = admin_server();
    // Close registration first, so a change to it would show.
    set_policies(&server, "closed", "closed");
    let sub = sub_of(&server, "alice");
    let root = Browser::signed_in(&server, "root");
    for (path, fields) in every_change(&sub) {
        let response = root.post_form(&server.url(&path), &fields);
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_nothing_changed(&server);
}

#[test]
fn every_admin_form_refuses_a_person_who_is_not_an_administrator() {
    let server = admin_server();
    // Close registration first, so a change to it would show.
    set_policies(&server, "closed", "closed");
    let sub = sub_of(&server, "alice");
    let bob = Browser::signed_in(&server, "bob");
    let csrf = csrf_from(&server, &bob, "/account");
    for (path, fields) in every_change(&sub) {
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend(fields);
        let response = bob.post_form(&server.url(&path), &form);
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_nothing_changed(&server);
}
