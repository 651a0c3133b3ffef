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

mod applications;
mod flags_and_scopes;
mod login;
mod tokens;
mod user;

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
