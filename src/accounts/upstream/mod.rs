//! Sign-in through another provider (issue 12, item 6): OpenID Connect
//! issuers found by discovery (OpenID Connect Discovery 1.0 §4) and plain
//! OAuth 2.0 providers with a user-info URL (GitHub and the like). The
//! authorization-code flow with PKCE (RFC 7636), `state` and `nonce`
//! (OpenID Connect Core §3.1.2.1); ID tokens are checked here with ring
//! (§3.1.3.7). No actix type is seen here; `http/upstream.rs` is the handler.

pub mod client;
pub mod config;
pub mod flow;
pub mod id_token;
pub mod links;

pub use client::Upstreams;
pub use config::ProviderConfig;
pub use flow::{Callback, Identity, Started};
pub use links::Outcome;

/// Why a sign-in through another provider did not complete. The text is
/// shown to the person; it never carries a secret.
#[derive(Debug)]
pub enum UpstreamError {
    /// No provider of that name is configured.
    UnknownProvider,
    /// The browser brought no waiting sign-in (none, used, or expired).
    NoPending,
    /// The answer's `state` is not the one sent: a forged or crossed answer.
    StateMismatch,
    /// The provider refused, with its `error` code.
    Denied(String),
    /// The provider could not be reached or answered something unusable.
    Provider(String),
    /// The ID token failed a check.
    IdToken(String),
    /// The database failed.
    Store(crate::store::StoreError),
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpstreamError::UnknownProvider => f.write_str("no provider of that name is set up"),
            UpstreamError::NoPending => f.write_str(
                "this sign-in was not started in this browser, was used already, or took too long",
            ),
            UpstreamError::StateMismatch => f.write_str(
                "the provider's answer does not belong to the sign-in this browser started",
            ),
            UpstreamError::Denied(code) => write!(f, "the provider refused the sign-in ({code})"),
            UpstreamError::Provider(why) => {
                write!(f, "the provider's answer was not usable: {why}")
            }
            UpstreamError::IdToken(why) => {
                write!(f, "the provider's ID token is not acceptable: {why}")
            }
            UpstreamError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for UpstreamError {}

impl From<crate::store::StoreError> for UpstreamError {
    fn from(e: crate::store::StoreError) -> Self {
        UpstreamError::Store(e)
    }
}
