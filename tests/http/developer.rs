//! The developer dashboard at /developer/apps.

use crate::harness::*;

/// The CSRF token of a page the browser can see.
fn csrf_of(server: &TestServer, browser: &Browser, path: &str) -> String {
    Browser::csrf(&html_page(browser.get(&server.url(path)), 200))
}

/// Creates an application through the form; answers (client_id, secret).
fn create(
    server: &TestServer,
    browser: &Browser,
    fields: &[(&str, &str)],
) -> (String, Option<String>) {
    let csrf = csrf_of(server, browser, "/developer/apps/new");
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let page = html_page(
        browser.post_form(&server.url("/developer/apps"), &form),
        201,
    );
    let id = between(&page, "id=\"client_id\">", "<").unwrap();
    let secret = between(&page, "id=\"client_secret\">", "<");
    (id, secret)
}

fn between(page: &str, start: &str, end: &str) -> Option<String> {
    let at = page.find(start)? + start.len();
    Some(page[at..at + page[at..].find(end)?].to_owned())
}

fn cc_token(server: &TestServer, id: &str, secret: &str) -> reqwest::blocking::Response {
    server.post_basic(
        "/oauth/token",
        id,
        secret,
        &[("grant_type", "client_credentials"), ("scope", "read")],
    )
}

const SERVICE_APP: [(&str, &str); 4] = [
    ("name", "Reporter"),
    ("type", "confidential"),
    ("grant_types", "client_credentials"),
    ("description", "Sends weekly reports"),
];

#[test]
fn the_dashboard_needs_a_session() {
    let server = people_server(|_| {});
    let response = Browser::new().get(&server.url("/developer/apps"));
    assert_eq!(response.status(), 302);
    assert!(location(&response).starts_with(&server.url("/login?next=")));
}

#[test]
fn a_new_application_shows_its_secret_once_and_works() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (id, secret) = create(&server, &browser, &SERVICE_APP);
    let secret = secret.expect("a confidential app gets a secret");
    assert!(secret.starts_with("gth_cs_"));
    json(cc_token(&server, &id, &secret), 200);
    let list = html_page(browser.get(&server.url("/developer/apps")), 200);
    assert!(list.contains("Reporter") && list.contains(&id));
    let edit = html_page(
        browser.get(&server.url(&format!("/developer/apps/{id}"))),
        200,
    );
    assert!(edit.contains("Sends weekly reports"));
    assert!(!edit.contains(&secret), "the secret is shown again");
    assert!(!list.contains(&secret));
}

#[test]
fn a_public_application_with_browser_sign_in_gets_no_secret() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (id, secret) = create(
        &server,
        &browser,
        &[
            ("name", "Pocket"),
            ("type", "public"),
            (
                "redirect_uris",
                "com.example.pocket:/cb\nhttp://127.0.0.1/cb",
            ),
            ("grant_types", "authorization_code"),
        ],
    );
    assert!(secret.is_none());
    let edit = html_page(
        browser.get(&server.url(&format!("/developer/apps/{id}"))),
        200,
    );
    assert!(edit.contains("com.example.pocket:/cb"));
    assert!(!edit.contains("Reset secret"));
}

#[test]
fn validation_errors_are_shown_beside_the_field_and_nothing_is_saved() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let csrf = csrf_of(&server, &browser, "/developer/apps/new");
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("name", ""), ("grant_types", "client_credentials")],
            "name-error",
        ),
        (
            &[
                ("name", "X"),
                ("grant_types", "authorization_code"),
                ("redirect_uris", "http://example.com/cb"),
            ],
            "redirect_uris-error",
        ),
        (
            &[("name", "X"), ("grant_types", "authorization_code")],
            "redirect_uris-error",
        ),
        (&[("name", "X")], "grant_types-error"),
    ];
    for (fields, id) in cases {
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        let page = html_page(
            browser.post_form(&server.url("/developer/apps"), &form),
            400,
        );
        assert!(page.contains(id), "{id} missing for {fields:?}");
    }
    let list = html_page(browser.get(&server.url("/developer/apps")), 200);
    assert!(list.contains("no applications yet"));
}

