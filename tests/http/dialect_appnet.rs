//! The appnet dialect: appnet-auth.txt replayed in its own order. Scopes
//! (`X-OAuth-Scopes`, `basic` always granted, extended scopes), the user
//! token flows (server-side web flow at `/oauth/authenticate` and
//! `/oauth/authorize`, client-side web flow, the password flow only with
//! permission), the app token flow, the errors (in the query, in the
//! fragment, as JSON; the document's messages) and the three ways of
//! passing a token, at App.net's `/stream/0/token`. Every replay runs with
//! the dialect alone and with the set `gatehouse dev` enables.

use gatehouse::dialects::Dialect;
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
/// The document's sentence for a redirect URI that is not registered.
const BAD_REDIRECT: &str = "Please contact the website that sent you here and let them know that there is a problem with the Redirect URI.";

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

/// A 401 from `/stream/0/token`: App.net's envelope and `WWW-Authenticate`.
fn unauthenticated(response: Response) {
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "{challenge:?}");
    let body = json(response, 401);
    assert_eq!(body["meta"]["code"], 401, "{body}");
    assert!(
        body["meta"]["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Call requires authentication")),
        "{body}"
    );
}

#[test]
fn basic_is_always_granted_and_extended_scopes_are_kept() {
    // "The basic scope will always be granted on creation of a user access
    // token, even if the token request omits it."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let tokens = user_token(server, Some("stream"));
        assert_eq!(tokens["scope"], "stream basic", "{set:?}");
        let tokens = user_token(server, Some("messages:net.app.core.pm"));
        assert_eq!(
            scope_set(&tokens["scope"]),
            ["basic", "messages:net.app.core.pm"],
            "{set:?}"
        );
        // "… you can request messages:net.app.core.pm and messages:net.patter-app.room."
        let tokens = user_token(
            server,
            Some("messages:net.app.core.pm messages:net.patter-app.room"),
        );
        assert_eq!(
            scope_set(&tokens["scope"]),
            [
                "basic",
                "messages:net.app.core.pm",
                "messages:net.patter-app.room"
            ]
        );
        // The token carries its scopes in X-OAuth-Scopes.
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(access_of(&tokens))
            .send()
            .unwrap();
        let data = token_info(
            response,
            &[
                "basic",
                "messages:net.app.core.pm",
                "messages:net.patter-app.room",
            ],
            Some("alice"),
        );
        assert_eq!(data["user"]["name"], "Alice Liddell");
    });
}

#[test]
fn the_server_side_web_flow_works_at_authenticate_and_authorize() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        for path in ["/oauth/authenticate", "/oauth/authorize"] {
            let tokens = web_flow_token(server, path, "bob", BOB_PASSWORD, Some("stream"));
            assert!(
                tokens["token_type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
                "{set:?} {path}: {tokens}"
            );
            assert_eq!(tokens["scope"], "stream basic");
            let response = server
                .http
                .get(server.url("/stream/0/token"))
                .bearer_auth(access_of(&tokens))
                .send()
                .unwrap();
            token_info(response, STREAM, Some("bob"));
        }
    });
}

#[test]
fn the_client_side_web_flow_answers_and_errs_in_the_fragment() {
    // "… we'll append the error to your redirect_uri as a URL encoded fragment."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let browser = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
        let url = web_flow(
            server,
            "/oauth/authenticate",
            "token",
            APP_CB,
            Some("stream"),
        );
        let target = decide(server, &browser, &url, "deny");
        let params = fragment_of(&target);
        assert_eq!(
            params.get("error").map(String::as_str),
            Some("access_denied"),
            "{set:?}: {target}"
        );
        assert!(params.contains_key("error_description"), "{target}");
        assert!(!query_of(&target).contains_key("error"), "{target}");
        // Allowed, the token comes in the fragment too, with basic.
        let target = decide(server, &browser, &url, "allow");
        let params = fragment_of(&target);
        assert_eq!(params.get("state").map(String::as_str), Some("adn"));
        assert_eq!(
            params.get("scope").map(String::as_str),
            Some("stream basic")
        );
        assert!(!query_of(&target).contains_key("access_token"), "{target}");
        let token = params
            .get("access_token")
            .unwrap_or_else(|| panic!("no access_token in {target}"));
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(token)
            .send()
            .unwrap();
        token_info(response, STREAM, Some("bob"));
    });
}

