//! Client authentication at the token, introspection and revocation
//! endpoints (RFC 6749 §2.3.1): `client_secret_basic`, `client_secret_post`,
//! and a bare `client_id` for public clients. Using two methods at once is
//! `invalid_request`; every failure to authenticate is `invalid_client`.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::Provider;
use crate::crypto::{constant_time_eq, sha256};
use crate::error::{Error, Result};
use crate::store::ClientRecord;

/// How the client presented itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// HTTP Basic in the `Authorization` header.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Post,
    /// Only a `client_id`: a public client.
    None,
}

/// Client credentials as the request carried them.
pub struct Credentials {
    /// The client identifier.
    pub client_id: String,
    /// The secret, if one was sent.
    pub secret: Option<String>,
    /// Where the credentials came from.
    pub method: Method,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("method", &self.method)
            .finish()
    }
}

fn basic_failed() -> Error {
    Error::InvalidClient("malformed HTTP Basic client credentials".into())
}

/// Decodes one half of a Basic credential: `application/x-www-form-urlencoded`.
fn form_decode(raw: &str) -> Result<String> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| basic_failed())
}

/// Reads `Authorization: Basic …` (scheme in any case); `None` for other schemes.
fn parse_basic(authorization: &str) -> Option<Result<(String, String)>> {
    let (scheme, rest) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let parsed = (|| {
        let decoded = STANDARD.decode(rest.trim()).map_err(|_| basic_failed())?;
        let decoded = String::from_utf8(decoded).map_err(|_| basic_failed())?;
        let (id, secret) = decoded.split_once(':').ok_or_else(basic_failed)?;
        let id = form_decode(id)?;
        if id.is_empty() {
            return Err(basic_failed());
        }
        Ok((id, form_decode(secret)?))
    })();
    Some(parsed)
}

/// Works out the credentials from the `Authorization` header and the body's
/// `client_id`/`client_secret`; `None` when the request carries none.
pub fn credentials(
    authorization: Option<&str>,
    body_id: Option<&str>,
    body_secret: Option<&str>,
) -> Result<Option<Credentials>> {
    if let Some(basic) = authorization.and_then(parse_basic) {
        let (client_id, secret) = basic?;
        if body_secret.is_some() {
            return Err(Error::InvalidRequest(
                "the client authenticated with more than one method".into(),
            ));
        }
        if body_id.is_some_and(|id| id != client_id) {
            return Err(Error::InvalidRequest(
                "client_id in the body differs from the Authorization header".into(),
            ));
        }
        return Ok(Some(Credentials {
            client_id,
            secret: Some(secret),
            method: Method::Basic,
        }));
    }
    match (body_id, body_secret) {
        (Some(id), Some(secret)) => Ok(Some(Credentials {
            client_id: id.to_owned(),
            secret: Some(secret.to_owned()),
            method: Method::Post,
        })),
        (Some(id), None) => Ok(Some(Credentials {
            client_id: id.to_owned(),
            secret: None,
            method: Method::None,
        })),
        (None, Some(_)) => Err(Error::InvalidRequest(
            "client_secret was sent without client_id".into(),
        )),
        (None, None) => Ok(None),
    }
}

fn failed() -> Error {
    Error::InvalidClient("client authentication failed".into())
}

impl Provider {
    /// Authenticates a client; a public client passes with its id alone.
    pub async fn authenticate_client(
        &self,
        creds: Option<Credentials>,
    ) -> Result<Arc<ClientRecord>> {
        let creds =
            creds.ok_or_else(|| Error::InvalidClient("client authentication required".into()))?;
        let client = self.store.client(&creds.client_id).await?;
        // Hash even for an unknown client so that the answer takes as long.
        let presented = creds.secret.as_deref().map(|s| sha256(s.as_bytes()));
        let Some(client) = client else {
            return Err(failed());
        };
        match (presented, client.secret_digest) {
            (Some(presented), Some(stored)) if constant_time_eq(&presented, &stored) => Ok(client),
            (None, None) => Ok(client),
            _ => Err(failed()),
        }
    }

    /// Authenticates a client that must prove it holds a secret.
    pub async fn authenticate_confidential(
        &self,
        creds: Option<Credentials>,
    ) -> Result<Arc<ClientRecord>> {
        let client = self.authenticate_client(creds).await?;
        if client.is_confidential() {
            Ok(client)
        } else {
            Err(Error::InvalidClient(
                "this endpoint needs a confidential client".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(raw: &str) -> String {
        format!("Basic {}", STANDARD.encode(raw))
    }

    #[test]
    fn basic_is_read_in_any_case_and_form_decoded() {
        let header = format!("bAsIc {}", STANDARD.encode("my%20app:s%3Acret+x"));
        let c = credentials(Some(&header), None, None).unwrap().unwrap();
        assert_eq!(c.client_id, "my app");
        assert_eq!(c.secret.as_deref(), Some("s:cret x"));
        assert_eq!(c.method, Method::Basic);
    }

    #[test]
    fn basic_and_post_together_are_invalid_request() {
        let e = credentials(Some(&basic("a:b")), Some("a"), Some("b")).unwrap_err();
        assert_eq!(e.code(), "invalid_request");
    }

    #[test]
    fn basic_with_the_same_client_id_in_the_body_is_fine() {
        let c = credentials(Some(&basic("a:b")), Some("a"), None)
            .unwrap()
            .unwrap();
        assert_eq!(c.method, Method::Basic);
    }

    #[test]
    fn malformed_basic_is_invalid_client() {
        for header in ["Basic !!!", "Basic Zm9v", "Basic OnNlY3JldA=="] {
            let e = credentials(Some(header), None, None).unwrap_err();
            assert_eq!(e.code(), "invalid_client", "{header}");
        }
    }

    #[test]
    fn other_schemes_are_not_client_credentials() {
        assert!(credentials(Some("Bearer xyz"), None, None)
            .unwrap()
            .is_none());
    }

    #[test]
    fn body_credentials_and_public_clients() {
        let c = credentials(None, Some("a"), Some("b")).unwrap().unwrap();
        assert_eq!(c.method, Method::Post);
        let c = credentials(None, Some("a"), None).unwrap().unwrap();
        assert_eq!(c.method, Method::None);
        assert!(credentials(None, None, Some("b")).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let c = credentials(None, Some("a"), Some("hunter2"))
            .unwrap()
            .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
