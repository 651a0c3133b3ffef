//! The resource owner password credentials grant (RFC 6749 §4.3): only for
//! clients registered for it, throttled like the sign-in page.

use std::net::IpAddr;

use crate::accounts::throttle;
use crate::accounts::users::AccountError;
use crate::error::{Error, Result};
use crate::oauth::acr::PWD;
use crate::oauth::audit::AuditEvent;
use crate::oauth::tokens::{Grant, TokenResponse};
use crate::oauth::Provider;
use crate::store::ClientRecord;

impl Provider {
    /// Checks a username and password for the sign-in page or the password
    /// grant: throttled per account and per `peer` address (counted before
    /// the hash, so parallel guesses count in full), each refusal logged for
    /// fail2ban; `Ok(None)` for a wrong pair, `Err(Throttled)` while locked.
    pub async fn check_password(
        &self,
        username: &str,
        password: &str,
        peer: Option<IpAddr>,
    ) -> Result<Option<crate::store::UserRecord>> {
        let keys = throttle::keys(username, peer);
        let locked = self
            .throttle
            .begin(&keys, self.clock.now())
            .await?
            .map_err(|wait| {
                throttle::log_refusal(peer, username, Some(wait));
                self.metrics.throttled();
                Error::Throttled(wait)
            });
        if let Err(e) = locked {
            self.audit(AuditEvent {
                event: "sign_in_locked",
                actor: Some(username),
                client_ip: peer,
                ..AuditEvent::default()
            })
            .await;
            return Err(e);
        }
        let user = self
            .passwords
            .verify(&self.store, username, password)
            .await
            .map_err(AccountError::into_error)?;
        match &user {
            Some(_) => self.throttle.succeeded(&keys).await?,
            None => throttle::log_refusal(peer, username, None),
        }
        self.metrics.sign_in(user.is_some());
        let event = if user.is_some() {
            "sign_in"
        } else {
            "sign_in_failed"
        };
        self.audit(AuditEvent {
            event,
            actor: Some(username),
            client_ip: peer,
            ..AuditEvent::default()
        })
        .await;
        Ok(user)
    }

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
            .grant(scope, crate::oauth::scope::Holder::of(client))?;
        let now = self.clock.now();
        let Some(user) = self.check_password(username, password, peer).await? else {
            return Err(Error::InvalidGrant("wrong username or password".into()));
        };
        // A password alone must not open an account that has a second
        // factor: such a person signs in through the browser.
        if crate::accounts::factors::has_second_factor(&self.store, user.id)
            .await
            .map_err(AccountError::into_error)?
        {
            return Err(Error::InvalidGrant(
                "this account uses a second factor; sign in through the browser (authorization code or device flow)".into(),
            ));
        }
        self.issue(Grant {
            client,
            user_id: Some(user.id),
            scope: &scope,
            auth_time: Some(now),
            amr: &[PWD.to_owned()],
            grant_id: None,
            refresh: self.may_refresh(client, &scope),
            nonce: None,
        })
        .await
    }
}
