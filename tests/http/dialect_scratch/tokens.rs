//! The authorization endpoints: a code from `/oauth/authorize`, `POST /tokens` and `PATCH /tokens`.

use reqwest::blocking::Response;
use serde_json::{json as body, Value};

use super::login::kenny;
use super::{
    api, app_without_redirect, bearer, fields, get_user, new_cool_app, not_json, replay, status_of,
    App, COOL_CB, DEMO_APP, DEMO_SECRET, KENNY, KENNY_PASSWORD,
};
use crate::harness::*;

/// The authorization request for `client_id`, asking `scope` (none: the
/// default), as the person's browser sends it.
fn ask_scratch(
    server: &TestServer,
    browser: &Browser,
    client_id: u64,
    scope: Option<&str>,
    redirect_uri: Option<&str>,
) -> Response {
    let client_id = client_id.to_string();
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("state", "xyz"),
    ];
    if let Some(scope) = scope {
        query.push(("scope", scope));
    }
    if let Some(uri) = redirect_uri {
        query.push(("redirect_uri", uri));
    }
    browser.authorize(server, &query)
}

/// The consent page for a first authorization; asserts it is one.
pub(super) fn consent(
    server: &TestServer,
    browser: &Browser,
    client_id: u64,
    scope: Option<&str>,
    redirect_uri: Option<&str>,
) -> String {
    let page = html_page(
        ask_scratch(server, browser, client_id, scope, redirect_uri),
        200,
    );
    form_with_action(&page, "/oauth/authorize");
    page
}

/// The scope names a consent page lists.
pub(super) fn consent_scopes(page: &str) -> Vec<String> {
    let marker = "class=\"scope-name\">";
    let mut names: Vec<String> = page
        .match_indices(marker)
        .map(|(at, _)| {
            let rest = &page[at + marker.len()..];
            unescape(&rest[..rest.find('<').unwrap()])
        })
        .collect();
    names.sort();
    names
}

/// The code in an answer that ends the authorization: the redirect to
/// `redirect_uri`, or, without one, the built-in page that shows it.
fn code_in(response: Response, redirect_uri: Option<&str>) -> String {
    match redirect_uri {
        Some(uri) => {
            let target = location(&response);
            assert!(target.starts_with(uri), "redirected to {target}");
            let params = query_of(&target);
            assert_eq!(params.get("state").map(String::as_str), Some("xyz"));
            params
                .get("code")
                .unwrap_or_else(|| panic!("no code in {target}"))
                .clone()
        }
        None => {
            let page = html_page(response, 200);
            assert_eq!(
                text_between(&page, "id=\"state\">", "<").as_deref(),
                Some("xyz"),
                "{page}"
            );
            shown_code(&page)
        }
    }
}

/// The person allows on the consent page; answers the code.
pub(super) fn allow(
    server: &TestServer,
    browser: &Browser,
    page: &str,
    redirect_uri: Option<&str>,
) -> String {
    code_in(browser.decide(server, page, "allow"), redirect_uri)
}

/// The person is sent to `/oauth/authorize` and allows, on the consent
/// page if one is shown (a consent given before is remembered); answers
/// the code.
pub(super) fn authorize(
    server: &TestServer,
    browser: &Browser,
    client_id: u64,
    scope: Option<&str>,
    redirect_uri: Option<&str>,
) -> String {
    let response = ask_scratch(server, browser, client_id, scope, redirect_uri);
    if response.status() != 200 {
        return code_in(response, redirect_uri);
    }
    let page = html_page(response, 200);
    if page.contains("id=\"code\"") {
        return shown_code(&page);
    }
    allow(server, browser, &page, redirect_uri)
}

/// `POST /tokens` with a JSON body.
fn post_tokens(server: &TestServer, request: &Value) -> Response {
    server
        .http
        .post(api(server, "/tokens"))
        .json(request)
        .send()
        .unwrap()
}

/// `PATCH /tokens` with a JSON body.
fn patch_tokens(server: &TestServer, request: &Value) -> Response {
    server
        .http
        .patch(api(server, "/tokens"))
        .json(request)
        .send()
        .unwrap()
}

