//! Client metadata (RFC 7591 §2, with OpenID Connect Dynamic Registration's
//! additions) and its validation, shared by the seed file, the offline admin
//! and, later, dynamic registration.

use serde::Deserialize;

use super::scope::ScopeSet;
use crate::crypto::sha256;
use crate::store::ClientRecord;

/// Grant types the server knows by name.
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "implicit",
    "refresh_token",
    "password",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
];

/// Token endpoint authentication methods the server knows.
pub const AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post", "none"];

/// Response types a client may register.
pub const RESPONSE_TYPES: &[&str] = &[
    "code",
    "token",
    "id_token",
    "id_token token",
    "code id_token",
];

/// The out-of-band redirect URI (Mastodon, RFC 8252's predecessor).
pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

/// A client as a seed file or an administrator describes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientMetadata {
    /// The identifier.
    pub client_id: String,
    /// The secret in clear; absent for a public client.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The name shown to people.
    #[serde(default)]
    pub client_name: Option<String>,
    /// Redirect URIs.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Grant types (default `authorization_code`).
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// Response types (default `code`).
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
    /// Authentication method (default `client_secret_basic`).
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// The scopes the client may request.
    #[serde(default)]
    pub scope: Option<String>,
    /// The ID token signing algorithm.
    #[serde(default)]
    pub id_token_signed_response_alg: Option<String>,
    /// Where logout may return to.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// The provider dialect the client belongs to (`"skritter"`), whose scope
    /// rules and answers it gets.
    #[serde(default)]
    pub dialect: Option<String>,
    /// Allows the dialect's document behaviour that RFC 9700 forbids.
    #[serde(default)]
    pub dialect_legacy: bool,
    /// The client's access token lifetime in seconds; 0: until revoked.
    #[serde(default)]
    pub access_token_ttl: Option<u64>,
    /// Only members of these groups may authorize the client (Gatehouse's own).
    #[serde(default)]
    pub allowed_groups: Vec<String>,
}

/// A validation failure: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataError {
    /// The metadata field at fault.
    pub field: &'static str,
    /// What is wrong, in words.
    pub problem: String,
}

impl std::fmt::Display for MetadataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

fn bad(field: &'static str, problem: impl Into<String>) -> MetadataError {
    MetadataError {
        field,
        problem: problem.into(),
    }
}

/// Checks one redirect URI: absolute, no fragment, or the out-of-band URN.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri == OOB_REDIRECT {
        return Ok(());
    }
    let parsed =
        url::Url::parse(uri).map_err(|e| format!("`{uri}` is not an absolute URI ({e})"))?;
    if parsed.fragment().is_some() {
        return Err(format!("`{uri}` has a fragment"));
    }
    Ok(())
}

