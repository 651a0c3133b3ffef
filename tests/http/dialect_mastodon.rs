//! The mastodon dialect: mastodon-doorkeeper-oauth.txt replayed in its own
//! order (the scopes, the default scope, then the four steps word for
//! word: register at `POST /api/v1/apps`, authorize out of band, store the
//! code "as your refresh_token", refresh at `/oauth/token`, verify
//! credentials with `Authorization: Bearer`), then what a Doorkeeper server
//! does around them: code lifetimes, a code sent twice, JSON token bodies
//! and the verify_credentials endpoints. Every replay runs with the dialect
//! alone and with the set `gatehouse dev` enables.

use gatehouse::dialects::Dialect;
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

/// Step 4, the first time alice sees the app: the consent page asks.
fn step4_first(server: &TestServer, keys: &Keys, scope: Option<&str>) -> String {
    step4_as(server, keys, scope, true)
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

/// A GET with the token in the Authorization header.
fn get_bearer(server: &TestServer, path: &str, token: &str) -> Response {
    server
        .http
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .unwrap()
}

/// The access token of a token answer.
fn access_of(tokens: &Value) -> &str {
    tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access_token in {tokens}"))
}

/// An app token (client credentials) for the app.
fn app_token(server: &TestServer, keys: &Keys) -> String {
    let tokens = json(
        server.post_form(
            "/oauth/token",
            &[
                ("client_id", &keys.key),
                ("client_secret", &keys.secret),
                ("grant_type", "client_credentials"),
            ],
        ),
        200,
    );
    access_of(&tokens).to_owned()
}

/// Introspects with the app's own credentials in the form (client_secret_post).
fn introspect_post(server: &TestServer, keys: &Keys, token: &str) -> Value {
    json(
        server.post_form(
            "/oauth/introspect",
            &[
                ("client_id", &keys.key),
                ("client_secret", &keys.secret),
                ("token", token),
            ],
        ),
        200,
    )
}

/// Asserts Mastodon's error shape `{"error": message}` with the status.
fn mastodon_error(response: Response, status: u16, message: &str) {
    let body = json(response, status);
    assert_eq!(body["error"], message, "{body}");
}

#[test]
fn without_a_scope_the_token_defaults_to_read_access() {
    // "If you do not specify a scope in your authorization request, the
    // resulting access token will default to read access."
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let registered = Keys::from_answer(&register_form(
            server,
            &[
                ("client_name", "Defaults"),
                ("redirect_uris", OOB),
                ("scopes", "read write follow"),
            ],
        ));
        for keys in [Keys::seed(), registered] {
            let code = step4(server, &keys, None);
            let tokens = step2_tokens(server, &keys, &code);
            assert_eq!(tokens["scope"], "read", "{set:?} {}: {tokens}", keys.key);
            assert_eq!(step3(server, access_of(&tokens)).status(), 200);
        }
    });
}

#[test]
fn the_four_steps_work_word_for_word() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        // Step 1: "you need to register the application", here once with a
        // form and once with JSON; keep client_key and client_secret.
        let form = register_form(
            server,
            &[
                ("client_name", "Tooter"),
                ("redirect_uris", OOB),
                ("scopes", "read write follow"),
                ("website", "https://tooter.example"),
            ],
        );
        assert_eq!(form["name"], "Tooter");
        assert_eq!(form["website"], "https://tooter.example");
        assert_eq!(form["redirect_uri"], OOB);
        let from_json = register_json(
            server,
            &json!({
                "client_name": "Elephant",
                "redirect_uris": OOB,
                "scopes": "read write follow",
                "website": "https://elephant.example",
            }),
        );
        assert_eq!(from_json["name"], "Elephant");
        assert_eq!(from_json["redirect_uri"], OOB);
        for answer in [form, from_json] {
            let keys = Keys::from_answer(&answer);
            // Step 4: "If you have neither refresh nor access token, tell the
            // user to visit /oauth/authorize" … "Store this code as your
            // refresh_token. Go back to step #2."
            let refresh_token = step4_first(server, &keys, Some("read write follow"));
            // Step 2: refresh with the stored "refresh token".
            let tokens = step2_tokens(server, &keys, &refresh_token);
            assert_eq!(
                scope_set(&tokens["scope"]),
                ["follow", "read", "write"],
                "{set:?}"
            );
            // Step 3: "Try to connect … verify credentials … Authorization: Bearer".
            let me = json(step3(server, access_of(&tokens)), 200);
            assert_eq!(me["username"], ALICE, "{me}");
            assert_eq!(me["acct"], ALICE);
            assert_eq!(me["display_name"], "Alice Liddell");
            assert!(me["id"].is_string(), "{me}");
            // Later, step 2 again with the real refresh token.
            let real = tokens["refresh_token"].as_str().unwrap();
            let next = step2_tokens(server, &keys, real);
            assert_ne!(next["access_token"], tokens["access_token"]);
            assert_eq!(scope_set(&next["scope"]), ["follow", "read", "write"]);
            assert_eq!(
                json(step3(server, access_of(&next)), 200)["username"],
                ALICE
            );
        }
    });
}

