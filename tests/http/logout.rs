//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the
//! end_session_endpoint `/logout`: ending the session, returning only to
//! registered URIs, and asking first when the request cannot be trusted.

use reqwest::blocking::Response;

use crate::harness::*;

const EVIL: &str = "https://evil.example/";

/// GETs /logout with these parameters.
fn end_session(server: &TestServer, browser: &Browser, query: &[(&str, &str)]) -> Response {
    browser
        .http
        .get(server.url("/logout"))
        .query(query)
        .send()
        .unwrap()
}

/// Asserts the confirmation page: 200 HTML with a POST form to /logout that
/// carries a CSRF token; answers the form's hidden inputs.
fn confirmation(response: Response) -> Vec<(String, String)> {
    assert!(response.headers().get("location").is_none());
    let page = html_page(response, 200);
    let form = form_with_action(&page, "/logout");
    let attrs = &elements(form, "form")[0];
    assert!(
        attrs
            .get("method")
            .is_some_and(|m| m.eq_ignore_ascii_case("post")),
        "{attrs:?}"
    );
    let hidden = hidden_inputs(form);
    assert!(
        hidden
            .iter()
            .any(|(n, v)| n == "csrf_token" && !v.is_empty()),
        "no csrf_token in {hidden:?}"
    );
    hidden
}

/// Submits the confirmation form's fields.
fn confirm(server: &TestServer, browser: &Browser, fields: &[(String, String)]) -> Response {
    browser
        .http
        .post(server.url("/logout"))
        .form(fields)
        .send()
        .unwrap()
}

/// Whether the browser still has a session: an authorization request does
/// not send it to sign in.
fn signed_in(server: &TestServer, browser: &Browser) -> bool {
    let response = browser.authorize(server, &rp_query("rp-rs256", "openid", &[]));
    let to = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    !to.is_some_and(|to| to.starts_with(&server.url("/login")))
}

/// Alice signed in, with an rp-rs256 ID token.
fn alice_with_id_token(server: &TestServer) -> (Browser, String) {
    let browser = Browser::signed_in(server, "alice");
    let body = rp_tokens(&server.base, &browser, "rp-rs256", "openid");
    (browser, id_token_of(&body))
}

#[test]
fn logout_with_an_id_token_hint_ends_the_session_and_returns_to_the_client() {
    let server = oidc_server(|_| {});
    let (browser, id_token) = alice_with_id_token(&server);
    assert!(signed_in(&server, &browser));
    let response = end_session(
        &server,
        &browser,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", RP_BYE),
            ("state", "s1"),
        ],
    );
    let status = response.status().as_u16();
    assert!(matches!(status, 302 | 303), "status {status}");
    assert_eq!(location(&response), format!("{RP_BYE}?state=s1"));
    assert!(!signed_in(&server, &browser));
}

#[test]
fn an_unregistered_post_logout_redirect_uri_is_never_followed() {
    let server = oidc_server(|_| {});
    let (browser, id_token) = alice_with_id_token(&server);
    let response = end_session(
        &server,
        &browser,
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", EVIL),
            ("state", "s1"),
        ],
    );
    let no_evil = |response: &Response| {
        if let Some(to) = response.headers().get("location") {
            let to = to.to_str().unwrap();
            assert!(!to.contains("evil.example"), "sent to {to}");
        }
    };
    no_evil(&response);
    let page = html_page(response, 200);
    let asks = elements(&page, "form")
        .iter()
        .any(|f| f.get("action").is_some_and(|a| a.ends_with("/logout")));
    if asks {
        let form = form_with_action(&page, "/logout");
        let after = confirm(&server, &browser, &hidden_inputs(form));
        no_evil(&after);
        assert!(after.headers().get("location").is_none());
        html_page(after, 200);
    }
    assert!(!signed_in(&server, &browser));
}

#[test]
fn logout_without_a_hint_asks_first_then_returns_to_the_registered_uri() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let response = end_session(
        &server,
        &browser,
        &[
            ("client_id", "rp-rs256"),
            ("post_logout_redirect_uri", RP_BYE),
            ("state", "s2"),
        ],
    );
    let fields = confirmation(response);
    assert!(signed_in(&server, &browser), "ended before confirming");
    let response = confirm(&server, &browser, &fields);
    let status = response.status().as_u16();
    assert!(matches!(status, 302 | 303), "status {status}");
    assert_eq!(location(&response), format!("{RP_BYE}?state=s2"));
    assert!(!signed_in(&server, &browser));
}

#[test]
fn logout_without_a_hint_or_destination_ends_on_a_signed_out_page() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let fields = confirmation(end_session(&server, &browser, &[]));
    assert!(signed_in(&server, &browser));
    let response = confirm(&server, &browser, &fields);
    assert!(response.headers().get("location").is_none());
    html_page(response, 200);
    assert!(!signed_in(&server, &browser));
}

#[test]
fn the_logout_confirmation_needs_its_csrf_token() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let fields = confirmation(end_session(&server, &browser, &[("client_id", "rp-rs256")]));
    let without: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(n, _)| n != "csrf_token")
        .collect();
    html_page(confirm(&server, &browser, &without), 403);
    assert!(signed_in(&server, &browser));
}

#[test]
fn an_application_may_send_its_logout_request_as_a_post() {
    let server = oidc_server(|_| {});
    let (browser, id_token) = alice_with_id_token(&server);
    // A cross-site form POST from the application: no CSRF token of ours.
    let response = browser
        .http
        .post(server.url("/logout"))
        .form(&[
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", "http://127.0.0.1:9300/bye"),
            ("state", "s2"),
        ])
        .send()
        .unwrap();
    assert_eq!(location(&response), "http://127.0.0.1:9300/bye?state=s2");
    assert!(!signed_in(&server, &browser));
}

#[test]
fn a_post_without_a_hint_that_names_the_user_only_asks_first() {
    let server = oidc_server(|_| {});
    let (browser, _) = alice_with_id_token(&server);
    let response = browser
        .http
        .post(server.url("/logout"))
        .form(&[
            ("client_id", "rp-rs256"),
            ("post_logout_redirect_uri", "http://127.0.0.1:9300/bye"),
        ])
        .send()
        .unwrap();
    confirmation(response);
    assert!(signed_in(&server, &browser));
}
