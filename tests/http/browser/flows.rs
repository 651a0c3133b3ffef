//! What a person does in a browser: signs in, allows or denies an
//! application, connects a device; with the stylesheet, and without
//! JavaScript.

use super::sign_in_here;
use crate::harness::*;

const WEBAPP_CB: &str = "http://127.0.0.1:9000/cb";

/// webapp asks for `openid profile read` with state `xyz`.
fn webapp_authorize(server: &TestServer) -> String {
    server.url(
        "/oauth/authorize?response_type=code&client_id=webapp\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A9000%2Fcb\
         &scope=openid%20profile%20read&state=xyz",
    )
}

/// Opens webapp's request signed out, signs in as alice and answers the
/// consent page she is sent to; returns the address webapp is sent to.
fn alice_decides(server: &TestServer, chrome: &Chrome, decision: &str) -> String {
    chrome.go(&webapp_authorize(server));
    assert!(chrome.url().starts_with(&server.url("/login?next=")));
    sign_in_here(chrome, "alice");
    chrome.sees("Authorize Web App?");
    for scope in [
        "Sign you in with your account",
        "See your name and username",
        "Read your data",
    ] {
        chrome.sees(scope);
    }
    chrome.sees("127.0.0.1:9000");
    chrome.shot("consent");
    chrome.click(&format!("button[name=decision][value={decision}]"));
    // Nothing listens at the redirect URI: Chromium shows an error page,
    // but the address is the one it was sent to.
    let landed = chrome.arrives_at(&format!("{WEBAPP_CB}?"));
    chrome.shot("redirected");
    landed
}

#[test]
fn a_person_signs_in_and_sees_who_they_are() {
    let server = people_server(|_| {});
    let chrome = Chrome::start("sign-in");
    chrome.go(&server.url("/login"));
    assert_eq!(chrome.title(), "Sign in · Gatehouse");
    sign_in_here(&chrome, "alice");
    chrome.sees("Signed in as alice");
    assert_eq!(chrome.url(), server.url("/"));
    chrome.shot("signed-in");
}

#[test]
fn a_wrong_password_shows_an_error_and_keeps_the_person_out() {
    let server = people_server(|_| {});
    let chrome = Chrome::start("wrong-password");
    chrome.go(&server.url("/login"));
    chrome.fill("username", "alice");
    chrome.fill("password", "not-her-password");
    chrome.shot("sign-in");
    chrome.press("Sign in");
    chrome.sees("Wrong username or password.");
    assert!(!chrome.text().contains("Signed in as"), "{}", chrome.text());
    assert_eq!(chrome.value_of("password"), "");
    chrome.shot("refused");
    chrome.go(&server.url("/"));
    chrome.sees("You are not signed in.");
    chrome.shot("start-page");
}

#[test]
fn allowing_an_application_sends_a_code_it_can_exchange() {
    let server = people_server(|_| {});
    let chrome = Chrome::start("authorize-allow");
    let landed = alice_decides(&server, &chrome, "allow");
    assert!(
        landed.starts_with(&format!("{WEBAPP_CB}?code=")),
        "{landed}"
    );
    let params = query_of(&landed);
    assert_eq!(params["state"], "xyz");
    assert_eq!(params["iss"], server.base);
    let code = &params["code"];
    assert!(!code.is_empty());

    let body = json(
        server.post_basic(
            "/oauth/token",
            "webapp",
            "webapp-secret",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", WEBAPP_CB),
            ],
        ),
        200,
    );
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["id_token"].is_string(), "{body}");
}

#[test]
fn denying_an_application_sends_access_denied() {
    let server = people_server(|_| {});
    let chrome = Chrome::start("authorize-deny");
    let params = query_of(&alice_decides(&server, &chrome, "deny"));
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "xyz");
    assert!(!params.contains_key("code"));
}

#[test]
fn a_person_connects_a_device_from_its_link() {
    let server = oidc_server(|_| {});
    let pair = json(
        server.post_form(
            "/oauth/device_authorization",
            &[("client_id", "tv"), ("scope", "openid profile")],
        ),
        200,
    );
    let link = pair["verification_uri_complete"].as_str().unwrap();
    let user_code = pair["user_code"].as_str().unwrap();

    let chrome = Chrome::start("device");
    chrome.go(link);
    sign_in_here(&chrome, "alice");
    chrome.sees("Connect a device");
    assert_eq!(chrome.value_of("user_code"), user_code);
    chrome.shot("code");
    chrome.press("Continue");
    chrome.sees("Authorize Living Room TV?");
    chrome.sees("the device that showed you the code gets access");
    chrome.shot("consent");
    chrome.press("Allow");
    chrome.sees("Device approved");
    chrome.shot("approved");

    server.clock.advance(5);
    let body = json(
        server.post_form(
            "/oauth/token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", pair["device_code"].as_str().unwrap()),
                ("client_id", "tv"),
            ],
        ),
        200,
    );
    assert!(body["access_token"].is_string(), "{body}");
    assert!(body["id_token"].is_string(), "{body}");
}

#[test]
fn pages_are_styled_by_the_stylesheet() {
    let server = people_server(|_| {});
    let response = server
        .http
        .get(server.url("/static/style.css"))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));

    let chrome = Chrome::start("styled");
    chrome.go(&server.url("/login"));
    chrome.sees("Sign in");
    chrome.shot("sign-in");
    // The card is narrow and the button is the accent blue, not the defaults.
    assert_eq!(chrome.style("main", "max-width"), "512px");
    assert_eq!(
        chrome.style("button", "background-color"),
        "rgba(36, 87, 197, 1)"
    );
}

#[test]
fn a_person_signs_in_with_javascript_turned_off() {
    let server = people_server(|_| {});
    let chrome = Chrome::without_javascript("no-javascript");
    // First, that the browser really runs no script.
    chrome.go("data:text/html,<title>before</title><script>document.title='after'</script>");
    assert_eq!(chrome.title(), "before");

    chrome.go(&webapp_authorize(&server));
    sign_in_here(&chrome, "alice");
    chrome.sees("Authorize Web App?");
    chrome.shot("consent");
    chrome.press("Allow");
    let landed = query_of(&chrome.arrives_at(&format!("{WEBAPP_CB}?code=")));
    assert_eq!(landed["state"], "xyz");
    chrome.shot("redirected");
    chrome.go(&server.url("/"));
    chrome.sees("Signed in as alice");
    chrome.shot("signed-in");
}
