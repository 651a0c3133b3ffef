//! Metadata documents (RFC 8414, OpenID Connect Discovery) and /healthz.

use crate::harness::*;

#[test]
fn both_documents_name_the_configured_issuer_and_the_endpoints() {
    let server = TestServer::start_with(&seed(), |c| {
        c.issuer = Some("https://id.example.org".into())
    });
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let doc = json(server.http.get(server.url(path)).send().unwrap(), 200);
        assert_eq!(doc["issuer"], "https://id.example.org", "{path}");
        assert_eq!(doc["token_endpoint"], "https://id.example.org/oauth/token");
        assert_eq!(
            doc["introspection_endpoint"],
            "https://id.example.org/oauth/introspect"
        );
        assert_eq!(
            doc["revocation_endpoint"],
            "https://id.example.org/oauth/revoke"
        );
        let grants = doc["grant_types_supported"].as_array().unwrap();
        assert!(grants.contains(&"client_credentials".into()));
        let methods = doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap();
        assert!(methods.contains(&"client_secret_basic".into()));
        assert!(methods.contains(&"client_secret_post".into()));
        let scopes = doc["scopes_supported"].as_array().unwrap();
        for s in [
            "openid",
            "profile",
            "email",
            "offline_access",
            "read",
            "write",
        ] {
            assert!(scopes.contains(&s.into()), "{s} missing from {path}");
        }
    }
}

#[test]
fn the_issuer_defaults_to_the_bound_address() {
    let server = TestServer::start();
    let doc = json(
        server
            .http
            .get(server.url("/.well-known/openid-configuration"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(doc["issuer"], server.base);
}

#[test]
fn discovery_ignores_the_host_header() {
    let server = TestServer::start();
    let doc = json(
        server
            .http
            .get(server.url("/.well-known/oauth-authorization-server"))
            .header("Host", "evil.example")
            .header("X-Forwarded-Host", "evil.example")
            .send()
            .unwrap(),
        200,
    );
    assert!(!doc.to_string().contains("evil.example"));
}

#[test]
fn healthz_answers_with_the_version() {
    let server = TestServer::start();
    let body = json(server.http.get(server.url("/healthz")).send().unwrap(), 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}