/// The password grant for bob with `scope=stream`, HTTP Basic credentials.
fn bob_by_password(server: &TestServer, id: &str, secret: &str) -> Response {
    server
        .http
        .post(server.url("/oauth/access_token"))
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "password"),
            ("username", "bob"),
            ("password", BOB_PASSWORD),
            ("scope", "stream"),
        ])
        .send()
        .unwrap()
}

/// alice (an administrator) sets an application's flags on /admin. The
/// form replaces every field, so the dialect is always sent along.
fn admin_flags(server: &TestServer, client_id: &str, fields: &[(&str, &str)]) {
    let alice = Browser::signed_in_as(server, "alice", ALICE_PASSWORD);
    let response = admin_post(
        server,
        &alice,
        &format!("/admin/apps/{client_id}/flags"),
        fields,
    );
    assert_done(server, &response);
}

#[test]
fn the_password_flow_is_refused_until_an_administrator_allows_it() {
    // "This flow requires special permission to use." A person's app from
    // the developer dashboard, made an App.net app on /admin.
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let bob = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
        let (id, secret) = dashboard_app(
            server,
            &bob,
            &[
                ("name", "Bob's Alpha"),
                ("type", "confidential"),
                ("grant_types", "password"),
            ],
        );
        let secret = secret.expect("a confidential app has a secret");
        admin_flags(server, &id, &[("dialect", "appnet")]);
        let refused = oauth_error(
            bob_by_password(server, &id, &secret),
            400,
            "unauthorized_client",
        );
        assert!(refused["error_description"].is_string(), "{set:?}");
        admin_flags(
            server,
            &id,
            &[("password_allowed", "on"), ("dialect", "appnet")],
        );
        let tokens = json(bob_by_password(server, &id, &secret), 200);
        assert_eq!(tokens["scope"], "stream basic", "{set:?}: {tokens}");
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(access_of(&tokens))
            .send()
            .unwrap();
        token_info_of(response, (&id, "Bob's Alpha"), STREAM, Some("bob"));
        let wrong = server
            .http
            .post(server.url("/oauth/access_token"))
            .basic_auth(&id, Some(&secret))
            .form(&[
                ("grant_type", "password"),
                ("username", "bob"),
                ("password", "not-bobs"),
            ])
            .send()
            .unwrap();
        oauth_error(wrong, 400, "invalid_grant");
    });
}

#[test]
fn the_app_token_flow_gives_a_token_without_a_user() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let tokens = app_token(server);
        let info = server.introspect_as(APP, APP_SECRET, access_of(&tokens));
        assert_eq!(info["active"], true, "{set:?}: {info}");
        assert!(info.get("sub").is_none(), "an app token acts for no user");
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(access_of(&tokens))
            .send()
            .unwrap();
        // "Scopes ... do not apply to app tokens": none asked, none given.
        assert_eq!(tokens["scope"], "", "{set:?}: {tokens}");
        assert_eq!(scopes_header(&response), "");
        token_info(response, &[], None);
    });
}

#[test]
fn server_side_errors_are_appended_to_the_redirect_query() {
    // "… we'll notify you of the error by appending it to your redirect_uri
    // as query string parameters."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        for path in ["/oauth/authenticate", "/oauth/authorize"] {
            let browser = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
            let url = web_flow(server, path, "code", APP_CB, Some("stream"));
            let target = decide(server, &browser, &url, "deny");
            let params = query_of(&target);
            assert_eq!(
                params.get("error").map(String::as_str),
                Some("access_denied"),
                "{set:?} {path}: {target}"
            );
            assert!(params.contains_key("error_description"), "{target}");
            assert_eq!(params.get("state").map(String::as_str), Some("adn"));
            assert!(fragment_of(&target).is_empty(), "{target}");
            // An error found before the person is asked goes the same way.
            let url = web_flow(server, path, "code", APP_CB, Some("no_such_scope"));
            let target = location(&browser.get(&url));
            assert!(target.starts_with(APP_CB), "{target}");
            assert_eq!(
                query_of(&target).get("error").map(String::as_str),
                Some("invalid_scope"),
                "{target}"
            );
        }
    });
}

