//! Checking an upstream ID token (OpenID Connect Core §3.1.3.7): its
//! signature against the issuer's JWKS with ring, by RS256, ES256 or EdDSA
//! (what Gatehouse itself signs with; `none` and the HMAC algorithms are
//! refused, since a client secret is no key here), then `iss`, `aud`, `azp`,
//! `exp`, `iat` and `nonce`. Pure: the caller passes the keys and the time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::{Map, Value};

use crate::crypto::constant_time_eq;

/// Seconds of clock difference tolerated between the provider and us.
pub const LEEWAY: u64 = 120;
/// The oldest `iat` accepted: an ID token is used at once, not kept.
pub const MAX_AGE: u64 = 24 * 3600;

/// What the ID token must say.
#[derive(Debug)]
pub struct Expected<'a> {
    /// The issuer, exactly.
    pub issuer: &'a str,
    /// Our client id, which must be an audience.
    pub client_id: &'a str,
    /// The nonce sent with the request.
    pub nonce: &'a str,
    /// Now (Unix seconds).
    pub now: u64,
}

fn b64(part: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| "a part is not base64url".to_owned())
}

fn object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(format!("its {what} is not a JSON object")),
    }
}

/// The key in `jwks` for this header: by `kid` when the header names one,
/// else the only key of the algorithm's type.
fn find_key<'k>(jwks: &'k Value, alg: &str, kid: Option<&str>) -> Result<&'k Value, String> {
    let kty = match alg {
        "RS256" => "RSA",
        "ES256" => "EC",
        _ => "OKP",
    };
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the provider's JWKS has no keys")?;
    let fits = |k: &&Value| {
        k.get("kty").and_then(Value::as_str) == Some(kty)
            && k.get("alg")
                .and_then(Value::as_str)
                .is_none_or(|a| a == alg)
            && k.get("use")
                .and_then(Value::as_str)
                .is_none_or(|u| u == "sig")
    };
    let mut candidates = keys.iter().filter(fits).filter(|k| match kid {
        Some(kid) => k.get("kid").and_then(Value::as_str) == Some(kid),
        None => true,
    });
    match (candidates.next(), candidates.next(), kid) {
        (Some(key), None, _) | (Some(key), Some(_), Some(_)) => Ok(key),
        (Some(_), Some(_), None) => Err("it names no key and the JWKS has several".into()),
        (None, _, _) => Err("no key of the provider's JWKS fits it".into()),
    }
}

fn member(key: &Value, name: &str) -> Result<Vec<u8>, String> {
    key.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the key lacks `{name}`"))
        .and_then(b64)
}

/// Verifies `signature` over `message` with a JWK for `alg`.
fn verify_signature(key: &Value, alg: &str, message: &[u8], sig: &[u8]) -> Result<(), String> {
    let ok = match alg {
        "RS256" => RsaPublicKeyComponents {
            n: member(key, "n")?,
            e: member(key, "e")?,
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
        .is_ok(),
        "ES256" => {
            if key.get("crv").and_then(Value::as_str) != Some("P-256") {
                return Err("an ES256 key must be on P-256".into());
            }
            let mut point = vec![4u8];
            point.extend(member(key, "x")?);
            point.extend(member(key, "y")?);
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, sig)
                .is_ok()
        }
        _ => {
            if key.get("crv").and_then(Value::as_str) != Some("Ed25519") {
                return Err("an EdDSA key must be Ed25519".into());
            }
            UnparsedPublicKey::new(&signature::ED25519, member(key, "x")?)
                .verify(message, sig)
                .is_ok()
        }
    };
    if ok {
        Ok(())
    } else {
        Err("its signature does not verify".into())
    }
}

/// The `kid` an ID token's header names, if any (to refresh the JWKS when
/// no cached key has it).
pub fn kid(jwt: &str) -> Option<String> {
    let header = object(&b64(jwt.split('.').next()?).ok()?, "header").ok()?;
    header.get("kid")?.as_str().map(str::to_owned)
}

/// Checks an ID token; answers its claims.
pub fn verify(
    jwt: &str,
    jwks: &Value,
    expected: &Expected<'_>,
) -> Result<Map<String, Value>, String> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("it is not a compact JWS".into());
    };
    let head = object(&b64(header)?, "header")?;
    let alg = head.get("alg").and_then(Value::as_str).unwrap_or("");
    if !matches!(alg, "RS256" | "ES256" | "EdDSA") {
        return Err(format!(
            "its algorithm `{alg}` is not accepted (RS256, ES256 or EdDSA)"
        ));
    }
    if head.contains_key("crit") {
        return Err("it has critical header parameters".into());
    }
    let key = find_key(jwks, alg, head.get("kid").and_then(Value::as_str))?;
    let message_len = header.len() + 1 + payload.len();
    verify_signature(key, alg, &jwt.as_bytes()[..message_len], &b64(sig)?)?;
    let claims = object(&b64(payload)?, "payload")?;
    check_claims(&claims, expected)?;
    Ok(claims)
}

