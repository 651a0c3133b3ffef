//! The account page: profile, password, authorized applications, sessions.

use crate::harness::*;

/// The account page for a signed-in browser, with its CSRF token.
fn account_page(server: &TestServer, browser: &Browser) -> (String, String) {
    let page = html_page(browser.get(&server.url("/account")), 200);
    let csrf = Browser::csrf(&page);
    (page, csrf)
}

fn post(
    server: &TestServer,
    browser: &Browser,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::blocking::Response {
    browser.post_form(&server.url(path), form)
}

#[test]
fn the_account_page_needs_a_session() {
    let server = people_server(|_| {});
    let response = Browser::new().get(&server.url("/account"));
    assert_eq!(response.status(), 302);
    assert!(location(&response).starts_with(&server.url("/login?next=%2Faccount")));
}

#[test]
fn a_profile_change_reaches_userinfo() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (_, csrf) = account_page(&server, &browser);
    let response = post(
        &server,
        &browser,
        "/account/profile",
        &[
            ("csrf_token", &csrf),
            ("name", "Alice P. Liddell"),
            ("email", "alice@wonder.example"),
        ],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), server.url("/account?done=profile"));
    let (page, _) = account_page(&server, &browser);
    assert!(page.contains("Alice P. Liddell"));
    let tokens = tokens_for(&server, "webapp", "alice", "openid profile email");
    let info = json(
        server
            .http
            .get(server.url("/oauth/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(info["name"], "Alice P. Liddell");
    assert_eq!(info["email"], "alice@wonder.example");
    assert_eq!(info["email_verified"], false);
}

#[test]
fn a_bad_email_is_shown_beside_the_form_and_nothing_is_saved() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let (_, csrf) = account_page(&server, &browser);
    let response = post(
        &server,
        &browser,
        "/account/profile",
        &[
            ("csrf_token", &csrf),
            ("name", "Changed"),
            ("email", "not an email"),
        ],
    );
    let page = html_page(response, 400);
    assert!(page.contains("does not look like an email address"));
    let (page, _) = account_page(&server, &browser);
    assert!(page.contains("alice@example.org"));
    assert!(!page.contains("value=\"Changed\""));
}

#[test]
fn a_password_change_needs_the_current_one_and_signs_out_other_sessions() {
    let server = people_server(|_| {});
    let here = Browser::signed_in(&server, "alice");
    let elsewhere = Browser::signed_in(&server, "alice");
    let (_, csrf) = account_page(&server, &here);

    let wrong = post(
        &server,
        &here,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", "nope-nope"),
            ("new_password", "a-brand-new-one"),
        ],
    );
    assert!(html_page(wrong, 400).contains("current password is wrong"));
    let weak = post(
        &server,
        &here,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", "alice-password"),
            ("new_password", "short"),
        ],
    );
    assert!(html_page(weak, 400).contains("at least 8 characters"));

    let ok = post(
        &server,
        &here,
        "/account/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", "alice-password"),
            ("new_password", "a-brand-new-one"),
        ],
    );
    assert_eq!(ok.status(), 303);
    // This browser stays signed in; the other one is signed out.
    assert_eq!(here.get(&server.url("/account")).status(), 200);
    assert_eq!(elsewhere.get(&server.url("/account")).status(), 302);
    // The old password no longer works; the new one does.
    let fresh = Browser::new();
    let page = html_page(fresh.get(&server.url("/login")), 200);
    let csrf = Browser::csrf(&page);
    let old = fresh.post_form(
        &server.url("/login"),
        &[
            ("csrf_token", &csrf),
            ("username", "alice"),
            ("password", "alice-password"),
        ],
    );
    assert!(html_page(old, 200).contains("Wrong username or password"));
    fresh.login(&server, "alice", "a-brand-new-one");
}

#[test]
fn authorized_applications_are_listed_and_can_be_withdrawn() {
    let server = people_server(|_| {});
    let tokens = tokens_for(&server, "webapp", "alice", "read write");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let browser = Browser::signed_in(&server, "alice");
    let (page, csrf) = account_page(&server, &browser);
    assert!(page.contains("Web App"), "{page}");
    assert!(page.contains("read write"));
    assert!(page.contains("last used"));

    let response = post(
        &server,
        &browser,
        "/account/apps/withdraw",
        &[("csrf_token", &csrf), ("client_id", "webapp")],
    );
    assert_eq!(response.status(), 303);
    assert!(!is_active(&server, &access));
    assert!(!is_active(&server, &refresh));
    let (page, _) = account_page(&server, &browser);
    assert!(!page.contains("Web App"));
    // Consent is asked again.
    let again = browser.authorize(
        &server,
        &[
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", "http://127.0.0.1:9000/cb"),
            ("scope", "read"),
        ],
    );
    assert!(html_page(again, 200).contains("decision"));
}

#[test]
fn sign_out_everywhere_ends_every_session() {
    let server = people_server(|_| {});
    let here = Browser::signed_in(&server, "alice");
    let elsewhere = Browser::signed_in(&server, "alice");
    let (page, csrf) = account_page(&server, &here);
    assert!(page.contains("(this browser)"));
    let response = post(
        &server,
        &here,
        "/account/sessions/end",
        &[("csrf_token", &csrf)],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), server.url("/login"));
    assert_eq!(here.get(&server.url("/account")).status(), 302);
    assert_eq!(elsewhere.get(&server.url("/account")).status(), 302);
}

#[test]
fn every_account_form_refuses_a_post_without_its_csrf_token() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    for path in [
        "/account/profile",
        "/account/password",
        "/account/apps/withdraw",
        "/account/sessions/end",
    ] {
        let response = post(
            &server,
            &browser,
            path,
            &[("name", "x"), ("client_id", "webapp")],
        );
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_eq!(browser.get(&server.url("/account")).status(), 200);
}
