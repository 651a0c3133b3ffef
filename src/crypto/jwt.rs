//! Signing keys and JSON Web Signatures (RFC 7515, 7517, 7518, 8037): RS256,
//! ES256 and EdDSA (Ed25519), all signed and verified with ring. Only RSA key
//! generation needs another crate, because ring cannot make RSA keys.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents,
};
use serde_json::{json, Map, Value};

/// The algorithms Gatehouse signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (required by OpenID Connect).
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl Alg {
    /// Every algorithm, in the order keys are made.
    pub const ALL: [Alg; 3] = [Alg::Rs256, Alg::Es256, Alg::EdDsa];

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }

    /// Parses a JOSE name.
    pub fn from_name(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Why a key could not be made or used.
#[derive(Debug)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

fn err(what: &str) -> KeyError {
    KeyError(what.to_owned())
}

/// Makes a new private key for `alg`, as PKCS#8 DER.
pub fn generate(alg: Alg) -> Result<Vec<u8>, KeyError> {
    let rng = SystemRandom::new();
    match alg {
        Alg::Rs256 => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
                .map_err(|e| KeyError(format!("RSA key generation failed: {e}")))?;
            let der = key
                .to_pkcs8_der()
                .map_err(|e| KeyError(format!("RSA key encoding failed: {e}")))?;
            Ok(der.as_bytes().to_vec())
        }
        Alg::Es256 => {
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map(|d| d.as_ref().to_vec())
                .map_err(|_| err("P-256 key generation failed"))
        }
        Alg::EdDsa => Ed25519KeyPair::generate_pkcs8(&rng)
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| err("Ed25519 key generation failed")),
    }
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private key that signs, with its id.
pub struct SigningKey {
    /// The key id (`kid`).
    pub kid: String,
    /// Its algorithm.
    pub alg: Alg,
    pair: Pair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    /// Loads a PKCS#8 private key.
    pub fn from_pkcs8(kid: &str, alg: Alg, pkcs8: &[u8]) -> Result<Self, KeyError> {
        let pair = match alg {
            Alg::Rs256 => Pair::Rsa(
                RsaKeyPair::from_pkcs8(pkcs8)
                    .map_err(|e| KeyError(format!("bad RSA key {kid}: {e}")))?,
            ),
            Alg::Es256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    pkcs8,
                    &SystemRandom::new(),
                )
                .map_err(|e| KeyError(format!("bad P-256 key {kid}: {e}")))?,
            ),
            Alg::EdDsa => Pair::Ed(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
                    .map_err(|e| KeyError(format!("bad Ed25519 key {kid}: {e}")))?,
            ),
        };
        Ok(SigningKey {
            kid: kid.to_owned(),
            alg,
            pair,
        })
    }

    /// The public key as a JWK (RFC 7517) with `kid`, `alg` and `use`.
    pub fn jwk(&self) -> Value {
        let mut jwk = match &self.pair {
            Pair::Rsa(pair) => {
                let components = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({"kty": "RSA", "n": b64(&components.n), "e": b64(&components.e)})
            }
            Pair::Ec(pair) => {
                // An uncompressed point: 0x04 || x || y.
                let point = pair.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65])})
            }
            Pair::Ed(pair) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())})
            }
        };
        if let Value::Object(map) = &mut jwk {
            map.insert("kid".into(), json!(self.kid));
            map.insert("alg".into(), json!(self.alg.name()));
            map.insert("use".into(), json!("sig"));
        }
        jwk
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(pair) => {
                let mut sig = vec![0u8; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| err("RSA signing failed"))?;
                Ok(sig)
            }
            Pair::Ec(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| err("ECDSA signing failed")),
            Pair::Ed(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// Signs `claims` as a compact JWS: `header.payload.signature`.
    pub fn sign_jwt(&self, claims: &Map<String, Value>) -> Result<String, KeyError> {
        let header = json!({"alg": self.alg.name(), "kid": self.kid, "typ": "JWT"});
        let mut jwt = b64(header.to_string().as_bytes());
        jwt.push('.');
        jwt.push_str(&b64(Value::Object(claims.clone()).to_string().as_bytes()));
        let signature = self.sign(jwt.as_bytes())?;
        jwt.push('.');
        jwt.push_str(&b64(&signature));
        Ok(jwt)
    }

    /// Verifies a compact JWS made with this key; answers its claims.
    pub fn verify_jwt(&self, jwt: &str) -> Option<Map<String, Value>> {
        let (signed, signature) = jwt.rsplit_once('.')?;
        let (header, payload) = signed.split_once('.')?;
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.get("alg")?.as_str()? != self.alg.name()
            || header.get("kid")?.as_str()? != self.kid
        {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let message = signed.as_bytes();
        let ok = match &self.pair {
            Pair::Rsa(pair) => RsaPublicKeyComponents::<Vec<u8>>::from(pair.public())
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, &signature)
                .is_ok(),
            Pair::Ec(pair) => signature::UnparsedPublicKey::new(
                &signature::ECDSA_P256_SHA256_FIXED,
                pair.public_key().as_ref(),
            )
            .verify(message, &signature)
            .is_ok(),
            Pair::Ed(pair) => {
                signature::UnparsedPublicKey::new(&signature::ED25519, pair.public_key().as_ref())
                    .verify(message, &signature)
                    .is_ok()
            }
        };
        if !ok {
            return None;
        }
        match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()? {
            Value::Object(claims) => Some(claims),
            _ => None,
        }
    }
}

/// The `kid` named in a compact JWS's header, without verifying anything.
pub fn kid_of(jwt: &str) -> Option<String> {
    let header = jwt.split('.').next()?;
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    header.get("kid")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_algorithm_signs_and_verifies_and_refuses_tampering() {
        for alg in [Alg::Es256, Alg::EdDsa, Alg::Rs256] {
            let key = SigningKey::from_pkcs8("k1", alg, &generate(alg).unwrap()).unwrap();
            let mut claims = Map::new();
            claims.insert("sub".into(), json!("1"));
            let jwt = key.sign_jwt(&claims).unwrap();
            assert_eq!(key.verify_jwt(&jwt).unwrap()["sub"], "1");
            assert_eq!(kid_of(&jwt).as_deref(), Some("k1"));
            let tampered = jwt.replacen('.', ".e30", 1);
            assert!(key.verify_jwt(&tampered).is_none(), "{alg:?}");
            let jwk = key.jwk();
            assert_eq!(jwk["alg"], alg.name());
            assert!(jwk.get("d").is_none());
        }
    }
}
