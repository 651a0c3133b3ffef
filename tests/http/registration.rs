//! Dynamic client registration (RFC 7591) and its management protocol
//! (RFC 7592) at /oauth/register, under the open, token and closed policies.

use gatehouse::oauth::register::Registration;
use reqwest::blocking::{RequestBuilder, Response};
use serde_json::{json as body, Value};

use crate::harness::*;

const GADGET_CB: &str = "https://gadget.example/cb";

/// The metadata of a confidential web client.
fn gadget() -> Value {
    body!({
        "client_name": "Gadget",
        "redirect_uris": [GADGET_CB],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": "openid read"
    })
}

fn open_server() -> TestServer {
    oidc_server(|c| c.registration = Registration::Open)
}

/// POSTs client metadata to the registration endpoint, with an optional bearer token.
fn register(server: &TestServer, metadata: &Value, token: Option<&str>) -> Response {
    register_at(&server.base, metadata, token)
}

fn register_at(base: &str, metadata: &Value, token: Option<&str>) -> Response {
    let request = http_client()
        .post(format!("{base}/oauth/register"))
        .json(metadata);
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
    .send()
    .unwrap()
}

/// Registers the gadget under the open policy; asserts 201 and answers the body.
fn registered(server: &TestServer) -> Value {
    json(register(server, &gadget(), None), 201)
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {value}"))
}

/// A request to the client configuration endpoint of a registration.
fn manage(method: reqwest::Method, registration: &Value, token: Option<&str>) -> RequestBuilder {
    let request = http_client().request(method, text(registration, "registration_client_uri"));
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// The registration access token of a registration.
fn access(registration: &Value) -> &str {
    text(registration, "registration_access_token")
}

/// Asserts a 401 that names the bearer problem in the body or the challenge.
fn unauthorized(response: Response) {
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = response.status().as_u16();
    let text = response.text().unwrap();
    assert_eq!(status, 401, "{text}");
    let error = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|b| b["error"].as_str().map(str::to_owned));
    assert!(
        error.as_deref() == Some("invalid_token") || challenge.starts_with("Bearer"),
        "error {error:?}, challenge {challenge:?}, body {text}"
    );
}

/// The error code of a 400 JSON answer.
fn bad_request(response: Response) -> String {
    json(response, 400)["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A token request that only authenticates: a bogus code.
fn bogus_code(server: &TestServer, id: &str, secret: &str) -> Response {
    server.post_basic(
        "/oauth/token",
        id,
        secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", "no-such-code"),
            ("redirect_uri", GADGET_CB),
        ],
    )
}

#[test]
fn open_registration_creates_a_client_and_echoes_its_metadata() {
    let server = open_server();
    let response = register(&server, &gadget(), None);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let reg = json(response, 201);
    let id = text(&reg, "client_id");
    assert!(!id.is_empty());
    assert!(!text(&reg, "client_secret").is_empty());
    let issued = reg["client_id_issued_at"]
        .as_u64()
        .expect("client_id_issued_at");
    assert!(issued.abs_diff(server.clock.now()) < 60, "{issued}");
    assert_eq!(reg["client_secret_expires_at"], 0);
    assert!(!access(&reg).is_empty());
    assert_eq!(
        reg["registration_client_uri"],
        server.url(&format!("/oauth/register/{id}"))
    );
    for field in [
        "client_name",
        "redirect_uris",
        "grant_types",
        "response_types",
        "token_endpoint_auth_method",
    ] {
        assert_eq!(reg[field], gadget()[field], "{field}");
    }
    assert_eq!(scope_set(&reg["scope"]), ["openid", "read"]);
    let again = registered(&server);
    assert_ne!(again["client_id"], reg["client_id"]);
}

#[test]
fn a_registered_client_runs_the_code_flow() {
    let server = open_server();
    let reg = registered(&server);
    let id = text(&reg, "client_id");
    let secret = text(&reg, "client_secret");
    let browser = Browser::signed_in(&server, "alice");
    let query = [
        ("response_type", "code"),
        ("client_id", id),
        ("redirect_uri", GADGET_CB),
        ("scope", "openid read"),
        ("state", "xyz"),
        ("nonce", NONCE),
    ];
    let page = html_page(browser.authorize(&server, &query), 200);
    assert!(page.contains("Gadget"), "{page}");
    let response = browser.decide(&server, &page, "allow");
    let to = location(&response);
    assert!(to.starts_with(&format!("{GADGET_CB}?")), "{to}");
    let code = &query_of(&to)["code"];
    let tokens = json(
        server.post_basic(
            "/oauth/token",
            id,
            secret,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", GADGET_CB),
            ],
        ),
        200,
    );
    assert_eq!(jwt_claims(&id_token_of(&tokens))["aud"], id);
}

#[test]
fn a_public_native_client_registers_without_a_secret() {
    let server = open_server();
    for uri in [
        "com.example.app:/oauth2redirect",
        "http://127.0.0.1:7777/cb",
    ] {
        let metadata = body!({
            "redirect_uris": [uri],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code"]
        });
        let reg = json(register(&server, &metadata, None), 201);
        assert!(reg["client_secret"].is_null(), "{reg}");
        assert_eq!(reg["token_endpoint_auth_method"], "none");
        assert_eq!(reg["redirect_uris"], body!([uri]));
    }
}