impl ClientMetadata {
    /// Validates the metadata and builds the record to store at time `now`.
    pub fn into_record(self, now: u64) -> Result<ClientRecord, MetadataError> {
        if self.client_id.is_empty() || self.client_id.chars().any(char::is_control) {
            return Err(bad(
                "client_id",
                "must be non-empty, without control characters",
            ));
        }
        let grant_types = self
            .grant_types
            .unwrap_or_else(|| vec!["authorization_code".into()]);
        if let Some(g) = grant_types
            .iter()
            .find(|g| !GRANT_TYPES.contains(&g.as_str()))
        {
            return Err(bad("grant_types", format!("unknown grant type `{g}`")));
        }
        let response_types = self.response_types.unwrap_or_else(|| {
            if grant_types.iter().any(|g| g == "authorization_code") {
                vec!["code".into()]
            } else {
                Vec::new()
            }
        });
        if let Some(r) = response_types
            .iter()
            .find(|r| !RESPONSE_TYPES.contains(&r.as_str()))
        {
            return Err(bad(
                "response_types",
                format!("unknown response type `{r}`"),
            ));
        }
        let method = self
            .token_endpoint_auth_method
            .unwrap_or_else(|| "client_secret_basic".into());
        if !AUTH_METHODS.contains(&method.as_str()) {
            return Err(bad(
                "token_endpoint_auth_method",
                format!(
                    "unknown method `{method}`; use one of {}",
                    AUTH_METHODS.join(", ")
                ),
            ));
        }
        let secret_digest = match (&self.client_secret, method.as_str()) {
            (Some(_), "none") => {
                return Err(bad(
                    "client_secret",
                    "a public client (method `none`) has no secret",
                ))
            }
            (None, "none") => None,
            (None, _) => {
                return Err(bad(
                    "client_secret",
                    format!("required for token_endpoint_auth_method `{method}`"),
                ))
            }
            (Some(s), _) if s.len() < 8 => {
                return Err(bad("client_secret", "must be at least 8 characters"))
            }
            (Some(s), _) => Some(sha256(s.as_bytes())),
        };
        for uri in self.redirect_uris.iter() {
            check_redirect_uri(uri).map_err(|p| bad("redirect_uris", p))?;
        }
        for uri in self.post_logout_redirect_uris.iter() {
            check_redirect_uri(uri).map_err(|p| bad("post_logout_redirect_uris", p))?;
        }
        if let Some(scope) = &self.scope {
            ScopeSet::parse(scope).map_err(|e| bad("scope", e.description().into_owned()))?;
        }
        if self.dialect_legacy && self.dialect.is_none() {
            return Err(bad(
                "dialect_legacy",
                "only a client of a dialect can be a legacy client of it",
            ));
        }
        if let Some(alg) = &self.id_token_signed_response_alg {
            if crate::crypto::jwt::Alg::from_name(alg).is_none() {
                return Err(bad(
                    "id_token_signed_response_alg",
                    format!("`{alg}`: use RS256, ES256 or EdDSA"),
                ));
            }
        }
        Ok(ClientRecord {
            client_id: self.client_id,
            secret_digest,
            client_name: self.client_name,
            redirect_uris: self.redirect_uris,
            grant_types,
            response_types,
            token_endpoint_auth_method: method,
            scope: self.scope,
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            owner: None,
            created_at: now,
            registration_digest: None,
            dialect: self.dialect,
            dialect_legacy: self.dialect_legacy,
            access_token_ttl: self.access_token_ttl,
            allowed_groups: self.allowed_groups,
            description: None,
            client_uri: None,
            flags: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(json: &str) -> ClientMetadata {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn defaults_follow_rfc_7591() {
        let r = metadata(r#"{"client_id":"a","client_secret":"12345678"}"#)
            .into_record(5)
            .unwrap();
        assert_eq!(r.grant_types, ["authorization_code"]);
        assert_eq!(r.response_types, ["code"]);
        assert_eq!(r.token_endpoint_auth_method, "client_secret_basic");
        assert!(r.is_confidential());
    }

    #[test]
    fn a_public_client_has_no_secret() {
        let r = metadata(r#"{"client_id":"a","token_endpoint_auth_method":"none"}"#)
            .into_record(5)
            .unwrap();
        assert!(!r.is_confidential());
        let e = metadata(
            r#"{"client_id":"a","client_secret":"12345678","token_endpoint_auth_method":"none"}"#,
        )
        .into_record(5)
        .unwrap_err();
        assert_eq!(e.field, "client_secret");
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (r#"{"client_id":"a"}"#, "client_secret"),
            (
                r#"{"client_id":"a","client_secret":"12345678","grant_types":["magic"]}"#,
                "grant_types",
            ),
            (
                r#"{"client_id":"a","client_secret":"12345678","redirect_uris":["/cb"]}"#,
                "redirect_uris",
            ),
            (
                r#"{"client_id":"a","client_secret":"12345678","redirect_uris":["https://x/cb#f"]}"#,
                "redirect_uris",
            ),
            (
                r#"{"client_id":"a","client_secret":"12345678","token_endpoint_auth_method":"magic"}"#,
                "token_endpoint_auth_method",
            ),
            (
                r#"{"client_id":"","client_secret":"12345678"}"#,
                "client_id",
            ),
        ];
        for (json, field) in cases {
            assert_eq!(
                metadata(json).into_record(0).unwrap_err().field,
                field,
                "{json}"
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(
            serde_json::from_str::<ClientMetadata>(r#"{"client_id":"a","colour":"red"}"#).is_err()
        );
    }
}
