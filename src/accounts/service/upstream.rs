//! The accounts service's operations on sign-in through another provider:
//! starting and finishing the flow, deciding what an identity means here,
//! linking and unlinking, and what the security page lists.

use super::Accounts;
use crate::accounts::signup::Signup;
use crate::accounts::upstream::{flow, links, Callback, Identity, Outcome, Started, UpstreamError};
use crate::store::{StoreError, UpstreamPendingRecord, UserRecord};

/// A provider linked to an account, as the security page lists it.
#[derive(Debug)]
pub struct LinkedProvider {
    /// The provider's configured name (or the stored one, if no longer configured).
    pub name: String,
    /// Its label for people.
    pub label: String,
    /// The person's name at the provider, if known.
    pub upstream_name: Option<String>,
    /// When the link was made.
    pub since: u64,
    /// Whether it may be unlinked (another way in remains).
    pub may_unlink: bool,
}

/// The upstream providers on the security page: linked, and not linked yet.
#[derive(Debug)]
pub struct UpstreamSection {
    /// Linked providers.
    pub linked: Vec<LinkedProvider>,
    /// Configured providers not linked yet: name and label.
    pub unlinked: Vec<(String, String)>,
}

impl Accounts {
    /// The configured providers: name and label, in configured order.
    pub fn upstream_providers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.upstreams.all().map(|p| (p.name.as_str(), p.label()))
    }

    /// The label of the provider `name`, if one of that name is configured.
    pub fn upstream_label(&self, name: &str) -> Option<&str> {
        self.upstreams.get(name).ok().map(|u| u.config.label())
    }

    /// Starts a sign-in (or, with `link_user`, a link) through the provider `name`.
    pub async fn begin_upstream(
        &self,
        name: &str,
        redirect_uri: &str,
        next: &str,
        link_user: Option<u64>,
    ) -> Result<Started, UpstreamError> {
        let up = self.upstreams.get(name)?;
        flow::begin(
            &self.store,
            &self.upstreams,
            up,
            redirect_uri,
            next,
            link_user,
            self.now(),
        )
        .await
    }

    /// Takes the waiting sign-in the cookie names and learns who the person
    /// is at the provider `name` from its answer.
    pub async fn finish_upstream(
        &self,
        name: &str,
        cookie: Option<&str>,
        answer: &Callback<'_>,
        redirect_uri: &str,
    ) -> Result<(UpstreamPendingRecord, Identity), UpstreamError> {
        flow::finish(
            &self.store,
            &self.upstreams,
            name,
            cookie,
            answer,
            redirect_uri,
            self.now(),
        )
        .await
    }

    /// Decides what an identity at the provider `name` means here: a sign-in,
    /// a new account (by the sign-up `policy`), a link, or a refusal.
    pub async fn resolve_upstream(
        &self,
        name: &str,
        identity: &Identity,
        link_user: Option<u64>,
        policy: Signup,
    ) -> Result<Outcome, StoreError> {
        links::resolve(&self.store, name, identity, link_user, policy, self.now()).await
    }

    /// Whether the provider `name` may be unlinked from `user` (another way in remains).
    pub async fn may_unlink(&self, user: &UserRecord, name: &str) -> Result<bool, StoreError> {
        links::may_unlink(&self.store, user, name).await
    }

    /// Unlinks the provider `name`; answers whether it was linked.
    pub async fn unlink_upstream(&self, user_id: u64, name: &str) -> Result<bool, StoreError> {
        Ok(self.store.unlink_upstream(user_id, name).await?.is_some())
    }

    /// The providers linked to `user`, and those that are not.
    pub async fn upstream_section(&self, user: &UserRecord) -> Result<UpstreamSection, StoreError> {
        let mine = self.store.upstream_links_of(user.id).await?;
        let mut linked = Vec::with_capacity(mine.len());
        for link in &mine {
            let label = self
                .upstream_label(&link.provider)
                .unwrap_or(&link.provider)
                .to_owned();
            linked.push(LinkedProvider {
                name: link.provider.clone(),
                label,
                upstream_name: link.upstream_name.clone(),
                since: link.linked_at,
                may_unlink: self.may_unlink(user, &link.provider).await?,
            });
        }
        let unlinked = self
            .upstream_providers()
            .filter(|(name, _)| !mine.iter().any(|l| l.provider == *name))
            .map(|(name, label)| (name.to_owned(), label.to_owned()))
            .collect();
        Ok(UpstreamSection { linked, unlinked })
    }
}