#[test]
fn bad_metadata_is_refused_with_the_rfc_7591_error() {
    let server = open_server();
    let cases = [
        (
            body!({"redirect_uris": ["/relative"]}),
            "invalid_redirect_uri",
        ),
        (
            body!({"redirect_uris": ["https://x.example/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (
            body!({"redirect_uris": ["http://example.com/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            body!({"redirect_uris": ["https://x.example/cb"],
                   "grant_types": ["authorization_code"], "response_types": ["token"]}),
            "invalid_client_metadata",
        ),
        (
            body!({"redirect_uris": ["https://x.example/cb"],
                   "token_endpoint_auth_method": "magic"}),
            "invalid_client_metadata",
        ),
    ];
    for (metadata, error) in cases {
        let got = bad_request(register(&server, &metadata, None));
        assert_eq!(got, error, "{metadata}");
    }
}

#[test]
fn a_body_that_is_not_json_is_refused() {
    let server = open_server();
    let url = server.url("/oauth/register");
    let not_json = http_client()
        .post(&url)
        .header("content-type", "application/json")
        .body("client_name=Gadget")
        .send()
        .unwrap();
    let form = http_client()
        .post(&url)
        .form(&[("redirect_uris", GADGET_CB)])
        .send()
        .unwrap();
    for response in [not_json, form] {
        let error = bad_request(response);
        assert!(
            error == "invalid_client_metadata" || error == "invalid_request",
            "{error}"
        );
    }
}

#[test]
fn the_token_policy_refuses_registration_without_an_initial_access_token() {
    let server = oidc_server(|_| {});
    unauthorized(register(&server, &gadget(), None));
    unauthorized(register(&server, &gadget(), Some("not-a-real-token")));
}

#[test]
fn an_initial_access_token_from_the_command_line_allows_registration() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &oidc_seed());
    let data = dir.path().join("db");
    let server = BinServer::spawn(&data, &["--seed", seed.to_str().unwrap()], &[]);
    unauthorized(register_at(&server.base, &gadget(), None));
    let (status, _) = server.signal("TERM");
    assert!(status.success(), "{status}");
    let (ok, out, err) = run_cli(
        &[
            "registration-token",
            "create",
            "--data",
            data.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "registration-token create failed: {out} {err}");
    let token = out.trim();
    assert!(
        !token.is_empty() && !token.contains(char::is_whitespace),
        "{out}"
    );
    let server = BinServer::spawn(&data, &[], &[]);
    let reg = json(register_at(&server.base, &gadget(), Some(token)), 201);
    assert!(!text(&reg, "client_id").is_empty());
}

#[test]
fn the_closed_policy_refuses_every_registration() {
    let server = oidc_server(|c| c.registration = Registration::Closed);
    let body = json(register(&server, &gadget(), None), 403);
    assert_eq!(body["error"], "access_denied");
}

#[test]
fn the_registration_access_token_reads_the_client() {
    let server = open_server();
    let reg = registered(&server);
    let read = json(
        manage(reqwest::Method::GET, &reg, Some(access(&reg)))
            .send()
            .unwrap(),
        200,
    );
    for field in [
        "client_id",
        "client_name",
        "redirect_uris",
        "grant_types",
        "response_types",
        "token_endpoint_auth_method",
    ] {
        assert_eq!(read[field], reg[field], "{field}");
    }
    unauthorized(manage(reqwest::Method::GET, &reg, None).send().unwrap());
    unauthorized(
        manage(reqwest::Method::GET, &reg, Some("wrong-token"))
            .send()
            .unwrap(),
    );
    // Another client's registration access token reads nothing of this one.
    let other = registered(&server);
    unauthorized(
        manage(reqwest::Method::GET, &reg, Some(access(&other)))
            .send()
            .unwrap(),
    );
}

/// The metadata a client sends back in an update (RFC 7592 §2.2): its id
/// and every field, without the registration's own fields.
fn update_of(reg: &Value, name: &str) -> Value {
    let mut metadata = gadget();
    metadata["client_id"] = reg["client_id"].clone();
    metadata["client_name"] = name.into();
    metadata
}

#[test]
fn a_client_updates_its_metadata() {
    let server = open_server();
    let reg = registered(&server);
    let updated = json(
        manage(reqwest::Method::PUT, &reg, Some(access(&reg)))
            .json(&update_of(&reg, "Gadget Two"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(updated["client_name"], "Gadget Two");
    assert_eq!(updated["client_id"], reg["client_id"]);
    let read = json(
        manage(reqwest::Method::GET, &reg, Some(access(&reg)))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(read["client_name"], "Gadget Two");
}

#[test]
fn an_update_cannot_change_the_client_id() {
    let server = open_server();
    let reg = registered(&server);
    let mut metadata = update_of(&reg, "Gadget");
    metadata["client_id"] = "someone-else".into();
    let response = manage(reqwest::Method::PUT, &reg, Some(access(&reg)))
        .json(&metadata)
        .send()
        .unwrap();
    assert_eq!(bad_request(response), "invalid_client_metadata");
}

#[test]
fn a_deleted_client_is_gone() {
    let server = open_server();
    let reg = registered(&server);
    let id = text(&reg, "client_id");
    let secret = text(&reg, "client_secret");
    oauth_error(bogus_code(&server, id, secret), 400, "invalid_grant");
    let response = manage(reqwest::Method::DELETE, &reg, Some(access(&reg)))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    unauthorized(
        manage(reqwest::Method::GET, &reg, Some(access(&reg)))
            .send()
            .unwrap(),
    );
    oauth_error(bogus_code(&server, id, secret), 401, "invalid_client");
}
