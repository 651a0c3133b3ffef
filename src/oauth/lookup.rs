//! Named operations the handlers and dialects need besides the protocol
//! steps: finding a client or a person, the owner a consent page names,
//! the origins browser clients registered, and the sign-in by a code
//! confirmed on the account page (ScratchOAuth2's login endpoints). They
//! keep the store behind the provider; a store failure is always an error.

use std::sync::Arc;

use super::Provider;
use crate::accounts::api_login::{self, LoginCode};
use crate::error::Result;
use crate::store::{ClientRecord, UserRecord};

impl Provider {
    /// The client `client_id`, if there is one.
    pub async fn client(&self, client_id: &str) -> Result<Option<Arc<ClientRecord>>> {
        Ok(self.store.client(client_id).await?)
    }

    /// Every redirect URI any client registered (for CORS decisions).
    pub async fn all_redirect_uris(&self) -> Result<Vec<String>> {
        Ok(self
            .store
            .clients()
            .await?
            .into_iter()
            .flat_map(|c| c.redirect_uris)
            .collect())
    }

    /// The username of the client's owner, as a consent page names it:
    /// `None` when it has no owner or hides them.
    pub async fn owner_name(&self, client: &ClientRecord) -> Result<Option<String>> {
        match client.owner.filter(|_| !client.flags.hide_owner) {
            Some(id) => Ok(self.store.user(id).await?.map(|u| u.username)),
            None => Ok(None),
        }
    }

    /// The enabled account named `username`, if there is one.
    pub async fn enabled_user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        Ok(self
            .store
            .user_by_name(username)
            .await?
            .filter(|u| !u.disabled))
    }

    /// A fresh number from the store's counter (a dialect's numeric app id).
    pub async fn next_serial(&self) -> Result<u64> {
        Ok(self.store.next_id().await?)
    }

    /// Starts a sign-in that the person confirms on their account page.
    pub async fn start_code_login(&self, user: &UserRecord) -> Result<LoginCode> {
        Ok(api_login::start(&self.store, user, self.clock.now()).await?)
    }

    /// Finishes a code sign-in: whether the person confirmed it (in
    /// development mode no confirmation is needed) and `csrf` matches; on
    /// success answers a new session's cookie value.
    pub async fn finish_code_login(&self, user: &UserRecord, csrf: &str) -> Result<Option<String>> {
        let now = self.clock.now();
        let confirmation_needed = !self.settings.dev_mode;
        if !api_login::finish(&self.store, user, csrf, now, confirmation_needed).await? {
            return Ok(None);
        }
        let cookie = crate::accounts::sessions::create(
            &self.store,
            user.id,
            vec![super::acr::PWD.into()],
            now,
            self.settings.session_absolute,
        )
        .await?;
        Ok(Some(cookie))
    }
}
