//! Browser sessions and remembered consents.

use super::*;

impl SledStore {
    // ---- sessions ----

    /// Stores a new session; durable when it returns.
    pub async fn insert_session(
        &self,
        digest: &Digest,
        session: &SessionRecord,
    ) -> StoreResult<()> {
        self.expiry
            .insert(
                expiry_key(session.expires_at, Expiring::Session, digest),
                &[],
            )
            .map_err(db_err)?;
        self.sessions
            .insert(digest, encode(session)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// The session stored under this digest.
    pub async fn session(&self, digest: &Digest) -> StoreResult<Option<SessionRecord>> {
        self.sessions
            .get(digest)
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Records activity on a session; not flushed (losing it only shortens the session).
    pub async fn touch_session(&self, digest: &Digest, session: &SessionRecord) -> StoreResult<()> {
        self.sessions
            .insert(digest, encode(session)?)
            .map_err(db_err)?;
        Ok(())
    }

    /// Ends a session; durable when it returns.
    pub async fn remove_session(&self, digest: &Digest) -> StoreResult<()> {
        self.sessions.remove(digest).map_err(db_err)?;
        self.flush().await
    }

    // ---- consents ----

    /// The consent a user gave a client, if any.
    pub async fn consent(
        &self,
        user_id: u64,
        client_id: &str,
    ) -> StoreResult<Option<ConsentRecord>> {
        self.consents
            .get(consent_key(user_id, client_id))
            .map_err(db_err)?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Records a consent; durable when it returns.
    pub async fn put_consent(
        &self,
        user_id: u64,
        client_id: &str,
        consent: &ConsentRecord,
    ) -> StoreResult<()> {
        self.consents
            .insert(consent_key(user_id, client_id), encode(consent)?)
            .map_err(db_err)?;
        self.flush().await
    }
}
