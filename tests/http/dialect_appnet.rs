//! The appnet dialect: appnet-auth.txt's three ways of passing the token,
//! `X-OAuth-Scopes`, `basic` always granted, extended scopes, its error
//! messages, and the password flow only with permission.

use gatehouse::dialects::Dialect;

use crate::harness::*;

fn appnet_server() -> TestServer {
    let seed = serde_json::json!({
        "users": [{"username": "dalton", "password": "dalton-password", "name": "Dalton"}],
        "clients": [{"client_id": "adn", "client_secret": "adn-secret-1", "client_name": "Alpha",
                     "redirect_uris": ["https://alpha.example/cb"],
                     "response_types": ["code", "token"],
                     "grant_types": ["authorization_code", "implicit", "client_credentials"]}]
    });
    TestServer::start_with(&seed.to_string(), |c| c.dialects = vec![Dialect::Appnet])
}

/// A user token for `scope` through the server-side web flow at /oauth/authenticate.
fn user_token(server: &TestServer, scope: &str) -> serde_json::Value {
    let browser = Browser::signed_in_as(server, "dalton", "dalton-password");
    let url = format!(
        "{}/oauth/authenticate?client_id=adn&response_type=code&redirect_uri={}&scope={}",
        server.base,
        url::form_urlencoded::byte_serialize(b"https://alpha.example/cb").collect::<String>(),
        url::form_urlencoded::byte_serialize(scope.as_bytes()).collect::<String>(),
    );
    let consent = html_page(browser.get(&url), 200);
    let back = location(&browser.decide(server, &consent, "allow"));
    let code = query_of(&back)["code"].clone();
    json(
        server.post_form(
            "/oauth/access_token",
            &[
                ("client_id", "adn"),
                ("client_secret", "adn-secret-1"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", "https://alpha.example/cb"),
                ("code", &code),
            ],
        ),
        200,
    )
}

#[test]
fn basic_is_always_granted_and_extended_scopes_are_kept() {
    let server = appnet_server();
    let token = user_token(&server, "openid messages:net.app.core.pm");
    assert_eq!(
        scope_set(&token["scope"]),
        ["basic", "messages:net.app.core.pm", "openid"]
    );
}

#[test]
fn the_token_works_in_the_header_the_query_and_the_body() {
    let server = appnet_server();
    let token = user_token(&server, "openid stream");
    let access = token["access_token"].as_str().unwrap();
    let url = server.url("/oauth/userinfo");
    let answers = [
        server
            .http
            .get(&url)
            .header("Authorization", format!("Bearer {access}"))
            .send()
            .unwrap(),
        server
            .http
            .get(format!("{url}?access_token={access}"))
            .send()
            .unwrap(),
        server
            .http
            .post(&url)
            .form(&[("access_token", access)])
            .send()
            .unwrap(),
    ];
    for response in answers {
        let scopes = response.headers()["x-oauth-scopes"]
            .to_str()
            .unwrap()
            .to_owned();
        let mut listed: Vec<&str> = scopes.split(',').collect();
        listed.sort_unstable();
        assert_eq!(
            listed,
            ["basic", "openid", "stream"],
            "X-OAuth-Scopes: {scopes}"
        );
        assert!(json(response, 200)["sub"].as_str().is_some());
    }
}

#[test]
fn an_unknown_grant_type_gets_the_documents_message_as_json() {
    let server = appnet_server();
    let unknown = server.post_form(
        "/oauth/access_token",
        &[("client_id", "adn"), ("grant_type", "magic")],
    );
    let body = oauth_error(unknown, 400, "unsupported_grant_type");
    assert_eq!(body["error_description"], "Unknown grant type");
    // The document's usual cause: a JSON body instead of a form.
    let as_json = server
        .http
        .post(server.url("/oauth/access_token"))
        .json(&serde_json::json!({"grant_type": "client_credentials", "client_id": "adn"}))
        .send()
        .unwrap();
    assert_eq!(
        oauth_error(as_json, 400, "unsupported_grant_type")["error_description"],
        "Unknown grant type"
    );
}

#[test]
fn a_bad_redirect_uri_is_shown_as_a_page_with_the_documents_words() {
    let server = appnet_server();
    let browser = Browser::signed_in_as(&server, "dalton", "dalton-password");
    let response = browser.get(&format!(
        "{}/oauth/authenticate?client_id=adn&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        server.base
    ));
    assert!(response.headers().get("location").is_none());
    let page = html_page(response, 400);
    assert!(page.contains("Please contact the website that sent you here and let them know that there is a problem with the Redirect URI."));
}

#[test]
fn app_tokens_come_from_the_app_access_token_flow() {
    let server = appnet_server();
    let app = json(
        server.post_form(
            "/oauth/access_token",
            &[
                ("client_id", "adn"),
                ("client_secret", "adn-secret-1"),
                ("grant_type", "client_credentials"),
            ],
        ),
        200,
    );
    let info = server.introspect_as("adn", "adn-secret-1", app["access_token"].as_str().unwrap());
    assert!(info.get("sub").is_none(), "an app token acts for no user");
}

#[test]
fn the_password_flow_needs_permission() {
    let server = appnet_server();
    let response = server.post_form(
        "/oauth/access_token",
        &[
            ("client_id", "adn"),
            ("client_secret", "adn-secret-1"),
            ("grant_type", "password"),
            ("username", "dalton"),
            ("password", "dalton-password"),
        ],
    );
    oauth_error(response, 400, "unauthorized_client");
}
