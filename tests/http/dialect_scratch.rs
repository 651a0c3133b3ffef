//! The scratch dialect: scratch-oauth2.txt replayed in the document's order
//! under `/w/rest.php/soa2/v0`, each replay once with the scratch dialect
//! alone and once with `gatehouse dev`'s set. The Scratch login endpoints
//! (the person confirms the code on their account page, Gatehouse's
//! stand-in for a profile comment), the application registration endpoints
//! with the session those endpoints log in, `POST /tokens` and
//! `PATCH /tokens`, `GET /user` with the document's base64 bearer token,
//! every object's fields, the AppFlags as set on /admin, and the scope
//! `identify`. The document's 203 (the comments API 404ed) has no
//! counterpart here: Gatehouse is its own user database.

use base64::Engine;
use gatehouse::dialects::Dialect;
use reqwest::blocking::{RequestBuilder, Response};
use reqwest::Method;
use serde_json::{json as body, Value};

use crate::harness::*;

/// Where the document's endpoints live.
const BASE: &str = "/w/rest.php/soa2/v0";
/// The registered redirect URI of the applications made with one.
const COOL_CB: &str = "https://cool.example/cb";
/// The document's person (`GET /user`'s example).
const KENNY: &str = "kenny2scratch";
const KENNY_PASSWORD: &str = "kenny-password-1";
/// The document's Code object's person; a short password, as seeds allow.
const SNIPED: &str = "NameSniped";
const SNIPED_PASSWORD: &str = "tomato";
/// The demo seed's second person, for "not yours".
const BOB: &str = "bob";
const BOB_PASSWORD: &str = "bob-the-builder";
/// The demo seed's administrator.
const ADMIN: &str = "alice";
const ADMIN_PASSWORD: &str = "alice-wonderland";
/// The demo seed's scratch client: no redirect URI, so the code page.
const DEMO_APP: u64 = 1_000_001;
const DEMO_SECRET: &str = "scratch-app-secret";
/// A scratch client of this file's seed that makes client tokens: a token
/// that names no person.
const SERVICE_APP: u64 = 1_000_002;
const SERVICE_SECRET: &str = "scratch-service-secret";
/// The scopes of other dialects and of the demo seed: never granted here.
const FOREIGN_SCOPES: [&str; 4] = ["basic", "read", "api", "write"];

/// An application as made: (client_id, client_secret).
type App = (u64, String);

/// What this file adds to the demo seed: the document's people and a
/// scratch client with the client_credentials grant.
fn extra() -> Value {
    body!({
        "users": [
            {"username": KENNY, "password": KENNY_PASSWORD, "email": "kenny@example.org"},
            {"username": SNIPED, "password": SNIPED_PASSWORD}
        ],
        "clients": [
            {"client_id": SERVICE_APP.to_string(), "client_secret": SERVICE_SECRET,
             "client_name": "Scratch service", "grant_types": ["client_credentials"],
             "token_endpoint_auth_method": "client_secret_post", "dialect": "scratch"}
        ]
    })
}

/// Runs a replay under both dialect sets (see `for_each_set`), saying
/// which set a failure happened under.
fn replay(check: impl Fn(&TestServer)) {
    for_each_set(Dialect::Scratch, &extra(), |server, set| {
        println!("replaying under {set:?}");
        check(server);
    });
}

/// Like [`replay`], with servers in development mode.
fn replay_in_dev_mode(check: impl Fn(&TestServer)) {
    let seed = demo_seed_plus(&extra());
    for set in dialect_sets(Dialect::Scratch) {
        println!("replaying in development mode under {set:?}");
        let server = TestServer::start_with(&seed, |c| {
            c.dialects = set.clone();
            c.dev_mode = true;
        });
        check(&server);
    }
}

/// An absolute URL of a document endpoint.
fn api(server: &TestServer, path: &str) -> String {
    server.url(&format!("{BASE}{path}"))
}

/// A request whose body claims to be JSON but is not.
fn not_json(request: RequestBuilder) -> Response {
    request
        .header("content-type", "application/json")
        .body("this is {not json")
        .send()
        .unwrap()
}

