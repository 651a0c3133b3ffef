//! OpenID Connect flows as relying parties run them (Core §3.1, §3.2, §5.3,
//! §12): the `openidconnect` crate verifies ID tokens of every signing
//! algorithm; refreshed and implicit ID tokens; UserInfo claims per scope.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreProviderMetadata};
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;

use crate::harness::*;

/// Claims an ID token carries whatever the scope (Core §2, §3.1.3.6).
const PROTOCOL_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "azp",
    "at_hash",
    "c_hash",
    "acr",
    "amr",
    "sid",
    "jti",
];

/// The whole code flow through the `openidconnect` crate for a relying
/// party whose ID tokens use `alg`: discovery, PKCE, nonce, verification.
fn relying_party_flow(client_id: &str, alg: &str) {
    let server = oidc_server(|_| {});
    let http = http_client();
    let issuer = IssuerUrl::new(server.base.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover(&issuer, &http)
        .unwrap_or_else(|e| panic!("discovery failed: {e:?}"));
    let redirect = oidc_redirect(client_id);
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id.to_owned()),
        Some(ClientSecret::new(oidc_secret(client_id).unwrap())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).unwrap());
    let (challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = Browser::signed_in(&server, "alice");
    let page = html_page(browser.get(url.as_str()), 200);
    let response = browser.decide(&server, &page, "allow");
    assert_eq!(response.status().as_u16(), 303);
    let to = location(&response);
    assert!(to.starts_with(&format!("{redirect}?")), "{to}");
    let params = query_of(&to);
    assert_eq!(&params["state"], csrf.secret());

    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(pkce_verifier)
        .request(&http)
        .unwrap_or_else(|e| panic!("the code exchange failed: {e:?}"));
    let id_token = token.id_token().expect("an ID token");
    let verifier = client.id_token_verifier().set_allowed_algs([jws_alg(alg)]);
    let claims = id_token
        .claims(&verifier, &nonce)
        .unwrap_or_else(|e| panic!("the {alg} ID token does not verify: {e}"));

    let expected_hash = claims.access_token_hash().expect("at_hash");
    let actual_hash = AccessTokenHash::from_token(
        token.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(actual_hash, *expected_hash);

    let userinfo = userinfo_at(&server.base, token.access_token().secret());
    assert_eq!(claims.issuer().url(), issuer.url());
    assert!(claims.audiences().iter().any(|a| a.as_str() == client_id));
    assert_eq!(claims.subject().as_str(), userinfo["sub"].as_str().unwrap());
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("alice")
    );
    assert_eq!(
        claims.name().and_then(|n| n.get(None)).map(|n| n.as_str()),
        Some("Alice Liddell")
    );
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.org")
    );
    assert!(claims.auth_time().is_some());
    assert_eq!(
        claims.authorized_party().map(|p| p.as_str()),
        Some(client_id)
    );

    let raw = id_token.to_string();
    let (header, payload) = jwt_parts(&raw);
    assert_eq!(payload["iss"], server.base);
    assert_eq!(header["alg"], alg);
    let kid = header["kid"].as_str().expect("a kid");
    let jwks = jwks_at(&server.base);
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} not in {jwks}"));
    assert_eq!(key["alg"], alg, "{key}");

    // The verifier really checks: a changed signature fails.
    let (signed, signature) = raw.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let forged: CoreIdToken = format!("{signed}.{flipped}{}", &signature[1..])
        .parse()
        .unwrap();
    assert!(forged.claims(&verifier, &nonce).is_err());
}

#[test]
fn the_openidconnect_crate_verifies_an_rs256_id_token() {
    relying_party_flow("rp-rs256", "RS256");
}

#[test]
fn the_openidconnect_crate_verifies_an_es256_id_token() {
    relying_party_flow("rp-es256", "ES256");
}

#[test]
fn the_openidconnect_crate_verifies_an_eddsa_id_token() {
    relying_party_flow("rp-eddsa", "EdDSA");
}

