//! The appnet dialect: appnet-auth.txt replayed in its own order. Scopes
//! (`X-OAuth-Scopes`, `basic` always granted, extended scopes), the user
//! token flows (server-side web flow at `/oauth/authenticate` and
//! `/oauth/authorize`, client-side web flow, the password flow only with
//! permission), the app token flow, the errors (in the query, in the
//! fragment, as JSON; the document's messages) and the three ways of
//! passing a token, at App.net's `/stream/0/token`. Every replay runs with
//! the dialect alone and with the set `gatehouse dev` enables.

mod errors;
mod flows;
mod passing_tokens;
mod scopes;

use reqwest::blocking::Response;
use serde_json::{json, Value};

use crate::harness::*;

/// The demo seed's App.net client (client_secret_post; code and token;
/// authorization_code, implicit, client_credentials and password).
const APP: &str = "appnet-app";
const APP_SECRET: &str = "appnet-app-secret";
const APP_NAME: &str = "App.net client";
const APP_CB: &str = "http://127.0.0.1:9000/appnet/cb";
/// The demo seed's people.
const ALICE_PASSWORD: &str = "alice-wonderland";
const BOB_PASSWORD: &str = "bob-the-builder";

/// What a token asked for `stream` holds.
const STREAM: &[&str] = &["basic", "stream"];

/// Nothing added to the demo seed.
fn nothing() -> Value {
    json!({})
}

/// A web-flow URL at `path` for the App.net client.
fn web_flow(
    server: &TestServer,
    path: &str,
    response_type: &str,
    redirect_uri: &str,
    scope: Option<&str>,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", APP)
        .append_pair("response_type", response_type)
        .append_pair("redirect_uri", redirect_uri);
    if let Some(scope) = scope {
        query.append_pair("scope", scope);
    }
    query.append_pair("state", "adn");
    server.url(&format!("{path}?{}", query.finish()))
}

/// Whether a page carries the consent form.
fn is_consent(page: &str) -> bool {
    elements(page, "form").iter().any(|f| {
        f.get("action")
            .is_some_and(|a| a.ends_with("/oauth/authorize"))
    })
}

/// Opens a web-flow URL and answers the consent page with `decision`
/// (when the page asks); answers where the browser is sent.
fn decide(server: &TestServer, browser: &Browser, url: &str, decision: &str) -> String {
    let response = browser.get(url);
    let response = if response.status() == 200 {
        let page = response.text().unwrap();
        assert!(is_consent(&page), "not a consent page: {page}");
        browser.decide(server, &page, decision)
    } else {
        response
    };
    let target = location(&response);
    assert!(target.starts_with(APP_CB), "sent to {target}");
    target
}

/// The `/oauth/access_token` form request, as App.net takes it.
fn access_token(server: &TestServer, form: &[(&str, &str)]) -> Response {
    let mut all = vec![("client_id", APP), ("client_secret", APP_SECRET)];
    all.extend_from_slice(form);
    server.post_form("/oauth/access_token", &all)
}

/// A user token for `username` through the server-side web flow at `path`.
fn web_flow_token(
    server: &TestServer,
    path: &str,
    username: &str,
    password: &str,
    scope: Option<&str>,
) -> Value {
    let browser = Browser::signed_in_as(server, username, password);
    let target = decide(
        server,
        &browser,
        &web_flow(server, path, "code", APP_CB, scope),
        "allow",
    );
    let params = query_of(&target);
    assert_eq!(params.get("state").map(String::as_str), Some("adn"));
    let code = params
        .get("code")
        .unwrap_or_else(|| panic!("no code in {target}"));
    json(
        access_token(
            server,
            &[
                ("grant_type", "authorization_code"),
                ("redirect_uri", APP_CB),
                ("code", code),
            ],
        ),
        200,
    )
}

/// alice's user token through `/oauth/authenticate`.
fn user_token(server: &TestServer, scope: Option<&str>) -> Value {
    web_flow_token(
        server,
        "/oauth/authenticate",
        "alice",
        ALICE_PASSWORD,
        scope,
    )
}

/// An app token from the app access token flow (client credentials).
fn app_token(server: &TestServer) -> Value {
    json(
        access_token(server, &[("grant_type", "client_credentials")]),
        200,
    )
}

/// The access token of a token answer.
fn access_of(tokens: &Value) -> &str {
    tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access_token in {tokens}"))
}

/// The `X-OAuth-Scopes` header of an answer, which must be there.
fn scopes_header(response: &Response) -> String {
    response
        .headers()
        .get("x-oauth-scopes")
        .unwrap_or_else(|| panic!("no X-OAuth-Scopes; status {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// A `/stream/0/token` answer for the App.net client: 200, `X-OAuth-Scopes`
/// naming exactly `scopes` (comma-joined, in any order), the `meta`/`data`
/// envelope with the app, the same scopes, and the user (`None` for an app
/// token). Answers `data`.
fn token_info(response: Response, scopes: &[&str], user: Option<&str>) -> Value {
    token_info_of(response, (APP, APP_NAME), scopes, user)
}

/// The same for any client (`app`: its client_id and name).
fn token_info_of(
    response: Response,
    app: (&str, &str),
    scopes: &[&str],
    user: Option<&str>,
) -> Value {
    let header = scopes_header(&response);
    let mut expected = scopes.to_vec();
    expected.sort_unstable();
    let mut listed: Vec<&str> = header.split(',').filter(|s| !s.is_empty()).collect();
    listed.sort_unstable();
    assert_eq!(listed, expected, "X-OAuth-Scopes: {header}");
    let body = json(response, 200);
    assert_eq!(body["meta"]["code"], 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["app"]["client_id"], app.0, "{body}");
    assert_eq!(data["app"]["name"], app.1, "{body}");
    assert!(data["app"].get("link").is_some(), "{body}");
    assert_eq!(data["client_id"], app.0);
    let mut granted: Vec<&str> = data["scopes"]
        .as_array()
        .unwrap_or_else(|| panic!("no data.scopes in {body}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    granted.sort_unstable();
    assert_eq!(granted, expected, "data.scopes: {body}");
    assert_eq!(data["limits"], json!({}));
    assert_eq!(data["storage"], json!({}));
    match user {
        Some(username) => {
            let who = &data["user"];
            assert_eq!(who["username"], username, "{body}");
            assert!(who["id"].is_string(), "{body}");
            assert!(who["name"].is_string(), "{body}");
            assert_eq!(who["type"], "human");
            assert!(who["created_at"].is_string(), "{body}");
        }
        None => assert!(
            data.get("user").is_none(),
            "an app token has no user: {body}"
        ),
    }
    data.clone()
}
