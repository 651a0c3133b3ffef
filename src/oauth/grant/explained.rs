//! Grants whose refusals carry their reason ([`GrantFailure`]): for
//! dialects whose documents answer an unknown grant, an expired one and a
//! scope mismatch differently (ScratchOAuth2's 404, 410 and 417). The
//! checks only choose the answer; redemption and rotation stay the atomic
//! steps of the standard grants.

use crate::crypto::sha256;
use crate::error::{Error, GrantFailure, Result};
use crate::oauth::scope::ScopeSet;
use crate::oauth::tokens::TokenResponse;
use crate::oauth::Provider;
use crate::store::{ClientRecord, TokenKind};

fn refused(reason: GrantFailure) -> Error {
    Error::Grant(reason)
}

/// Whether the confirmed scopes are exactly the allowed ones (order and
/// repetition aside).
fn same_scopes(confirmed: &[String], allowed: &ScopeSet) -> bool {
    let mut confirmed: Vec<&str> = confirmed.iter().map(String::as_str).collect();
    confirmed.sort_unstable();
    confirmed.dedup();
    let mut allowed: Vec<&str> = allowed.iter().collect();
    allowed.sort_unstable();
    confirmed == allowed
}

impl Provider {
    /// Exchanges a code whose scopes the client confirms: refused as
    /// `Unknown` (no such unspent code of this client) or `ScopeMismatch`
    /// (the confirmed scopes are not exactly those the person allowed).
    pub async fn exchange_code_confirming_scope(
        &self,
        client: &ClientRecord,
        code: &str,
        confirmed: &[String],
    ) -> Result<TokenResponse> {
        let record = match self.store.code(&sha256(code.as_bytes())).await? {
            Some(r) if r.client_id == client.client_id && !r.redeemed => r,
            _ => return Err(refused(GrantFailure::Unknown)),
        };
        let allowed = ScopeSet::parse(&record.scope).unwrap_or_default();
        if !same_scopes(confirmed, &allowed) {
            return Err(refused(GrantFailure::ScopeMismatch));
        }
        self.exchange_code(client, code, record.redirect_uri.as_deref(), None)
            .await
    }

    /// Refreshes, refused as `Unknown` (no refresh token of this client) or
    /// `Expired` (it was, but is no longer live).
    pub async fn refresh_explained(
        &self,
        client: &ClientRecord,
        refresh_token: &str,
    ) -> Result<TokenResponse> {
        match self.store.token(&sha256(refresh_token.as_bytes())).await? {
            Some(r) if r.kind == TokenKind::Refresh && r.client_id == client.client_id => {
                if !r.is_live(self.clock.now()) {
                    return Err(refused(GrantFailure::Expired));
                }
            }
            _ => return Err(refused(GrantFailure::Unknown)),
        }
        self.refresh(client, refresh_token, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn confirmed_scopes_match_in_any_order_and_repeated() {
        let allowed = ScopeSet::parse("identify read").unwrap();
        assert!(same_scopes(
            &strings(&["read", "identify", "read"]),
            &allowed
        ));
    }

    #[test]
    fn fewer_or_more_confirmed_scopes_are_a_mismatch() {
        let allowed = ScopeSet::parse("identify read").unwrap();
        assert!(!same_scopes(&strings(&["identify"]), &allowed));
        assert!(!same_scopes(
            &strings(&["identify", "read", "write"]),
            &allowed
        ));
    }
}
