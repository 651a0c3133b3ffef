//! The seed and helpers for the OpenID Connect tests: relying parties of
//! every signing algorithm, ID tokens read as an outsider would, and flows
//! that work against any base URL (a `TestServer` or a `BinServer`).

use std::collections::HashMap;

use base64::Engine;
use gatehouse::config::Config;
use openidconnect::core::{CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{ClientId, ClientSecret, IssuerUrl};
use reqwest::blocking::Response;
use serde_json::Value;

use super::*;

/// The relying parties with their registered signing algorithms.
pub(crate) const RELYING_PARTIES: [(&str, &str); 3] = [
    ("rp-rs256", "RS256"),
    ("rp-es256", "ES256"),
    ("rp-eddsa", "EdDSA"),
];

/// Where rp-rs256 may send people after signing out.
pub(crate) const RP_BYE: &str = "http://127.0.0.1:9300/bye";

/// The nonce the helpers send unless told otherwise.
pub(crate) const NONCE: &str = "n-0S6_WzA2Mj";

/// The seed for the OpenID Connect tests: two people, a relying party per
/// signing algorithm, an implicit client, a hybrid one, one whose UserInfo
/// answers are signed, and two device clients.
pub(crate) fn oidc_seed() -> String {
    let mut clients: Vec<Value> = RELYING_PARTIES
        .iter()
        .map(|(id, alg)| {
            serde_json::json!({
                "client_id": id, "client_secret": format!("{id}-secret"),
                "client_name": format!("Relying Party {alg}"),
                "redirect_uris": [oidc_redirect(id)],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "scope": "openid profile email offline_access read",
                "post_logout_redirect_uris": [oidc_redirect(id).replace("/cb", "/bye")],
                "id_token_signed_response_alg": alg
            })
        })
        .collect();
    clients.extend([
        serde_json::json!({
            "client_id": "rp-implicit", "token_endpoint_auth_method": "none",
            "client_name": "Implicit Relying Party",
            "redirect_uris": [oidc_redirect("rp-implicit")],
            "grant_types": ["implicit"], "response_types": ["id_token", "id_token token"],
            "scope": "openid profile"
        }),
        serde_json::json!({
            "client_id": "rp-hybrid", "client_secret": "rp-hybrid-secret",
            "client_name": "Hybrid Relying Party",
            "redirect_uris": [oidc_redirect("rp-hybrid")],
            "grant_types": ["authorization_code", "implicit"],
            "response_types": ["code", "code id_token", "code token", "id_token token code"],
            "scope": "openid profile"
        }),
        serde_json::json!({
            "client_id": "rp-signed", "client_secret": "rp-signed-secret",
            "client_name": "Signed UserInfo Relying Party",
            "redirect_uris": [oidc_redirect("rp-signed")],
            "scope": "openid profile email",
            "userinfo_signed_response_alg": "RS256"
        }),
        serde_json::json!({
            "client_id": "tv", "token_endpoint_auth_method": "none",
            "client_name": "Living Room TV",
            "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
            "scope": "openid profile read offline_access"
        }),
        serde_json::json!({
            "client_id": "tv-secret", "client_secret": "tv-secret-secret",
            "client_name": "Kitchen TV",
            "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"],
            "scope": "openid read"
        }),
    ]);
    serde_json::json!({
        "users": [
            {"username": "alice", "password": "alice-password", "email": "alice@example.org",
             "name": "Alice Liddell", "admin": false},
            {"username": "bob", "password": "bob-password", "email": "bob@example.org",
             "name": "Bob", "admin": false}
        ],
        "clients": clients,
        "scopes": [
            {"name": "read", "description": "Read your data", "default": true},
            {"name": "write", "description": "Change your data"}
        ]
    })
    .to_string()
}

/// An oidc-seed server with any change to the configuration.
pub(crate) fn oidc_server(tweak: impl FnOnce(&mut Config)) -> TestServer {
    TestServer::start_with(&oidc_seed(), tweak)
}

/// The redirect URI an oidc-seed client registered.
pub(crate) fn oidc_redirect(client: &str) -> &'static str {
    match client {
        "rp-rs256" => "http://127.0.0.1:9300/cb",
        "rp-es256" => "http://127.0.0.1:9301/cb",
        "rp-eddsa" => "http://127.0.0.1:9302/cb",
        "rp-implicit" => "http://127.0.0.1:9310/cb",
        "rp-hybrid" => "http://127.0.0.1:9311/cb",
        "rp-signed" => "http://127.0.0.1:9312/cb",
        other => panic!("{other} has no redirect URI"),
    }
}