/// The sorted field names of a JSON object.
fn fields(object: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = object
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {object}"))
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

/// Asserts the status of an answer (its body in the message).
fn status_of(response: Response, status: u16) {
    let got = response.status().as_u16();
    let text = response.text().unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
}

// ---- Scratch Login Endpoints ----

/// `PUT /login/{username}`; `username` goes into the path as given.
fn start_login(server: &TestServer, username: &str) -> Response {
    server
        .http
        .put(api(server, &format!("/login/{username}")))
        .send()
        .unwrap()
}

/// `POST /login/{username}` with a JSON body.
fn finish_login(server: &TestServer, username: &str, request: &Value) -> Response {
    server
        .http
        .post(api(server, &format!("/login/{username}")))
        .json(request)
        .send()
        .unwrap()
}

/// Asserts a Code object for `username`: every field, the code in the
/// document's shape (13 colon-joined groups of 5 hex digits).
fn assert_code_object(code: &Value, username: &str) {
    assert_eq!(fields(code), ["code", "csrf", "username"], "{code}");
    assert_eq!(code["username"], username, "{code}");
    assert!(
        code["csrf"].as_str().is_some_and(|c| c.len() >= 16),
        "{code}"
    );
    let groups: Vec<&str> = code["code"].as_str().unwrap().split(':').collect();
    assert_eq!(groups.len(), 13, "{code}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_hexdigit())),
        "{code}"
    );
}

/// Starts a login for `username`; asserts and answers the Code object.
fn code_object(server: &TestServer, username: &str) -> Value {
    let code = json(start_login(server, username), 200);
    assert_code_object(&code, username);
    code
}

/// The `api-login` form of the account page the browser sees: asserts the
/// section and its `code` input; answers the form.
fn api_login_form(server: &TestServer, browser: &Browser) -> String {
    let page = html_page(browser.get(&server.url("/account")), 200);
    assert!(page.contains("id=\"api-login\""), "no api-login on: {page}");
    let form = form_with_action(&page, "/account/api-login").to_owned();
    assert!(
        elements(&form, "input")
            .iter()
            .any(|input| input.get("name").map(String::as_str) == Some("code")),
        "no code input in: {form}"
    );
    form
}

/// The signed-in person enters `code` on their account page.
fn confirm(server: &TestServer, browser: &Browser, code: &str) -> Response {
    let form = api_login_form(server, browser);
    let csrf = hidden_value(&form, "csrf_token").expect("no csrf_token");
    browser.post_form(
        &server.url("/account/api-login"),
        &[("csrf_token", csrf.as_str()), ("code", code)],
    )
}

/// Asserts the account page's answer to a confirmed code.
fn assert_confirmed(server: &TestServer, response: &Response) {
    assert_eq!(response.status(), 303, "the code was not confirmed");
    assert_eq!(location(response), server.url("/account?done=api-login"));
}

/// A session logged in through the login endpoints: only its
/// `gh_session` cookie, sent by hand from a client without a cookie jar.
struct Session {
    cookie: String,
}

impl Session {
    /// A request with the session's cookie.
    fn request(&self, server: &TestServer, method: Method, path: &str) -> RequestBuilder {
        server
            .http
            .request(method, api(server, path))
            .header("cookie", format!("gh_session={}", self.cookie))
    }

    fn get(&self, server: &TestServer, path: &str) -> Response {
        self.request(server, Method::GET, path).send().unwrap()
    }

    fn delete(&self, server: &TestServer, path: &str) -> Response {
        self.request(server, Method::DELETE, path).send().unwrap()
    }

    fn put(&self, server: &TestServer, path: &str, request: &Value) -> Response {
        self.request(server, Method::PUT, path)
            .json(request)
            .send()
            .unwrap()
    }

    fn patch(&self, server: &TestServer, path: &str, request: &Value) -> Response {
        self.request(server, Method::PATCH, path)
            .json(request)
            .send()
            .unwrap()
    }
}

/// The session cookie of a 204 from `POST /login/{username}`.
fn session_of(response: Response) -> Session {
    assert_eq!(
        response.status(),
        204,
        "the login did not finish: {:?}",
        response.headers()
    );
    let line = set_cookie(&response, "gh_session").expect("no gh_session cookie");
    assert!(has_attribute(&line, "HttpOnly"), "{line}");
    assert!(has_attribute(&line, "Path=/"), "{line}");
    assert!(response.text().unwrap().is_empty());
    Session {
        cookie: cookie_value(&line),
    }
}

/// The document's four steps: start the login, the person confirms the
/// code (signed in through the normal /login page in their own browser),
/// finish with the CSRF token; answers the logged-in session.
fn log_in(server: &TestServer, username: &str, password: &str) -> Session {
    let code = code_object(server, username);
    let person = Browser::signed_in_as(server, username, password);
    assert_confirmed(
        server,
        &confirm(server, &person, code["code"].as_str().unwrap()),
    );
    session_of(finish_login(
        server,
        username,
        &body!({"csrf": code["csrf"]}),
    ))
}

fn kenny(server: &TestServer) -> Session {
    log_in(server, KENNY, KENNY_PASSWORD)
}

fn bob(server: &TestServer) -> Session {
    log_in(server, BOB, BOB_PASSWORD)
}

#[test]
fn start_login_answers_a_code_object() {
    replay(|server| {
        let response = start_login(server, SNIPED);
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store")
        );
        assert!(response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap().starts_with("application/json")));
        let first = json(response, 200);
        assert_code_object(&first, SNIPED);
        let second = code_object(server, SNIPED);
        assert_ne!(first["csrf"], second["csrf"]);
        assert_ne!(first["code"], second["code"]);
        code_object(server, KENNY);
    });
}

