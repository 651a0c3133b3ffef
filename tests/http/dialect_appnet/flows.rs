//! The user token flows (web flows, password flow with permission) and the app token flow.

use gatehouse::dialects::Dialect;
use reqwest::blocking::Response;

use super::{
    access_of, app_token, decide, nothing, scopes_header, token_info, token_info_of, web_flow,
    web_flow_token, ALICE_PASSWORD, APP, APP_CB, APP_SECRET, BOB_PASSWORD, STREAM,
};
use crate::harness::*;

#[test]
fn the_server_side_web_flow_works_at_authenticate_and_authorize() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        for path in ["/oauth/authenticate", "/oauth/authorize"] {
            let tokens = web_flow_token(server, path, "bob", BOB_PASSWORD, Some("stream"));
            assert!(
                tokens["token_type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
                "{set:?} {path}: {tokens}"
            );
            assert_eq!(tokens["scope"], "stream basic");
            let response = server
                .http
                .get(server.url("/stream/0/token"))
                .bearer_auth(access_of(&tokens))
                .send()
                .unwrap();
            token_info(response, STREAM, Some("bob"));
        }
    });
}

#[test]
fn the_client_side_web_flow_answers_and_errs_in_the_fragment() {
    // "… we'll append the error to your redirect_uri as a URL encoded fragment."
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let browser = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
        let url = web_flow(
            server,
            "/oauth/authenticate",
            "token",
            APP_CB,
            Some("stream"),
        );
        let target = decide(server, &browser, &url, "deny");
        let params = fragment_of(&target);
        assert_eq!(
            params.get("error").map(String::as_str),
            Some("access_denied"),
            "{set:?}: {target}"
        );
        assert!(params.contains_key("error_description"), "{target}");
        assert!(!query_of(&target).contains_key("error"), "{target}");
        // Allowed, the token comes in the fragment too, with basic.
        let target = decide(server, &browser, &url, "allow");
        let params = fragment_of(&target);
        assert_eq!(params.get("state").map(String::as_str), Some("adn"));
        assert_eq!(
            params.get("scope").map(String::as_str),
            Some("stream basic")
        );
        assert!(!query_of(&target).contains_key("access_token"), "{target}");
        let token = params
            .get("access_token")
            .unwrap_or_else(|| panic!("no access_token in {target}"));
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(token)
            .send()
            .unwrap();
        token_info(response, STREAM, Some("bob"));
    });
}

/// The password grant for bob with `scope=stream`, HTTP Basic credentials.
fn bob_by_password(server: &TestServer, id: &str, secret: &str) -> Response {
    server
        .http
        .post(server.url("/oauth/access_token"))
        .basic_auth(id, Some(secret))
        .form(&[
            ("grant_type", "password"),
            ("username", "bob"),
            ("password", BOB_PASSWORD),
            ("scope", "stream"),
        ])
        .send()
        .unwrap()
}

/// alice (an administrator) sets an application's flags on /admin. The
/// form replaces every field, so the dialect is always sent along.
fn admin_flags(server: &TestServer, client_id: &str, fields: &[(&str, &str)]) {
    let alice = Browser::signed_in_as(server, "alice", ALICE_PASSWORD);
    let response = admin_post(
        server,
        &alice,
        &format!("/admin/apps/{client_id}/flags"),
        fields,
    );
    assert_done(server, &response);
}

#[test]
fn the_password_flow_is_refused_until_an_administrator_allows_it() {
    // "This flow requires special permission to use." A person's app from
    // the developer dashboard, made an App.net app on /admin.
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let bob = Browser::signed_in_as(server, "bob", BOB_PASSWORD);
        let (id, secret) = dashboard_app(
            server,
            &bob,
            &[
                ("name", "Bob's Alpha"),
                ("type", "confidential"),
                ("grant_types", "password"),
            ],
        );
        let secret = secret.expect("a confidential app has a secret");
        admin_flags(server, &id, &[("dialect", "appnet")]);
        let refused = oauth_error(
            bob_by_password(server, &id, &secret),
            400,
            "unauthorized_client",
        );
        assert!(refused["error_description"].is_string(), "{set:?}");
        admin_flags(
            server,
            &id,
            &[("password_allowed", "on"), ("dialect", "appnet")],
        );
        let tokens = json(bob_by_password(server, &id, &secret), 200);
        assert_eq!(tokens["scope"], "stream basic", "{set:?}: {tokens}");
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(access_of(&tokens))
            .send()
            .unwrap();
        token_info_of(response, (&id, "Bob's Alpha"), STREAM, Some("bob"));
        let wrong = server
            .http
            .post(server.url("/oauth/access_token"))
            .basic_auth(&id, Some(&secret))
            .form(&[
                ("grant_type", "password"),
                ("username", "bob"),
                ("password", "not-bobs"),
            ])
            .send()
            .unwrap();
        oauth_error(wrong, 400, "invalid_grant");
    });
}

#[test]
fn the_app_token_flow_gives_a_token_without_a_user() {
    for_each_set(Dialect::Appnet, &nothing(), |server, set| {
        let tokens = app_token(server);
        let info = server.introspect_as(APP, APP_SECRET, access_of(&tokens));
        assert_eq!(info["active"], true, "{set:?}: {info}");
        assert!(info.get("sub").is_none(), "an app token acts for no user");
        let response = server
            .http
            .get(server.url("/stream/0/token"))
            .bearer_auth(access_of(&tokens))
            .send()
            .unwrap();
        // "Scopes ... do not apply to app tokens": none asked, none given.
        assert_eq!(tokens["scope"], "", "{set:?}: {tokens}");
        assert_eq!(scopes_header(&response), "");
        token_info(response, &[], None);
    });
}
