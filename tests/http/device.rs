//! The device authorization grant (RFC 8628): the code pair, polling with
//! its pace, the person's approval at /device, and tokens issued once.

use reqwest::blocking::Response;
use serde_json::Value;

use crate::harness::*;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The letters a user code may use (RFC 8628 §6.1: no vowels, no look-alikes).
const ALPHABET: &str = "BCDFGHJKLMNPQRSTVWXZ";

/// Asks for a code pair as the public `tv` client.
fn device_authorization(server: &TestServer, client: &str, scope: &str) -> Response {
    server.post_form(
        "/oauth/device_authorization",
        &[("client_id", client), ("scope", scope)],
    )
}

/// A code pair for `tv` and `scope`.
fn start(server: &TestServer, scope: &str) -> Value {
    json(device_authorization(server, "tv", scope), 200)
}

fn device_code(pair: &Value) -> &str {
    pair["device_code"].as_str().unwrap()
}

fn user_code(pair: &Value) -> &str {
    pair["user_code"].as_str().unwrap()
}

/// One poll of the token endpoint as `tv`.
fn poll(server: &TestServer, device_code: &str) -> Response {
    server.post_form(
        "/oauth/token",
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", device_code),
            ("client_id", "tv"),
        ],
    )
}

/// Whether `code` looks like `XXXX-XXXX` in the user code alphabet.
fn well_formed(code: &str) -> bool {
    let chars: Vec<char> = code.chars().collect();
    chars.len() == 9
        && chars.iter().enumerate().all(|(i, c)| {
            if i == 4 {
                *c == '-'
            } else {
                ALPHABET.contains(*c)
            }
        })
}

/// The /device page for a signed-in browser, optionally with a code in the link.
fn device_page(server: &TestServer, browser: &Browser, code: Option<&str>) -> String {
    let url = match code {
        Some(code) => format!("{}?user_code={code}", server.url("/device")),
        None => server.url("/device"),
    };
    html_page(browser.get(&url), 200)
}

/// The `user_code` input of a page.
fn user_code_input(page: &str) -> std::collections::HashMap<String, String> {
    elements(page, "input")
        .into_iter()
        .find(|a| a.get("name").map(String::as_str) == Some("user_code"))
        .unwrap_or_else(|| panic!("no user_code input: {page}"))
}

/// Enters `typed` on the /device form.
fn enter_code(server: &TestServer, browser: &Browser, typed: &str) -> Response {
    let csrf = Browser::csrf(&device_page(server, browser, None));
    browser.post_form(
        &server.url("/device"),
        &[("csrf_token", &csrf), ("user_code", typed)],
    )
}

/// Submits the device consent page with `decision`, re-sending its hidden inputs.
fn decide(server: &TestServer, browser: &Browser, consent: &str, decision: &str) -> Response {
    let form = form_with_action(consent, "/device");
    let mut fields = hidden_inputs(form);
    fields.push(("decision".into(), decision.into()));
    browser
        .http
        .post(server.url("/device"))
        .form(&fields)
        .send()
        .unwrap()
}

/// `typed` as a person might enter it: lower case, no dash.
fn sloppy(code: &str) -> String {
    code.replace('-', "").to_lowercase()
}

/// Alice enters the code and decides; answers the page she ends on.
fn alice_decides(server: &TestServer, pair: &Value, decision: &str) -> Response {
    let browser = Browser::signed_in(server, "alice");
    let consent = html_page(enter_code(server, &browser, &sloppy(user_code(pair))), 200);
    decide(server, &browser, &consent, decision)
}

#[test]
fn a_device_gets_a_code_pair_and_where_to_send_the_person() {
    let server = oidc_server(|_| {});
    let response = device_authorization(&server, "tv", "openid profile read");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let pair = json(response, 200);
    assert!(!device_code(&pair).is_empty());
    let code = user_code(&pair);
    assert!(well_formed(code), "user code {code}");
    assert_eq!(pair["verification_uri"], server.url("/device"));
    assert_eq!(
        pair["verification_uri_complete"],
        format!("{}?user_code={code}", server.url("/device"))
    );
    assert_eq!(pair["expires_in"], 600);
    assert_eq!(pair["interval"], 5);
    let other = start(&server, "openid profile read");
    assert_ne!(device_code(&other), device_code(&pair));
    assert_ne!(user_code(&other), code);
}

#[test]
fn an_unknown_client_cannot_ask_for_a_device_code() {
    let server = oidc_server(|_| {});
    let response = device_authorization(&server, "nobody", "openid");
    oauth_error(response, 401, "invalid_client");
}

#[test]
fn a_client_without_the_device_grant_is_unauthorized_client() {
    let server = oidc_server(|_| {});
    let response = server.post_basic(
        "/oauth/device_authorization",
        "rp-rs256",
        "rp-rs256-secret",
        &[("scope", "openid")],
    );
    oauth_error(response, 400, "unauthorized_client");
}

#[test]
fn a_confidential_device_client_must_authenticate() {
    let server = oidc_server(|_| {});
    let response = device_authorization(&server, "tv-secret", "openid read");
    oauth_error(response, 401, "invalid_client");
    let response = server.post_basic(
        "/oauth/device_authorization",
        "tv-secret",
        "wrong-secret",
        &[("scope", "openid read")],
    );
    oauth_error(response, 401, "invalid_client");
    let response = server.post_basic(
        "/oauth/device_authorization",
        "tv-secret",
        "tv-secret-secret",
        &[("scope", "openid read")],
    );
    assert!(well_formed(user_code(&json(response, 200))));
}

