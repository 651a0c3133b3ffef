//! Sign-in through another provider: the sign-ins waiting for the
//! provider's answer (single use, swept at expiry), and the links from
//! upstream accounts to local ones with their listing per person.

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::*;

/// The key of a link: the provider's name, a zero byte, the upstream subject.
pub(super) fn link_key(provider: &str, subject: &str) -> Vec<u8> {
    let mut key = provider.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(subject.as_bytes());
    key
}

/// The key of a person's link listing: the user id, then the provider's name.
pub(super) fn user_link_key(user_id: u64, provider: &str) -> Vec<u8> {
    let mut key = user_id.to_be_bytes().to_vec();
    key.extend_from_slice(provider.as_bytes());
    key
}

fn tx_err(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => db_err(e),
    }
}

impl SledStore {
    /// Stores a sign-in waiting for the provider's answer.
    pub async fn insert_upstream_pending(
        &self,
        digest: &Digest,
        record: &UpstreamPendingRecord,
    ) -> StoreResult<()> {
        self.expiry
            .insert(
                expiry_key(record.expires_at, Expiring::UpstreamPending, digest),
                &[],
            )
            .map_err(db_err)?;
        self.upstream_pending
            .insert(digest, encode(record)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// Takes the waiting sign-in under this digest (one remove: of two
    /// callers, one gets it).
    pub async fn take_upstream_pending(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<UpstreamPendingRecord>> {
        let Some(bytes) = self.upstream_pending.remove(digest).map_err(db_err)? else {
            return Ok(None);
        };
        self.flush().await?;
        decode(&bytes).map(Some)
    }

    /// The link of an upstream account, if it is linked.
    pub async fn upstream_link(
        &self,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<UpstreamLinkRecord>> {
        self.upstream_links
            .get(link_key(provider, subject))
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Every provider linked to a user, in provider-name order.
    pub async fn upstream_links_of(&self, user_id: u64) -> StoreResult<Vec<UpstreamLinkRecord>> {
        self.user_upstreams
            .scan_prefix(user_id.to_be_bytes())
            .values()
            .map(|v| decode(&v.map_err(db_err)?))
            .collect()
    }

    /// Links an upstream account to a user, atomically in both trees: not
    /// when the upstream account is linked already, nor when the user has
    /// another account of that provider.
    pub async fn link_upstream(&self, link: &UpstreamLinkRecord) -> StoreResult<LinkOutcome> {
        let key = link_key(&link.provider, &link.subject);
        let user_key = user_link_key(link.user_id, &link.provider);
        let value = encode(link)?;
        let outcome = (&self.upstream_links, &self.user_upstreams)
            .transaction(|(links, mine)| {
                if let Some(existing) = links.get(&key)? {
                    let existing: UpstreamLinkRecord =
                        decode(&existing).map_err(ConflictableTransactionError::Abort)?;
                    return Ok(LinkOutcome::SubjectTaken(existing.user_id));
                }
                if mine.get(&user_key)?.is_some() {
                    return Ok(LinkOutcome::ProviderTaken);
                }
                links.insert(key.as_slice(), value.as_slice())?;
                mine.insert(user_key.as_slice(), value.as_slice())?;
                Ok(LinkOutcome::Linked)
            })
            .map_err(tx_err)?;
        if outcome == LinkOutcome::Linked {
            self.flush().await?;
        }
        Ok(outcome)
    }

    /// Removes a user's link to a provider, from both trees at once; answers
    /// the link that was removed.
    pub async fn unlink_upstream(
        &self,
        user_id: u64,
        provider: &str,
    ) -> StoreResult<Option<UpstreamLinkRecord>> {
        let user_key = user_link_key(user_id, provider);
        let removed = (&self.upstream_links, &self.user_upstreams)
            .transaction(|(links, mine)| {
                let Some(bytes) = mine.remove(user_key.as_slice())? else {
                    return Ok(None);
                };
                let link: UpstreamLinkRecord =
                    decode(&bytes).map_err(ConflictableTransactionError::Abort)?;
                links.remove(link_key(&link.provider, &link.subject))?;
                Ok(Some(link))
            })
            .map_err(tx_err)?;
        if removed.is_some() {
            self.flush().await?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(user_id: u64, provider: &str, subject: &str) -> UpstreamLinkRecord {
        UpstreamLinkRecord {
            user_id,
            provider: provider.into(),
            subject: subject.into(),
            upstream_name: Some("bob".into()),
            linked_at: 1,
        }
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        actix_web::rt::System::new().block_on(f)
    }

    #[test]
    fn a_link_is_made_once_and_listed_and_removed_from_both_sides() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("db"), 1 << 20).unwrap();
        run(async {
            assert_eq!(
                store.link_upstream(&link(7, "up", "42")).await.unwrap(),
                LinkOutcome::Linked
            );
            assert_eq!(
                store.link_upstream(&link(8, "up", "42")).await.unwrap(),
                LinkOutcome::SubjectTaken(7)
            );
            assert_eq!(
                store.link_upstream(&link(7, "up", "43")).await.unwrap(),
                LinkOutcome::ProviderTaken
            );
            assert_eq!(
                store.link_upstream(&link(7, "gh", "42")).await.unwrap(),
                LinkOutcome::Linked
            );
            let mine = store.upstream_links_of(7).await.unwrap();
            let names: Vec<&str> = mine.iter().map(|l| l.provider.as_str()).collect();
            assert_eq!(names, ["gh", "up"]);
            assert!(store.upstream_links_of(8).await.unwrap().is_empty());
            let gone = store.unlink_upstream(7, "up").await.unwrap().unwrap();
            assert_eq!(gone.subject, "42");
            assert!(store.upstream_link("up", "42").await.unwrap().is_none());
            assert!(store.unlink_upstream(7, "up").await.unwrap().is_none());
            assert_eq!(store.upstream_links_of(7).await.unwrap().len(), 1);
        });
    }

    #[test]
    fn a_waiting_sign_in_is_taken_once_and_swept_at_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("db"), 1 << 20).unwrap();
        let record = UpstreamPendingRecord {
            provider: "up".into(),
            state_digest: [1; 32],
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            next: "/".into(),
            link_user: None,
            created_at: 100,
            expires_at: 700,
        };
        run(async {
            store
                .insert_upstream_pending(&[2; 32], &record)
                .await
                .unwrap();
            store
                .insert_upstream_pending(&[3; 32], &record)
                .await
                .unwrap();
            assert_eq!(
                store.take_upstream_pending(&[2; 32]).await.unwrap(),
                Some(record.clone())
            );
            assert_eq!(store.take_upstream_pending(&[2; 32]).await.unwrap(), None);
            store.sweep_expired(701, 100).unwrap();
            assert_eq!(store.take_upstream_pending(&[3; 32]).await.unwrap(), None);
        });
    }
}
