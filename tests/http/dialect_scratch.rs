//! The scratch dialect: scratch-oauth2.txt's application registration under
//! `/w/rest.php/soa2/v0` (session cookie, integer client IDs, JSON bodies),
//! `POST /tokens` and `PATCH /tokens` with the document's status codes,
//! `GET /user`, and the Application object's `flags`.

use gatehouse::dialects::Dialect;
use reqwest::blocking::Response;
use serde_json::{json as body, Value};

use crate::harness::*;

/// Where the document's endpoints live.
const BASE: &str = "/w/rest.php/soa2/v0";
/// The registered redirect URI of "New Cool App".
const COOL_CB: &str = "https://cool.example/cb";

/// An application as made: (client_id, client_secret).
type App = (u64, String);

/// A server with only the scratch dialect: kenny2scratch, other and the
/// administrator root; no clients, no scopes of its own.
fn scratch_server() -> TestServer {
    let seed = body!({
        "users": [
            {"username": "kenny2scratch", "password": "kenny-password-1"},
            {"username": "other", "password": "other-password-1"},
            {"username": "root", "password": "root-password-1", "admin": true}
        ]
    });
    TestServer::start_with(&seed.to_string(), |c| c.dialects = vec![Dialect::Scratch])
}

/// An absolute URL of a document endpoint.
fn api(server: &TestServer, path: &str) -> String {
    server.url(&format!("{BASE}{path}"))
}

/// kenny2scratch's browser, signed in.
fn kenny(server: &TestServer) -> Browser {
    Browser::signed_in_as(server, "kenny2scratch", "kenny-password-1")
}

/// other's browser, signed in.
fn other(server: &TestServer) -> Browser {
    Browser::signed_in_as(server, "other", "other-password-1")
}

/// `PUT /applications` with a JSON body.
fn put_app(server: &TestServer, browser: &Browser, app: &Value) -> Response {
    browser
        .http
        .put(api(server, "/applications"))
        .json(app)
        .send()
        .unwrap()
}

/// `PATCH /applications/{client_id}` with a JSON body.
fn patch_app(server: &TestServer, browser: &Browser, client_id: u64, change: &Value) -> Response {
    browser
        .http
        .patch(api(server, &format!("/applications/{client_id}")))
        .json(change)
        .send()
        .unwrap()
}

/// `GET /applications/{client_id}`.
fn get_app(server: &TestServer, browser: &Browser, client_id: u64) -> Response {
    browser
        .http
        .get(api(server, &format!("/applications/{client_id}")))
        .send()
        .unwrap()
}

/// A request whose body claims to be JSON but is not.
fn not_json(request: reqwest::blocking::RequestBuilder) -> Response {
    request
        .header("content-type", "application/json")
        .body("this is {not json")
        .send()
        .unwrap()
}

