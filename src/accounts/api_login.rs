//! Sign-in through an API instead of the login page, as ScratchOAuth2's
//! login endpoints do it: a script starts a login for a username and gets a
//! code and a CSRF token; the person proves the login is theirs by entering
//! the code while signed in (Gatehouse's stand-in for "comment the code on
//! your profile"); the script then finishes with the CSRF token and its
//! HTTP session is signed in. Each request is single-use and short-lived.

use crate::crypto::random::fill;
use crate::crypto::sha256;
use crate::store::{LoginRequestRecord, Store, StoreError, UserRecord};

/// How long a started login waits for the person, in seconds.
pub const LOGIN_REQUEST_TTL: u64 = 600;

/// What starting a login answers: the document's Code object.
#[derive(Debug, Clone)]
pub struct LoginCode {
    /// The username being signed in.
    pub username: String,
    /// The token that finishes the login.
    pub csrf: String,
    /// The code the person confirms.
    pub code: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(len: usize) -> Result<String, StoreError> {
    let mut bytes = vec![0u8; len];
    fill(&mut bytes).map_err(|_| StoreError::Db("no randomness".into()))?;
    Ok(hex(&bytes))
}

/// A code in the document's shape: thirteen groups of five hex digits
/// (260 bits) joined by colons.
fn new_code() -> Result<String, StoreError> {
    let digits = random_hex(33)?;
    Ok(digits
        .as_bytes()
        .chunks(5)
        .take(13)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

/// Normalises a code as a person may type it (case, spaces).
fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Starts a login for `user`; answers the Code object.
pub async fn start(store: &Store, user: &UserRecord, now: u64) -> Result<LoginCode, StoreError> {
    loop {
        let (csrf, code) = (random_hex(32)?, new_code()?);
        let record = LoginRequestRecord {
            user_id: user.id,
            expires_at: now + LOGIN_REQUEST_TTL,
            confirmed: false,
        };
        let stored = store
            .insert_login_request(
                &sha256(csrf.as_bytes()),
                &sha256(normalize(&code).as_bytes()),
                &record,
            )
            .await?;
        if stored {
            return Ok(LoginCode {
                username: user.username.clone(),
                csrf,
                code,
            });
        }
    }
}

/// The signed-in `user` confirms a code; `false` when it names no live
/// login of theirs.
pub async fn confirm(
    store: &Store,
    user: &UserRecord,
    code: &str,
    now: u64,
) -> Result<bool, StoreError> {
    store
        .confirm_login_code(&sha256(normalize(code).as_bytes()), user.id, now)
        .await
}

/// Finishes a login for `user` with its CSRF token: `true` once (and only
/// once) when the person confirmed it, or at once when `confirmation_needed`
/// is false (development mode).
pub async fn finish(
    store: &Store,
    user: &UserRecord,
    csrf: &str,
    now: u64,
    confirmation_needed: bool,
) -> Result<bool, StoreError> {
    let taken = store
        .take_login_request(&sha256(csrf.as_bytes()), user.id, now, confirmation_needed)
        .await?;
    Ok(taken.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_documents_shape() {
        let code = new_code().unwrap();
        let groups: Vec<&str> = code.split(':').collect();
        assert_eq!(groups.len(), 13);
        assert!(groups
            .iter()
            .all(|g| g.len() == 5 && g.chars().all(|c| c.is_ascii_hexdigit())));
        assert_ne!(code, new_code().unwrap());
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalize(" 4B8DE:ac2dc \n"), "4b8de:ac2dc");
    }
}
