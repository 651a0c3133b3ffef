//! The mastodon dialect: mastodon-doorkeeper-oauth.txt replayed in its own
//! order (the scopes, the default scope, then the four steps word for
//! word: register at `POST /api/v1/apps`, authorize out of band, store the
//! code "as your refresh_token", refresh at `/oauth/token`, verify
//! credentials with `Authorization: Bearer`), then what a Doorkeeper server
//! does around them: code lifetimes, a code sent twice, JSON token bodies
//! and the verify_credentials endpoints. Every replay runs with the dialect
//! alone and with the set `gatehouse dev` enables.

mod enabling;
mod four_steps;
mod token_endpoint;
mod verify_credentials;

use reqwest::blocking::Response;
use serde_json::{json, Value};

use crate::harness::*;

/// The demo seed's Mastodon client (redirect `urn:ietf:wg:oauth:2.0:oob`,
/// scope `read write follow push`, client_secret_post).
const APP: &str = "mastodon-app";
const APP_SECRET: &str = "mastodon-app-secret";
/// The demo seed's alice.
const ALICE: &str = "alice";
const ALICE_PASSWORD: &str = "alice-wonderland";
/// The second redirect URI of a two-URI app.
const APP_CB: &str = "https://app.example/cb";

/// Nothing added to the demo seed.
fn nothing() -> Value {
    json!({})
}

/// An app's credentials as the document calls them: (client_key, client_secret).
struct Keys {
    key: String,
    secret: String,
}

impl Keys {
    fn seed() -> Self {
        Keys {
            key: APP.into(),
            secret: APP_SECRET.into(),
        }
    }

    /// Step 1's answer: the `client_id` and `client_secret` it carries (the
    /// `id` is there too, but "we actually don't need the id").
    fn from_answer(answer: &Value) -> Self {
        assert!(
            answer["id"]
                .as_str()
                .is_some_and(|id| id.parse::<u64>().is_ok()),
            "{answer}"
        );
        let field = |name: &str| {
            answer[name]
                .as_str()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| panic!("no {name} in {answer}"))
                .to_owned()
        };
        Keys {
            key: field("client_id"),
            secret: field("client_secret"),
        }
    }
}

/// Step 1 with a form body: `POST /api/v1/apps`.
fn register_form(server: &TestServer, form: &[(&str, &str)]) -> Value {
    json(
        server
            .http
            .post(server.url("/api/v1/apps"))
            .form(form)
            .send()
            .unwrap(),
        200,
    )
}

/// Step 1 with a JSON body.
fn register_json(server: &TestServer, body: &Value) -> Value {
    json(
        server
            .http
            .post(server.url("/api/v1/apps"))
            .json(body)
            .send()
            .unwrap(),
        200,
    )
}

/// An app with both redirect URIs: out of band and [`APP_CB`].
fn two_uri_app(server: &TestServer) -> Keys {
    let answer = register_form(
        server,
        &[
            ("client_name", "Two Ways"),
            ("redirect_uris", &format!("{OOB}\n{APP_CB}")),
            ("scopes", "read write follow"),
        ],
    );
    assert_eq!(answer["redirect_uri"], format!("{OOB}\n{APP_CB}"));
    Keys::from_answer(&answer)
}

/// Step 4's URL, word for word: `scope` (spaces as `%20`), `response_type=code`,
/// `redirect_uri=urn:ietf:wg:oauth:2.0:oob`, `client_id=<client_key>`. With
/// `scope` None the parameter is left out.
fn step4_url(server: &TestServer, client_key: &str, scope: Option<&str>) -> String {
    let scope = scope
        .map(|s| format!("scope={}&", s.replace(' ', "%20")))
        .unwrap_or_default();
    server.url(&format!(
        "/oauth/authorize?{scope}response_type=code&redirect_uri={OOB}&client_id={client_key}"
    ))
}

