//! What the document replays found and the dialects now refuse: a secret
//! in a GET URL, repeated parameters, a login finished by a cross-site form,
//! redirect URIs the core would never register, and an application id that
//! overwrote another client.

use gatehouse::dialects::Dialect;
use serde_json::json;

use crate::harness::*;

const SCRATCH: &str = "/w/rest.php/soa2/v0";

fn server(dialects: &[Dialect], extra: serde_json::Value) -> TestServer {
    let seed = demo_seed_plus(&extra);
    TestServer::start_with(&seed, |c| c.dialects = dialects.to_vec())
}

#[test]
fn skritter_refuses_a_client_secret_in_a_get_url() {
    let server = server(&[Dialect::Skritter], json!({}));
    let response = server
        .http
        .get(server.url("/api/v0/oauth2/token"))
        .query(&[
            ("grant_type", "client_credentials"),
            ("client_id", "skritter-app"),
            ("client_secret", "skritter-app-secret"),
        ])
        .send()
        .unwrap();
    oauth_error(response, 400, "invalid_request");
}

#[test]
fn repeated_parameters_are_refused_by_the_dialects_token_endpoints() {
    let server = server(&[Dialect::Skritter, Dialect::Piictu], json!({}));
    let body = "grant_type=password&client_id=piictu-app&client_secret=piictu-app-secret\
                &username=alice&password=wrong-one&password=alice-wonderland";
    for path in ["/oauth/access_token", "/api/v0/oauth2/token"] {
        let response = server
            .http
            .post(server.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .unwrap();
        let error = json(response, 400);
        assert_eq!(error["error"], "invalid_request", "{path}: {error}");
        assert!(
            error["error_description"]
                .as_str()
                .unwrap()
                .contains("repeated"),
            "{path}: {error}"
        );
    }
}

#[test]
fn a_repeated_part_of_a_multipart_token_request_is_refused() {
    let server = server(&[Dialect::Piictu], json!({}));
    let form = reqwest::blocking::multipart::Form::new()
        .text("grant_type", "password")
        .text("client_id", "piictu-app")
        .text("client_secret", "piictu-app-secret")
        .text("username", "alice")
        .text("password", "wrong-one")
        .text("password", "alice-wonderland");
    let response = server
        .http
        .post(server.url("/oauth/access_token"))
        .multipart(form)
        .send()
        .unwrap();
    let error = json(response, 400);
    assert_eq!(error["error"], "invalid_request", "{error}");
}

#[test]
fn a_scratch_login_is_not_finished_by_a_body_that_does_not_say_it_is_json() {
    let tweak = |c: &mut gatehouse::config::Config| {
        c.dialects = vec![Dialect::Scratch];
        c.dev_mode = true;
    };
    let seed = demo_seed_plus(&json!({}));
    let server = TestServer::start_with(&seed, tweak);
    let code = json(
        server
            .http
            .put(server.url(&format!("{SCRATCH}/login/alice")))
            .send()
            .unwrap(),
        200,
    );
    // What a cross-site <form enctype="text/plain"> can send.
    let forged = server
        .http
        .post(server.url(&format!("{SCRATCH}/login/alice")))
        .header("content-type", "text/plain")
        .body(json!({"csrf": code["csrf"]}).to_string())
        .send()
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert!(set_cookie(&forged, "gh_session").is_none());
    // The same login still finishes when the body says it is JSON.
    let real = server
        .http
        .post(server.url(&format!("{SCRATCH}/login/alice")))
        .json(&json!({"csrf": code["csrf"]}))
        .send()
        .unwrap();
    assert_eq!(real.status(), 204);
}

#[test]
fn dialect_registrations_refuse_redirect_uris_the_core_never_registers() {
    let server = server(&[Dialect::Mastodon], json!({}));
    for uri in [
        "javascript:alert(1)",
        "data:text/html,hi",
        "http://example.com/cb",
    ] {
        let response = server
            .http
            .post(server.url("/api/v1/apps"))
            .form(&[("client_name", "Evil"), ("redirect_uris", uri)])
            .send()
            .unwrap();
        assert_eq!(response.status(), 422, "{uri}");
    }
}

#[test]
fn a_new_scratch_application_never_takes_an_id_a_seeded_client_holds() {
    // Seed clients with the ids the store's counter hands out first.
    let taken: Vec<serde_json::Value> = (1..40)
        .map(|i| {
            json!({"client_id": i.to_string(), "client_secret": format!("seeded-secret-{i}"),
                   "grant_types": ["client_credentials"]})
        })
        .collect();
    let seed = demo_seed_plus(&json!({ "clients": taken }));
    let tweak = |c: &mut gatehouse::config::Config| {
        c.dialects = vec![Dialect::Scratch];
        c.dev_mode = true;
    };
    let server = TestServer::start_with(&seed, tweak);
    let code = json(
        server
            .http
            .put(server.url(&format!("{SCRATCH}/login/bob")))
            .send()
            .unwrap(),
        200,
    );
    let done = server
        .http
        .post(server.url(&format!("{SCRATCH}/login/bob")))
        .json(&json!({"csrf": code["csrf"]}))
        .send()
        .unwrap();
    let cookie = cookie_value(&set_cookie(&done, "gh_session").unwrap());
    for _ in 0..3 {
        let app = json(
            server
                .http
                .put(server.url(&format!("{SCRATCH}/applications")))
                .header("cookie", format!("gh_session={cookie}"))
                .json(&json!({"app_name": "New", "redirect_uris": ["https://new.example/cb"]}))
                .send()
                .unwrap(),
            200,
        );
        let id = app["client_id"].as_u64().unwrap();
        assert!(id >= 40, "took a seeded id: {id}");
        let response = server
            .http
            .get(server.url(&format!("{SCRATCH}/applications/{id}")))
            .header("cookie", format!("gh_session={cookie}"))
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // Every seeded client still authenticates with its own secret.
    for i in 1..40 {
        let secret = format!("seeded-secret-{i}");
        let response = server.post_basic(
            "/oauth/token",
            &i.to_string(),
            &secret,
            &[("grant_type", "client_credentials"), ("scope", "read")],
        );
        assert_eq!(response.status(), 200, "client {i}");
    }
}