#[test]
fn start_login_is_400_for_a_name_invalid_by_scratch_standards_and_404_for_an_unknown_one() {
    replay(|server| {
        let too_long = "a".repeat(21);
        for invalid in ["a", "ab", "bad%20name!", "bad.name", too_long.as_str()] {
            let response = start_login(server, invalid);
            assert_eq!(response.status(), 400, "username {invalid}");
        }
        status_of(start_login(server, "NoSuchScratcher"), 404);
        // Names at the edges of the rule are valid.
        status_of(start_login(server, "abc"), 404);
        status_of(start_login(server, &"a-b_".repeat(5)), 404);
    });
}

#[test]
fn finish_login_is_403_before_the_person_confirms_the_code() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let finish = finish_login(server, KENNY, &body!({"csrf": code["csrf"]}));
        assert!(set_cookie(&finish, "gh_session").is_none());
        status_of(finish, 403);
        // Refused before confirmation, the request still waits for it.
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_confirmed(
            server,
            &confirm(server, &person, code["code"].as_str().unwrap()),
        );
        session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
    });
}

#[test]
fn the_account_page_confirms_a_code_and_a_wrong_code_confirms_nothing() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let code_text = code["code"].as_str().unwrap();
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);

        let wrong = confirm(server, &person, "00000:00000:00000");
        let page = html_page(wrong, 400);
        let form = form_with_action(&page, "/account/api-login");
        assert!(has_class(form, "error"), "no error beside the form: {form}");
        assert!(
            visible_text(form).contains("names no sign-in of yours"),
            "{form}"
        );
        // Someone else's code is wrong for this person too.
        let stranger = Browser::signed_in_as(server, BOB, BOB_PASSWORD);
        html_page(confirm(server, &stranger, code_text), 400);
        status_of(
            finish_login(server, KENNY, &body!({"csrf": code["csrf"]})),
            403,
        );

        // As a person may type it: upper case, with spaces around.
        let typed = format!("  {}\n", code_text.to_uppercase());
        let right = confirm(server, &person, &typed);
        assert_confirmed(server, &right);
        let done = html_page(person.get(&location(&right)), 200);
        assert!(visible_text(&done).contains("Sign-in confirmed"), "{done}");
        session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
        // Once the login is finished its code confirms nothing.
        html_page(confirm(server, &person, code_text), 400);
    });
}

#[test]
fn finish_login_answers_204_and_the_session_is_logged_in() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_confirmed(
            server,
            &confirm(server, &person, code["code"].as_str().unwrap()),
        );
        let session = session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));

        // With that cookie alone the session is logged in.
        assert_eq!(json(session.get(server, "/applications"), 200), body!([]));
        let account = server
            .http
            .get(server.url("/account"))
            .header("cookie", format!("gh_session={}", session.cookie))
            .send()
            .unwrap();
        let page = html_page(account, 200);
        assert!(visible_text(&page).contains(KENNY), "{page}");

        // Each login request works once.
        status_of(
            finish_login(server, KENNY, &body!({"csrf": code["csrf"]})),
            403,
        );
    });
}

#[test]
fn finish_login_is_403_for_a_wrong_csrf_and_400_for_a_malformed_body() {
    replay(|server| {
        let code = code_object(server, KENNY);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_confirmed(
            server,
            &confirm(server, &person, code["code"].as_str().unwrap()),
        );

        let other = code_object(server, KENNY);
        for csrf in [body!("not-the-csrf"), body!(""), other["csrf"].clone()] {
            status_of(finish_login(server, KENNY, &body!({"csrf": csrf})), 403);
        }
        // The CSRF token of kenny2scratch's login does not log bob in, and
        // an unknown person is refused alike.
        status_of(
            finish_login(server, BOB, &body!({"csrf": code["csrf"]})),
            403,
        );
        status_of(
            finish_login(server, "NoSuchScratcher", &body!({"csrf": code["csrf"]})),
            403,
        );
        // The username invalid by Scratch standards, and malformed bodies.
        status_of(
            finish_login(server, "a", &body!({"csrf": code["csrf"]})),
            400,
        );
        let url = api(server, &format!("/login/{KENNY}"));
        status_of(not_json(server.http.post(&url)), 400);
        for malformed in [body!({}), body!({"csrf": 5}), body!([code["csrf"]])] {
            status_of(finish_login(server, KENNY, &malformed), 400);
        }

        // None of that spent the confirmed login.
        session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
    });
}

#[test]
fn a_login_request_lives_ten_minutes() {
    replay(|server| {
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let late_confirmed = code_object(server, KENNY);
        server.clock.advance(601);
        html_page(
            confirm(server, &person, late_confirmed["code"].as_str().unwrap()),
            400,
        );

        let late_finished = code_object(server, KENNY);
        assert_confirmed(
            server,
            &confirm(server, &person, late_finished["code"].as_str().unwrap()),
        );
        server.clock.advance(601);
        status_of(
            finish_login(server, KENNY, &body!({"csrf": late_finished["csrf"]})),
            403,
        );
    });
}