/// The claim checks of §3.1.3.7, after the signature.
fn check_claims(claims: &Map<String, Value>, expected: &Expected<'_>) -> Result<(), String> {
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_u64);
    if text("iss") != Some(expected.issuer) {
        return Err("its issuer is not the provider's".into());
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.client_id) {
        return Err("it is not meant for this server (aud)".into());
    }
    match text("azp") {
        Some(azp) if azp != expected.client_id => {
            return Err("it was issued to another party (azp)".into())
        }
        None if audiences.len() > 1 => return Err("it has several audiences and no azp".into()),
        _ => {}
    }
    let now = expected.now;
    match number("exp") {
        Some(exp) if exp.saturating_add(LEEWAY) > now => {}
        Some(_) => return Err("it has expired".into()),
        None => return Err("it has no exp".into()),
    }
    match number("iat") {
        Some(iat) if iat <= now.saturating_add(LEEWAY) && iat.saturating_add(MAX_AGE) >= now => {}
        _ => return Err("its iat is missing, in the future or too old".into()),
    }
    let nonce_ok = text("nonce").is_some_and(|n| {
        !expected.nonce.is_empty() && constant_time_eq(n.as_bytes(), expected.nonce.as_bytes())
    });
    if !nonce_ok {
        return Err("its nonce is not the one this sign-in sent".into());
    }
    if text("sub").is_none_or(str::is_empty) {
        return Err("it has no sub".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::jwt::{generate, Alg, SigningKey};
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://up.example",
            client_id: "down",
            nonce: "n-1",
            now: NOW,
        }
    }

    fn claims() -> Map<String, Value> {
        match json!({"iss": "https://up.example", "aud": "down", "sub": "42",
                     "exp": NOW + 300, "iat": NOW - 5, "nonce": "n-1"})
        {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn key(alg: Alg) -> SigningKey {
        SigningKey::from_pkcs8("k1", alg, &generate(alg).unwrap()).unwrap()
    }

    fn jwks(key: &SigningKey) -> Value {
        json!({"keys": [key.jwk()]})
    }

    #[test]
    fn each_algorithm_gatehouse_signs_with_verifies() {
        for alg in [Alg::Es256, Alg::EdDsa, Alg::Rs256] {
            let key = key(alg);
            let jwt = key.sign_jwt(&claims()).unwrap();
            let got = verify(&jwt, &jwks(&key), &expected()).unwrap();
            assert_eq!(got["sub"], "42", "{alg:?}");
            let tampered = format!("{}x", &jwt[..jwt.len() - 2]);
            assert!(
                verify(&tampered, &jwks(&key), &expected()).is_err(),
                "{alg:?}"
            );
        }
    }

    #[test]
    fn a_key_of_another_issuer_does_not_verify() {
        let signer = key(Alg::Es256);
        let other = key(Alg::Es256);
        let jwt = signer.sign_jwt(&claims()).unwrap();
        let e = verify(&jwt, &jwks(&other), &expected()).unwrap_err();
        assert!(e.contains("signature"), "{e}");
    }

    #[test]
    fn wrong_claims_are_refused_each_for_its_reason() {
        let key = key(Alg::EdDsa);
        let cases: Vec<(&str, Value, &str)> = vec![
            ("nonce", json!("n-2"), "nonce"),
            ("iss", json!("https://evil.example"), "issuer"),
            ("aud", json!("someone-else"), "aud"),
            ("aud", json!(["down", "other"]), "azp"),
            ("azp", json!("other"), "azp"),
            ("exp", json!(NOW - LEEWAY - 1), "expired"),
            ("iat", json!(NOW + LEEWAY + 10), "iat"),
            ("iat", json!(NOW - MAX_AGE - 10), "iat"),
            ("sub", json!(""), "sub"),
        ];
        for (claim, value, needle) in cases {
            let mut c = claims();
            c.insert(claim.into(), value);
            let jwt = key.sign_jwt(&c).unwrap();
            let e = verify(&jwt, &jwks(&key), &expected()).unwrap_err();
            assert!(e.contains(needle), "{claim}: {e}");
        }
        let mut no_nonce = claims();
        no_nonce.remove("nonce");
        let jwt = key.sign_jwt(&no_nonce).unwrap();
        assert!(verify(&jwt, &jwks(&key), &expected()).is_err());
        let mut two = claims();
        two.insert("aud".into(), json!(["down", "other"]));
        two.insert("azp".into(), json!("down"));
        let jwt = key.sign_jwt(&two).unwrap();
        assert!(verify(&jwt, &jwks(&key), &expected()).is_ok());
    }

    #[test]
    fn alg_none_and_hmac_are_refused() {
        let key = key(Alg::Es256);
        let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims()).to_string());
        for alg in ["none", "HS256", "RS384"] {
            let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "kid": "k1"}).to_string());
            let jwt = format!("{header}.{payload}.c2ln");
            let e = verify(&jwt, &jwks(&key), &expected()).unwrap_err();
            assert!(e.contains("algorithm"), "{alg}: {e}");
        }
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none"}).to_string());
        assert!(verify(&format!("{header}.{payload}."), &jwks(&key), &expected()).is_err());
        assert!(verify("not a jwt", &jwks(&key), &expected()).is_err());
    }
}
