//! Client metadata (RFC 7591 §2, with OpenID Connect Dynamic Registration's
//! additions) as the seed file and the offline admin describe a client; it
//! becomes a [`NewClient`] held to the operator's rules.

use serde::Deserialize;

use super::clients::{ClientIdChoice, NewClient, Rules, SecretChoice};
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

/// Response types a client may register, by their canonical names.
pub const RESPONSE_TYPES: &[&str] = &[
    "code",
    "token",
    "id_token",
    "id_token token",
    "code id_token",
    "code token",
    "code id_token token",
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
    /// The UserInfo signing algorithm (absent: plain JSON).
    #[serde(default)]
    pub userinfo_signed_response_alg: Option<String>,
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
    /// The new client this metadata describes, held to the operator's rules.
    pub fn into_new_client(self) -> NewClient {
        let mut new = NewClient::new(Rules::Operator);
        new.client_id = ClientIdChoice::Given(self.client_id);
        new.secret = match self.client_secret {
            Some(secret) => SecretChoice::Given(secret),
            None => SecretChoice::None,
        };
        new.client_name = self.client_name;
        new.redirect_uris = self.redirect_uris;
        new.grant_types = self.grant_types;
        new.response_types = self.response_types;
        new.token_endpoint_auth_method = self.token_endpoint_auth_method;
        new.scope = self.scope;
        new.id_token_signed_response_alg = self.id_token_signed_response_alg;
        new.userinfo_signed_response_alg = self.userinfo_signed_response_alg;
        new.post_logout_redirect_uris = self.post_logout_redirect_uris;
        new.dialect = self.dialect;
        new.dialect_legacy = self.dialect_legacy;
        new.access_token_ttl = self.access_token_ttl;
        new.allowed_groups = self.allowed_groups;
        new
    }

    /// Validates the metadata and builds the record to store at time `now`.
    pub fn into_record(self, now: u64) -> Result<ClientRecord, MetadataError> {
        Ok(self.into_new_client().validate(None, now)?.record().clone())
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