#[test]
fn in_development_mode_finishing_needs_no_confirmation() {
    replay_in_dev_mode(|server| {
        let code = code_object(server, KENNY);
        let session = session_of(finish_login(server, KENNY, &body!({"csrf": code["csrf"]})));
        assert_eq!(json(session.get(server, "/applications"), 200), body!([]));
        // Still once, still with the right CSRF token only.
        status_of(
            finish_login(server, KENNY, &body!({"csrf": code["csrf"]})),
            403,
        );
        code_object(server, KENNY);
        status_of(
            finish_login(server, KENNY, &body!({"csrf": "not-the-csrf"})),
            403,
        );
        status_of(finish_login(server, KENNY, &body!({})), 400);
    });
}

// ---- Application Registration Endpoints ----

/// Asserts an Application object (every field; `client_secret` only when
/// the secret was made just now); answers its client ID and secret.
fn assert_application(app: &Value, secret_shown: bool) -> (u64, Option<String>) {
    let mut names = fields(app);
    names.retain(|n| *n != "client_secret");
    assert_eq!(
        names,
        ["app_name", "client_id", "flags", "redirect_uris"],
        "{app}"
    );
    let client_id = app["client_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("client_id is not an integer: {app}"));
    assert!(
        app["app_name"].is_string() || app["app_name"].is_null(),
        "{app}"
    );
    assert!(app["flags"].is_u64(), "flags is not an integer: {app}");
    assert!(
        app["redirect_uris"]
            .as_array()
            .is_some_and(|uris| uris.iter().all(Value::is_string)),
        "{app}"
    );
    let secret = app["client_secret"].as_str().map(str::to_owned);
    if secret_shown {
        assert!(secret.as_ref().is_some_and(|s| !s.is_empty()), "{app}");
    } else {
        assert_eq!(
            app.get("client_secret").unwrap_or(&Value::Null),
            &Value::Null
        );
    }
    (client_id, secret)
}

/// Asserts a PartialApplication object; answers (client_id, app_name).
fn assert_partial_application(partial: &Value) -> (u64, Value) {
    assert_eq!(fields(partial), ["app_name", "client_id"], "{partial}");
    let client_id = partial["client_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("client_id is not an integer: {partial}"));
    assert!(
        partial["app_name"].is_string() || partial["app_name"].is_null(),
        "{partial}"
    );
    (client_id, partial["app_name"].clone())
}

/// `GET /applications` as (client_id, app_name) pairs, sorted.
fn list(server: &TestServer, session: &Session) -> Vec<(u64, Value)> {
    let mut apps: Vec<(u64, Value)> = json(session.get(server, "/applications"), 200)
        .as_array()
        .unwrap()
        .iter()
        .map(assert_partial_application)
        .collect();
    apps.sort_by_key(|(id, _)| *id);
    apps
}

/// `PUT /applications`; asserts the 200 and answers the Application object.
fn create(server: &TestServer, session: &Session, request: &Value) -> Value {
    json(session.put(server, "/applications", request), 200)
}

/// Makes "New Cool App" redirecting to COOL_CB.
fn new_cool_app(server: &TestServer, session: &Session) -> App {
    let app = create(
        server,
        session,
        &body!({"app_name": "New Cool App", "redirect_uris": [COOL_CB]}),
    );
    let (client_id, secret) = assert_application(&app, true);
    (client_id, secret.unwrap())
}

/// Makes an application with no name and no redirect URIs: its code is
/// shown on a page.
fn app_without_redirect(server: &TestServer, session: &Session) -> App {
    let app = create(
        server,
        session,
        &body!({"app_name": null, "redirect_uris": null}),
    );
    let (client_id, secret) = assert_application(&app, true);
    (client_id, secret.unwrap())
}

fn app_path(client_id: u64) -> String {
    format!("/applications/{client_id}")
}

#[test]
fn get_partial_applications_needs_a_logged_in_session_and_lists_ones_own() {
    replay(|server| {
        let anonymous = server
            .http
            .get(api(server, "/applications"))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        let stale = Session {
            cookie: "gth_ss_no-such-session".into(),
        };
        status_of(stale.get(server, "/applications"), 401);

        let session = kenny(server);
        // The demo's scratch client has no owner: nobody lists it.
        assert!(list(server, &session).is_empty());
        let cool = create(
            server,
            &session,
            &body!({"app_name": "Cool And Good App", "redirect_uris": [COOL_CB]}),
        );
        let nameless = create(server, &session, &body!({"app_name": null}));
        let mut expected = vec![
            (
                assert_application(&cool, true).0,
                body!("Cool And Good App"),
            ),
            (assert_application(&nameless, true).0, Value::Null),
        ];
        expected.sort_by_key(|(id, _)| *id);
        assert_eq!(list(server, &session), expected);

        // Another person's session lists only theirs.
        let theirs = bob(server);
        assert!(list(server, &theirs).is_empty());
        // And kenny2scratch's browser session is the same person.
        let browser = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        assert_eq!(
            json(browser.get(&api(server, "/applications")), 200)
                .as_array()
                .unwrap()
                .len(),
            2
        );
    });
}

#[test]
fn get_application_answers_the_application_object_to_its_owner_only() {
    replay(|server| {
        let session = kenny(server);
        let (client_id, _) = new_cool_app(server, &session);
        let app = json(session.get(server, &app_path(client_id)), 200);
        // Gatehouse keeps a digest of the secret only: shown once, when made.
        assert_eq!(assert_application(&app, false).0, client_id);
        assert_eq!(app["app_name"], "New Cool App");
        assert_eq!(app["flags"], 0);
        assert_eq!(app["redirect_uris"], body!([COOL_CB]));

        let anonymous = server
            .http
            .get(api(server, &app_path(client_id)))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        // No such client ID belonging to you, valid or not.
        status_of(bob(server).get(server, &app_path(client_id)), 404);
        for other in ["/applications/999999999", "/applications/not-a-number"] {
            status_of(session.get(server, other), 404);
        }
        status_of(session.get(server, &app_path(DEMO_APP)), 404);
        status_of(session.get(server, "/applications/webapp"), 404);
    });
}

#[test]
fn create_application_answers_the_new_application_with_its_secret() {
    replay(|server| {
        let session = kenny(server);
        // The document's example: no redirect URIs.
        let app = create(
            server,
            &session,
            &body!({"app_name": "New Cool App", "redirect_uris": []}),
        );
        assert_application(&app, true);
        assert_eq!(app["app_name"], "New Cool App");
        assert_eq!(app["flags"], 0);
        assert_eq!(app["redirect_uris"], body!([]));

        // Empty URIs are silently dropped.
        let with_uris = create(
            server,
            &session,
            &body!({"app_name": "New Cool App", "redirect_uris": ["", COOL_CB, ""]}),
        );
        assert_application(&with_uris, true);
        assert_eq!(with_uris["redirect_uris"], body!([COOL_CB]));

        // null for no name; null for the built-in code page.
        let bare = create(
            server,
            &session,
            &body!({"app_name": null, "redirect_uris": null}),
        );
        assert_application(&bare, true);
        assert_eq!(bare["app_name"], Value::Null);
        assert_eq!(bare["redirect_uris"], body!([]));

        let ids: Vec<u64> = [&app, &with_uris, &bare]
            .iter()
            .map(|a| a["client_id"].as_u64().unwrap())
            .collect();
        let secrets: Vec<&str> = [&app, &with_uris, &bare]
            .iter()
            .map(|a| a["client_secret"].as_str().unwrap())
            .collect();
        assert!(
            ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
            "{ids:?}"
        );
        assert!(secrets[0] != secrets[1] && secrets[1] != secrets[2]);
        assert_eq!(list(server, &session).len(), 3);
        // A new client ID is never one the seed already holds.
        assert!(!ids.contains(&DEMO_APP) && !ids.contains(&SERVICE_APP));
    });
}

#[test]
fn create_application_is_400_when_malformed_and_401_without_a_logged_in_session() {
    replay(|server| {
        let session = kenny(server);
        let url = api(server, "/applications");
        status_of(
            not_json(session.request(server, Method::PUT, "/applications")),
            400,
        );
        for malformed in [
            body!([]),
            body!({"app_name": "X", "redirect_uris": "x"}),
            body!({"app_name": "X", "redirect_uris": [5]}),
            body!({"app_name": 5, "redirect_uris": []}),
            body!({"app_name": "X", "redirect_uris": ["not a uri"]}),
        ] {
            let response = session.put(server, "/applications", &malformed);
            assert_eq!(response.status(), 400, "{malformed}");
        }
        let anonymous = server
            .http
            .put(&url)
            .json(&body!({"app_name": "New Cool App", "redirect_uris": [COOL_CB]}))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        assert!(list(server, &session).is_empty());
    });
}

#[test]
fn update_application_replaces_the_name_and_the_redirect_list_and_resets_the_secret() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let (client_id, old_secret) = new_cool_app(server, &session);
        let replaced = ["https://these.will/be", "https://overwritten.not/appended"];

        // The document's example.
        let app = json(
            session.patch(
                server,
                &app_path(client_id),
                &body!({"reset_secret": true, "app_name": "Not So New Cool App",
                        "redirect_uris": replaced}),
            ),
            200,
        );
        let (same_id, new_secret) = assert_application(&app, true);
        assert_eq!(same_id, client_id);
        let new_secret = new_secret.unwrap();
        assert_ne!(new_secret, old_secret);
        assert_eq!(app["app_name"], "Not So New Cool App");
        assert_eq!(app["flags"], 0);
        assert_eq!(app["redirect_uris"], body!(replaced));
        let stored = json(session.get(server, &app_path(client_id)), 200);
        assert_eq!(stored["app_name"], "Not So New Cool App");
        assert_eq!(stored["redirect_uris"], body!(replaced));

        // The old secret is retired, the new one works.
        let code = authorize(server, &person, client_id, None, Some(replaced[1]));
        status_of(
            exchange(server, &(client_id, old_secret), &code, body!("identify")),
            401,
        );
        let tokens = json(
            exchange(server, &(client_id, new_secret), &code, body!("identify")),
            200,
        );
        assert_tokens(server, &tokens);

        // Each field is optional; null unsets the name; no secret unless reset.
        let unnamed = json(
            session.patch(server, &app_path(client_id), &body!({"app_name": null})),
            200,
        );
        assert_application(&unnamed, false);
        assert_eq!(unnamed["app_name"], Value::Null);
        assert_eq!(unnamed["redirect_uris"], body!(replaced));
        let emptied = json(
            session.patch(
                server,
                &app_path(client_id),
                &body!({"reset_secret": false, "redirect_uris": [""]}),
            ),
            200,
        );
        assert_application(&emptied, false);
        assert_eq!(emptied["redirect_uris"], body!([]));
        let unchanged = json(session.patch(server, &app_path(client_id), &body!({})), 200);
        assert_eq!(assert_application(&unchanged, false).0, client_id);
        assert_eq!(unchanged["app_name"], Value::Null);
        assert_eq!(
            json(session.get(server, &app_path(client_id)), 200),
            unchanged
        );
    });
}