/// The document's `POST /tokens`: the client ID as an integer.
pub(super) fn exchange(
    server: &TestServer,
    (client_id, secret): &App,
    code: &str,
    scopes: Value,
) -> Response {
    post_tokens(
        server,
        &body!({"client_id": client_id, "client_secret": secret, "code": code, "scopes": scopes}),
    )
}

/// The document's `PATCH /tokens`.
pub(super) fn refresh_tokens(
    server: &TestServer,
    (client_id, secret): &App,
    refresh_token: &Value,
) -> Response {
    patch_tokens(
        server,
        &body!({"client_id": client_id, "client_secret": secret, "refresh_token": refresh_token}),
    )
}

/// Asserts a Tokens object for exactly `identify`, issued now: every
/// field, the expiries as Unix times.
pub(super) fn assert_tokens(server: &TestServer, tokens: &Value) {
    assert_eq!(
        fields(tokens),
        [
            "access_expiry",
            "access_token",
            "refresh_expiry",
            "refresh_token",
            "scopes"
        ],
        "{tokens}"
    );
    let now = server.clock.now();
    assert!(
        tokens["access_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{tokens}"
    );
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{tokens}"
    );
    let access_expiry = tokens["access_expiry"]
        .as_u64()
        .unwrap_or_else(|| panic!("access_expiry is not a Unix time: {tokens}"));
    let refresh_expiry = tokens["refresh_expiry"]
        .as_u64()
        .unwrap_or_else(|| panic!("refresh_expiry is not a Unix time: {tokens}"));
    assert_eq!(access_expiry, now + 3600, "{tokens}");
    assert_eq!(refresh_expiry, now + 30 * 24 * 3600, "{tokens}");
    assert_eq!(tokens["scopes"], body!(["identify"]), "{tokens}");
}

/// kenny2scratch makes "New Cool App", authorizes it and exchanges the
/// code; answers the app and its Tokens.
pub(super) fn cool_app_with_tokens(server: &TestServer) -> (App, Value) {
    let app = new_cool_app(server, &kenny(server));
    let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
    let code = authorize(server, &person, app.0, None, Some(COOL_CB));
    let tokens = json(exchange(server, &app, &code, body!("identify")), 200);
    (app, tokens)
}

#[test]
fn request_refresh_token_answers_a_tokens_object() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);

        // An app with no redirect URIs: the built-in page shows the code.
        let bare = app_without_redirect(server, &session);
        let page = consent(server, &person, bare.0, None, None);
        assert!(
            visible_text(&page).contains("[unnamed application]"),
            "{page}"
        );
        let code = allow(server, &person, &page, None);
        let tokens = json(exchange(server, &bare, &code, body!("identify")), 200);
        assert_tokens(server, &tokens);

        // The scopes confirmed as an array.
        let code = authorize(server, &person, bare.0, Some("identify"), None);
        let tokens = json(exchange(server, &bare, &code, body!(["identify"])), 200);
        assert_tokens(server, &tokens);

        // An app with a redirect URI gets the code in the redirect.
        let cool = new_cool_app(server, &session);
        let code = authorize(server, &person, cool.0, None, Some(COOL_CB));
        assert_tokens(
            server,
            &json(exchange(server, &cool, &code, body!("identify")), 200),
        );

        // The demo seed's scratch client, as the README runs it.
        let demo = (DEMO_APP, DEMO_SECRET.to_owned());
        let code = authorize(server, &person, DEMO_APP, None, None);
        let tokens = json(exchange(server, &demo, &code, body!("identify")), 200);
        assert_tokens(server, &tokens);
        assert_eq!(
            json(get_user(server, &bearer(&tokens)), 200)["user_name"],
            KENNY
        );
    });
}