/// The integer client ID of an Application or PartialApplication.
fn client_id_of(app: &Value) -> u64 {
    app["client_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("client_id is not an integer: {app}"))
}

/// Makes "New Cool App" redirecting to COOL_CB as the browser's person.
fn new_cool_app(server: &TestServer, browser: &Browser) -> App {
    let app = json(
        put_app(
            server,
            browser,
            &body!({"app_name": "New Cool App", "redirect_uris": [COOL_CB]}),
        ),
        200,
    );
    (
        client_id_of(&app),
        app["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// Makes an application with no name and no redirect URIs.
fn app_without_redirect(server: &TestServer, browser: &Browser) -> App {
    let app = json(
        put_app(
            server,
            browser,
            &body!({"app_name": null, "redirect_uris": null}),
        ),
        200,
    );
    (
        client_id_of(&app),
        app["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// The person is sent to `/oauth/authorize` for `identify`, allows, and the
/// code comes back: in the redirect to `redirect_uri`, or, without one, on
/// the built-in page that shows it.
fn authorize(
    server: &TestServer,
    browser: &Browser,
    client_id: u64,
    redirect_uri: Option<&str>,
) -> String {
    let client_id = client_id.to_string();
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("scope", "identify"),
        ("state", "xyz"),
    ];
    if let Some(uri) = redirect_uri {
        query.push(("redirect_uri", uri));
    }
    let consent = html_page(browser.authorize(server, &query), 200);
    let decided = browser.decide(server, &consent, "allow");
    match redirect_uri {
        Some(uri) => {
            let target = location(&decided);
            assert!(target.starts_with(uri), "redirected to {target}");
            let params = query_of(&target);
            assert_eq!(params.get("state").map(String::as_str), Some("xyz"));
            params
                .get("code")
                .unwrap_or_else(|| panic!("no code in {target}"))
                .clone()
        }
        None => shown_code(&html_page(decided, 200)),
    }
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

/// Exchanges a code for `identify`, confirming the scopes as the document's string.
fn exchange_code(server: &TestServer, (client_id, secret): &App, code: &str) -> Response {
    post_tokens(
        server,
        &body!({"client_id": client_id, "client_secret": secret, "code": code, "scopes": "identify"}),
    )
}

/// Asserts a Tokens object for `identify`, issued now.
fn assert_tokens(server: &TestServer, tokens: &Value) {
    let now = server.clock.now();
    assert!(tokens["access_token"].is_string(), "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    let access_expiry = tokens["access_expiry"]
        .as_u64()
        .unwrap_or_else(|| panic!("access_expiry is not a Unix time: {tokens}"));
    let refresh_expiry = tokens["refresh_expiry"]
        .as_u64()
        .unwrap_or_else(|| panic!("refresh_expiry is not a Unix time: {tokens}"));
    assert!(
        access_expiry > now && access_expiry <= now + 3600 + 60,
        "{tokens}"
    );
    assert!(refresh_expiry > access_expiry, "{tokens}");
    assert_eq!(tokens["scopes"], body!(["identify"]));
}

/// Makes "New Cool App", authorizes it as kenny2scratch and exchanges the
/// code; answers the app and its Tokens.
fn cool_app_with_tokens(server: &TestServer) -> (App, Value) {
    let browser = kenny(server);
    let app = new_cool_app(server, &browser);
    let code = authorize(server, &browser, app.0, Some(COOL_CB));
    let tokens = json(exchange_code(server, &app, &code), 200);
    (app, tokens)
}

/// `GET /user` with `Authorization: Bearer <token>`.
fn get_user(server: &TestServer, token: &str) -> Response {
    server
        .http
        .get(api(server, "/user"))
        .bearer_auth(token)
        .send()
        .unwrap()
}

#[test]
fn listing_applications_needs_a_session_and_shows_only_ones_own() {
    let server = scratch_server();
    let anonymous = server
        .http
        .get(api(&server, "/applications"))
        .send()
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let browser = kenny(&server);
    let list = |browser: &Browser| json(browser.get(&api(&server, "/applications")), 200);
    assert_eq!(list(&browser), body!([]));
    let (cool, _) = new_cool_app(&server, &browser);
    let (nameless, _) = app_without_redirect(&server, &browser);

    let mut mine: Vec<(u64, Value)> = list(&browser)
        .as_array()
        .unwrap()
        .iter()
        .map(|partial| (client_id_of(partial), partial["app_name"].clone()))
        .collect();
    mine.sort_by_key(|(id, _)| *id);
    let mut expected = vec![(cool, body!("New Cool App")), (nameless, Value::Null)];
    expected.sort_by_key(|(id, _)| *id);
    assert_eq!(mine, expected);
    assert_eq!(list(&other(&server)), body!([]));
}

#[test]
fn creating_an_application_answers_it_with_its_secret_and_drops_empty_uris() {
    let server = scratch_server();
    let browser = kenny(&server);
    let app = json(
        put_app(
            &server,
            &browser,
            &body!({"app_name": "New Cool App", "redirect_uris": [COOL_CB, ""]}),
        ),
        200,
    );
    client_id_of(&app);
    assert!(
        app["client_secret"].as_str().is_some_and(|s| !s.is_empty()),
        "{app}"
    );
    assert_eq!(app["app_name"], "New Cool App");
    assert_eq!(app["flags"], 0);
    assert_eq!(app["redirect_uris"], body!([COOL_CB]));
}

#[test]
fn an_application_may_have_no_name_and_no_redirect_uris() {
    let server = scratch_server();
    let browser = kenny(&server);
    let app = json(
        put_app(
            &server,
            &browser,
            &body!({"app_name": null, "redirect_uris": null}),
        ),
        200,
    );
    assert!(app["client_secret"].is_string(), "{app}");
    assert_eq!(app["app_name"], Value::Null);
    assert_eq!(app["flags"], 0);
    assert_eq!(app["redirect_uris"], body!([]));
}

#[test]
fn a_malformed_creation_is_400_and_one_without_a_session_is_401() {
    let server = scratch_server();
    let browser = kenny(&server);
    let garbled = not_json(browser.http.put(api(&server, "/applications")));
    assert_eq!(garbled.status(), 400);
    let wrong_type = put_app(
        &server,
        &browser,
        &body!({"app_name": "X", "redirect_uris": "x"}),
    );
    assert_eq!(wrong_type.status(), 400);
    let anonymous = server
        .http
        .put(api(&server, "/applications"))
        .json(&body!({"app_name": "New Cool App", "redirect_uris": [COOL_CB]}))
        .send()
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        json(browser.get(&api(&server, "/applications")), 200),
        body!([])
    );
}

#[test]
fn getting_an_application_shows_it_without_its_secret_to_its_owner_only() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, _) = new_cool_app(&server, &browser);
    let app = json(get_app(&server, &browser, client_id), 200);
    assert_eq!(client_id_of(&app), client_id);
    assert_eq!(app["client_secret"], Value::Null);
    assert_eq!(app["app_name"], "New Cool App");
    assert_eq!(app["flags"], 0);
    assert_eq!(app["redirect_uris"], body!([COOL_CB]));

    assert_eq!(get_app(&server, &other(&server), client_id).status(), 404);
    assert_eq!(get_app(&server, &browser, 999_999_999).status(), 404);
    let anonymous = server
        .http
        .get(api(&server, &format!("/applications/{client_id}")))
        .send()
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[test]
fn patching_replaces_the_name_and_the_whole_redirect_list() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, _) = new_cool_app(&server, &browser);
    let replaced = ["https://these.will/be", "https://overwritten.not/appended"];
    let app = json(
        patch_app(
            &server,
            &browser,
            client_id,
            &body!({"app_name": "Not So New Cool App", "redirect_uris": replaced}),
        ),
        200,
    );
    assert_eq!(client_id_of(&app), client_id);
    assert_eq!(app["app_name"], "Not So New Cool App");
    assert_eq!(app["redirect_uris"], body!(replaced));
    assert_eq!(
        json(get_app(&server, &browser, client_id), 200)["redirect_uris"],
        body!(replaced)
    );

    let unnamed = json(
        patch_app(&server, &browser, client_id, &body!({"app_name": null})),
        200,
    );
    assert_eq!(unnamed["app_name"], Value::Null);
    assert_eq!(unnamed["redirect_uris"], body!(replaced));
    assert_eq!(
        json(get_app(&server, &browser, client_id), 200)["app_name"],
        Value::Null
    );
}

#[test]
fn resetting_the_secret_answers_a_new_one_and_retires_the_old() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, old_secret) = new_cool_app(&server, &browser);
    let app = json(
        patch_app(&server, &browser, client_id, &body!({"reset_secret": true})),
        200,
    );
    let new_secret = app["client_secret"]
        .as_str()
        .unwrap_or_else(|| panic!("no new secret: {app}"))
        .to_owned();
    assert_ne!(new_secret, old_secret);

    let code = authorize(&server, &browser, client_id, Some(COOL_CB));
    let with_old = exchange_code(&server, &(client_id, old_secret), &code);
    assert_eq!(with_old.status(), 401);
    let with_new = json(exchange_code(&server, &(client_id, new_secret), &code), 200);
    assert_tokens(&server, &with_new);
}

#[test]
fn patching_someone_elses_application_is_404_and_a_malformed_patch_is_400() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, _) = new_cool_app(&server, &browser);
    let stranger = patch_app(
        &server,
        &other(&server),
        client_id,
        &body!({"app_name": "Stolen"}),
    );
    assert_eq!(stranger.status(), 404);
    let garbled = not_json(
        browser
            .http
            .patch(api(&server, &format!("/applications/{client_id}"))),
    );
    assert_eq!(garbled.status(), 400);
    let wrong_type = patch_app(&server, &browser, client_id, &body!({"redirect_uris": "x"}));
    assert_eq!(wrong_type.status(), 400);
    let app = json(get_app(&server, &browser, client_id), 200);
    assert_eq!(app["app_name"], "New Cool App");
    assert_eq!(app["redirect_uris"], body!([COOL_CB]));
}

