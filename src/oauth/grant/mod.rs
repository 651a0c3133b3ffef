//! The grants of the token endpoint (RFC 6749 §4, §6), one file each, and
//! the dispatch on `grant_type`.

pub mod authorization_code;
pub mod client_credentials;
pub mod explained;
pub mod password;
pub mod refresh;

use std::net::IpAddr;

use super::tokens::TokenResponse;
use super::{Hooks, Provider};
use crate::crypto::TokenKind;
use crate::error::{Error, Result};
use crate::store::ClientRecord;

/// A token request after client authentication, typed by grant.
#[derive(Debug)]
pub enum GrantRequest<'a> {
    /// RFC 6749 §4.1.3: exchange an authorization code.
    AuthorizationCode {
        /// The code.
        code: &'a str,
        /// The redirect URI, repeated from the authorization request.
        redirect_uri: Option<&'a str>,
        /// The PKCE verifier (RFC 7636 §4.5).
        code_verifier: Option<&'a str>,
    },
    /// An authorization code exchanged without repeating the redirect URI,
    /// for a dialect whose document never does (Mastodon's code sent as a
    /// `refresh_token`): the code's own redirect URI stands.
    CodeAsIssued {
        /// The code.
        code: &'a str,
        /// The PKCE verifier, if the client sent one.
        code_verifier: Option<&'a str>,
    },
    /// RFC 6749 §6: refresh an access token.
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a str,
        /// A narrower scope, if wanted.
        scope: Option<&'a str>,
    },
    /// RFC 6749 §4.3: the resource owner's password.
    Password {
        /// The username.
        username: &'a str,
        /// The password.
        password: &'a str,
        /// The requested scope.
        scope: Option<&'a str>,
    },
    /// RFC 8628 §3.4: a device polls with its device code.
    DeviceCode {
        /// The device code.
        device_code: &'a str,
    },
    /// RFC 6749 §4.4: the client acts for itself.
    ClientCredentials {
        /// The requested scope, if any.
        scope: Option<&'a str>,
    },
}

impl Provider {
    /// Types a token request from this client: as [`GrantRequest::parse`],
    /// except that a client of a dialect that sends its code as a
    /// `refresh_token` (see [`Hooks::code_as_refresh`]) has such a code
    /// redeemed as issued.
    pub fn grant_request<'a>(
        &self,
        client: &ClientRecord,
        grant_type: &str,
        param: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<GrantRequest<'a>> {
        let code = param("refresh_token").filter(|t| t.starts_with(TokenKind::Code.prefix()));
        match code {
            Some(code)
                if grant_type == "refresh_token"
                    && Hooks::applies(&self.hooks.code_as_refresh, client) =>
            {
                // The document's step 2 does not repeat the redirect URI:
                // the code's own (whichever of the app's URIs it was issued
                // for) stands.
                Ok(GrantRequest::CodeAsIssued {
                    code,
                    code_verifier: param("code_verifier"),
                })
            }
            _ => GrantRequest::parse(grant_type, param),
        }
    }
}

fn required<'a>(param: &impl Fn(&str) -> Option<&'a str>, name: &str) -> Result<&'a str> {
    param(name).ok_or_else(|| Error::InvalidRequest(format!("missing parameter `{name}`").into()))
}

impl<'a> GrantRequest<'a> {
    /// Types a request from its `grant_type` and a parameter lookup.
    pub fn parse(grant_type: &str, param: impl Fn(&str) -> Option<&'a str>) -> Result<Self> {
        match grant_type {
            "authorization_code" => Ok(GrantRequest::AuthorizationCode {
                code: required(&param, "code")?,
                redirect_uri: param("redirect_uri"),
                code_verifier: param("code_verifier"),
            }),
            "refresh_token" => Ok(GrantRequest::RefreshToken {
                refresh_token: required(&param, "refresh_token")?,
                scope: param("scope"),
            }),
            "password" => Ok(GrantRequest::Password {
                username: required(&param, "username")?,
                password: required(&param, "password")?,
                scope: param("scope"),
            }),
            "client_credentials" => Ok(GrantRequest::ClientCredentials {
                scope: param("scope"),
            }),
            crate::oauth::device::GRANT => Ok(GrantRequest::DeviceCode {
                device_code: required(&param, "device_code")?,
            }),
            _ => Err(Error::UnsupportedGrantType(
                "this server does not support that grant_type".into(),
            )),
        }
    }

    /// The grant type's registered name, as clients register it.
    fn registered_name(&self) -> &'static str {
        match self {
            GrantRequest::AuthorizationCode { .. } | GrantRequest::CodeAsIssued { .. } => {
                "authorization_code"
            }
            GrantRequest::RefreshToken { .. } => "refresh_token",
            GrantRequest::Password { .. } => "password",
            GrantRequest::ClientCredentials { .. } => "client_credentials",
            GrantRequest::DeviceCode { .. } => crate::oauth::device::GRANT,
        }
    }
}

impl Provider {
    /// Runs a token request for an authenticated client; `peer` is the
    /// caller's address, for throttling password guesses.
    pub async fn token(
        &self,
        client: &ClientRecord,
        request: GrantRequest<'_>,
        peer: Option<IpAddr>,
    ) -> Result<TokenResponse> {
        if !client.has_grant(request.registered_name()) {
            return Err(Error::UnauthorizedClient(
                format!(
                    "this client may not use the {} grant",
                    request.registered_name()
                )
                .into(),
            ));
        }
        let grant = request.registered_name();
        let issued = match request {
            GrantRequest::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                self.exchange_code(client, code, redirect_uri, code_verifier)
                    .await
            }
            GrantRequest::CodeAsIssued {
                code,
                code_verifier,
            } => {
                self.exchange_code_as_issued(client, code, code_verifier)
                    .await
            }
            GrantRequest::RefreshToken {
                refresh_token,
                scope,
            } => self.refresh(client, refresh_token, scope).await,
            GrantRequest::Password {
                username,
                password,
                scope,
            } => self.password(client, username, password, scope, peer).await,
            GrantRequest::ClientCredentials { scope } => {
                self.client_credentials(client, scope).await
            }
            GrantRequest::DeviceCode { device_code } => self.poll_device(client, device_code).await,
        };
        if issued.is_ok() {
            self.metrics.token_issued(grant);
        }
        issued
    }
}
