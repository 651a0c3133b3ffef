//! Signing keys as relying parties see them: the JWK Set, OpenID Connect
//! Discovery, and `gatehouse keys rotate` keeping old ID tokens verifiable.

use openidconnect::core::CoreIdToken;
use openidconnect::Nonce;
use serde_json::Value;

use crate::harness::*;

/// Members of a JWK that carry private key material (RFC 7517, RFC 7518 §6).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The one published key of type `kty` and algorithm `alg`.
fn key_of<'a>(jwks: &'a Value, kty: &str, alg: &str) -> &'a Value {
    let keys = jwks["keys"].as_array().unwrap();
    let found: Vec<&Value> = keys
        .iter()
        .filter(|k| k["kty"] == kty && k["alg"] == alg)
        .collect();
    assert!(!found.is_empty(), "no {kty} key for {alg} in {jwks}");
    found[0]
}

/// Asserts that `key[member]` is a non-empty string.
fn has_text(key: &Value, member: &str) {
    let value = key[member]
        .as_str()
        .unwrap_or_else(|| panic!("no {member} in {key}"));
    assert!(!value.is_empty(), "empty {member} in {key}");
}

#[test]
fn the_jwks_publishes_a_public_key_for_each_algorithm() {
    let server = oidc_server(|_| {});
    let jwks = jwks_at(&server.base);
    let rsa = key_of(&jwks, "RSA", "RS256");
    for member in ["kid", "n", "e"] {
        has_text(rsa, member);
    }
    let ec = key_of(&jwks, "EC", "ES256");
    assert_eq!(ec["crv"], "P-256", "{ec}");
    for member in ["kid", "x", "y"] {
        has_text(ec, member);
    }
    let okp = key_of(&jwks, "OKP", "EdDSA");
    assert_eq!(okp["crv"], "Ed25519", "{okp}");
    for member in ["kid", "x"] {
        has_text(okp, member);
    }
    for key in [rsa, ec, okp] {
        assert_eq!(key["use"], "sig", "{key}");
    }
    let mut all = kids(&jwks);
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), count, "kids repeat: {jwks}");
}

#[test]
fn the_jwks_never_carries_private_key_material() {
    let server = oidc_server(|_| {});
    let jwks = jwks_at(&server.base);
    for key in jwks["keys"].as_array().unwrap() {
        for member in PRIVATE_MEMBERS {
            assert!(key.get(member).is_none(), "{member} published in {key}");
        }
    }
}

#[test]
fn openid_discovery_names_the_oidc_endpoints() {
    let server = oidc_server(|_| {});
    let doc = get_json(&server.url("/.well-known/openid-configuration"));
    let issuer = server.base.as_str();
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["jwks_uri"], format!("{issuer}/oauth/jwks"));
    assert_eq!(
        doc["registration_endpoint"],
        format!("{issuer}/oauth/register")
    );
    assert_eq!(doc["end_session_endpoint"], format!("{issuer}/logout"));
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{issuer}/oauth/device_authorization")
    );
    for field in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        let url = doc[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field} in {doc}"));
        assert!(url.starts_with(&format!("{issuer}/")), "{field}: {url}");
    }
    assert_eq!(get_json(doc["jwks_uri"].as_str().unwrap()), jwks_at(issuer));
}

/// Asserts that the array `doc[field]` holds every one of `wanted`.
fn lists_all(doc: &Value, field: &str, wanted: &[&str]) {
    let listed = doc[field]
        .as_array()
        .unwrap_or_else(|| panic!("no {field} array in {doc}"));
    for value in wanted {
        assert!(
            listed.contains(&Value::from(*value)),
            "{value} missing from {field}: {listed:?}"
        );
    }
}

#[test]
fn openid_discovery_lists_what_the_provider_supports() {
    let server = oidc_server(|_| {});
    let doc = get_json(&server.url("/.well-known/openid-configuration"));
    lists_all(
        &doc,
        "response_types_supported",
        &["code", "token", "id_token", "id_token token"],
    );
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    lists_all(
        &doc,
        "id_token_signing_alg_values_supported",
        &["RS256", "ES256", "EdDSA"],
    );
    lists_all(
        &doc,
        "scopes_supported",
        &["openid", "profile", "email", "offline_access"],
    );
    lists_all(
        &doc,
        "claims_supported",
        &[
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "name",
            "preferred_username",
            "updated_at",
            "email",
            "email_verified",
        ],
    );
    lists_all(
        &doc,
        "token_endpoint_auth_methods_supported",
        &["client_secret_basic"],
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    lists_all(
        &doc,
        "grant_types_supported",
        &[
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
    );
}

/// The issuer the binary is configured with, so that it stays the same
/// across restarts on different ports.
const ISSUER: &str = "http://gatehouse.test";

/// Verifies an RS256 ID token of rp-rs256 against the keys `base` publishes now.
fn verifies_at(base: &str, id_token: &str) {
    let token: CoreIdToken = id_token.parse().unwrap();
    let verifier = verifier_for_issuer(base, ISSUER, "rp-rs256", "RS256");
    let nonce = Nonce::new(NONCE.to_owned());
    if let Err(e) = token.claims(&verifier, &nonce) {
        panic!(
            "the ID token does not verify at {base}: {e}; JWKS {}",
            jwks_at(base)
        );
    }
}

/// The `kid` in an ID token's header.
fn kid_of(id_token: &str) -> String {
    let (header, _) = jwt_parts(id_token);
    header["kid"]
        .as_str()
        .unwrap_or_else(|| panic!("no kid in {header}"))
        .to_owned()
}

#[test]
fn a_key_rotation_keeps_old_id_tokens_verifiable_and_signs_with_a_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &oidc_seed());
    let data = dir.path().join("db");
    let env = [("GATEHOUSE_ISSUER", ISSUER)];
    let server = BinServer::spawn(&data, &["--seed", seed.to_str().unwrap()], &env);
    let browser = Browser::signed_in_at(&server.base, "alice");
    let old = id_token_of(&rp_tokens(
        &server.base,
        &browser,
        "rp-rs256",
        "openid profile",
    ));
    let old_kid = kid_of(&old);
    let before = kids(&jwks_at(&server.base));
    assert!(before.contains(&old_kid), "{old_kid} not in {before:?}");
    verifies_at(&server.base, &old);
    let (status, _) = server.signal("TERM");
    assert!(status.success(), "{status}");

    let (ok, out, err) = run_cli(&["keys", "rotate", "--data", data.to_str().unwrap()], None);
    assert!(ok, "keys rotate failed: {out} {err}");

    let server = BinServer::spawn(&data, &[], &env);
    let after = kids(&jwks_at(&server.base));
    assert!(after.len() > before.len(), "{before:?} then {after:?}");
    assert!(after.contains(&old_kid), "{old_kid} gone: {after:?}");
    verifies_at(&server.base, &old);

    let browser = Browser::signed_in_at(&server.base, "alice");
    let new = id_token_of(&rp_tokens(
        &server.base,
        &browser,
        "rp-rs256",
        "openid profile",
    ));
    let new_kid = kid_of(&new);
    assert_ne!(new_kid, old_kid);
    assert!(after.contains(&new_kid), "{new_kid} not in {after:?}");
    verifies_at(&server.base, &new);
}