#[test]
fn deleting_an_application_answers_204_and_then_it_is_gone() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, _) = new_cool_app(&server, &browser);
    let url = api(&server, &format!("/applications/{client_id}"));
    assert_eq!(
        other(&server).http.delete(&url).send().unwrap().status(),
        404
    );
    assert_eq!(browser.http.delete(&url).send().unwrap().status(), 204);
    assert_eq!(get_app(&server, &browser, client_id).status(), 404);
    assert_eq!(
        json(browser.get(&api(&server, "/applications")), 200),
        body!([])
    );
}

#[test]
fn the_flags_are_the_administrators_bits_ored_together() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, _) = new_cool_app(&server, &browser);
    let root = Browser::signed_in_as(&server, "root", "root-password-1");
    let set = |flags: &[&str]| {
        // Unchecked boxes are absent from the form.
        let fields: Vec<(&str, &str)> = flags.iter().map(|f| (*f, "on")).collect();
        let response = admin_post(
            &server,
            &root,
            &format!("/admin/apps/{client_id}/flags"),
            &fields,
        );
        assert_done(&server, &response);
    };
    let flags = || json(get_app(&server, &browser, client_id), 200)["flags"].clone();

    set(&["name_approved", "verified", "hide_owner"]);
    assert_eq!(flags(), 1 | 2 | 4);
    set(&["verified"]);
    assert_eq!(flags(), 2);
    set(&["name_approved", "hide_owner"]);
    assert_eq!(flags(), 1 | 4);
    set(&[]);
    assert_eq!(flags(), 0);
}