#[test]
fn an_unregistered_redirect_uri_shows_the_documents_sentence_and_never_redirects() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let browser = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
        for path in ["/oauth/authenticate", "/oauth/authorize"] {
            for response_type in ["code", "token"] {
                let url = web_flow(
                    server,
                    path,
                    response_type,
                    "https://evil.example/cb",
                    Some("stream"),
                );
                let response = browser.get(&url);
                assert!(
                    response.headers().get("location").is_none(),
                    "{set:?} {path} {response_type}: redirected"
                );
                let page = html_page(response, 400);
                assert!(visible_text(&page).contains(BAD_REDIRECT), "{page}");
            }
        }
    });
}

#[test]
fn tokens_come_from_a_form_and_json_is_an_unknown_grant_type() {
    // "Please also make sure you're sending your request with a Content-type
    // of application/x-www-form-urlencoded not application/json."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let as_json = server
            .http
            .post(server.url("/oauth/access_token"))
            .json(&json!({
                "client_id": APP,
                "client_secret": APP_SECRET,
                "grant_type": "client_credentials",
            }))
            .send()
            .unwrap();
        let body = oauth_error(as_json, 400, "unsupported_grant_type");
        assert_eq!(body["error_description"], "Unknown grant type", "{set:?}");
        // A body URL-encoded twice: the grant type cannot be read.
        let twice = server
            .http
            .post(server.url("/oauth/access_token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("client_id%3Dappnet-app%26client_secret%3Dappnet-app-secret%26grant_type%3Dclient_credentials")
            .send()
            .unwrap();
        let body = oauth_error(twice, 400, "unsupported_grant_type");
        assert_eq!(body["error_description"], "Unknown grant type");
        let magic = access_token(server, &[("grant_type", "magic")]);
        let body = oauth_error(magic, 400, "unsupported_grant_type");
        assert_eq!(body["error_description"], "Unknown grant type");
        // The same request as a form is answered.
        assert!(app_token(server)["access_token"].is_string());
    });
}

#[test]
fn the_token_goes_in_the_header_the_query_or_the_body() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let tokens = user_token(server, Some("stream"));
        let token = access_of(&tokens);
        let url = server.url("/stream/0/token");
        // "Adding an Authorization header (preferred)":
        // curl -X POST -H "Authorization: Bearer <YOUR ACCESS TOKEN>" -H "X-ADN-Pretty-JSON: 1" \
        //   -H "Content-Type: application/x-www-form-urlencoded" -d "text=Test post"
        let header = server
            .http
            .post(&url)
            .header("Authorization", format!("Bearer {token}"))
            .header("X-ADN-Pretty-JSON", "1")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("text=Test post")
            .send()
            .unwrap();
        token_info(header, STREAM, Some("alice"));
        let get = server
            .http
            .get(&url)
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .unwrap();
        token_info(get, STREAM, Some("alice"));
        // "Add access_token to query string":
        // curl -H "X-ADN-Pretty-JSON: 1" "…?access_token=<YOUR ACCESS TOKEN>"
        let query = server
            .http
            .get(format!("{url}?access_token={token}"))
            .header("X-ADN-Pretty-JSON", "1")
            .send()
            .unwrap();
        token_info(query, STREAM, Some("alice"));
        // "Add access_token to HTTP body": curl -X POST -H "X-ADN-Pretty-JSON: 1"
        //   -H "Content-Type: application/x-www-form-urlencoded" \
        //   -d "text=Test post" -d "access_token=<YOUR ACCESS TOKEN>"
        let body = format!("text=Test post&access_token={token}");
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::PATCH,
        ] {
            let response = server
                .http
                .request(method.clone(), &url)
                .header("X-ADN-Pretty-JSON", "1")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .unwrap();
            assert_eq!(response.status(), 200, "{set:?} {method}");
            token_info(response, STREAM, Some("alice"));
        }
        // "GET and DELETE do not accept an HTTP body."
        let get_body = server
            .http
            .get(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .unwrap();
        unauthenticated(get_body);
        // No token, or one nobody issued.
        unauthenticated(server.http.get(&url).send().unwrap());
        unauthenticated(
            server
                .http
                .get(&url)
                .bearer_auth("gth_at_nonsense")
                .send()
                .unwrap(),
        );
        // Two ways at once is a bad request.
        let twice = server
            .http
            .get(format!("{url}?access_token={token}"))
            .bearer_auth(token)
            .send()
            .unwrap();
        let body = json(twice, 400);
        assert_eq!(body["meta"]["code"], 400, "{body}");
    });
}

