//! Sign-in through another provider on PostgreSQL: the sign-ins waiting
//! for the provider's answer (single use: one `DELETE … RETURNING`), and
//! the links from upstream accounts to local ones. One row per link, whose
//! primary key (provider, subject) and unique (user, provider) stand for
//! the embedded store's two trees, so a link is made or refused by one
//! `INSERT … ON CONFLICT DO NOTHING`.

use super::people::decode_rows;
use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::codec::{decode, encode};
use crate::store::{LinkOutcome, StoreResult, UpstreamLinkRecord, UpstreamPendingRecord};

impl PgStore {
    /// Stores a sign-in waiting for the provider's answer.
    pub async fn insert_upstream_pending(
        &self,
        digest: &Digest,
        record: &UpstreamPendingRecord,
    ) -> StoreResult<()> {
        self.put_expiring("upstream_pending", digest, record.expires_at, record)
            .await
    }

    /// Takes the waiting sign-in under this digest (one delete: of two
    /// callers, one gets it).
    pub async fn take_upstream_pending(
        &self,
        digest: &Digest,
    ) -> StoreResult<Option<UpstreamPendingRecord>> {
        Ok(self
            .record_by_digest(
                "DELETE FROM upstream_pending WHERE digest = $1 RETURNING record",
                digest,
            )
            .await?
            .map(|(_, r)| r))
    }

    /// The link of an upstream account, if it is linked.
    pub async fn upstream_link(
        &self,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<UpstreamLinkRecord>> {
        self.client_conn()
            .await?
            .query_opt(
                "SELECT record FROM upstream_links WHERE provider = $1 AND subject = $2",
                &[&provider, &subject],
            )
            .await
            .map_err(db_err)?
            .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
            .transpose()
    }

    /// Every provider linked to a user, in provider-name order (byte
    /// order, as the embedded store keeps them).
    pub async fn upstream_links_of(&self, user_id: u64) -> StoreResult<Vec<UpstreamLinkRecord>> {
        let rows = self
            .client_conn()
            .await?
            .query(
                "SELECT record FROM upstream_links WHERE user_id = $1",
                &[&i64_of(user_id)],
            )
            .await
            .map_err(db_err)?;
        let mut links: Vec<UpstreamLinkRecord> = decode_rows(&rows)?;
        links.sort_by(|a, b| a.provider.as_bytes().cmp(b.provider.as_bytes()));
        Ok(links)
    }

    /// Links an upstream account to a user, atomically: not when the
    /// upstream account is linked already, nor when the user has another
    /// account of that provider.
    pub async fn link_upstream(&self, link: &UpstreamLinkRecord) -> StoreResult<LinkOutcome> {
        let value = encode(link)?;
        loop {
            let inserted = self
                .client_conn()
                .await?
                .execute(
                    "INSERT INTO upstream_links (provider, subject, user_id, record) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    &[
                        &link.provider as Param<'_>,
                        &link.subject,
                        &i64_of(link.user_id),
                        &value,
                    ],
                )
                .await
                .map_err(db_err)?;
            if inserted == 1 {
                return Ok(LinkOutcome::Linked);
            }
            // Refused: say which way, the subject first as the embedded
            // store does. Neither, when the link that stood in the way
            // went meanwhile: try again.
            if let Some(existing) = self.upstream_link(&link.provider, &link.subject).await? {
                return Ok(LinkOutcome::SubjectTaken(existing.user_id));
            }
            let mine = self
                .client_conn()
                .await?
                .query_opt(
                    "SELECT 1 FROM upstream_links WHERE user_id = $1 AND provider = $2",
                    &[&i64_of(link.user_id) as Param<'_>, &link.provider],
                )
                .await
                .map_err(db_err)?;
            if mine.is_some() {
                return Ok(LinkOutcome::ProviderTaken);
            }
        }
    }

    /// Removes a user's link to a provider; answers the link that was
    /// removed.
    pub async fn unlink_upstream(
        &self,
        user_id: u64,
        provider: &str,
    ) -> StoreResult<Option<UpstreamLinkRecord>> {
        self.client_conn()
            .await?
            .query_opt(
                "DELETE FROM upstream_links WHERE user_id = $1 AND provider = $2 \
                 RETURNING record",
                &[&i64_of(user_id) as Param<'_>, &provider],
            )
            .await
            .map_err(db_err)?
            .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
            .transpose()
    }
}
