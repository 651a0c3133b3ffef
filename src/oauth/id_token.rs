//! ID tokens (OpenID Connect Core §2, §3.1.3.6): signed with the client's
//! `id_token_signed_response_alg` (RS256 by default), carrying the protocol
//! claims and the profile and email claims the scope allows, so that apps
//! that read only the ID token (Matrix Synapse) get them too.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::digest::{digest, SHA256, SHA512};
use serde_json::json;

use super::scope::ScopeSet;
use super::Provider;
use crate::crypto::jwt::Alg;
use crate::error::{Error, Result};
use crate::store::{ClientRecord, UserRecord};

/// What an ID token is about.
#[derive(Debug)]
pub struct Subject<'a> {
    /// The client it is for (`aud`, `azp`).
    pub client: &'a ClientRecord,
    /// The user.
    pub user: &'a UserRecord,
    /// The granted scope.
    pub scope: &'a ScopeSet,
    /// When the user authenticated.
    pub auth_time: u64,
    /// How the user authenticated (RFC 8176); empty when unknown.
    pub amr: &'a [String],
    /// The request's nonce.
    pub nonce: Option<&'a str>,
    /// The access token issued with it, for `at_hash`.
    pub access_token: Option<&'a str>,
    /// The code issued with it (a hybrid answer), for `c_hash`.
    pub code: Option<&'a str>,
}

/// The algorithm a client's ID tokens use.
pub fn alg_for(client: &ClientRecord) -> Alg {
    client
        .id_token_signed_response_alg
        .as_deref()
        .and_then(Alg::from_name)
        .unwrap_or(Alg::Rs256)
}

/// `at_hash` and `c_hash` (OpenID Connect Core §3.2.2.10, §3.3.2.11): the
/// left half of the hash of the access token or the code, with the
/// signature algorithm's hash (SHA-512 for Ed25519).
fn half_hash(alg: Alg, value: &str) -> String {
    let hashed = match alg {
        Alg::Rs256 | Alg::Es256 => digest(&SHA256, value.as_bytes()),
        Alg::EdDsa => digest(&SHA512, value.as_bytes()),
    };
    let bytes = hashed.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

impl Provider {
    /// Makes a signed ID token.
    pub async fn id_token(&self, subject: Subject<'_>) -> Result<String> {
        let alg = alg_for(subject.client);
        let ring = self.key_ring();
        let key = ring
            .signer(alg)
            .ok_or_else(|| Error::internal(format!("no current {} key", alg.name())))?;
        let now = self.clock.now();
        let mut claims = self.user_claims(subject.user, subject.scope).await?;
        claims.insert("iss".into(), json!(self.settings.issuer));
        claims.insert("aud".into(), json!(subject.client.client_id));
        claims.insert("azp".into(), json!(subject.client.client_id));
        claims.insert("iat".into(), json!(now));
        claims.insert("exp".into(), json!(now + self.settings.id_token_ttl));
        claims.insert("auth_time".into(), json!(subject.auth_time));
        if !subject.amr.is_empty() {
            claims.insert("amr".into(), json!(subject.amr));
            claims.insert("acr".into(), json!(super::acr::of(subject.amr)));
        }
        if let Some(nonce) = subject.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        if let Some(token) = subject.access_token {
            claims.insert("at_hash".into(), json!(half_hash(alg, token)));
        }
        if let Some(code) = subject.code {
            claims.insert("c_hash".into(), json!(half_hash(alg, code)));
        }
        key.sign_jwt(&claims).map_err(Error::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_openid_example() {
        // OpenID Connect Core, Appendix A.3/A.4: access token and at_hash for RS256.
        assert_eq!(
            half_hash(Alg::Rs256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn c_hash_matches_the_openid_example() {
        // OpenID Connect Core, Appendix A.4: code and c_hash for RS256.
        assert_eq!(
            half_hash(
                Alg::Rs256,
                "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
            ),
            "LDktKdoQak3Pk0cnXxCltA"
        );
    }
}