#[test]
fn update_application_is_400_when_malformed_401_without_a_session_and_404_when_not_yours() {
    replay(|server| {
        let session = kenny(server);
        let (client_id, _) = new_cool_app(server, &session);
        let path = app_path(client_id);
        status_of(not_json(session.request(server, Method::PATCH, &path)), 400);
        for malformed in [
            body!([]),
            body!({"redirect_uris": "x"}),
            body!({"redirect_uris": [5]}),
            body!({"app_name": 5}),
            body!({"reset_secret": "yes"}),
        ] {
            let response = session.patch(server, &path, &malformed);
            assert_eq!(response.status(), 400, "{malformed}");
        }
        let anonymous = server
            .http
            .patch(api(server, &path))
            .json(&body!({"app_name": "Stolen"}))
            .send()
            .unwrap();
        status_of(anonymous, 401);
        status_of(
            bob(server).patch(server, &path, &body!({"app_name": "Stolen"})),
            404,
        );
        status_of(
            session.patch(server, "/applications/999999999", &body!({"app_name": "X"})),
            404,
        );
        status_of(
            session.patch(server, &app_path(DEMO_APP), &body!({"app_name": "X"})),
            404,
        );

        let app = json(session.get(server, &path), 200);
        assert_eq!(app["app_name"], "New Cool App");
        assert_eq!(app["redirect_uris"], body!([COOL_CB]));
    });
}