/// The secret of a confidential oidc-seed client; `None` for public ones.
pub(crate) fn oidc_secret(client: &str) -> Option<String> {
    match client {
        "rp-implicit" | "tv" => None,
        other => Some(format!("{other}-secret")),
    }
}

/// The `openidconnect` name of a JWS algorithm.
pub(crate) fn jws_alg(name: &str) -> CoreJwsSigningAlgorithm {
    match name {
        "RS256" => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        "ES256" => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        "EdDSA" => CoreJwsSigningAlgorithm::EdDsa,
        other => panic!("no such algorithm {other}"),
    }
}

/// The header and claims of a JWT, decoded without any check.
pub(crate) fn jwt_parts(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a signed JWT: {token}");
    let decode = |part: &str| -> Value {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_else(|e| panic!("bad base64url in {token}: {e}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("bad JSON in {token}: {e}"))
    };
    (decode(parts[0]), decode(parts[1]))
}

/// The claims of a JWT, decoded without any check.
pub(crate) fn jwt_claims(token: &str) -> Value {
    jwt_parts(token).1
}

/// GETs a URL and answers its JSON, asserting 200.
pub(crate) fn get_json(url: &str) -> Value {
    json(http_client().get(url).send().unwrap(), 200)
}

/// The JWK Set of the server at `base`.
pub(crate) fn jwks_at(base: &str) -> Value {
    get_json(&format!("{base}/oauth/jwks"))
}

/// The `kid` of every key in a JWK Set.
pub(crate) fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("no keys array: {jwks}"))
        .iter()
        .map(|k| {
            k["kid"]
                .as_str()
                .unwrap_or_else(|| panic!("a key without kid: {k}"))
                .to_owned()
        })
        .collect()
}

/// An ID token verifier for an oidc-seed client, holding the keys the
/// server at `base` publishes now and allowing only `alg`.
pub(crate) fn verifier_at(base: &str, client: &str, alg: &str) -> CoreIdTokenVerifier<'static> {
    verifier_for_issuer(base, base, client, alg)
}

/// As [`verifier_at`], for a server whose configured issuer is `issuer`.
pub(crate) fn verifier_for_issuer(
    base: &str,
    issuer: &str,
    client: &str,
    alg: &str,
) -> CoreIdTokenVerifier<'static> {
    let text = http_client()
        .get(format!("{base}/oauth/jwks"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let keys: CoreJsonWebKeySet =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("unreadable JWKS {text}: {e}"));
    let issuer = IssuerUrl::new(issuer.to_owned()).unwrap();
    let id = ClientId::new(client.to_owned());
    let verifier = match oidc_secret(client) {
        Some(secret) => CoreIdTokenVerifier::new_confidential_client(
            id,
            ClientSecret::new(secret),
            issuer,
            keys,
        ),
        None => CoreIdTokenVerifier::new_public_client(id, issuer, keys),
    };
    verifier.set_allowed_algs([jws_alg(alg)])
}

/// The UserInfo answer for an access token at the server at `base`.
pub(crate) fn userinfo_at(base: &str, access_token: &str) -> Value {
    json(
        http_client()
            .get(format!("{base}/oauth/userinfo"))
            .bearer_auth(access_token)
            .send()
            .unwrap(),
        200,
    )
}

impl Browser {
    /// A browser in which `username` has signed in at `base`.
    pub(crate) fn signed_in_at(base: &str, username: &str) -> Self {
        let browser = Self::new();
        browser.login_at(base, username, &format!("{username}-password"));
        browser
    }

    /// Signs in at `base` through the sign-in form; asserts the 303.
    pub(crate) fn login_at(&self, base: &str, username: &str, password: &str) {
        let page = html_page(self.get(&format!("{base}/login")), 200);
        let response = self.post_form(
            &format!("{base}/login"),
            &[
                ("username", username),
                ("password", password),
                ("csrf_token", &Self::csrf(&page)),
            ],
        );
        assert_eq!(
            response.status().as_u16(),
            303,
            "{}",
            response.text().unwrap()
        );
    }

