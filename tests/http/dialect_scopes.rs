//! Scopes per dialect: a dialect's scopes, with their default and always
//! rules, reach only that dialect's clients (and clients that registered
//! the scope by name), under every combination of dialects the server
//! accepts; the standard core's clients see only standard and seed scopes.

use gatehouse::dialects::Dialect;
use serde_json::{json, Value};

use crate::harness::*;

/// Each dialect, its test client, what that client gets when it asks for
/// no scope, and a scope that only this dialect defines.
const DIALECTS: [(Dialect, &str, &str, &str); 5] = [
    (Dialect::Skritter, "t-skritter", "api", "api"),
    (Dialect::Mastodon, "t-mastodon", "read", "follow"),
    (Dialect::Piictu, "t-piictu", "read write", "write"),
    (Dialect::Scratch, "t-scratch", "identify", "identify"),
    (Dialect::Appnet, "t-appnet", "basic", "stream"),
];

/// Every scope each dialect defines (several share a name).
fn defined_by(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Skritter => &["api"],
        Dialect::Mastodon => &["read", "write", "follow", "push"],
        Dialect::Piictu => &["read", "write"],
        Dialect::Scratch => &["identify"],
        Dialect::Appnet => &[
            "basic",
            "stream",
            "write_post",
            "follow",
            "update_profile",
            "public_messages",
            "messages",
            "files",
        ],
    }
}

/// Every set of dialects the server accepts (piictu and appnet never together).
fn accepted_sets() -> Vec<Vec<Dialect>> {
    (0u32..32)
        .map(|bits| {
            DIALECTS
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, d)| d.0)
                .collect::<Vec<_>>()
        })
        .filter(|set| gatehouse::dialects::check(set).is_ok())
        .collect()
}

/// The demo seed plus a password-grant client per dialect and a standard one.
fn seed() -> String {
    let mut clients: Vec<Value> = DIALECTS
        .iter()
        .map(|(dialect, id, _, _)| {
            json!({"client_id": id, "client_secret": format!("{id}-secret"),
                   "grant_types": ["password"], "dialect": dialect.name()})
        })
        .collect();
    clients.push(
        json!({"client_id": "t-standard", "client_secret": "t-standard-secret",
                        "grant_types": ["password"]}),
    );
    clients.push(
        json!({"client_id": "t-named", "client_secret": "t-named-secret",
                        "grant_types": ["password"], "scope": "identify stream basic"}),
    );
    demo_seed_plus(&json!({ "clients": clients }))
}

/// A password-grant token request for `client` (scope omitted when `None`).
fn password_token(
    server: &TestServer,
    client: &str,
    scope: Option<&str>,
) -> reqwest::blocking::Response {
    let mut form = vec![
        ("grant_type", "password"),
        ("username", "bob"),
        ("password", "bob-the-builder"),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    server.post_basic("/oauth/token", client, &format!("{client}-secret"), &form)
}

#[test]
fn every_accepted_combination_gives_each_client_only_its_own_dialects_scopes() {
    let sets = accepted_sets();
    assert_eq!(
        sets.len(),
        24,
        "32 subsets less the 8 with piictu and appnet"
    );
    let seed = seed();
    for set in sets {
        let server = TestServer::start_with(&seed, |c| c.dialects = set.clone());
        // The standard client: the demo seed's default only, never a dialect's.
        let body = json(password_token(&server, "t-standard", None), 200);
        assert_eq!(body["scope"], "read", "standard client under {set:?}");
        for (dialect, client, defaults, own) in DIALECTS {
            if !set.contains(&dialect) {
                continue;
            }
            let body = json(password_token(&server, client, None), 200);
            assert_eq!(body["scope"], defaults, "{client} under {set:?}");
            // Its own scope, asked for by name.
            let body = json(password_token(&server, client, Some(own)), 200);
            assert!(
                scope_set(&body["scope"]).contains(&own.to_owned()),
                "{client} under {set:?}: {body}"
            );
            // Another enabled dialect's scope is refused, and so is asking
            // for it from the standard client.
            for (other, _, _, theirs) in DIALECTS {
                let shared = defined_by(dialect).contains(&theirs);
                if other == dialect || !set.contains(&other) || shared {
                    continue;
                }
                oauth_error(
                    password_token(&server, client, Some(theirs)),
                    400,
                    "invalid_scope",
                );
            }
            if own != "write" {
                oauth_error(
                    password_token(&server, "t-standard", Some(own)),
                    400,
                    "invalid_scope",
                );
            }
        }
    }
}

#[test]
fn a_client_that_registered_a_dialect_scope_by_name_gets_that_scopes_rules() {
    let server = TestServer::start_with(&seed(), |c| c.dialects = DEV_SET.to_vec());
    // identify is Scratch's default, basic App.net's always scope.
    let body = json(password_token(&server, "t-named", None), 200);
    assert_eq!(scope_set(&body["scope"]), ["basic", "identify"]);
    let body = json(password_token(&server, "t-named", Some("stream")), 200);
    assert_eq!(scope_set(&body["scope"]), ["basic", "stream"]);
}

#[test]
fn the_demo_seed_grants_no_always_scope_to_anyone() {
    let server = TestServer::start_with(&seed(), |_| {});
    let body = json(
        server.post_basic(
            "/oauth/token",
            "service",
            "service-secret",
            &[("grant_type", "client_credentials")],
        ),
        200,
    );
    assert_eq!(body["scope"], "read");
}