#[test]
fn deregister_application_answers_204_and_puts_it_out_of_use() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let app = new_cool_app(server, &session);
        let code = authorize(server, &person, app.0, None, Some(COOL_CB));
        let tokens = json(exchange(server, &app, &code, body!("identify")), 200);
        let path = app_path(app.0);

        let anonymous = server.http.delete(api(server, &path)).send().unwrap();
        status_of(anonymous, 401);
        status_of(bob(server).delete(server, &path), 404);
        status_of(session.delete(server, "/applications/999999999"), 404);
        status_of(session.delete(server, &app_path(DEMO_APP)), 404);

        let deleted = session.delete(server, &path);
        assert_eq!(deleted.status(), 204);
        assert!(deleted.text().unwrap().is_empty());
        status_of(session.get(server, &path), 404);
        assert!(list(server, &session).is_empty());
        status_of(session.delete(server, &path), 404);

        // Its tokens and its secret are out of use.
        status_of(get_user(server, &bearer(&tokens)), 401);
        status_of(refresh_tokens(server, &app, &tokens["refresh_token"]), 401);
    });
}

// ---- Authorization Endpoints ----

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
fn consent(
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
fn consent_scopes(page: &str) -> Vec<String> {
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
fn allow(server: &TestServer, browser: &Browser, page: &str, redirect_uri: Option<&str>) -> String {
    code_in(browser.decide(server, page, "allow"), redirect_uri)
}

/// The person is sent to `/oauth/authorize` and allows, on the consent
/// page if one is shown (a consent given before is remembered); answers
/// the code.
fn authorize(
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
fn exchange(server: &TestServer, (client_id, secret): &App, code: &str, scopes: Value) -> Response {
    post_tokens(
        server,
        &body!({"client_id": client_id, "client_secret": secret, "code": code, "scopes": scopes}),
    )
}

/// The document's `PATCH /tokens`.
fn refresh_tokens(
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
fn assert_tokens(server: &TestServer, tokens: &Value) {
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
fn cool_app_with_tokens(server: &TestServer) -> (App, Value) {
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

// ---- Scoped Endpoints ----

/// The document's `Authorization: Bearer <base64-encoded access token>`
/// value for a Tokens object.
fn bearer(tokens: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(tokens["access_token"].as_str().unwrap())
}

/// `GET /user` with `Authorization: Bearer <token>`, the token as given.
fn get_user(server: &TestServer, token: &str) -> Response {
    server
        .http
        .get(api(server, "/user"))
        .bearer_auth(token)
        .send()
        .unwrap()
}

/// Asserts a User object for `username`; answers its user ID.
fn assert_user(user: &Value, username: &str) -> u64 {
    assert_eq!(fields(user), ["user_id", "user_name"], "{user}");
    assert_eq!(user["user_name"], username, "{user}");
    user["user_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("user_id is not an integer: {user}"))
}

/// The person's numeric `sub`, from introspecting one of their tokens.
fn sub(server: &TestServer, access_token: &str) -> u64 {
    let info = server.introspect(access_token);
    assert_eq!(info["active"], true, "{info}");
    info["sub"].as_str().unwrap().parse().unwrap()
}

#[test]
fn request_username_answers_the_user_object_for_the_documents_base64_bearer_token() {
    replay(|server| {
        let (_, tokens) = cool_app_with_tokens(server);
        let access = tokens["access_token"].as_str().unwrap();
        let response = get_user(server, &bearer(&tokens));
        assert!(response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap().starts_with("application/json")));
        let user = json(response, 200);
        let user_id = assert_user(&user, KENNY);
        assert_eq!(user_id, sub(server, access));

        // The raw token is taken too.
        assert_eq!(json(get_user(server, access), 200), user);

        // Another person, another user ID.
        let person = Browser::signed_in_as(server, SNIPED, SNIPED_PASSWORD);
        let demo = (DEMO_APP, DEMO_SECRET.to_owned());
        let code = authorize(server, &person, DEMO_APP, None, None);
        let theirs = json(exchange(server, &demo, &code, body!("identify")), 200);
        let their_id = assert_user(&json(get_user(server, &bearer(&theirs)), 200), SNIPED);
        assert_ne!(their_id, user_id);
    });
}

#[test]
fn request_username_is_401_without_good_authorization_403_without_identify_and_404_without_a_person(
) {
    replay(|server| {
        let (app, tokens) = cool_app_with_tokens(server);
        let url = api(server, "/user");
        // 401: missing or incorrect authorization.
        status_of(server.http.get(&url).send().unwrap(), 401);
        let raw = tokens["access_token"].as_str().unwrap();
        status_of(
            server
                .http
                .get(&url)
                .header("authorization", format!("Basic {}", bearer(&tokens)))
                .send()
                .unwrap(),
            401,
        );
        let nonsense = base64::engine::general_purpose::STANDARD.encode("gth_at_nonsense");
        for bad in ["gth_at_nonsense", nonsense.as_str(), "bm9uc2Vuc2U=", ""] {
            let response = get_user(server, bad);
            assert_eq!(response.status(), 401, "token {bad}");
        }
        // A revoked token.
        json(get_user(server, &bearer(&tokens)), 200);
        let revoked = server.post_form(
            "/oauth/revoke",
            &[
                ("token", raw),
                ("client_id", &app.0.to_string()),
                ("client_secret", &app.1),
            ],
        );
        assert_eq!(revoked.status(), 200);
        status_of(get_user(server, &bearer(&tokens)), 401);

        // 403: a token of the same app without `identify`.
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        // (A scope not allowed before: the person is asked again.)
        let page = consent(server, &person, app.0, Some("profile"), Some(COOL_CB));
        assert_eq!(consent_scopes(&page), ["profile"]);
        let code = allow(server, &person, &page, Some(COOL_CB));
        let profile_only = json(exchange(server, &app, &code, body!("profile")), 200);
        assert_eq!(profile_only["scopes"], body!(["profile"]));
        status_of(get_user(server, &bearer(&profile_only)), 403);
        // And a standard client's token.
        let alice = Browser::signed_in_as(server, ADMIN, ADMIN_PASSWORD);
        let pkce = Pkce::new();
        let code = code_for(server, &alice, "webapp", "read", Some(&pkce));
        let webapp = json(exchange_standard(server, &code, &pkce), 200);
        let webapp_token = webapp["access_token"].as_str().unwrap();
        status_of(get_user(server, webapp_token), 403);

        // 404: a token with `identify` that names no person.
        let client_token = json(
            server.post_form(
                "/oauth/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &SERVICE_APP.to_string()),
                    ("client_secret", SERVICE_SECRET),
                ],
            ),
            200,
        );
        assert_eq!(client_token["scope"], "identify", "{client_token}");
        status_of(
            get_user(server, client_token["access_token"].as_str().unwrap()),
            404,
        );

        // 401 again once the access token has expired.
        let code = authorize(server, &person, app.0, None, Some(COOL_CB));
        let expiring = json(exchange(server, &app, &code, body!("identify")), 200);
        json(get_user(server, &bearer(&expiring)), 200);
        server.clock.advance(3601);
        status_of(get_user(server, &bearer(&expiring)), 401);
    });
}

/// Exchanges a `webapp` code (the demo seed's standard client) at /oauth/token.
fn exchange_standard(server: &TestServer, code: &str, pkce: &Pkce) -> Response {
    server.post_basic(
        "/oauth/token",
        "webapp",
        "webapp-secret",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "http://127.0.0.1:9000/cb"),
            ("code_verifier", &pkce.verifier),
        ],
    )
}

// ---- AppFlags ----

/// Saves an application's flags on /admin as the administrator: the
/// checked boxes, and `dialect=scratch` (the form replaces the dialect
/// too, and a scratch application must stay one).
fn set_app_flags(server: &TestServer, admin: &Browser, client_id: u64, checked: &[&str]) {
    let mut form: Vec<(&str, &str)> = checked.iter().map(|f| (*f, "on")).collect();
    form.push(("dialect", "scratch"));
    form.push(("access_token_ttl", ""));
    let response = admin_post(
        server,
        admin,
        &format!("/admin/apps/{client_id}/flags"),
        &form,
    );
    assert_done(server, &response);
}

#[test]
fn the_app_flags_are_the_bits_an_administrator_sets_on_admin() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let app = new_cool_app(server, &session);
        let admin = Browser::signed_in_as(server, ADMIN, ADMIN_PASSWORD);

        // The application's form on /admin: the three boxes, and the
        // dialect chosen.
        let page = html_page(admin.get(&server.url("/admin")), 200);
        let form = form_with_action(&page, &format!("/admin/apps/{}/flags", app.0));
        let boxes: Vec<String> = elements(form, "input")
            .into_iter()
            .filter(|i| i.get("type").map(String::as_str) == Some("checkbox"))
            .filter_map(|i| i.get("name").cloned())
            .collect();
        for name in ["name_approved", "verified", "hide_owner"] {
            assert!(boxes.iter().any(|b| b == name), "no {name} in: {form}");
        }
        let chosen = elements(form, "option")
            .into_iter()
            .find(|o| o.contains_key("selected"))
            .and_then(|o| o.get("value").cloned());
        assert_eq!(chosen.as_deref(), Some("scratch"), "{form}");

        let flags = || json(session.get(server, &app_path(app.0)), 200)["flags"].clone();
        let consent_text = || visible_text(&consent(server, &person, app.0, None, Some(COOL_CB)));
        assert_eq!(flags(), 0);
        let text = consent_text();
        assert!(text.contains("name not reviewed"), "{text}");
        assert!(!text.contains("Verified"), "{text}");
        assert!(text.contains(&format!("Registered by {KENNY}")), "{text}");

        set_app_flags(
            server,
            &admin,
            app.0,
            &["name_approved", "verified", "hide_owner"],
        );
        assert_eq!(flags(), 1 | 2 | 4);
        let text = consent_text();
        assert!(!text.contains("name not reviewed"), "{text}");
        assert!(text.contains("✓ Verified"), "{text}");
        assert!(!text.contains("Registered by"), "{text}");

        for (checked, bits) in [
            (&["name_approved"][..], 1),
            (&["verified"][..], 2),
            (&["hide_owner"][..], 4),
            (&["name_approved", "hide_owner"][..], 1 | 4),
            (&[][..], 0),
        ] {
            set_app_flags(server, &admin, app.0, checked);
            assert_eq!(flags(), bits, "checked {checked:?}");
        }

        // Still a scratch application, listed and working.
        assert_eq!(list(server, &session).len(), 1);
        let code = authorize(server, &person, app.0, None, Some(COOL_CB));
        assert_tokens(
            server,
            &json(exchange(server, &app, &code, body!("identify")), 200),
        );
    });
}

