//! The verify_credentials endpoints of accounts and of apps, and how the token travels there.

use gatehouse::dialects::Dialect;
use reqwest::blocking::Response;
use serde_json::json;

use super::{access_of, nothing, register_json, step2_tokens, step3, step4, Keys, ALICE, APP_CB};
use crate::harness::*;

/// A GET with the token in the Authorization header.
fn get_bearer(server: &TestServer, path: &str, token: &str) -> Response {
    server
        .http
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .unwrap()
}

/// An app token (client credentials) for the app.
fn app_token(server: &TestServer, keys: &Keys) -> String {
    let tokens = json(
        server.post_form(
            "/oauth/token",
            &[
                ("client_id", &keys.key),
                ("client_secret", &keys.secret),
                ("grant_type", "client_credentials"),
            ],
        ),
        200,
    );
    access_of(&tokens).to_owned()
}

/// Asserts Mastodon's error shape `{"error": message}` with the status.
fn mastodon_error(response: Response, status: u16, message: &str) {
    let body = json(response, status);
    assert_eq!(body["error"], message, "{body}");
}

#[test]
fn account_credentials_need_a_user_token_with_read() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = Keys::seed();
        let write_only = step2_tokens(server, &keys, &step4(server, &keys, Some("write")));
        mastodon_error(
            step3(server, access_of(&write_only)),
            403,
            "This action is outside the authorized scopes",
        );
        let read = step2_tokens(server, &keys, &step4(server, &keys, Some("read")));
        assert_eq!(
            json(step3(server, access_of(&read)), 200)["username"],
            ALICE,
            "{set:?}"
        );
        let app = app_token(server, &keys);
        let status = step3(server, &app).status();
        assert_eq!(status, 422, "{set:?}: an app token has no account");
        mastodon_error(
            step3(server, "gth_at_nonsense"),
            401,
            "The access token is invalid",
        );
        let missing = server
            .http
            .get(server.url("/api/v1/accounts/verify_credentials"))
            .send()
            .unwrap();
        mastodon_error(missing, 401, "The access token is invalid");
    });
}

#[test]
fn the_token_also_travels_as_access_token_or_bearer_token() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let keys = Keys::seed();
        let tokens = step2_tokens(server, &keys, &step4(server, &keys, Some("read")));
        let access = access_of(&tokens);
        for param in ["access_token", "bearer_token"] {
            for path in [
                "/api/v1/accounts/verify_credentials",
                "/api/v1/apps/verify_credentials",
            ] {
                let response = server
                    .http
                    .get(server.url(path))
                    .query(&[(param, access)])
                    .send()
                    .unwrap();
                assert_eq!(response.status(), 200, "{set:?} {path}?{param}=");
            }
        }
    });
}

#[test]
fn app_credentials_answer_name_and_website_for_any_token() {
    for_each_set(Dialect::Mastodon, &nothing(), |server, set| {
        let answer = register_json(
            server,
            &json!({
                "client_name": "Elephant",
                "redirect_uris": format!("{APP_CB}\n{OOB}"),
                "scopes": "read push",
                "website": "https://elephant.example",
            }),
        );
        let keys = Keys::from_answer(&answer);
        let user = step2_tokens(server, &keys, &step4(server, &keys, Some("push")));
        for token in [app_token(server, &keys), access_of(&user).to_owned()] {
            let app = json(
                get_bearer(server, "/api/v1/apps/verify_credentials", &token),
                200,
            );
            assert_eq!(app["name"], "Elephant", "{set:?}");
            assert_eq!(app["website"], "https://elephant.example");
        }
        mastodon_error(
            get_bearer(server, "/api/v1/apps/verify_credentials", "gth_at_nonsense"),
            401,
            "The access token is invalid",
        );
    });
}