#[test]
fn the_whole_flow_authorizes_exchanges_and_identifies_the_person() {
    let server = scratch_server();
    let (_, tokens) = cool_app_with_tokens(&server);
    assert_tokens(&server, &tokens);
    let user = json(
        get_user(&server, tokens["access_token"].as_str().unwrap()),
        200,
    );
    assert!(user["user_id"].is_u64(), "{user}");
    assert_eq!(user["user_name"], "kenny2scratch");
}

#[test]
fn the_scopes_may_be_confirmed_as_an_array() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, secret) = new_cool_app(&server, &browser);
    let code = authorize(&server, &browser, client_id, Some(COOL_CB));
    let tokens = json(
        post_tokens(
            &server,
            &body!({"client_id": client_id, "client_secret": secret, "code": code, "scopes": ["identify"]}),
        ),
        200,
    );
    assert_tokens(&server, &tokens);
}

#[test]
fn an_application_without_redirect_uris_shows_the_code_on_a_page() {
    let server = scratch_server();
    let browser = kenny(&server);
    let app = app_without_redirect(&server, &browser);
    let code = authorize(&server, &browser, app.0, None);
    let tokens = json(exchange_code(&server, &app, &code), 200);
    assert_tokens(&server, &tokens);
    let user = json(
        get_user(&server, tokens["access_token"].as_str().unwrap()),
        200,
    );
    assert_eq!(user["user_name"], "kenny2scratch");
}

