//! Sign-ins started through an API (ScratchOAuth2's login endpoints): a
//! request under its CSRF token's digest, and its code's digest pointing at it.

use super::*;

impl SledStore {
    /// Stores a new login request; `false` (and nothing stored) when the
    /// code's digest is taken already.
    pub async fn insert_login_request(
        &self,
        digest: &Digest,
        code_digest: &Digest,
        request: &LoginRequestRecord,
    ) -> StoreResult<bool> {
        let claimed = self
            .login_codes
            .compare_and_swap(code_digest, None as Option<&[u8]>, Some(&digest[..]))
            .map_err(db_err)?;
        if claimed.is_err() {
            return Ok(false);
        }
        for (kind, key) in [
            (Expiring::LoginRequest, digest),
            (Expiring::LoginCode, code_digest),
        ] {
            self.expiry
                .insert(expiry_key(request.expires_at, kind, key), &[])
                .map_err(db_err)?;
        }
        self.login_requests
            .insert(digest, encode(request)?)
            .map_err(db_err)?;
        self.flush().await?;
        Ok(true)
    }

    /// Marks the login request that a code's digest names as confirmed by
    /// `user_id`, atomically; `false` when there is none for that user that
    /// is still live at `now`.
    pub async fn confirm_login_code(
        &self,
        code_digest: &Digest,
        user_id: u64,
        now: u64,
    ) -> StoreResult<bool> {
        let Some(digest) = self.login_codes.get(code_digest).map_err(db_err)? else {
            return Ok(false);
        };
        loop {
            let Some(current) = self.login_requests.get(&digest).map_err(db_err)? else {
                return Ok(false);
            };
            let mut request: LoginRequestRecord = decode(&current)?;
            if request.user_id != user_id || now >= request.expires_at {
                return Ok(false);
            }
            request.confirmed = true;
            let swapped = self
                .login_requests
                .compare_and_swap(&digest, Some(current), Some(encode(&request)?))
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(true);
            }
        }
    }

    /// Takes a login request for `user_id` atomically, if it is live at `now`
    /// and confirmed (or `confirmation_needed` is false); a request is taken
    /// once only.
    pub async fn take_login_request(
        &self,
        digest: &Digest,
        user_id: u64,
        now: u64,
        confirmation_needed: bool,
    ) -> StoreResult<Option<LoginRequestRecord>> {
        loop {
            let Some(current) = self.login_requests.get(digest).map_err(db_err)? else {
                return Ok(None);
            };
            let request: LoginRequestRecord = decode(&current)?;
            let ready = request.confirmed || !confirmation_needed;
            if request.user_id != user_id || now >= request.expires_at || !ready {
                return Ok(None);
            }
            let swapped = self
                .login_requests
                .compare_and_swap(digest, Some(current), None as Option<&[u8]>)
                .map_err(db_err)?;
            if swapped.is_ok() {
                self.flush().await?;
                return Ok(Some(request));
            }
        }
    }
}