#[test]
fn polling_is_pending_until_approval_and_too_fast_polling_slows_down() {
    let server = oidc_server(|_| {});
    let pair = start(&server, "openid profile read");
    let code = device_code(&pair);
    oauth_error(poll(&server, code), 400, "authorization_pending");
    oauth_error(poll(&server, code), 400, "slow_down");
    // After slow_down the interval is 10 seconds.
    server.clock.advance(6);
    oauth_error(poll(&server, code), 400, "slow_down");
    server.clock.advance(11);
    oauth_error(poll(&server, code), 400, "authorization_pending");
}

#[test]
fn the_device_page_sends_a_signed_out_person_to_sign_in() {
    let server = oidc_server(|_| {});
    let browser = Browser::new();
    for url in [
        server.url("/device"),
        server.url("/device?user_code=BCDF-GHJK"),
    ] {
        let response = browser.get(&url);
        assert_eq!(response.status().as_u16(), 302, "{url}");
        let to = location(&response);
        assert!(to.starts_with(&server.url("/login?next=")), "{to}");
        let next = &query_of(&to)["next"];
        assert!(next.starts_with("/device"), "{next}");
        assert_eq!(server.url(next), url);
    }
}

#[test]
fn the_device_page_asks_for_the_code_and_prefills_one_from_the_link() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let page = device_page(&server, &browser, None);
    let form = form_with_action(&page, "/device");
    user_code_input(form);
    assert!(!Browser::csrf(form).is_empty());
    let pair = start(&server, "openid read");
    let page = device_page(&server, &browser, Some(user_code(&pair)));
    let input = user_code_input(form_with_action(&page, "/device"));
    assert_eq!(
        input.get("value").map(String::as_str),
        Some(user_code(&pair))
    );
}

#[test]
fn an_approved_device_gets_its_tokens_exactly_once() {
    let server = oidc_server(|_| {});
    let pair = start(&server, "openid profile read");
    let browser = Browser::signed_in(&server, "alice");
    let consent = html_page(
        enter_code(&server, &browser, &sloppy(user_code(&pair))),
        200,
    );
    assert!(consent.contains("Living Room TV"), "{consent}");
    assert!(consent.contains("Read your data"), "{consent}");
    let form = form_with_action(&consent, "/device");
    let carried = hidden_value(form, "user_code").expect("the user code is carried");
    assert_eq!(sloppy(&carried), sloppy(user_code(&pair)));
    let mut decisions: Vec<String> = ["button", "input"]
        .iter()
        .flat_map(|tag| elements(form, tag))
        .filter(|a| a.get("name").map(String::as_str) == Some("decision"))
        .map(|a| a["value"].clone())
        .collect();
    decisions.sort();
    assert_eq!(decisions, ["allow", "deny"]);

    let done = html_page(decide(&server, &browser, &consent, "allow"), 200);
    assert!(done.to_lowercase().contains("approved"), "{done}");

    server.clock.advance(5);
    let response = poll(&server, device_code(&pair));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json(response, 200);
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let claims = jwt_claims(&id_token_of(&body));
    assert_eq!(claims["aud"], "tv");
    assert_eq!(claims["iss"], server.base);
    let info = userinfo_at(&server.base, access);
    assert_eq!(info["sub"], claims["sub"]);
    assert_eq!(info["preferred_username"], "alice");

    server.clock.advance(5);
    oauth_error(poll(&server, device_code(&pair)), 400, "invalid_grant");
}

#[test]
fn a_device_asking_for_offline_access_also_gets_a_refresh_token() {
    let server = oidc_server(|_| {});
    let pair = start(&server, "openid read offline_access");
    alice_decides(&server, &pair, "allow");
    server.clock.advance(5);
    let body = json(poll(&server, device_code(&pair)), 200);
    let refresh = body["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token: {body}"));
    let refreshed = json(
        server.post_form(
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", "tv"),
            ],
        ),
        200,
    );
    assert!(refreshed["access_token"].is_string());
}

#[test]
fn a_denied_device_gets_access_denied() {
    let server = oidc_server(|_| {});
    let pair = start(&server, "openid read");
    let response = alice_decides(&server, &pair, "deny");
    assert!(response.status().as_u16() < 400, "{}", response.status());
    server.clock.advance(5);
    oauth_error(poll(&server, device_code(&pair)), 400, "access_denied");
}

#[test]
fn an_unused_device_code_expires() {
    let server = oidc_server(|_| {});
    let pair = start(&server, "openid read");
    server.clock.advance(601);
    oauth_error(poll(&server, device_code(&pair)), 400, "expired_token");
}

#[test]
fn wrong_user_codes_are_refused_and_then_throttled() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let mut csrf = Browser::csrf(&device_page(&server, &browser, None));
    for wrong in [
        "BCDF-GHJK",
        "bcdfghjl",
        "ZZZZ-ZZZZ",
        "QQQQ-QQQQ",
        "XXXX-XXXX",
    ] {
        let response = browser.post_form(
            &server.url("/device"),
            &[("csrf_token", &csrf), ("user_code", wrong)],
        );
        let page = html_page(response, 400);
        let form = form_with_action(&page, "/device");
        user_code_input(form);
        let lower = page.to_lowercase();
        assert!(
            lower.contains("unknown") || lower.contains("expired"),
            "{wrong}: {page}"
        );
        csrf = Browser::csrf(form);
    }
    let response = browser.post_form(
        &server.url("/device"),
        &[("csrf_token", &csrf), ("user_code", "BCDF-GHJK")],
    );
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .expect("a Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
}

#[test]
fn entering_a_code_without_the_csrf_token_is_forbidden() {
    let server = oidc_server(|_| {});
    let pair = start(&server, "openid read");
    let browser = Browser::signed_in(&server, "alice");
    let response = browser.post_form(&server.url("/device"), &[("user_code", user_code(&pair))]);
    assert_eq!(response.status().as_u16(), 403);
}
