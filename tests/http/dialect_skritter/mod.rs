//! skritter-oauth2.txt replayed, in its order: "Obtaining Authorization"
//! (`/api/v0/oauth2/authorize`, response_type code and token, the legacy
//! query answer and the request's redirect_uri), "Other OAuth
//! Communications" (the four grants at `/api/v0/oauth2/token`, GET or POST,
//! the `callback`), "Passing Your Secret Through HTTP Headers", the two
//! Python examples as written, and the token "as the bearer_token parameter
//! for any request, or in an HTTP header" at `/api/v0/users/me`. Each replay
//! runs with the skritter dialect alone and with the set `gatehouse dev`
//! enables.

mod authorization;
mod scope;
mod token_endpoint;
mod users_me;

use base64::Engine;
use gatehouse::dialects::Dialect;
use reqwest::blocking::Response;
use serde_json::{json, Value};

use crate::harness::*;

const AUTHORIZE_URL: &str = "/api/v0/oauth2/authorize";
const TOKEN_URL: &str = "/api/v0/oauth2/token";
const ME_URL: &str = "/api/v0/users/me";
// The document's own names and values.
const REDIRECT_URI: &str = "https://mysite.com/skritterapi/getcode";
const OAUTH_CODE: &str = "8eac0f0300e0fb4aa11870055ad932";
const OAUTH_CLIENT_NAME: &str = "notherGuy";
/// "get from client page": a code-like value, as the document's code is.
const OAUTH_CLIENT_SECRET: &str = "3fd1c0a59b2e4d7f8a6c0e1b2d3f4a5b";
const USER_NAME: &str = "notherGuy";
/// "get from user input, don't store it".
const USER_PASSWORD: &str = "c4a1e9f07b3d";
/// A client with `dialect_legacy` and no redirect URI: "If redirections are
/// on but your client account has no redirect URI set, this value is used".
const LEGACY_CLIENT: &str = "notherGuyLegacy";
const LEGACY_SECRET: &str = "9b8a7c6d5e4f30211f2e3d4c5b6a7980";
/// The same registration without `dialect_legacy`.
const PLAIN_CLIENT: &str = "notherGuyPlain";
const PLAIN_SECRET: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
/// The core's default access token lifetime.
const EXPIRES_IN: u64 = 3600;

/// The document's client and user, and the two clients without a redirect
/// URI, all of the skritter dialect.
fn extra() -> Value {
    let grants = [
        "authorization_code",
        "implicit",
        "refresh_token",
        "password",
        "client_credentials",
    ];
    json!({
        "users": [{"username": USER_NAME, "password": USER_PASSWORD, "name": "Nother Guy",
                   "email": "notherguy@example.org"}],
        "clients": [
            {"client_id": OAUTH_CLIENT_NAME, "client_secret": OAUTH_CLIENT_SECRET,
             "client_name": "Nother Guy's app", "redirect_uris": [REDIRECT_URI],
             "grant_types": grants, "response_types": ["code", "token"], "dialect": "skritter"},
            {"client_id": LEGACY_CLIENT, "client_secret": LEGACY_SECRET,
             "client_name": "Nother Guy's old app", "redirect_uris": [],
             "grant_types": grants, "response_types": ["code", "token"],
             "dialect": "skritter", "dialect_legacy": true},
            {"client_id": PLAIN_CLIENT, "client_secret": PLAIN_SECRET,
             "client_name": "Nother Guy's plain app", "redirect_uris": [],
             "grant_types": grants, "response_types": ["code", "token"], "dialect": "skritter"}
        ]
    })
}

/// Runs `check` with the skritter dialect alone, then with the dev set.
fn replay(check: impl Fn(&TestServer, &[Dialect])) {
    for_each_set(Dialect::Skritter, &extra(), check);
}

/// `GET /api/v0/oauth2/authorize?…` in a browser where the document's user
/// has signed in, allowing on the consent page if one is shown.
fn authorize(server: &TestServer, browser: &Browser, query: &[(&str, &str)]) -> Response {
    let response = browser
        .http
        .get(server.url(AUTHORIZE_URL))
        .query(query)
        .send()
        .unwrap();
    match response.status().as_u16() {
        200 => {
            let page = html_page(response, 200);
            browser.decide(server, &page, "allow")
        }
        _ => response,
    }
}

