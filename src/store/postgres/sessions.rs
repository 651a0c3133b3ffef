//! Browser sessions and remembered consents on PostgreSQL. A session is
//! one row under its cookie's digest, with its user id as the per-user
//! index (the sled adapter's `user_sessions` tree) and its end for the
//! sweeper; a consent is one row under (user id, client id).

use super::{db_err, i64_of, Param, PgStore};
use crate::crypto::Digest;
use crate::store::codec::{decode, encode};
use crate::store::{ConsentRecord, SessionRecord, StoreError, StoreResult};

/// A digest read back from a `BYTEA` key column.
fn digest_of(bytes: &[u8]) -> StoreResult<Digest> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Codec("bad session digest".into()))
}

fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl PgStore {
    // ---- sessions ----

    /// Stores a new session; durable when it returns.
    pub async fn insert_session(
        &self,
        digest: &Digest,
        session: &SessionRecord,
    ) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO sessions (digest, user_id, expires_at, record) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (digest) DO UPDATE SET user_id = EXCLUDED.user_id, \
                 expires_at = EXCLUDED.expires_at, record = EXCLUDED.record",
                &[
                    &digest.as_slice() as Param<'_>,
                    &i64_of(session.user_id),
                    &i64_of(session.expires_at),
                    &encode(session)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The session stored under this digest.
    pub async fn session(&self, digest: &Digest) -> StoreResult<Option<SessionRecord>> {
        Ok(self
            .record_by_digest::<SessionRecord>(
                "SELECT record FROM sessions WHERE digest = $1",
                digest,
            )
            .await?
            .map(|(_, r)| r))
    }

    /// Records activity on a session (losing it only shortens the session).
    /// A session ended meanwhile, on any instance, stays ended: only an
    /// existing row is changed.
    pub async fn touch_session(&self, digest: &Digest, session: &SessionRecord) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "UPDATE sessions SET expires_at = $2, record = $3 WHERE digest = $1",
                &[
                    &digest.as_slice() as Param<'_>,
                    &i64_of(session.expires_at),
                    &encode(session)?,
                ],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Ends a session; durable when it returns.
    pub async fn remove_session(&self, digest: &Digest) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "DELETE FROM sessions WHERE digest = $1",
                &[&digest.as_slice() as Param<'_>],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// A user's sessions, by digest (expired ones included until swept).
    pub async fn sessions_of(&self, user_id: u64) -> StoreResult<Vec<(Digest, SessionRecord)>> {
        let rows = self
            .client_conn()
            .await?
            .query(
                "SELECT digest, record FROM sessions WHERE user_id = $1 ORDER BY digest",
                &[&i64_of(user_id)],
            )
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let digest = digest_of(row.get::<_, &[u8]>(0))?;
                Ok((digest, decode(row.get::<_, &[u8]>(1))?))
            })
            .collect()
    }

    /// Ends every session of a user but `keep`; durable when it returns.
    pub async fn remove_sessions_of(
        &self,
        user_id: u64,
        keep: Option<&Digest>,
    ) -> StoreResult<usize> {
        let client = self.client_conn().await?;
        let user_id = i64_of(user_id);
        let ended = match keep {
            Some(keep) => {
                client
                    .execute(
                        "DELETE FROM sessions WHERE user_id = $1 AND digest <> $2",
                        &[&user_id as Param<'_>, &keep.as_slice()],
                    )
                    .await
            }
            None => {
                client
                    .execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id])
                    .await
            }
        }
        .map_err(db_err)?;
        Ok(count(ended))
    }

    // ---- consents ----

    /// The consent a user gave a client, if any.
    pub async fn consent(
        &self,
        user_id: u64,
        client_id: &str,
    ) -> StoreResult<Option<ConsentRecord>> {
        let row = self
            .client_conn()
            .await?
            .query_opt(
                "SELECT record FROM consents WHERE user_id = $1 AND client_id = $2",
                &[&i64_of(user_id) as Param<'_>, &client_id],
            )
            .await
            .map_err(db_err)?;
        row.map(|row| decode(row.get::<_, &[u8]>(0))).transpose()
    }

    /// Records a consent; durable when it returns.
    pub async fn put_consent(
        &self,
        user_id: u64,
        client_id: &str,
        consent: &ConsentRecord,
    ) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO consents (user_id, client_id, record) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, client_id) DO UPDATE SET record = EXCLUDED.record",
                &[&i64_of(user_id) as Param<'_>, &client_id, &encode(consent)?],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Every consent a user gave, by client id (in the byte order of the
    /// ids, as the embedded store lists them, whatever the collation).
    pub async fn consents_of(&self, user_id: u64) -> StoreResult<Vec<(String, ConsentRecord)>> {
        let rows = self
            .client_conn()
            .await?
            .query(
                "SELECT client_id, record FROM consents WHERE user_id = $1",
                &[&i64_of(user_id)],
            )
            .await
            .map_err(db_err)?;
        let mut found = rows
            .iter()
            .map(|row| Ok((row.get::<_, String>(0), decode(row.get::<_, &[u8]>(1))?)))
            .collect::<StoreResult<Vec<_>>>()?;
        found.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(found)
    }

    /// Forgets a consent; durable when it returns.
    pub async fn remove_consent(&self, user_id: u64, client_id: &str) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "DELETE FROM consents WHERE user_id = $1 AND client_id = $2",
                &[&i64_of(user_id) as Param<'_>, &client_id],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
