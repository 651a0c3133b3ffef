//! Authorization server metadata (RFC 8414) and OpenID Provider metadata
//! (OpenID Connect Discovery 1.0 §3). They list only what the server does.

use serde_json::{json, Value};

use super::client_metadata::{AUTH_METHODS, GRANT_TYPES, RESPONSE_TYPES};
use super::scope::Scopes;
use crate::crypto::jwt::Alg;

/// The metadata document for an issuer; both well-known paths serve it.
pub fn metadata(issuer: &str, scopes: &Scopes) -> Value {
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
        "scopes_supported": scopes.names(),
        "response_types_supported": RESPONSE_TYPES,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": Alg::ALL.map(Alg::name),
        "userinfo_signing_alg_values_supported": Alg::ALL.map(Alg::name),
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "azp", "at_hash", "c_hash",
            "amr", "acr", "name", "preferred_username", "updated_at", "email", "email_verified",
        ],
        "acr_values_supported": super::acr::SUPPORTED,
        "prompt_values_supported": ["none", "login", "consent"],
        "response_modes_supported": super::redirect::Mode::NAMES,
        "grant_types_supported": GRANT_TYPES,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": secret_methods,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
    });
    // The endpoint always exists; with registration closed it answers 403.
    if let Value::Object(map) = &mut doc {
        map.insert(
            "registration_endpoint".into(),
            json!(url("/oauth/register")),
        );
    }
    doc
}