/// Whether a page carries the consent form.
fn is_consent(page: &str) -> bool {
    elements(page, "form").iter().any(|f| {
        f.get("action")
            .is_some_and(|a| a.ends_with("/oauth/authorize"))
    })
}

/// "The user clicks on the URL and gets shown a page asking them to
/// authorize your app"; "if the user clicks on the right button, they get
/// back a code". Answers the code shown on the page, checking the consent
/// page names each of `asked`; with `first`, the page must ask.
fn code_by_hand(
    server: &TestServer,
    browser: &Browser,
    url: &str,
    asked: &[&str],
    first: bool,
) -> String {
    let page = html_page(browser.get(url), 200);
    assert!(!first || is_consent(&page), "no consent page: {page}");
    let shown = if is_consent(&page) {
        for scope in asked {
            assert!(
                page.contains(&format!(">{scope}</code>")),
                "the consent page does not name {scope}: {page}"
            );
        }
        html_page(browser.decide(server, &page, "allow"), 200)
    } else {
        page
    };
    shown_code(&shown)
}

/// Step 4 for alice in a fresh browser; answers the code.
fn step4(server: &TestServer, keys: &Keys, scope: Option<&str>) -> String {
    step4_as(server, keys, scope, false)
}

fn step4_as(server: &TestServer, keys: &Keys, scope: Option<&str>, first: bool) -> String {
    let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
    let asked: Vec<&str> = scope.map(|s| s.split(' ').collect()).unwrap_or_default();
    code_by_hand(
        server,
        &browser,
        &step4_url(server, &keys.key, scope),
        &asked,
        first,
    )
}

/// Step 2, word for word: `POST /oauth/token` with `client_id=<client_key>`,
/// `client_secret=<client_secret>`, `grant_type=refresh_token`,
/// `refresh_token=<refresh_token>`.
fn step2(server: &TestServer, keys: &Keys, refresh_token: &str) -> Response {
    server.post_form(
        "/oauth/token",
        &[
            ("client_id", &keys.key),
            ("client_secret", &keys.secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
}

/// Step 2's answer: an access token and a real refresh token.
fn step2_tokens(server: &TestServer, keys: &Keys, refresh_token: &str) -> Value {
    let tokens = json(step2(server, keys, refresh_token), 200);
    assert!(tokens["access_token"].is_string(), "{tokens}");
    assert!(
        tokens["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
        "{tokens}"
    );
    let next = tokens["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh_token in {tokens}"));
    assert_ne!(next, refresh_token, "the refresh token must be a new one");
    tokens
}

/// Step 3: `GET /api/v1/accounts/verify_credentials` with the header
/// `Authorization: Bearer <access_token>`.
fn step3(server: &TestServer, access_token: &str) -> Response {
    server
        .http
        .get(server.url("/api/v1/accounts/verify_credentials"))
        .header("Authorization", format!("Bearer {access_token}"))
        .send()
        .unwrap()
}

/// The access token of a token answer.
fn access_of(tokens: &Value) -> &str {
    tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access_token in {tokens}"))
}

/// A code for [`APP_CB`] (the app's second redirect URI), from the redirect.
fn redirected_code(server: &TestServer, browser: &Browser, keys: &Keys) -> String {
    let url = server.url(&format!(
        "/oauth/authorize?scope=read%20write%20follow&response_type=code&redirect_uri={APP_CB}&client_id={}&state=s1",
        keys.key
    ));
    let response = browser.get(&url);
    let response = if response.status() == 200 {
        let page = response.text().unwrap();
        browser.decide(server, &page, "allow")
    } else {
        response
    };
    let target = location(&response);
    assert!(target.starts_with(APP_CB), "{target}");
    let params = query_of(&target);
    assert_eq!(params.get("state").map(String::as_str), Some("s1"));
    params
        .get("code")
        .unwrap_or_else(|| panic!("no code in {target}"))
        .clone()
}