#[test]
fn request_refresh_token_is_401_for_a_bad_client_404_for_a_bad_code_417_for_other_scopes_400_when_malformed(
) {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let (client_id, secret) = new_cool_app(server, &session);
        let other_app = new_cool_app(server, &session);
        let code = authorize(server, &person, client_id, None, Some(COOL_CB));
        let app = (client_id, secret.clone());

        // 401: the client ID/secret combo is not valid.
        for bad in [
            (client_id, "not-the-secret".to_owned()),
            (client_id, other_app.1.clone()),
            (999_999_999, secret.clone()),
        ] {
            status_of(exchange(server, &bad, &code, body!("identify")), 401);
        }
        // 404: an invalid token-getter code, or another app's.
        status_of(
            exchange(server, &app, "no-such-code", body!("identify")),
            404,
        );
        status_of(exchange(server, &other_app, &code, body!("identify")), 404);
        // 417: scopes other than those the person allowed.
        for scopes in [
            body!("identify extra"),
            body!(["identify", "basic"]),
            body!("read"),
            body!([]),
            body!(""),
        ] {
            let response = exchange(server, &app, &code, scopes.clone());
            assert_eq!(response.status(), 417, "scopes {scopes}");
        }
        // 400: the body is malformed.
        status_of(not_json(server.http.post(api(server, "/tokens"))), 400);
        for malformed in [
            body!([]),
            body!({"client_id": client_id, "client_secret": secret, "scopes": "identify"}),
            body!({"client_id": client_id, "client_secret": secret, "code": code}),
            body!({"client_id": client_id, "client_secret": secret, "code": code, "scopes": 5}),
            body!({"client_id": client_id, "client_secret": secret, "code": code, "scopes": [5]}),
            body!({"client_secret": secret, "code": code, "scopes": "identify"}),
            body!({"client_id": client_id, "code": code, "scopes": "identify"}),
            body!({"client_id": [client_id], "client_secret": secret, "code": code, "scopes": "identify"}),
        ] {
            let response = post_tokens(server, &malformed);
            assert_eq!(response.status(), 400, "{malformed}");
        }

        // None of that spent the code; the exchange spends it.
        let tokens = json(exchange(server, &app, &code, body!("identify")), 200);
        assert_tokens(server, &tokens);
        status_of(exchange(server, &app, &code, body!("identify")), 404);
    });
}

#[test]
fn request_access_token_answers_new_tokens() {
    replay(|server| {
        let (app, tokens) = cool_app_with_tokens(server);
        server.clock.advance(600);
        let fresh = json(refresh_tokens(server, &app, &tokens["refresh_token"]), 200);
        assert_tokens(server, &fresh);
        assert_ne!(fresh["access_token"], tokens["access_token"]);
        assert_eq!(
            json(get_user(server, &bearer(&fresh)), 200)["user_name"],
            KENNY
        );
        // And again with the refresh token it answered.
        server.clock.advance(600);
        let again = json(refresh_tokens(server, &app, &fresh["refresh_token"]), 200);
        assert_tokens(server, &again);
    });
}

#[test]
fn request_access_token_is_401_for_a_bad_client_404_for_an_unknown_token_410_when_expired() {
    replay(|server| {
        let ((client_id, secret), tokens) = cool_app_with_tokens(server);
        let app = (client_id, secret.clone());
        let refresh_token = tokens["refresh_token"].clone();
        let other_app = new_cool_app(server, &kenny(server));

        status_of(
            refresh_tokens(
                server,
                &(client_id, "not-the-secret".into()),
                &refresh_token,
            ),
            401,
        );
        status_of(
            refresh_tokens(server, &(999_999_999, secret.clone()), &refresh_token),
            401,
        );
        status_of(
            refresh_tokens(server, &app, &body!("no-such-refresh-token")),
            404,
        );
        status_of(refresh_tokens(server, &app, &tokens["access_token"]), 404);
        status_of(refresh_tokens(server, &other_app, &refresh_token), 404);

        status_of(not_json(server.http.patch(api(server, "/tokens"))), 400);
        for malformed in [
            body!([]),
            body!({"client_id": client_id, "client_secret": secret}),
            body!({"client_id": client_id, "client_secret": secret, "refresh_token": 5}),
            body!({"client_secret": secret, "refresh_token": refresh_token}),
            body!({"client_id": client_id, "refresh_token": refresh_token}),
        ] {
            let response = patch_tokens(server, &malformed);
            assert_eq!(response.status(), 400, "{malformed}");
        }

        server.clock.advance(31 * 24 * 3600);
        status_of(refresh_tokens(server, &app, &refresh_token), 410);
    });
}