#[test]
fn a_refresh_answers_a_new_id_token_for_the_same_sign_in_without_a_nonce() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let first = rp_tokens(
        &server.base,
        &browser,
        "rp-rs256",
        "openid profile offline_access",
    );
    let old = jwt_claims(&id_token_of(&first));
    assert_eq!(old["nonce"], NONCE);
    let refresh = first["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token: {first}"));
    server.clock.advance(30);
    let second = json(
        rp_token_request(
            &server.base,
            "rp-rs256",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        ),
        200,
    );
    let raw = id_token_of(&second);
    let new = jwt_claims(&raw);
    assert_eq!(new["sub"], old["sub"]);
    assert_eq!(new["auth_time"], old["auth_time"]);
    assert_eq!(new["iss"], server.base);
    assert!(new.get("nonce").is_none(), "{new}");
    assert!(new["iat"].as_u64().unwrap() > old["iat"].as_u64().unwrap());
    let token: CoreIdToken = raw.parse().unwrap();
    let verifier = verifier_at(&server.base, "rp-rs256", "RS256");
    let no_nonce = |n: Option<&Nonce>| match n {
        None => Ok(()),
        Some(n) => Err(format!("unexpected nonce {}", n.secret())),
    };
    if let Err(e) = token.claims(&verifier, no_nonce) {
        panic!("the refreshed ID token does not verify: {e}");
    }
}

#[test]
fn an_id_token_for_openid_alone_carries_only_protocol_claims() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let body = rp_tokens(&server.base, &browser, "rp-rs256", "openid");
    let claims = jwt_claims(&id_token_of(&body));
    let names: Vec<&String> = claims.as_object().unwrap().keys().collect();
    for name in &names {
        assert!(
            PROTOCOL_CLAIMS.contains(&name.as_str()),
            "{name} in an openid-only ID token: {claims}"
        );
    }
    for name in ["iss", "sub", "aud", "exp", "iat", "auth_time"] {
        assert!(claims.get(name).is_some(), "no {name}: {claims}");
    }
    assert_eq!(claims["nonce"], NONCE);
}

/// An implicit request of rp-implicit for `response_type` with state `xyz`, plus `extra`.
fn implicit_query<'a>(
    response_type: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut query = vec![
        ("response_type", response_type),
        ("client_id", "rp-implicit"),
        ("redirect_uri", oidc_redirect("rp-implicit")),
        ("scope", "openid profile"),
        ("state", "xyz"),
    ];
    query.extend_from_slice(extra);
    query
}

/// The fragment parameters of a redirect to rp-implicit, which must carry no query.
fn fragment_params(
    response: &reqwest::blocking::Response,
) -> std::collections::HashMap<String, String> {
    let status = response.status().as_u16();
    assert!(matches!(status, 302 | 303), "status {status}");
    let to = location(response);
    assert!(
        to.starts_with(&format!("{}#", oidc_redirect("rp-implicit"))),
        "{to}"
    );
    let params = fragment_of(&to);
    assert_eq!(params.get("state").map(String::as_str), Some("xyz"), "{to}");
    params
}

/// Runs an implicit request through consent; answers the fragment parameters.
fn implicit_allowed(
    server: &TestServer,
    response_type: &str,
) -> std::collections::HashMap<String, String> {
    let browser = Browser::signed_in(server, "alice");
    let query = implicit_query(response_type, &[("nonce", NONCE)]);
    let page = html_page(browser.authorize(server, &query), 200);
    fragment_params(&browser.decide(server, &page, "allow"))
}

/// Verifies an rp-implicit ID token with the nonce; answers its raw claims.
fn verified_implicit(server: &TestServer, id_token: &str) -> Value {
    let token: CoreIdToken = id_token.parse().unwrap();
    let verifier = verifier_at(&server.base, "rp-implicit", "RS256");
    let nonce = Nonce::new(NONCE.to_owned());
    if let Err(e) = token.claims(&verifier, &nonce) {
        panic!("the implicit ID token does not verify: {e}");
    }
    jwt_claims(id_token)
}

