//! Signed UserInfo (OpenID Connect Core §5.3.2): a client that registered
//! `userinfo_signed_response_alg` gets an `application/jwt` answer that the
//! `openidconnect` crate verifies against the JWKS, naming issuer and
//! audience; every other client keeps plain JSON.

use gatehouse::oauth::register::Registration;
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreUserInfoClaims};
use openidconnect::{AccessToken, ClientId, ClientSecret, IssuerUrl};
use serde_json::{json as body, Value};

use crate::harness::*;

/// An access token for `client` of the oidc seed, for alice, by the code flow.
fn access_for(server: &TestServer, client: &str) -> String {
    let browser = Browser::signed_in(server, "alice");
    let query = [
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", oidc_redirect(client)),
        ("scope", "openid profile email"),
        ("state", "xyz"),
    ];
    let page = html_page(browser.authorize(server, &query), 200);
    let code = query_of(&location(&browser.decide(server, &page, "allow")))["code"].clone();
    let secret = oidc_secret(client).unwrap();
    let tokens = token_answer(server.post_basic(
        "/oauth/token",
        client,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", oidc_redirect(client)),
        ],
    ));
    tokens["access_token"].as_str().unwrap().to_owned()
}

fn userinfo(server: &TestServer, access: &str) -> reqwest::blocking::Response {
    server
        .http
        .get(server.url("/oauth/userinfo"))
        .bearer_auth(access)
        .send()
        .unwrap()
}

#[test]
fn the_openidconnect_crate_verifies_a_signed_userinfo_answer() {
    let server = oidc_server(|_| {});
    let access = access_for(&server, "rp-signed");
    let http = http_client();
    let issuer = IssuerUrl::new(server.base.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover(&issuer, &http).unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("rp-signed".into()),
        Some(ClientSecret::new("rp-signed-secret".into())),
    );
    let claims: CoreUserInfoClaims = client
        .user_info(AccessToken::new(access), None)
        .unwrap()
        .require_signed_response(true)
        .request(&http)
        .unwrap_or_else(|e| panic!("the signed UserInfo does not verify: {e:?}"));
    let username = claims.preferred_username().map(|u| u.as_str().to_owned());
    assert_eq!(username.as_deref(), Some("alice"));
    assert!(claims.email().is_some());
}

#[test]
fn a_signed_answer_is_a_jwt_naming_issuer_and_audience() {
    let server = oidc_server(|_| {});
    let access = access_for(&server, "rp-signed");
    let response = userinfo(&server, &access);
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "content-type"), "application/jwt");
    assert_eq!(header(&response, "cache-control"), "no-store");
    let jwt = response.text().unwrap();
    let (head, claims) = jwt_parts(&jwt);
    assert_eq!(head["alg"], "RS256");
    let kids: Vec<Value> = jwks_at(&server.base)["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert!(kids.contains(&head["kid"]), "{head} not in {kids:?}");
    assert_eq!(claims["iss"], server.base);
    assert_eq!(claims["aud"], "rp-signed");
    assert_eq!(claims["preferred_username"], "alice");
    assert!(claims["sub"].is_string());
}

#[test]
fn other_clients_keep_plain_json() {
    let server = oidc_server(|_| {});
    let access = access_for(&server, "rp-rs256");
    let response = userinfo(&server, &access);
    assert!(
        header(&response, "content-type").starts_with("application/json"),
        "{}",
        header(&response, "content-type")
    );
    let claims = json(response, 200);
    assert_eq!(claims["preferred_username"], "alice");
    assert!(claims.get("aud").is_none(), "{claims}");
}

#[test]
fn discovery_and_registration_know_the_userinfo_algorithms() {
    let server = oidc_server(|c| c.registration = Registration::Open);
    let doc = get_json(&server.url("/.well-known/openid-configuration"));
    assert_eq!(
        doc["userinfo_signing_alg_values_supported"],
        body!(["RS256", "ES256", "EdDSA"])
    );
    let register = |metadata: Value| {
        server
            .http
            .post(server.url("/oauth/register"))
            .json(&metadata)
            .send()
            .unwrap()
    };
    let created = json(
        register(body!({
            "redirect_uris": ["https://app.example/cb"],
            "userinfo_signed_response_alg": "ES256",
        })),
        201,
    );
    assert_eq!(created["userinfo_signed_response_alg"], "ES256");
    for refused in ["none", "RS512", "HS999"] {
        let response = register(body!({
            "redirect_uris": ["https://app.example/cb"],
            "userinfo_signed_response_alg": refused,
        }));
        let error = oauth_error(response, 400, "invalid_client_metadata");
        assert!(
            error["error_description"]
                .as_str()
                .unwrap()
                .contains("userinfo_signed_response_alg"),
            "{error}"
        );
    }
    let plain = json(
        register(body!({"redirect_uris": ["https://app.example/cb"]})),
        201,
    );
    assert!(
        plain.get("userinfo_signed_response_alg").is_none(),
        "{plain}"
    );
}
