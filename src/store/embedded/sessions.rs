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
        self.user_sessions
            .insert(user_session_key(session.user_id, digest), &[])
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
        if let Some(old) = self.sessions.remove(digest).map_err(db_err)? {
            let session: SessionRecord = decode(&old)?;
            self.user_sessions
                .remove(user_session_key(session.user_id, digest))
                .map_err(db_err)?;
        }
        self.flush().await
    }

    /// A user's sessions, by digest (expired ones included until swept).
    pub async fn sessions_of(&self, user_id: u64) -> StoreResult<Vec<(Digest, SessionRecord)>> {
        let mut found = Vec::new();
        for entry in self.user_sessions.scan_prefix(user_id.to_be_bytes()).keys() {
            let key = entry.map_err(db_err)?;
            let digest: Digest = key[8..]
                .try_into()
                .map_err(|_| StoreError::Codec("bad session index entry".into()))?;
            if let Some(session) = self.session(&digest).await? {
                found.push((digest, session));
            }
        }
        Ok(found)
    }

    /// Ends every session of a user but `keep`; durable when it returns.
    pub async fn remove_sessions_of(
        &self,
        user_id: u64,
        keep: Option<&Digest>,
    ) -> StoreResult<usize> {
        let mut ended = 0;
        for entry in self.user_sessions.scan_prefix(user_id.to_be_bytes()).keys() {
            let key = entry.map_err(db_err)?;
            if keep.is_some_and(|k| k[..] == key[8..]) {
                continue;
            }
            if self.sessions.remove(&key[8..]).map_err(db_err)?.is_some() {
                ended += 1;
            }
            self.user_sessions.remove(&key).map_err(db_err)?;
        }
        self.flush().await?;
        Ok(ended)
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

    /// Every consent a user gave, by client id.
    pub async fn consents_of(&self, user_id: u64) -> StoreResult<Vec<(String, ConsentRecord)>> {
        let mut found = Vec::new();
        for entry in self.consents.scan_prefix(user_id.to_be_bytes()) {
            let (key, value) = entry.map_err(db_err)?;
            let client_id = String::from_utf8_lossy(&key[8..]).into_owned();
            found.push((client_id, decode(&value)?));
        }
        Ok(found)
    }

    /// Forgets a consent; durable when it returns.
    pub async fn remove_consent(&self, user_id: u64, client_id: &str) -> StoreResult<()> {
        self.consents
            .remove(consent_key(user_id, client_id))
            .map_err(db_err)?;
        self.flush().await
    }
}