#[test]
fn a_wrong_secret_is_401_an_unknown_code_404_and_a_malformed_body_400() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, secret) = new_cool_app(&server, &browser);
    let code = authorize(&server, &browser, client_id, Some(COOL_CB));

    let wrong_secret = exchange_code(&server, &(client_id, "not-the-secret".to_owned()), &code);
    assert_eq!(wrong_secret.status(), 401);
    let unknown_code = exchange_code(
        &server,
        &(client_id, secret.clone()),
        "no-such-token-getter-code",
    );
    assert_eq!(unknown_code.status(), 404);
    let garbled = not_json(server.http.post(api(&server, "/tokens")));
    assert_eq!(garbled.status(), 400);
    let no_code = post_tokens(
        &server,
        &body!({"client_id": client_id, "client_secret": secret, "scopes": "identify"}),
    );
    assert_eq!(no_code.status(), 400);

    // None of that spent the code.
    let tokens = json(exchange_code(&server, &(client_id, secret), &code), 200);
    assert_tokens(&server, &tokens);
}

#[test]
fn scopes_other_than_those_allowed_are_417_and_leave_the_code_usable() {
    let server = scratch_server();
    let browser = kenny(&server);
    let (client_id, secret) = new_cool_app(&server, &browser);
    let code = authorize(&server, &browser, client_id, Some(COOL_CB));
    for scopes in [body!("identify extra"), body!([])] {
        let mismatched = post_tokens(
            &server,
            &body!({"client_id": client_id, "client_secret": secret, "code": code, "scopes": scopes}),
        );
        assert_eq!(mismatched.status(), 417, "scopes {scopes}");
    }
    let tokens = json(exchange_code(&server, &(client_id, secret), &code), 200);
    assert_tokens(&server, &tokens);
}

#[test]
fn a_refresh_token_answers_new_tokens() {
    let server = scratch_server();
    let ((client_id, secret), tokens) = cool_app_with_tokens(&server);
    server.clock.advance(600);
    let fresh = json(
        patch_tokens(
            &server,
            &body!({"client_id": client_id, "client_secret": secret,
                    "refresh_token": tokens["refresh_token"]}),
        ),
        200,
    );
    assert_tokens(&server, &fresh);
    assert_ne!(fresh["access_token"], tokens["access_token"]);
    let user = json(
        get_user(&server, fresh["access_token"].as_str().unwrap()),
        200,
    );
    assert_eq!(user["user_name"], "kenny2scratch");
}

#[test]
fn refreshing_with_a_wrong_secret_is_401_an_unknown_token_404_and_an_expired_one_410() {
    let server = scratch_server();
    let ((client_id, secret), tokens) = cool_app_with_tokens(&server);
    let refresh_token = tokens["refresh_token"].clone();

    let wrong_secret = patch_tokens(
        &server,
        &body!({"client_id": client_id, "client_secret": "not-the-secret",
                "refresh_token": refresh_token}),
    );
    assert_eq!(wrong_secret.status(), 401);
    let unknown = patch_tokens(
        &server,
        &body!({"client_id": client_id, "client_secret": secret,
                "refresh_token": "no-such-refresh-token"}),
    );
    assert_eq!(unknown.status(), 404);
    let garbled = not_json(server.http.patch(api(&server, "/tokens")));
    assert_eq!(garbled.status(), 400);

    server.clock.advance(31 * 24 * 3600);
    let expired = patch_tokens(
        &server,
        &body!({"client_id": client_id, "client_secret": secret,
                "refresh_token": refresh_token}),
    );
    assert_eq!(expired.status(), 410);
}

#[test]
fn the_user_endpoint_needs_a_good_bearer_token() {
    let server = scratch_server();
    let bare = server.http.get(api(&server, "/user")).send().unwrap();
    assert_eq!(bare.status(), 401);
    assert_eq!(get_user(&server, "gth_at_nonsense").status(), 401);
}

#[test]
fn the_dialect_routes_exist_only_when_asked_for() {
    let server = people_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let response = browser.get(&api(&server, "/applications"));
    assert_eq!(response.status(), 404);
}
