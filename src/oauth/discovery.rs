//! Authorization server metadata (RFC 8414) and OpenID Provider metadata
//! (OpenID Connect Discovery 1.0 §3). They list only what the server does.

use serde_json::{json, Value};

use super::scope::Scopes;

/// The metadata document for an issuer; both well-known paths serve it.
pub fn metadata(issuer: &str, scopes: &Scopes, registration: bool) -> Value {
    let url = |path: &str| format!("{}{path}", issuer.trim_end_matches('/'));
    let secret_methods = ["client_secret_basic", "client_secret_post"];
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": url("/oauth/authorize"),
        "token_endpoint": url("/oauth/token"),
        "userinfo_endpoint": url("/oauth/userinfo"),
        "jwks_uri": url("/oauth/jwks"),
        "end_session_endpoint": url("/logout"),
        "device_authorization_endpoint": url("/oauth/device_authorization"),
        "introspection_endpoint": url("/oauth/introspect"),
        "revocation_endpoint": url("/oauth/revoke"),
        "scopes_supported": scopes.all().iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        "response_types_supported": ["code", "token", "id_token", "id_token token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash",
            "name", "preferred_username", "updated_at", "email", "email_verified",
        ],
        "prompt_values_supported": ["none", "login", "consent"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "refresh_token",
            "password",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": secret_methods,
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    });
    if registration {
        if let Value::Object(map) = &mut doc {
            map.insert(
                "registration_endpoint".into(),
                json!(url("/oauth/register")),
            );
        }
    }
    doc
}
