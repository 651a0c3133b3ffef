//! `prompt`, `max_age` and `login_hint` on OpenID authorization requests
//! (Core §3.1.2.1, §3.1.2.6): silent answers, forced sign-in and `auth_time`.

use std::collections::HashMap;

use reqwest::blocking::Response;

use crate::harness::*;

const CLIENT: &str = "rp-rs256";
const SCOPE: &str = "openid profile";

/// An rp-rs256 request for `openid profile` plus `extra`.
fn ask(server: &TestServer, browser: &Browser, extra: &[(&str, &str)]) -> Response {
    browser.authorize(server, &rp_query(CLIENT, SCOPE, extra))
}

/// Asserts a redirect to the client with `error`, the state and `iss`, and no code.
fn silent_error(response: &Response, server: &TestServer, error: &str) {
    let params = redirect_params(response, CLIENT);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some(error),
        "{params:?}"
    );
    assert_eq!(params["iss"], server.base);
    assert!(!params.contains_key("code"), "{params:?}");
}

/// Asserts a redirect to the sign-in page; answers where it points.
fn sent_to_login(response: &Response, server: &TestServer) -> String {
    let status = response.status().as_u16();
    assert!(matches!(status, 302 | 303), "status {status}");
    let to = location(response);
    assert!(
        to.starts_with(&server.url("/login")),
        "not sent to sign in: {to}"
    );
    to
}

/// Signs `username` in again on the sign-in page at `login_url` (keeping its
/// hidden `next`), then follows the server's redirects until one leaves for
/// the client; answers that redirect's query.
fn sign_in_again_and_follow(
    server: &TestServer,
    browser: &Browser,
    login_url: &str,
    username: &str,
) -> HashMap<String, String> {
    let page = html_page(browser.get(login_url), 200);
    let mut form = hidden_inputs(form_with_action(&page, "/login"));
    form.push(("username".into(), username.into()));
    form.push(("password".into(), format!("{username}-password")));
    let mut response = browser
        .http
        .post(server.url("/login"))
        .form(&form)
        .send()
        .unwrap();
    for _ in 0..5 {
        let status = response.status().as_u16();
        assert!(
            matches!(status, 302 | 303),
            "status {status} on the way back: {}",
            response.text().unwrap()
        );
        let to = location(&response);
        if to.starts_with(oidc_redirect(CLIENT)) {
            return redirect_params(&response, CLIENT);
        }
        assert!(
            to.starts_with(&server.base) && !to.starts_with(&server.url("/login")),
            "sent to {to} after signing in"
        );
        response = browser.get(&to);
    }
    panic!("too many redirects after signing in");
}

/// The `auth_time` of the ID token a code gets.
fn auth_time_for(server: &TestServer, code: &str) -> u64 {
    let body = rp_exchange(&server.base, CLIENT, code);
    let claims = jwt_claims(&id_token_of(&body));
    claims["auth_time"]
        .as_u64()
        .unwrap_or_else(|| panic!("no auth_time: {claims}"))
}

/// A browser where alice has signed in and consented to rp-rs256.
fn consented(server: &TestServer) -> Browser {
    let browser = Browser::signed_in(server, "alice");
    rp_code(&server.base, &browser, CLIENT, SCOPE, &[]);
    browser
}

#[test]
fn prompt_none_without_a_session_answers_login_required() {
    let server = oidc_server(|_| {});
    let browser = Browser::new();
    let response = ask(&server, &browser, &[("prompt", "none")]);
    silent_error(&response, &server, "login_required");
}

#[test]
fn prompt_none_without_remembered_consent_answers_consent_required() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let response = ask(&server, &browser, &[("prompt", "none")]);
    silent_error(&response, &server, "consent_required");
}

#[test]
fn prompt_none_with_a_session_and_remembered_consent_issues_a_code() {
    let server = oidc_server(|_| {});
    let browser = consented(&server);
    let response = ask(&server, &browser, &[("prompt", "none")]);
    let params = redirect_params(&response, CLIENT);
    assert_eq!(params["iss"], server.base);
    let code = params
        .get("code")
        .unwrap_or_else(|| panic!("no code: {params:?}"));
    let body = rp_exchange(&server.base, CLIENT, code);
    assert_eq!(jwt_claims(&id_token_of(&body))["nonce"], NONCE);
}

#[test]
fn prompt_login_makes_a_signed_in_person_sign_in_again() {
    let server = oidc_server(|_| {});
    let browser = consented(&server);
    let first_sign_in = server.clock.now();
    server.clock.advance(100);
    let response = ask(&server, &browser, &[("prompt", "login")]);
    let login_url = sent_to_login(&response, &server);
    let second_sign_in = server.clock.now();
    assert!(second_sign_in >= first_sign_in + 100);
    let params = sign_in_again_and_follow(&server, &browser, &login_url, "alice");
    let code = params
        .get("code")
        .unwrap_or_else(|| panic!("no code after signing in again: {params:?}"));
    let auth_time = auth_time_for(&server, code);
    assert!(
        auth_time >= second_sign_in,
        "auth_time {auth_time} is before the second sign-in at {second_sign_in}"
    );
}

#[test]
fn max_age_lets_a_recent_sign_in_through_and_sends_an_old_one_back() {
    let server = oidc_server(|_| {});
    let before = server.clock.now();
    let browser = consented(&server);
    let after = server.clock.now();
    server.clock.advance(120);

    let response = ask(&server, &browser, &[("max_age", "600")]);
    let params = redirect_params(&response, CLIENT);
    let code = params
        .get("code")
        .unwrap_or_else(|| panic!("max_age=600 did not answer a code: {params:?}"));
    let auth_time = auth_time_for(&server, code);
    assert!(
        (before..=after).contains(&auth_time),
        "auth_time {auth_time}, signed in between {before} and {after}"
    );

    let response = ask(&server, &browser, &[("max_age", "60")]);
    let login_url = sent_to_login(&response, &server);
    let params = sign_in_again_and_follow(&server, &browser, &login_url, "alice");
    let code = params
        .get("code")
        .unwrap_or_else(|| panic!("no code after signing in again: {params:?}"));
    let auth_time = auth_time_for(&server, code);
    let now = server.clock.now();
    assert!(
        auth_time + 60 >= now,
        "auth_time {auth_time} is older than max_age at {now}"
    );
}

#[test]
fn login_hint_prefills_the_username_on_the_sign_in_page() {
    let server = oidc_server(|_| {});
    let browser = Browser::new();
    let response = ask(&server, &browser, &[("login_hint", "bob")]);
    let login_url = sent_to_login(&response, &server);
    let page = html_page(browser.get(&login_url), 200);
    let username = elements(&page, "input")
        .into_iter()
        .find(|a| a.get("name").map(String::as_str) == Some("username"))
        .unwrap_or_else(|| panic!("no username input: {page}"));
    assert_eq!(
        username.get("value").map(String::as_str),
        Some("bob"),
        "{username:?}"
    );
}