// ---- Scopes ----

#[test]
fn an_application_asking_no_scope_is_granted_exactly_identify() {
    replay(|server| {
        let session = kenny(server);
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        let made = app_without_redirect(server, &session);
        let demo = (DEMO_APP, DEMO_SECRET.to_owned());
        for app in [made, demo] {
            let page = consent(server, &person, app.0, None, None);
            assert_eq!(consent_scopes(&page), ["identify"], "consent for {}", app.0);
            let code = allow(server, &person, &page, None);
            // The document's request, as is.
            let tokens = json(exchange(server, &app, &code, body!("identify")), 200);
            assert_tokens(server, &tokens);
            let info = server.introspect(tokens["access_token"].as_str().unwrap());
            assert_eq!(info["scope"], "identify", "{info}");
            for foreign in FOREIGN_SCOPES {
                assert!(
                    !info["scope"].as_str().unwrap().contains(foreign),
                    "{foreign} in {info}"
                );
            }
            // And refreshing keeps it so.
            let fresh = json(refresh_tokens(server, &app, &tokens["refresh_token"]), 200);
            assert_eq!(fresh["scopes"], body!(["identify"]));
        }
    });
}

#[test]
fn the_dialect_routes_exist_only_when_asked_for() {
    let seed = demo_seed_plus(&extra());
    let server = TestServer::start_with(&seed, |c| c.dialects = vec![Dialect::Skritter]);
    let browser = Browser::signed_in_as(&server, KENNY, KENNY_PASSWORD);
    status_of(browser.get(&api(&server, "/applications")), 404);
    status_of(start_login(&server, KENNY), 404);
    let page = html_page(browser.get(&server.url("/account")), 200);
    assert!(!page.contains("id=\"api-login\""), "{page}");
}