#[test]
fn an_implicit_id_token_request_without_a_nonce_is_refused_in_the_fragment() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    for response_type in ["id_token", "id_token token"] {
        let response = browser.authorize(&server, &implicit_query(response_type, &[]));
        let params = fragment_params(&response);
        assert_eq!(params["error"], "invalid_request", "{response_type}");
        assert!(!params.contains_key("id_token"));
        assert!(!params.contains_key("access_token"));
    }
}

#[test]
fn an_implicit_id_token_alone_carries_the_nonce_and_the_profile_claims() {
    let server = oidc_server(|_| {});
    let params = implicit_allowed(&server, "id_token");
    assert!(!params.contains_key("access_token"), "{params:?}");
    assert!(!params.contains_key("code"), "{params:?}");
    let claims = verified_implicit(&server, &params["id_token"]);
    assert_eq!(claims["nonce"], NONCE);
    assert_eq!(claims["aud"], "rp-implicit");
    assert_eq!(claims["preferred_username"], "alice");
    assert_eq!(claims["name"], "Alice Liddell");
    assert!(claims.get("at_hash").is_none(), "{claims}");
}

#[test]
fn an_implicit_id_token_with_an_access_token_carries_its_hash() {
    let server = oidc_server(|_| {});
    let params = implicit_allowed(&server, "id_token token");
    let access = params
        .get("access_token")
        .unwrap_or_else(|| panic!("no access_token: {params:?}"));
    assert_eq!(params["token_type"], "Bearer");
    let raw = &params["id_token"];
    let claims = verified_implicit(&server, raw);
    assert_eq!(claims["nonce"], NONCE);
    let token: CoreIdToken = raw.parse().unwrap();
    let verifier = verifier_at(&server.base, "rp-implicit", "RS256");
    let expected = AccessTokenHash::from_token(
        &AccessToken::new(access.clone()),
        token.signing_alg().unwrap(),
        token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims["at_hash"], expected.as_str(), "{claims}");
    let userinfo = userinfo_at(&server.base, access);
    assert_eq!(userinfo["sub"], claims["sub"]);
}

#[test]
fn userinfo_answers_the_claims_each_scope_allows_about_the_id_token_subject() {
    let server = oidc_server(|_| {});
    let browser = Browser::signed_in(&server, "alice");
    let profile = ["name", "preferred_username", "updated_at"];
    let email = ["email", "email_verified"];
    for scope in ["openid", "openid profile", "openid profile email"] {
        let body = rp_tokens(&server.base, &browser, "rp-rs256", scope);
        let id_claims = jwt_claims(&id_token_of(&body));
        let info = userinfo_at(&server.base, body["access_token"].as_str().unwrap());
        assert_eq!(info["sub"], id_claims["sub"], "{scope}");
        assert!(!info["sub"].as_str().unwrap().is_empty());
        let names: Vec<&String> = info.as_object().unwrap().keys().collect();
        if scope == "openid" {
            assert_eq!(names, ["sub"], "{info}");
            continue;
        }
        assert_eq!(info["name"], "Alice Liddell", "{scope}: {info}");
        assert_eq!(info["preferred_username"], "alice", "{scope}: {info}");
        assert!(info["updated_at"].is_u64(), "{scope}: {info}");
        if scope.ends_with("email") {
            assert_eq!(info["email"], "alice@example.org", "{info}");
            assert!(info["email_verified"].is_boolean(), "{info}");
        } else {
            for name in email {
                assert!(info.get(name).is_none(), "{name} with {scope}: {info}");
            }
        }
        for name in profile {
            assert!(info.get(name).is_some(), "no {name} with {scope}: {info}");
        }
    }
}
