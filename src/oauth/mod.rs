//! The OAuth 2.0 protocol, free of HTTP types: scopes, client
//! authentication, grants, token issuance, introspection, revocation and the
//! discovery document. Handlers in `http/` parse a request, call one method
//! of [`Provider`], and render what it returns.

pub mod client_auth;
pub mod client_metadata;
pub mod discovery;
pub mod grant;
pub mod introspect;
pub mod revoke;
pub mod scope;
pub mod tokens;

use crate::clock::Clock;
use crate::store::Store;

/// Protocol settings that do not change while the server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The issuer identifier; every URL the server builds starts from it.
    pub issuer: String,
    /// Access token lifetime in seconds.
    pub access_token_ttl: u64,
}

/// The authorization server: everything a protocol step needs.
#[derive(Debug)]
pub struct Provider {
    /// Where records live.
    pub store: Store,
    /// The scopes the server knows.
    pub scopes: scope::Scopes,
    /// Fixed settings.
    pub settings: Settings,
    /// The current time.
    pub clock: Clock,
}
