//! Codes at `/oauth/token`: lifetimes, a code sent twice, JSON bodies, codes as refresh tokens.

use gatehouse::dialects::Dialect;
use serde_json::{json, Value};

use super::{
    access_of, nothing, redirected_code, step2, step2_tokens, step3, step4, two_uri_app, Keys,
    ALICE, ALICE_PASSWORD, APP, APP_SECRET,
};
use crate::harness::*;

/// Introspects with the app's own credentials in the form (client_secret_post).
fn introspect_post(server: &TestServer, keys: &Keys, token: &str) -> Value {
    json(
        server.post_form(
            "/oauth/introspect",
            &[
                ("client_id", &keys.key),
                ("client_secret", &keys.secret),
                ("token", token),
            ],
        ),
        200,
    )
}

#[test]
fn out_of_band_codes_live_ten_minutes_and_redirected_codes_one() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = two_uri_app(server);
        // The person copies the code by hand: five minutes later it still works.
        let code = step4(server, &keys, Some("read"));
        server.clock.advance(300);
        step2_tokens(server, &keys, &code);
        // Past ten minutes it does not.
        let code = step4(server, &keys, Some("read"));
        server.clock.advance(601);
        let late = oauth_error(step2(server, &keys, &code), 400, "invalid_grant");
        assert!(late["error_description"].is_string(), "{set:?} {late}");
        // A redirected code keeps the usual minute.
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let code = redirected_code(server, &browser, &keys);
        server.clock.advance(61);
        oauth_error(step2(server, &keys, &code), 400, "invalid_grant");
    });
}

#[test]
fn a_code_sent_twice_is_refused_and_its_tokens_are_revoked() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = Keys::seed();
        // Sent again the same way (as the refresh token) …
        let code = step4(server, &keys, Some("read write"));
        let first = step2_tokens(server, &keys, &code);
        let access = access_of(&first);
        assert_eq!(introspect_post(server, &keys, access)["active"], true);
        let again = oauth_error(step2(server, &keys, &code), 400, "invalid_grant");
        let description = again["error_description"].as_str().unwrap();
        assert!(description.contains("revoked"), "{set:?}: {description}");
        let info = introspect_post(server, &keys, access);
        assert_eq!(info["active"], false, "{set:?}: {info}");
        assert_eq!(step3(server, access).status(), 401);
        // … or as an ordinary authorization code.
        let code = step4(server, &keys, Some("read write"));
        let first = step2_tokens(server, &keys, &code);
        let access = access_of(&first);
        let again = oauth_error(
            server.post_form(
                "/oauth/token",
                &[
                    ("client_id", APP),
                    ("client_secret", APP_SECRET),
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", OOB),
                ],
            ),
            400,
            "invalid_grant",
        );
        assert!(
            again["error_description"]
                .as_str()
                .unwrap()
                .contains("revoked"),
            "{again}"
        );
        assert_eq!(introspect_post(server, &keys, access)["active"], false);
    });
}

#[test]
fn token_requests_may_be_json_for_mastodon_apps_only() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let code = step4(server, &Keys::seed(), Some("read"));
        let tokens = json(
            server
                .http
                .post(server.url("/oauth/token"))
                .json(&json!({
                    "client_id": APP,
                    "client_secret": APP_SECRET,
                    "grant_type": "refresh_token",
                    "refresh_token": code,
                }))
                .send()
                .unwrap(),
            200,
        );
        assert_eq!(tokens["scope"], "read", "{set:?}");
        assert_eq!(step3(server, access_of(&tokens)).status(), 200);
        // A standard client sending JSON is refused; its code is still good.
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let pkce = Pkce::new();
        let code = code_for(server, &browser, WEBAPP_ID, "read", Some(&pkce));
        let refused = server
            .http
            .post(server.url("/oauth/token"))
            .basic_auth(WEBAPP_ID, Some(WEBAPP_SECRET))
            .json(&json!({
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1:9000/cb",
                "code_verifier": pkce.verifier,
            }))
            .send()
            .unwrap();
        oauth_error(refused, 400, "invalid_request");
        let exchanged = exchange(
            server,
            WEBAPP_ID,
            &code,
            Some("http://127.0.0.1:9000/cb"),
            Some(&pkce.verifier),
        );
        json(exchanged, 200);
    });
}

#[test]
fn a_code_as_refresh_token_is_only_understood_for_mastodon_apps() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let pkce = Pkce::new();
        let code = code_for(server, &browser, WEBAPP_ID, "read", Some(&pkce));
        let response = server.post_basic(
            "/oauth/token",
            WEBAPP_ID,
            WEBAPP_SECRET,
            &[("grant_type", "refresh_token"), ("refresh_token", &code)],
        );
        let body = oauth_error(response, 400, "invalid_grant");
        // Not taken for a code: it was not spent, and exchanges as one.
        let exchanged = exchange(
            server,
            WEBAPP_ID,
            &code,
            Some("http://127.0.0.1:9000/cb"),
            Some(&pkce.verifier),
        );
        assert_eq!(exchanged.status(), 200, "{set:?}: {body}");
    });
}

#[test]
fn a_code_as_refresh_token_is_not_understood_when_the_dialect_is_off() {
    // The demo seed's app is still marked for Mastodon; the server speaks Skritter only.
    let seed = demo_seed_plus(&nothing());
    let server = TestServer::start_with(&seed, |c| c.dialects = vec![Dialect::Skritter]);
    let keys = Keys::seed();
    let code = step4(&server, &keys, Some("read"));
    let body = oauth_error(step2(&server, &keys, &code), 400, "invalid_grant");
    // Not taken for a code: it was not spent, and exchanges as one.
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", OOB),
    ];
    let exchanged = server.post_basic("/oauth/token", APP, APP_SECRET, &form);
    assert_eq!(exchanged.status(), 200, "{body}");
}
