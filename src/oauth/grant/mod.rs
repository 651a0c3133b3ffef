//! The grants of the token endpoint (RFC 6749 §4), one file each, and the
//! dispatch on `grant_type`.

pub mod client_credentials;

use super::tokens::TokenResponse;
use super::Provider;
use crate::error::{Error, Result};
use crate::store::ClientRecord;

/// A token request after client authentication, typed by grant.
#[derive(Debug)]
pub enum GrantRequest<'a> {
    /// RFC 6749 §4.4: the client acts for itself.
    ClientCredentials {
        /// The requested scope, if any.
        scope: Option<&'a str>,
    },
}

impl<'a> GrantRequest<'a> {
    /// Types a request from its `grant_type` and a parameter lookup.
    pub fn parse(grant_type: &str, param: impl Fn(&str) -> Option<&'a str>) -> Result<Self> {
        match grant_type {
            "client_credentials" => Ok(GrantRequest::ClientCredentials {
                scope: param("scope"),
            }),
            _ => Err(Error::UnsupportedGrantType(
                "this server does not support that grant_type".into(),
            )),
        }
    }
}

impl Provider {
    /// Runs a token request for an authenticated client.
    pub async fn token(
        &self,
        client: &ClientRecord,
        request: GrantRequest<'_>,
    ) -> Result<TokenResponse> {
        match request {
            GrantRequest::ClientCredentials { scope } => {
                self.client_credentials(client, scope).await
            }
        }
    }
}
