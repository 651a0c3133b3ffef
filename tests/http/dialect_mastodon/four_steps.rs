//! The default scope and the four steps word for word, with the refusals of step 1.

use gatehouse::dialects::Dialect;
use serde_json::json;

use super::{
    access_of, nothing, redirected_code, register_form, register_json, step2_tokens, step3, step4,
    step4_as, two_uri_app, Keys, ALICE, ALICE_PASSWORD,
};
use crate::harness::*;

/// Step 4, the first time alice sees the app: the consent page asks.
fn step4_first(server: &TestServer, keys: &Keys, scope: Option<&str>) -> String {
    step4_as(server, keys, scope, true)
}

#[test]
fn without_a_scope_the_token_defaults_to_read_access() {
    // "If you do not specify a scope in your authorization request, the
    // resulting access token will default to read access."
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let registered = Keys::from_answer(&register_form(
            server,
            &[
                ("client_name", "Defaults"),
                ("redirect_uris", OOB),
                ("scopes", "read write follow"),
            ],
        ));
        for keys in [Keys::seed(), registered] {
            let code = step4(server, &keys, None);
            let tokens = step2_tokens(server, &keys, &code);
            assert_eq!(tokens["scope"], "read", "{set:?} {}: {tokens}", keys.key);
            assert_eq!(step3(server, access_of(&tokens)).status(), 200);
        }
    });
}

#[test]
fn the_four_steps_work_word_for_word() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        // Step 1: "you need to register the application", here once with a
        // form and once with JSON; keep client_key and client_secret.
        let form = register_form(
            server,
            &[
                ("client_name", "Tooter"),
                ("redirect_uris", OOB),
                ("scopes", "read write follow"),
                ("website", "https://tooter.example"),
            ],
        );
        assert_eq!(form["name"], "Tooter");
        assert_eq!(form["website"], "https://tooter.example");
        assert_eq!(form["redirect_uri"], OOB);
        let from_json = register_json(
            server,
            &json!({
                "client_name": "Elephant",
                "redirect_uris": OOB,
                "scopes": "read write follow",
                "website": "https://elephant.example",
            }),
        );
        assert_eq!(from_json["name"], "Elephant");
        assert_eq!(from_json["redirect_uri"], OOB);
        for answer in [form, from_json] {
            let keys = Keys::from_answer(&answer);
            // Step 4: "If you have neither refresh nor access token, tell the
            // user to visit /oauth/authorize" … "Store this code as your
            // refresh_token. Go back to step #2."
            let refresh_token = step4_first(server, &keys, Some("read write follow"));
            // Step 2: refresh with the stored "refresh token".
            let tokens = step2_tokens(server, &keys, &refresh_token);
            assert_eq!(
                scope_set(&tokens["scope"]),
                ["follow", "read", "write"],
                "{set:?}"
            );
            // Step 3: "Try to connect … verify credentials … Authorization: Bearer".
            let me = json(step3(server, access_of(&tokens)), 200);
            assert_eq!(me["username"], ALICE, "{me}");
            assert_eq!(me["acct"], ALICE);
            assert_eq!(me["display_name"], "Alice Liddell");
            assert!(me["id"].is_string(), "{me}");
            // Later, step 2 again with the real refresh token.
            let real = tokens["refresh_token"].as_str().unwrap();
            let next = step2_tokens(server, &keys, real);
            assert_ne!(next["access_token"], tokens["access_token"]);
            assert_eq!(scope_set(&next["scope"]), ["follow", "read", "write"]);
            assert_eq!(
                json(step3(server, access_of(&next)), 200)["username"],
                ALICE
            );
        }
    });
}

#[test]
fn a_code_for_either_of_two_redirect_uris_works_as_refresh_token() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = two_uri_app(server);
        // Out of band, with the document's URL.
        let oob = step4(server, &keys, Some("read write follow"));
        step2_tokens(server, &keys, &oob);
        // Redirected to the second URI.
        let browser = Browser::signed_in_as(server, ALICE, ALICE_PASSWORD);
        let code = redirected_code(server, &browser, &keys);
        let tokens = step2_tokens(server, &keys, &code);
        assert_eq!(
            scope_set(&tokens["scope"]),
            ["follow", "read", "write"],
            "{set:?}"
        );
        assert_eq!(step3(server, access_of(&tokens)).status(), 200);
    });
}

#[test]
fn bad_app_registrations_are_refused_as_mastodon_does() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        for form in [
            vec![("redirect_uris", OOB)],
            vec![("client_name", "X"), ("redirect_uris", "not a uri")],
            vec![
                ("client_name", "X"),
                ("redirect_uris", OOB),
                ("scopes", "admin:everything"),
            ],
        ] {
            let response = server
                .http
                .post(server.url("/api/v1/apps"))
                .form(&form)
                .send()
                .unwrap();
            let body = json(response, 422);
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("Validation failed")),
                "{set:?} {form:?}: {body}"
            );
        }
    });
}
