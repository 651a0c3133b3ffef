//! Scopes: `basic` always granted, extended scopes kept, and scopes kept to their dialect.

use gatehouse::dialects::Dialect;
use serde_json::Value;

use super::{access_of, is_consent, nothing, token_info, user_token, ALICE_PASSWORD};
use crate::harness::*;

#[test]
fn basic_is_always_granted_and_extended_scopes_are_kept() {
    // "The basic scope will always be granted on creation of a user access
    // token, even if the token request omits it."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let tokens = user_token(server, Some("stream"));
        assert_eq!(tokens["scope"], "stream basic", "{set:?}");
        let tokens = user_token(server, Some("messages:net.app.core.pm"));
        assert_eq!(
            scope_set(&tokens["scope"]),
            ["basic", "messages:net.app.core.pm"],
            "{set:?}"
        );
        // "… you can request messages:net.app.core.pm and messages:net.patter-app.room."
        let tokens = user_token(
            server,
            Some("messages:net.app.core.pm messages:net.patter-app.room"),
        );
        assert_eq!(
            scope_set(&tokens["scope"]),
            [
                "basic",
                "messages:net.app.core.pm",
                "messages:net.patter-app.room"
            ]
        );
        // The token carries its scopes in X-OAuth-Scopes.
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(access_of(&tokens))
            .send()
            .unwrap();
        let data = token_info(
            response,
            &[
                "basic",
                "messages:net.app.core.pm",
                "messages:net.patter-app.room",
            ],
            Some("alice"),
        );
        assert_eq!(data["user"]["name"], "Alice Liddell");
    });
}

#[test]
fn scopes_stay_with_their_dialect() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        // A standard client asking no scope gets the seed's default, never basic.
        let browser = Browser::signed_in_as(server, "alice", ALICE_PASSWORD);
        let default = standard_code_tokens(server, &browser, None);
        assert_eq!(default["scope"], "read", "{set:?}: {default}");
        // Nor may it ask for basic.
        let response = browser.authorize(
            server,
            &[
                ("response_type", "code"),
                ("client_id", WEBAPP_ID),
                ("redirect_uri", "http://127.0.0.1:9000/cb"),
                ("scope", "basic"),
                ("state", "xyz"),
            ],
        );
        let target = location(&response);
        assert_eq!(
            query_of(&target).get("error").map(String::as_str),
            Some("invalid_scope"),
            "{set:?}: {target}"
        );
        if set.contains(&Dialect::Mastodon) {
            let mastodon = oob_tokens(server, &browser, "mastodon-app", "mastodon-app-secret");
            assert_eq!(mastodon["scope"], "read", "{set:?}: {mastodon}");
        }
        if set.contains(&Dialect::Scratch) {
            let scratch = oob_tokens(server, &browser, "1000001", "scratch-app-secret");
            assert_eq!(scratch["scope"], "identify", "{set:?}: {scratch}");
        }
    });
}

/// `webapp`'s tokens for a code asked with `scope` (none: the parameter is left out).
fn standard_code_tokens(server: &TestServer, browser: &Browser, scope: Option<&str>) -> Value {
    let pkce = Pkce::new();
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", WEBAPP_ID),
        ("redirect_uri", "http://127.0.0.1:9000/cb"),
        ("state", "xyz"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if let Some(scope) = scope {
        query.push(("scope", scope));
    }
    let response = browser.authorize(server, &query);
    let response = if response.status() == 200 {
        let page = response.text().unwrap();
        browser.decide(server, &page, "allow")
    } else {
        response
    };
    let code = query_of(&location(&response))["code"].clone();
    json(
        exchange(
            server,
            WEBAPP_ID,
            &code,
            Some("http://127.0.0.1:9000/cb"),
            Some(&pkce.verifier),
        ),
        200,
    )
}

/// A dialect client's tokens for an out-of-band code asked with no scope
/// (client_secret_post).
fn oob_tokens(server: &TestServer, browser: &Browser, client_id: &str, secret: &str) -> Value {
    let page = html_page(
        browser.authorize(
            server,
            &[("response_type", "code"), ("client_id", client_id)],
        ),
        200,
    );
    let shown = if is_consent(&page) {
        html_page(browser.decide(server, &page, "allow"), 200)
    } else {
        page
    };
    let code = shown_code(&shown);
    json(
        server.post_form(
            "/oauth/token",
            &[
                ("client_id", client_id),
                ("client_secret", secret),
                ("grant_type", "authorization_code"),
                ("code", &code),
            ],
        ),
        200,
    )
}
