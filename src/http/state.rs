//! What every handler shares: the protocol core, the accounts service and
//! the prepared discovery document.

use actix_web::web::Bytes;

use crate::oauth::Provider;

/// Shared, read-only state of the HTTP layer.
#[derive(Debug)]
pub struct AppState {
    /// The protocol core.
    pub provider: Provider,
    /// The metadata document, serialised once at start.
    pub metadata: Bytes,
    /// Reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The bearer token that opens `/metrics` on the main address, if any.
    pub metrics_token: Option<String>,
    /// The HTTPS certificate in use, when the server speaks HTTPS itself.
    pub tls: Option<std::sync::Arc<crate::tls::Reloading>>,
    /// Verification and reset mail: the relay, if any, and its throttle.
    pub outbox: super::outbox::Outbox,
    /// The account operations (with the passkey relying party and the
    /// providers to sign in through); handlers never see the store.
    pub accounts: crate::accounts::Accounts,
}

impl AsRef<Provider> for AppState {
    fn as_ref(&self) -> &Provider {
        &self.provider
    }
}