fn signed_in(server: &TestServer) -> Browser {
    Browser::signed_in_as(server, USER_NAME, USER_PASSWORD)
}

/// The redirect of a `response_type=code` authorization of the document's
/// client: its query parameters (code, state, user_id).
fn code_redirect(server: &TestServer, browser: &Browser, state: &str) -> (String, Value) {
    let back = location(&authorize(
        server,
        browser,
        &[
            ("response_type", "code"),
            ("client_id", OAUTH_CLIENT_NAME),
            ("redirect_uri", REDIRECT_URI),
            ("state", state),
        ],
    ));
    let params = query_of(&back);
    (back, json!(params))
}

/// A fresh code for the document's client.
fn oauth_code(server: &TestServer) -> String {
    let (_, params) = code_redirect(server, &signed_in(server), "s1");
    params["code"].as_str().unwrap().to_owned()
}

/// The document's first Python example: `urllib2.Request(url, data)` with
/// `data = urllib.urlencode(params)`, a POST of the form.
fn getting_authorization_via_proxy(server: &TestServer, code: &str) -> Response {
    let params = [
        ("grant_type", "authorization_code"),
        ("client_id", OAUTH_CLIENT_NAME),
        ("client_secret", OAUTH_CLIENT_SECRET),
        ("redirect_uri", REDIRECT_URI),
        ("code", code),
    ];
    server.post_form(TOKEN_URL, &params)
}

/// `b64encode("%s:%s" % (OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET))` after
/// `prefix` (the example's `basic `, the prose's `basic: `).
fn credentials(prefix: &str, id: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    format!("{prefix}{encoded}")
}

/// The example's header value, `"basic %s" % credentials`.
fn basic() -> String {
    credentials("basic ", OAUTH_CLIENT_NAME, OAUTH_CLIENT_SECRET)
}

/// A POST to the token endpoint, with `AUTHORIZATION` when given (spelled as
/// the example's `request.add_header('AUTHORIZATION', credentials)`).
fn post_token(
    server: &TestServer,
    authorization: Option<&str>,
    params: &[(&str, &str)],
) -> Response {
    let mut request = server.http.post(server.url(TOKEN_URL)).form(params);
    if let Some(value) = authorization {
        request = request.header("AUTHORIZATION", value);
    }
    request.send().unwrap()
}

/// The document's second Python example, with the given header value.
fn logging_in_using_a_password(server: &TestServer, authorization: Option<&str>) -> Response {
    let params = [
        ("grant_type", "password"),
        ("client_id", OAUTH_CLIENT_NAME),
        ("username", USER_NAME),
        ("password", USER_PASSWORD),
    ];
    post_token(server, authorization, &params)
}

/// The fields the document's token response names, for a user's token.
fn assert_user_packet(packet: &Value, set: &[Dialect]) {
    assert!(
        packet["access_token"]
            .as_str()
            .unwrap()
            .starts_with("gth_at_"),
        "{set:?}: {packet}"
    );
    assert!(packet["refresh_token"].is_string(), "{set:?}: {packet}");
    assert_eq!(packet["expires_in"], EXPIRES_IN, "{set:?}: {packet}");
    assert_eq!(packet["token_type"], "bearer", "{set:?}: {packet}");
    assert!(packet["user_id"].is_string(), "{set:?}: {packet}");
    assert_eq!(packet["scope"], "api", "{set:?}: {packet}");
}

/// `GET /api/v0/users/me?bearer_token=…`.
fn me(server: &TestServer, token: &str) -> Response {
    server
        .http
        .get(server.url(ME_URL))
        .query(&[("bearer_token", token)])
        .send()
        .unwrap()
}

/// Asserts `/api/v0/users/me` names the document's user; answers user_id.
fn me_is_nother_guy(response: Response) -> String {
    let body = json(response, 200);
    assert_eq!(body["statusCode"], 200, "{body}");
    assert_eq!(body["username"], USER_NAME, "{body}");
    assert_eq!(body["name"], "Nother Guy", "{body}");
    body["user_id"].as_str().unwrap().to_owned()
}

/// Asserts Skritter's error shape at `/api/v0/users/me`.
fn me_refused(response: Response, status: u16, error: &str) {
    let challenge = header(&response, "www-authenticate");
    let body = json(response, status);
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["message"].is_string(), "{body}");
    if status == 401 {
        assert!(challenge.starts_with("Bearer"), "{challenge}");
    }
}