#[test]
fn a_code_for_either_of_two_redirect_uris_works_as_refresh_token() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = two_uri_app(server);
        // Out of band, with the document's URL.
        let oob = step4(server, &keys, Some("read write follow"));
        step2_tokens(server, &keys, &oob);
        // Redirected to the second URI.
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let code = redirected_code(server, &browser, &keys);
        let tokens = step2_tokens(server, &keys, &code);
        assert_eq!(
            scope_set(&tokens["scope"]),
            ["follow", "read", "write"],
            "{set:?}"
        );
        assert_eq!(step3(server, access_of(&tokens)).status(), 200);
    });
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

#[test]
fn out_of_band_codes_live_ten_minutes_and_redirected_codes_one() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = two_uri_app(server);
        // The person copies the code by hand: five minutes later it still works.
        let code = step4(server, &keys, Some("read"));
        server.clock.advance(300);
        step2_tokens(server, &keys, &code);
        // Past ten minutes it does not.
        let code = step4(server, &keys, Some("read"));
        server.clock.advance(601);
        let late = oauth_error(step2(server, &keys, &code), 400, "invalid_grant");
        assert!(late["error_description"].is_string(), "{set:?} {late}");
        // A redirected code keeps the usual minute.
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let code = redirected_code(server, &browser, &keys);
        server.clock.advance(61);
        oauth_error(step2(server, &keys, &code), 400, "invalid_grant");
    });
}

#[test]
fn a_code_sent_twice_is_refused_and_its_tokens_are_revoked() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = Keys::seed();
        // Sent again the same way (as the refresh token) …
        let code = step4(server, &keys, Some("read write"));
        let first = step2_tokens(server, &keys, &code);
        let access = access_of(&first);
        assert_eq!(introspect_post(server, &keys, access)["active"], true);
        let again = oauth_error(step2(server, &keys, &code), 400, "invalid_grant");
        let description = again["error_description"].as_str().unwrap();
        assert!(description.contains("revoked"), "{set:?}: {description}");
        let info = introspect_post(server, &keys, access);
        assert_eq!(info["active"], false, "{set:?}: {info}");
        assert_eq!(step3(server, access).status(), 401);
        // … or as an ordinary authorization code.
        let code = step4(server, &keys, Some("read write"));
        let first = step2_tokens(server, &keys, &code);
        let access = access_of(&first);
        let again = oauth_error(
            server.post_form(
                "/oauth/token",
                &[
                    ("client_id", APP),
                    ("client_secret", APP_SECRET),
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", OOB),
                ],
            ),
            400,
            "invalid_grant",
        );
        assert!(
            again["error_description"]
                .as_str()
                .unwrap()
                .contains("revoked"),
            "{again}"
        );
        assert_eq!(introspect_post(server, &keys, access)["active"], false);
    });
}

#[test]
fn token_requests_may_be_json_for_mastodon_apps_only() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let code = step4(server, &Keys::seed(), Some("read"));
        let tokens = json(
            server
                .http
                .post(server.url("/oauth/token"))
                .json(&json!({
                    "client_id": APP,
                    "client_secret": APP_SECRET,
                    "grant_type": "refresh_token",
                    "refresh_token": code,
                }))
                .send()
                .unwrap(),
            200,
        );
        assert_eq!(tokens["scope"], "read", "{set:?}");
        assert_eq!(step3(server, access_of(&tokens)).status(), 200);
        // A standard client sending JSON is refused; its code is still good.
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let pkce = Pkce::new();
        let code = code_for(server, &browser, WEBAPP_ID, "read", Some(&pkce));
        let refused = server
            .http
            .post(server.url("/oauth/token"))
            .basic_auth(WEBAPP_ID, Some(WEBAPP_SECRET))
            .json(&json!({
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1:9000/cb",
                "code_verifier": pkce.verifier,
            }))
            .send()
            .unwrap();
        oauth_error(refused, 400, "invalid_request");
        let exchanged = exchange(
            server,
            WEBAPP_ID,
            &code,
            Some("http://127.0.0.1:9000/cb"),
            Some(&pkce.verifier),
        );
        json(exchanged, 200);
    });
}

