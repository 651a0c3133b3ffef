//! The resource owner password credentials grant (RFC 6749 §4.3): only for
//! clients registered for it, throttled like the sign-in page.

use std::net::IpAddr;

use crate::accounts::{login, throttle};
use crate::error::{Error, Result};
use crate::oauth::tokens::{Grant, TokenResponse};
use crate::oauth::Provider;
use crate::store::ClientRecord;

impl Provider {
    /// Issues tokens for a user's username and password.
    pub async fn password(
        &self,
        client: &ClientRecord,
        username: &str,
        password: &str,
        scope: Option<&str>,
        peer: Option<IpAddr>,
    ) -> Result<TokenResponse> {
        // Clients an administrator made (seed, command line) are trusted;
        // others need the administrator's permission, as on App.net.
        if !client.made_by_admin() && !client.flags.password_allowed {
            return Err(Error::UnauthorizedClient(
                "an administrator has not allowed this client the password grant".into(),
            ));
        }
        let scope = self
            .scopes
            .grant(scope, crate::oauth::scope::Holder::of(client), true)?;
        let keys = throttle::keys(username, peer);
        let now = self.clock.now();
        self.throttle.check(&keys, now).map_err(Error::Throttled)?;
        let user = login::verify(&self.store, username, password, &self.dummy_hash)
            .await
            .map_err(Error::internal)?;
        let Some(user) = user else {
            self.throttle.failed(&keys, now);
            return Err(Error::InvalidGrant("wrong username or password".into()));
        };
        self.throttle.succeeded(username);
        self.issue(Grant {
            client,
            user_id: Some(user.id),
            scope: &scope,
            auth_time: Some(now),
            grant_id: None,
            refresh: self.may_refresh(client, &scope),
            nonce: None,
        })
        .await
    }
}