#[test]
fn scopes_stay_with_their_dialect() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        // A standard client asking no scope gets the seed's default, never basic.
        let browser = Browser::signed_in_as(server, "alice", ALICE_PASSWORD);
        let default = standard_code_tokens(server, &browser, None);
        assert_eq!(default["scope"], "read", "{set:?}: {default}");
        // Nor may it ask for basic.
        let response = browser.authorize(
            server,
            &[
                ("response_type", "code"),
                ("client_id", WEBAPP_ID),
                ("redirect_uri", "http://127.0.0.1:9000/cb"),
                ("scope", "basic"),
                ("state", "xyz"),
            ],
        );
        let target = location(&response);
        assert_eq!(
            query_of(&target).get("error").map(String::as_str),
            Some("invalid_scope"),
            "{set:?}: {target}"
        );
        if set.contains(&Dialect::Mastodon) {
            let mastodon = oob_tokens(server, &browser, "mastodon-app", "mastodon-app-secret");
            assert_eq!(mastodon["scope"], "read", "{set:?}: {mastodon}");
        }
        if set.contains(&Dialect::Scratch) {
            let scratch = oob_tokens(server, &browser, "1000001", "scratch-app-secret");
            assert_eq!(scratch["scope"], "identify", "{set:?}: {scratch}");
        }
    });
}

/// `webapp`'s tokens for a code asked with `scope` (none: the parameter is left out).
fn standard_code_tokens(server: &TestServer, browser: &Browser, scope: Option<&str>) -> Value {
    let pkce = Pkce::new();
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", WEBAPP_ID),
        ("redirect_uri", "http://127.0.0.1:9000/cb"),
        ("state", "xyz"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if let Some(scope) = scope {
        query.push(("scope", scope));
    }
    let response = browser.authorize(server, &query);
    let response = if response.status() == 200 {
        let page = response.text().unwrap();
        browser.decide(server, &page, "allow")
    } else {
        response
    };
    let code = query_of(&location(&response))["code"].clone();
    json(
        exchange(
            server,
            WEBAPP_ID,
            &code,
            Some("http://127.0.0.1:9000/cb"),
            Some(&pkce.verifier),
        ),
        200,
    )
}

/// A dialect client's tokens for an out-of-band code asked with no scope
/// (client_secret_post).
fn oob_tokens(server: &TestServer, browser: &Browser, client_id: &str, secret: &str) -> Value {
    let page = html_page(
        browser.authorize(
            server,
            &[("response_type", "code"), ("client_id", client_id)],
        ),
        200,
    );
    let shown = if is_consent(&page) {
        html_page(browser.decide(server, &page, "allow"), 200)
    } else {
        page
    };
    let code = shown_code(&shown);
    json(
        server.post_form(
            "/oauth/token",
            &[
                ("client_id", client_id),
                ("client_secret", secret),
                ("grant_type", "authorization_code"),
                ("code", &code),
            ],
        ),
        200,
    )
}