#[test]
fn account_credentials_need_a_user_token_with_read() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = Keys::seed();
        let write_only = step2_tokens(server, &keys, &step4(server, &keys, Some("write")));
        mastodon_error(
            step3(server, access_of(&write_only)),
            403,
            "This action is outside the authorized scopes",
        );
        let read = step2_tokens(server, &keys, &step4(server, &keys, Some("read")));
        assert_eq!(
            json(step3(server, access_of(&read)), 200)["username"],
            ALICE,
            "{set:?}"
        );
        let app = app_token(server, &keys);
        let status = step3(server, &app).status();
        assert_eq!(status, 422, "{set:?}: an app token has no account");
        mastodon_error(
            step3(server, "gth_at_nonsense"),
            401,
            "The access token is invalid",
        );
        let missing = server
            .http
            .get(server.url("/api/v1/accounts/verify_credentials"))
            .send()
            .unwrap();
        mastodon_error(missing, 401, "The access token is invalid");
    });
}

#[test]
fn the_token_also_travels_as_access_token_or_bearer_token() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = Keys::seed();
        let tokens = step2_tokens(server, &keys, &step4(server, &keys, Some("read")));
        let access = access_of(&tokens);
        for param in ["access_token", "bearer_token"] {
            for path in [
                "/api/v1/accounts/verify_credentials",
                "/api/v1/apps/verify_credentials",
            ] {
                let response = server
                    .http
                    .get(server.url(path))
                    .query(&[(param, access)])
                    .send()
                    .unwrap();
                assert_eq!(response.status(), 200, "{set:?} {path}?{param}=");
            }
        }
    });
}

#[test]
fn app_credentials_answer_name_and_website_for_any_token() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let answer = register_json(
            server,
            &json!({
                "client_name": "Elephant",
                "redirect_uris": format!("{APP_CB}\n{OOB}"),
                "scopes": "read push",
                "website": "https://elephant.example",
            }),
        );
        let keys = Keys::from_answer(&answer);
        let user = step2_tokens(server, &keys, &step4(server, &keys, Some("push")));
        for token in [app_token(server, &keys), access_of(&user).to_owned()] {
            let app = json(
                get_bearer(server, "/api/v1/apps/verify_credentials", &token),
                200,
            );
            assert_eq!(app["name"], "Elephant", "{set:?}");
            assert_eq!(app["website"], "https://elephant.example");
        }
        mastodon_error(
            get_bearer(server, "/api/v1/apps/verify_credentials", "gth_at_nonsense"),
            401,
            "The access token is invalid",
        );
    });
}

#[test]
fn a_code_as_refresh_token_is_only_understood_for_mastodon_apps() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let pkce = Pkce::new();
        let code = code_for(server, &browser, WEBAPP_ID, "read", Some(&pkce));
        let response = server.post_basic(
            "/oauth/token",
            WEBAPP_ID,
            WEBAPP_SECRET,
            &[("grant_type", "refresh_token"), ("refresh_token", &code)],
        );
        let body = oauth_error(response, 400, "invalid_grant");
        // Not taken for a code: it was not spent, and exchanges as one.
        let exchanged = exchange(
            server,
            WEBAPP_ID,
            &code,
            Some("http://127.0.0.1:9000/cb"),
            Some(&pkce.verifier),
        );
        assert_eq!(exchanged.status(), 200, "{set:?}: {body}");
    });
}

#[test]
fn bad_app_registrations_are_refused_as_mastodon_does() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        for form in [
            vec![("redirect_uris", OOB)],
            vec![("client_name", "X"), ("redirect_uris", "not a uri")],
            vec![
                ("client_name", "X"),
                ("redirect_uris", OOB),
                ("scopes", "admin:everything"),
            ],
        ] {
            let response = server
                .http
                .post(server.url("/api/v1/apps"))
                .form(&form)
                .send()
                .unwrap();
            let body = json(response, 422);
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("Validation failed")),
                "{set:?} {form:?}: {body}"
            );
        }
    });
}

#[test]
fn the_dialect_routes_exist_only_when_asked_for() {
    let server = people_server(|_| {});
    let response = server
        .http
        .post(server.url("/api/v1/apps"))
        .form(&[("client_name", "X")])
        .send()
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn conflicting_dialects_are_refused_at_start_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("db");
    let (ok, _, err) = run_cli(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
            "--dialect",
            "piictu",
            "--dialect",
            "appnet",
        ],
        None,
    );
    assert!(!ok);
    assert!(
        err.contains("piictu") && err.contains("appnet") && err.contains("/oauth/access_token"),
        "{err}"
    );
}

#[test]
fn dialects_may_come_from_the_environment_comma_separated() {
    let dir = tempfile::tempdir().unwrap();
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &[],
        &[("GATEHOUSE_DIALECTS", "skritter,mastodon")],
    );
    let response = http_client()
        .post(server.url("/api/v1/apps"))
        .form(&[("client_name", "Env"), ("redirect_uris", OOB)])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let skritter = http_client()
        .get(server.url("/api/v0/users/me"))
        .send()
        .unwrap();
    assert_eq!(skritter.status(), 401, "skritter's route is there too");
}
