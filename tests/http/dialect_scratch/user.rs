//! The scoped endpoint `GET /user`, with the document's base64 bearer token.

use base64::Engine;
use reqwest::blocking::Response;
use serde_json::{json as body, Value};

use super::tokens::{allow, authorize, consent, consent_scopes, cool_app_with_tokens, exchange};
use super::{
    api, bearer, fields, get_user, replay, status_of, ADMIN, ADMIN_PASSWORD, COOL_CB, DEMO_APP,
    DEMO_SECRET, KENNY, KENNY_PASSWORD, SERVICE_APP, SERVICE_SECRET, SNIPED, SNIPED_PASSWORD,
};
use crate::harness::*;

/// Asserts a User object for `username`; answers its user ID.
fn assert_user(user: &Value, username: &str) -> u64 {
    assert_eq!(fields(user), ["user_id", "user_name"], "{user}");
    assert_eq!(user["user_name"], username, "{user}");
    user["user_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("user_id is not an integer: {user}"))
}

/// The person's numeric `sub`, from introspecting one of their tokens.
fn sub(server: &TestServer, access_token: &str) -> u64 {
    let info = server.introspect(access_token);
    assert_eq!(info["active"], true, "{info}");
    info["sub"].as_str().unwrap().parse().unwrap()
}

#[test]
fn request_username_answers_the_user_object_for_the_documents_base64_bearer_token() {
    replay(|server| {
        let (_, tokens) = cool_app_with_tokens(server);
        let access = tokens["access_token"].as_str().unwrap();
        let response = get_user(server, &bearer(&tokens));
        assert!(response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap().starts_with("application/json")));
        let user = json(response, 200);
        let user_id = assert_user(&user, KENNY);
        assert_eq!(user_id, sub(server, access));

        // The raw token is taken too.
        assert_eq!(json(get_user(server, access), 200), user);

        // Another person, another user ID.
        let person = Browser::signed_in_as(server, SNIPED, SNIPED_PASSWORD);
        let demo = (DEMO_APP, DEMO_SECRET.to_owned());
        let code = authorize(server, &person, DEMO_APP, None, None);
        let theirs = json(exchange(server, &demo, &code, body!("identify")), 200);
        let their_id = assert_user(&json(get_user(server, &bearer(&theirs)), 200), SNIPED);
        assert_ne!(their_id, user_id);
    });
}

#[test]
fn request_username_is_401_without_good_authorization_403_without_identify_and_404_without_a_person(
) {
    replay(|server| {
        let (app, tokens) = cool_app_with_tokens(server);
        let url = api(server, "/user");
        // 401: missing or incorrect authorization.
        status_of(server.http.get(&url).send().unwrap(), 401);
        let raw = tokens["access_token"].as_str().unwrap();
        status_of(
            server
                .http
                .get(&url)
                .header("authorization", format!("Basic {}", bearer(&tokens)))
                .send()
                .unwrap(),
            401,
        );
        let nonsense = base64::engine::general_purpose::STANDARD.encode("gth_at_nonsense");
        for bad in ["gth_at_nonsense", nonsense.as_str(), "bm9uc2Vuc2U=", ""] {
            let response = get_user(server, bad);
            assert_eq!(response.status(), 401, "token {bad}");
        }
        // A revoked token.
        json(get_user(server, &bearer(&tokens)), 200);
        let revoked = server.post_form(
            "/oauth/revoke",
            &[
                ("token", raw),
                ("client_id", &app.0.to_string()),
                ("client_secret", &app.1),
            ],
        );
        assert_eq!(revoked.status(), 200);
        status_of(get_user(server, &bearer(&tokens)), 401);

        // 403: a token of the same app without `identify`.
        let person = Browser::signed_in_as(server, KENNY, KENNY_PASSWORD);
        // (A scope not allowed before: the person is asked again.)
        let page = consent(server, &person, app.0, Some("profile"), Some(COOL_CB));
        assert_eq!(consent_scopes(&page), ["profile"]);
        let code = allow(server, &person, &page, Some(COOL_CB));
        let profile_only = json(exchange(server, &app, &code, body!("profile")), 200);
        assert_eq!(profile_only["scopes"], body!(["profile"]));
        status_of(get_user(server, &bearer(&profile_only)), 403);
        // And a standard client's token.
        let alice = Browser::signed_in_as(server, ADMIN, ADMIN_PASSWORD);
        let pkce = Pkce::new();
        let code = code_for(server, &alice, "webapp", "read", Some(&pkce));
        let webapp = json(exchange_standard(server, &code, &pkce), 200);
        let webapp_token = webapp["access_token"].as_str().unwrap();
        status_of(get_user(server, webapp_token), 403);

        // 404: a token with `identify` that names no person.
        let client_token = json(
            server.post_form(
                "/oauth/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &SERVICE_APP.to_string()),
                    ("client_secret", SERVICE_SECRET),
                ],
            ),
            200,
        );
        assert_eq!(client_token["scope"], "identify", "{client_token}");
        status_of(
            get_user(server, client_token["access_token"].as_str().unwrap()),
            404,
        );

        // 401 again once the access token has expired.
        let code = authorize(server, &person, app.0, None, Some(COOL_CB));
        let expiring = json(exchange(server, &app, &code, body!("identify")), 200);
        json(get_user(server, &bearer(&expiring)), 200);
        server.clock.advance(3601);
        status_of(get_user(server, &bearer(&expiring)), 401);
    });
}

/// Exchanges a `webapp` code (the demo seed's standard client) at /oauth/token.
fn exchange_standard(server: &TestServer, code: &str, pkce: &Pkce) -> Response {
    server.post_basic(
        "/oauth/token",
        "webapp",
        "webapp-secret",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "http://127.0.0.1:9000/cb"),
            ("code_verifier", &pkce.verifier),
        ],
    )
}
