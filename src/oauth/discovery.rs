//! Authorization server metadata (RFC 8414) and OpenID Provider metadata
//! (OpenID Connect Discovery 1.0 §3). They list only what the server does.

use serde_json::{json, Value};

use super::scope::Scopes;

/// The metadata document for an issuer; both well-known paths serve it.
pub fn metadata(issuer: &str, scopes: &Scopes) -> Value {
    let url = |path: &str| format!("{}{path}", issuer.trim_end_matches('/'));
    let secret_methods = ["client_secret_basic", "client_secret_post"];
    json!({
        "issuer": issuer,
        "authorization_endpoint": url("/oauth/authorize"),
        "token_endpoint": url("/oauth/token"),
        "userinfo_endpoint": url("/oauth/userinfo"),
        "introspection_endpoint": url("/oauth/introspect"),
        "revocation_endpoint": url("/oauth/revoke"),
        "scopes_supported": scopes.all().iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        "response_types_supported": ["code", "token"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "refresh_token",
            "password",
            "client_credentials",
        ],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": secret_methods,
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    })
}
