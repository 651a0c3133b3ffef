//! The skritter dialect: skritter-oauth2.txt's two Python examples as
//! written, a JSONP call, the GET token endpoint and the `bearer_token`
//! parameter.

use base64::Engine;
use gatehouse::dialects::Dialect;

use crate::harness::*;

const TOKEN_URL: &str = "/api/v0/oauth2/token";
// The document's own names.
const OAUTH_CLIENT_NAME: &str = "notherGuy";
const OAUTH_CLIENT_SECRET: &str = "nother-guys-secret";
const REDIRECT_URI: &str = "https://mysite.com/skritterapi/getcode";
const USER_NAME: &str = "notherGuy";
const USER_PASSWORD: &str = "nother-guys-password";

fn skritter_server() -> TestServer {
    let seed = serde_json::json!({
        "users": [{"username": USER_NAME, "password": USER_PASSWORD, "name": "Another Guy"}],
        "clients": [{"client_id": OAUTH_CLIENT_NAME, "client_secret": OAUTH_CLIENT_SECRET,
                     "client_name": "Another Guy's app",
                     "redirect_uris": [REDIRECT_URI],
                     "grant_types": ["authorization_code", "refresh_token", "password", "client_credentials"]}]
    });
    TestServer::start_with(&seed.to_string(), |c| c.dialects = vec![Dialect::Skritter])
}

/// The code the user's redirect carries, through the Skritter authorize path.
fn oauth_code(server: &TestServer) -> String {
    let browser = Browser::signed_in_as(server, USER_NAME, USER_PASSWORD);
    let url = format!(
        "{}/api/v0/oauth2/authorize?response_type=code&client_id={OAUTH_CLIENT_NAME}&redirect_uri={}&state=s1",
        server.base,
        url::form_urlencoded::byte_serialize(REDIRECT_URI.as_bytes()).collect::<String>()
    );
    let consent = html_page(browser.get(&url), 200);
    let back = location(&browser.decide(server, &consent, "allow"));
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    query_of(&back)["code"].clone()
}

#[test]
fn getting_authorization_via_proxy_works_as_the_python_example() {
    let server = skritter_server();
    let code = oauth_code(&server);
    // params = {...}; urllib.urlencode(params); urllib2.Request(url, data)
    let packet = json(
        server.post_form(
            TOKEN_URL,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", OAUTH_CLIENT_NAME),
                ("client_secret", OAUTH_CLIENT_SECRET),
                ("redirect_uri", REDIRECT_URI),
                ("code", &code),
            ],
        ),
        200,
    );
    assert!(packet["access_token"]
        .as_str()
        .unwrap()
        .starts_with("gth_at_"));
    assert_eq!(packet["token_type"], "bearer");
    assert!(packet["refresh_token"].is_string());
    assert!(packet["user_id"].is_string());
    assert!(packet.get("used_recovery").is_none());
}

fn basic_header(with_colon: bool) -> String {
    let credentials = base64::engine::general_purpose::STANDARD
        .encode(format!("{OAUTH_CLIENT_NAME}:{OAUTH_CLIENT_SECRET}"));
    if with_colon {
        format!("basic: {credentials}")
    } else {
        format!("basic {credentials}")
    }
}

fn password_request(
    server: &TestServer,
    authorization: Option<String>,
    extra: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let mut params = vec![
        ("grant_type", "password"),
        ("client_id", OAUTH_CLIENT_NAME),
        ("username", USER_NAME),
        ("password", USER_PASSWORD),
    ];
    params.extend_from_slice(extra);
    let mut request = server.http.post(server.url(TOKEN_URL)).form(&params);
    if let Some(value) = authorization {
        // request.add_header('AUTHORIZATION', credentials)
        request = request.header("AUTHORIZATION", value);
    }
    request.send().unwrap()
}

#[test]
fn logging_in_using_a_password_works_as_the_python_example() {
    let server = skritter_server();
    for with_colon in [false, true] {
        let packet = json(
            password_request(&server, Some(basic_header(with_colon)), &[]),
            200,
        );
        assert!(packet["access_token"].is_string());
        assert_eq!(packet["used_recovery"], false);
        let info = server.introspect_as(
            OAUTH_CLIENT_NAME,
            OAUTH_CLIENT_SECRET,
            packet["access_token"].as_str().unwrap(),
        );
        assert_eq!(info["username"], USER_NAME);
        assert_eq!(packet["user_id"], info["sub"]);
    }
}

#[test]
fn the_password_grant_takes_the_secret_only_in_the_header() {
    let server = skritter_server();
    let response = password_request(&server, None, &[("client_secret", OAUTH_CLIENT_SECRET)]);
    oauth_error(response, 400, "invalid_request");
}

#[test]
fn a_callback_wraps_the_answer_as_jsonp_and_is_checked() {
    let server = skritter_server();
    let response = password_request(
        &server,
        Some(basic_header(false)),
        &[("callback", "handleToken")],
    );
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let text = response.text().unwrap();
    let inner = text
        .strip_prefix("handleToken(")
        .and_then(|t| t.strip_suffix(");"))
        .unwrap();
    let packet: serde_json::Value = serde_json::from_str(inner).unwrap();
    assert!(packet["access_token"].is_string());
    // Errors come back wrapped too; a callback that is not an identifier is refused.
    let wrapped = password_request(&server, None, &[("client_secret", "x"), ("callback", "cb")]);
    assert!(wrapped.text().unwrap().starts_with("cb({"));
    let refused = password_request(
        &server,
        Some(basic_header(false)),
        &[("callback", "alert(1)")],
    );
    oauth_error(refused, 400, "invalid_request");
}

#[test]
fn the_token_endpoint_answers_get_and_tokens_work_as_bearer_token() {
    let server = skritter_server();
    let url = format!(
        "{}?grant_type=client_credentials&client_id={OAUTH_CLIENT_NAME}",
        server.url(TOKEN_URL)
    );
    let packet = json(
        server
            .http
            .get(url)
            .header("Authorization", basic_header(false))
            .send()
            .unwrap(),
        200,
    );
    assert!(
        packet.get("user_id").is_none(),
        "client credentials carry no user_id"
    );
    // A user token, passed as the bearer_token parameter.
    let user = json(
        password_request(
            &server,
            Some(basic_header(false)),
            &[("scope", "openid profile")],
        ),
        200,
    );
    let token = user["access_token"].as_str().unwrap();
    let info = json(
        server
            .http
            .get(format!(
                "{}?bearer_token={token}",
                server.url("/oauth/userinfo")
            ))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(info["preferred_username"], USER_NAME);
}