#[test]
fn an_edit_is_saved_and_a_bad_edit_changes_nothing() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (id, _) = create(&server, &browser, &SERVICE_APP);
    let path = format!("/developer/apps/{id}");
    let csrf = csrf_of(&server, &browser, &path);
    let saved = browser.post_form(
        &server.url(&path),
        &[
            ("csrf_token", &csrf),
            ("name", "Weekly Reporter"),
            ("grant_types", "client_credentials"),
        ],
    );
    assert_eq!(saved.status(), 303);
    let bad = browser.post_form(
        &server.url(&path),
        &[
            ("csrf_token", &csrf),
            ("name", ""),
            ("grant_types", "client_credentials"),
        ],
    );
    assert_eq!(bad.status(), 400);
    let page = html_page(browser.get(&server.url(&path)), 200);
    assert!(page.contains("Weekly Reporter"));
}

#[test]
fn resetting_the_secret_stops_the_old_one_at_once() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (id, old) = create(&server, &browser, &SERVICE_APP);
    let old = old.unwrap();
    let csrf = csrf_of(&server, &browser, &format!("/developer/apps/{id}"));
    let page = html_page(
        browser.post_form(
            &server.url(&format!("/developer/apps/{id}/secret")),
            &[("csrf_token", &csrf)],
        ),
        200,
    );
    let new = between(&page, "id=\"client_secret\">", "<").unwrap();
    assert_ne!(new, old);
    oauth_error(cc_token(&server, &id, &old), 401, "invalid_client");
    json(cc_token(&server, &id, &new), 200);
}

#[test]
fn deleting_an_application_stops_its_tokens_at_once() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (id, secret) = create(&server, &browser, &SERVICE_APP);
    let token = json(cc_token(&server, &id, secret.as_deref().unwrap()), 200)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(is_active(&server, &token));
    let csrf = csrf_of(&server, &browser, &format!("/developer/apps/{id}"));
    let response = browser.post_form(
        &server.url(&format!("/developer/apps/{id}/delete")),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(response.status(), 303);
    assert!(!is_active(&server, &token));
    assert_eq!(
        browser
            .get(&server.url(&format!("/developer/apps/{id}")))
            .status(),
        404
    );
}

#[test]
fn another_person_cannot_see_or_change_an_application() {
    let server = people_server(|_| {});
    let alice = Browser::signed_in(&server, "alice");
    let (id, _) = create(&server, &alice, &SERVICE_APP);
    let bob = Browser::signed_in(&server, "bob");
    assert_eq!(
        bob.get(&server.url(&format!("/developer/apps/{id}")))
            .status(),
        404
    );
    let csrf = csrf_of(&server, &bob, "/developer/apps/new");
    let delete = bob.post_form(
        &server.url(&format!("/developer/apps/{id}/delete")),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(delete.status(), 404);
    assert!(!html_page(bob.get(&server.url("/developer/apps")), 200).contains("Reporter"));
}

#[test]
fn every_dashboard_form_refuses_a_post_without_its_csrf_token() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (id, _) = create(&server, &browser, &SERVICE_APP);
    for path in [
        "/developer/apps".to_owned(),
        format!("/developer/apps/{id}"),
        format!("/developer/apps/{id}/secret"),
        format!("/developer/apps/{id}/delete"),
    ] {
        let response = browser.post_form(
            &server.url(&path),
            &[("name", "x"), ("grant_types", "client_credentials")],
        );
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_eq!(
        browser
            .get(&server.url(&format!("/developer/apps/{id}")))
            .status(),
        200
    );
}

#[test]
fn the_password_grant_needs_an_administrators_permission() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (id, secret) = create(
        &server,
        &browser,
        &[
            ("name", "Legacy"),
            ("type", "confidential"),
            ("grant_types", "password"),
        ],
    );
    let response = server.post_basic(
        "/oauth/token",
        &id,
        secret.as_deref().unwrap(),
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "alice-password"),
        ],
    );
    oauth_error(response, 400, "unauthorized_client");
}
