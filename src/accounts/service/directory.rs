//! The accounts service's operations for the admin pages: groups and
//! their members, the paged directory of users, applications and groups,
//! and an application's administrator-set flags.

use super::Accounts;
use crate::accounts::directory::{self, Counts, Page};
use crate::accounts::groups;
use crate::accounts::users::AccountError;
use crate::store::{ClientRecord, GroupRecord, StoreError, UserRecord};

impl Accounts {
    // Groups.

    /// The group of this name, if any.
    pub async fn group(&self, name: &str) -> Result<Option<GroupRecord>, StoreError> {
        self.store.group(name).await
    }

    /// Creates a group.
    pub async fn create_group(
        &self,
        name: &str,
        description: &str,
    ) -> Result<GroupRecord, AccountError> {
        groups::create(&self.store, name, description, self.now()).await
    }

    /// Deletes a group.
    pub async fn remove_group(&self, name: &str) -> Result<(), AccountError> {
        groups::remove(&self.store, name).await
    }

    /// Adds the person named `username` to a group; answers them.
    pub async fn add_member_named(
        &self,
        group: &str,
        username: &str,
    ) -> Result<UserRecord, AccountError> {
        groups::add_member_named(&self.store, group, username).await
    }

    /// Takes a person out of a group.
    pub async fn remove_member(&self, group: &str, user_id: u64) -> Result<(), AccountError> {
        groups::remove_member(&self.store, group, user_id).await
    }

    /// A group's members.
    pub async fn members(&self, group: &GroupRecord) -> Result<Vec<UserRecord>, AccountError> {
        directory::members(&self.store, group).await
    }

    // The admin directory.

    /// A page of users matching `q`.
    pub async fn users_page(&self, q: &str, page: usize) -> Result<Page<UserRecord>, AccountError> {
        directory::users(&self.store, Some(q), page).await
    }

    /// A page of applications matching `q`.
    pub async fn apps_page(
        &self,
        q: &str,
        page: usize,
    ) -> Result<Page<ClientRecord>, AccountError> {
        directory::apps(&self.store, Some(q), page).await
    }

    /// A page of groups matching `q`.
    pub async fn groups_page(
        &self,
        q: &str,
        page: usize,
    ) -> Result<Page<GroupRecord>, AccountError> {
        directory::groups(&self.store, Some(q), page).await
    }

    /// How many users, applications and groups there are.
    pub async fn counts(&self) -> Result<Counts, AccountError> {
        directory::counts(&self.store).await
    }

    /// The application with this client id, as the admin page edits it.
    pub async fn app(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        Ok(self.store.client(client_id).await?.map(|c| (*c).clone()))
    }

    /// Saves an application's record as an administrator changed it (flags,
    /// dialect, token lifetime).
    pub async fn save_app(&self, client: &ClientRecord) -> Result<(), StoreError> {
        self.store.put_client(client).await
    }
}
