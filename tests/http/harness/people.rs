//! The seed and helpers for the sign-in, authorization and grant tests.

use gatehouse::config::Config;
use reqwest::blocking::Response;

use super::*;

/// The out-of-band redirect URI (Mastodon and others).
pub(crate) const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The seed for the sign-in, authorization and grant tests: two people and
/// a client of every kind.
pub(crate) fn people_seed() -> String {
    serde_json::json!({
        "users": [
            {"username": "alice", "password": "alice-password", "email": "alice@example.org",
             "name": "Alice Liddell", "admin": false},
            {"username": "bob", "password": "bob-password", "email": "bob@example.org",
             "name": "Bob", "admin": false}
        ],
        "clients": [
            {"client_id": "webapp", "client_secret": "webapp-secret", "client_name": "Web App",
             "redirect_uris": ["http://127.0.0.1:9000/cb"],
             "grant_types": ["authorization_code", "refresh_token"],
             "scope": "openid profile email offline_access read write messages"},
            {"client_id": "spa", "token_endpoint_auth_method": "none", "client_name": "Single Page",
             "redirect_uris": ["http://127.0.0.1:9100/cb"],
             "grant_types": ["authorization_code", "refresh_token"],
             "scope": "openid profile read"},
            {"client_id": "native", "token_endpoint_auth_method": "none", "client_name": "Native",
             "redirect_uris": ["http://127.0.0.1/callback"],
             "grant_types": ["authorization_code"]},
            {"client_id": "implicit", "token_endpoint_auth_method": "none", "client_name": "Implicit",
             "redirect_uris": ["http://127.0.0.1:9200/cb"],
             "grant_types": ["implicit"], "response_types": ["token"], "scope": "read"},
            {"client_id": "oob", "client_secret": "oob-secret", "client_name": "Out Of Band",
             "redirect_uris": [OOB],
             "grant_types": ["authorization_code", "refresh_token"], "scope": "read write"},
            {"client_id": "noredirect", "client_secret": "noredirect-secret",
             "client_name": "No Redirect", "redirect_uris": [],
             "grant_types": ["authorization_code"]},
            {"client_id": "multi", "client_secret": "multi-secret", "client_name": "Multi",
             "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
             "grant_types": ["authorization_code"]},
            {"client_id": "pwapp", "client_secret": "pwapp-secret", "client_name": "Password App",
             "grant_types": ["password", "refresh_token"], "scope": "read write"},
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "client_name": "Service",
             "grant_types": ["client_credentials"], "scope": "read openid"}
        ],
        "scopes": [
            {"name": "read", "description": "Read your data", "default": true},
            {"name": "write", "description": "Change your data"},
            {"name": "messages", "description": "Send and read your private messages"},
            {"name": "basic", "description": "See your basic profile", "always": true}
        ]
    })
    .to_string()
}

/// A people-seed server with any change to the configuration.
pub(crate) fn people_server(tweak: impl FnOnce(&mut Config)) -> TestServer {
    TestServer::start_with(&people_seed(), tweak)
}

/// The redirect URI a people-seed client registered (the first one).
pub(crate) fn redirect_of(client: &str) -> Option<&'static str> {
    match client {
        "webapp" => Some("http://127.0.0.1:9000/cb"),
        "spa" => Some("http://127.0.0.1:9100/cb"),
        "native" => Some("http://127.0.0.1/callback"),
        "implicit" => Some("http://127.0.0.1:9200/cb"),
        "oob" => Some(OOB),
        "multi" => Some("https://a.example/cb"),
        _ => None,
    }
}

/// The secret of a confidential people-seed client; `None` for public ones.
pub(crate) fn secret_of(client: &str) -> Option<&'static str> {
    match client {
        "webapp" => Some("webapp-secret"),
        "oob" => Some("oob-secret"),
        "noredirect" => Some("noredirect-secret"),
        "multi" => Some("multi-secret"),
        "pwapp" => Some("pwapp-secret"),
        CLIENT_ID => Some(CLIENT_SECRET),
        _ => None,
    }
}

/// POSTs to the token endpoint as `client`: HTTP Basic for a confidential
/// client, `client_id` in the form for a public one.
pub(crate) fn token_request(server: &TestServer, client: &str, form: &[(&str, &str)]) -> Response {
    match secret_of(client) {
        Some(secret) => server.post_basic("/oauth/token", client, secret, form),
        None => {
            let mut form = form.to_vec();
            form.push(("client_id", client));
            server.post_form("/oauth/token", &form)
        }
    }
}

/// Exchanges an authorization code as `client` (RFC 6749 §4.1.3).
pub(crate) fn exchange(
    server: &TestServer,
    client: &str,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Response {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
    if let Some(uri) = redirect_uri {
        form.push(("redirect_uri", uri));
    }
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    token_request(server, client, &form)
}

/// Uses a refresh token as `client`, optionally narrowing the scope.
pub(crate) fn refresh(
    server: &TestServer,
    client: &str,
    refresh_token: &str,
    scope: Option<&str>,
) -> Response {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    token_request(server, client, &form)
}

/// Whether introspection (as the `service` client) says the token is active.
pub(crate) fn is_active(server: &TestServer, token: &str) -> bool {
    server.introspect(token)["active"] == true
}

/// A PKCE pair with the S256 method (RFC 7636 §4.1, §4.2).
#[derive(Debug, Clone)]
pub(crate) struct Pkce {
    pub(crate) verifier: String,
    pub(crate) challenge: String,
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

impl Pkce {
    /// A fresh random verifier and its S256 challenge.
    pub(crate) fn new() -> Self {
        use base64::Engine;
        use ring::rand::SecureRandom;
        let mut bytes = [0u8; 32];
        ring::rand::SystemRandom::new().fill(&mut bytes).unwrap();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let verifier = b64.encode(bytes);
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        let challenge = b64.encode(digest.as_ref());
        Pkce {
            verifier,
            challenge,
        }
    }
}
