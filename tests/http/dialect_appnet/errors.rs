//! The errors: in the redirect's query, on a page for a bad redirect URI, for a JSON body.

use gatehouse::dialects::Dialect;
use serde_json::json;

use super::{
    access_token, app_token, decide, nothing, web_flow, APP, APP_CB, APP_SECRET, BOB_PASSWORD,
};
use crate::harness::*;

/// The document's sentence for a redirect URI that is not registered.
const BAD_REDIRECT: &str = "Please contact the website that sent you here and let them know that there is a problem with the Redirect URI.";

#[test]
fn server_side_errors_are_appended_to_the_redirect_query() {
    // "… we'll notify you of the error by appending it to your redirect_uri
    // as query string parameters."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        for path in ["/oauth/authenticate", "/oauth/authorize"] {
            let browser = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
            let url = web_flow(server, path, "code", APP_CB, Some("stream"));
            let target = decide(server, &browser, &url, "deny");
            let params = query_of(&target);
            assert_eq!(
                params.get("error").map(String::as_str),
                Some("access_denied"),
                "{set:?} {path}: {target}"
            );
            assert!(params.contains_key("error_description"), "{target}");
            assert_eq!(params.get("state").map(String::as_str), Some("adn"));
            assert!(fragment_of(&target).is_empty(), "{target}");
            // An error found before the person is asked goes the same way.
            let url = web_flow(server, path, "code", APP_CB, Some("no_such_scope"));
            let target = location(&browser.get(&url));
            assert!(target.starts_with(APP_CB), "{target}");
            assert_eq!(
                query_of(&target).get("error").map(String::as_str),
                Some("invalid_scope"),
                "{target}"
            );
        }
    });
}

#[test]
fn an_unregistered_redirect_uri_shows_the_documents_sentence_and_never_redirects() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let browser = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
        for path in ["/oauth/authenticate", "/oauth/authorize"] {
            for response_type in ["code", "token"] {
                let url = web_flow(
                    server,
                    path,
                    response_type,
                    "https://evil.example/cb",
                    Some("stream"),
                );
                let response = browser.get(&url);
                assert!(
                    response.headers().get("location").is_none(),
                    "{set:?} {path} {response_type}: redirected"
                );
                let page = html_page(response, 400);
                assert!(visible_text(&page).contains(BAD_REDIRECT), "{page}");
            }
        }
    });
}

#[test]
fn tokens_come_from_a_form_and_json_is_an_unknown_grant_type() {
    // "Please also make sure you're sending your request with a Content-type
    // of application/x-www-form-urlencoded not application/json."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let as_json = server
            .http
            .post(server.url("/oauth/access_token"))
            .json(&json!({
                "client_id": APP,
                "client_secret": APP_SECRET,
                "grant_type": "client_credentials",
            }))
            .send()
            .unwrap();
        let body = oauth_error(as_json, 400, "unsupported_grant_type");
        assert_eq!(body["error_description"], "Unknown grant type", "{set:?}");
        // A body URL-encoded twice: the grant type cannot be read.
        let twice = server
            .http
            .post(server.url("/oauth/access_token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("client_id%3Dappnet-app%26client_secret%3Dappnet-app-secret%26grant_type%3Dclient_credentials")
            .send()
            .unwrap();
        let body = oauth_error(twice, 400, "unsupported_grant_type");
        assert_eq!(body["error_description"], "Unknown grant type");
        let magic = access_token(server, &[("grant_type", "magic")]);
        let body = oauth_error(magic, 400, "unsupported_grant_type");
        assert_eq!(body["error_description"], "Unknown grant type");
        // The same request as a form is answered.
        assert!(app_token(server)["access_token"].is_string());
    });
}