    /// A GET authorization request at `base`.
    pub(crate) fn authorize_at(&self, base: &str, query: &[(&str, &str)]) -> Response {
        self.http
            .get(format!("{base}/oauth/authorize"))
            .query(query)
            .send()
            .unwrap()
    }

    /// The people seed's `webapp` asking for `openid read` by the code
    /// flow at `base`, as a browser sends it.
    pub(crate) fn authorize_webapp_at(&self, base: &str) -> Response {
        self.authorize_at(
            base,
            &[
                ("response_type", "code"),
                ("client_id", "webapp"),
                ("redirect_uri", "http://127.0.0.1:9000/cb"),
                ("scope", "openid read"),
                ("state", "s"),
            ],
        )
    }

    /// Submits the consent form of `consent_page` at `base` with `decision`.
    pub(crate) fn decide_at(&self, base: &str, consent_page: &str, decision: &str) -> Response {
        let form = form_with_action(consent_page, "/oauth/authorize");
        let mut fields = hidden_inputs(form);
        fields.push(("decision".to_owned(), decision.to_owned()));
        self.http
            .post(format!("{base}/oauth/authorize"))
            .form(&fields)
            .send()
            .unwrap()
    }
}

/// An OpenID code request for an oidc-seed client: its redirect URI, state
/// `xyz`, nonce [`NONCE`], then `extra` (which may repeat none of those).
pub(crate) fn rp_query<'a>(
    client: &'a str,
    scope: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", oidc_redirect(client)),
        ("scope", scope),
        ("state", "xyz"),
        ("nonce", NONCE),
    ];
    query.extend_from_slice(extra);
    query
}

/// The query of a redirect to `client`'s redirect URI with state `xyz`.
pub(crate) fn redirect_params(response: &Response, client: &str) -> HashMap<String, String> {
    let status = response.status().as_u16();
    assert!(matches!(status, 302 | 303), "status {status}");
    let to = location(response);
    assert!(
        to.starts_with(&format!("{}?", oidc_redirect(client))),
        "{to}"
    );
    let params = query_of(&to);
    assert_eq!(params.get("state").map(String::as_str), Some("xyz"), "{to}");
    params
}

/// Runs an OpenID code request at `base` in a signed-in browser, allowing
/// on the consent page if one is shown; answers the code.
pub(crate) fn rp_code(
    base: &str,
    browser: &Browser,
    client: &str,
    scope: &str,
    extra: &[(&str, &str)],
) -> String {
    let response = browser.authorize_at(base, &rp_query(client, scope, extra));
    let response = match response.status().as_u16() {
        200 => browser.decide_at(base, &response.text().unwrap(), "allow"),
        302 | 303 => response,
        other => panic!("authorize answered {other}: {}", response.text().unwrap()),
    };
    let params = redirect_params(&response, client);
    params
        .get("code")
        .unwrap_or_else(|| panic!("no code in {params:?}"))
        .clone()
}

/// POSTs to the token endpoint at `base` as an oidc-seed client: HTTP Basic
/// for a confidential one, `client_id` in the form for a public one.
pub(crate) fn rp_token_request(base: &str, client: &str, form: &[(&str, &str)]) -> Response {
    let request = http_client().post(format!("{base}/oauth/token"));
    match oidc_secret(client) {
        Some(secret) => request.basic_auth(client, Some(secret)).form(form),
        None => {
            let mut form = form.to_vec();
            form.push(("client_id", client));
            request.form(&form)
        }
    }
    .send()
    .unwrap()
}

/// Exchanges a code for `client` at `base`; asserts 200, answers the body.
pub(crate) fn rp_exchange(base: &str, client: &str, code: &str) -> Value {
    json(
        rp_token_request(
            base,
            client,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", oidc_redirect(client)),
            ],
        ),
        200,
    )
}

/// Runs the code flow for `client` and `scope` in a signed-in browser at
/// `base` and exchanges the code; answers the token response.
pub(crate) fn rp_tokens(base: &str, browser: &Browser, client: &str, scope: &str) -> Value {
    let code = rp_code(base, browser, client, scope, &[]);
    rp_exchange(base, client, &code)
}

/// The `id_token` of a token response.
pub(crate) fn id_token_of(body: &Value) -> String {
    body["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token in {body}"))
        .to_owned()
}
