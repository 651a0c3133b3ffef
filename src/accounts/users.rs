//! Creating users, changing passwords, and checking a username's form.

use crate::crypto::password;
use crate::store::{Store, StoreError, UserRecord};

/// A new account as an administrator or a seed file describes it.
#[derive(Clone)]
pub struct NewUser {
    /// The sign-in name.
    pub username: String,
    /// The password in clear (hashed before it is stored).
    pub password: String,
    /// The email address.
    pub email: Option<String>,
    /// The display name.
    pub name: Option<String>,
    /// Whether the user is an administrator.
    pub admin: bool,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Why an account operation failed.
#[derive(Debug)]
pub enum AccountError {
    /// The input is not acceptable; the text says why.
    Invalid(String),
    /// The username is taken.
    Taken,
    /// No such user.
    NotFound,
    /// The database failed.
    Store(StoreError),
}

impl std::fmt::Display for AccountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccountError::Invalid(why) => f.write_str(why),
            AccountError::Taken => f.write_str("that username is taken"),
            AccountError::NotFound => f.write_str("no such user"),
            AccountError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AccountError {}

impl AccountError {
    /// This failure as the core's error where no finer mapping applies: a
    /// database failure keeps its kind (unreachable is a 503), anything
    /// else is internal.
    pub fn into_error(self) -> crate::error::Error {
        match self {
            AccountError::Store(e) => e.into(),
            other => crate::error::Error::internal(other),
        }
    }
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        AccountError::Store(e)
    }
}

/// Checks a username: 1 to 64 letters, digits, `.`, `_` or `-`.
pub fn check_username(username: &str) -> Result<(), AccountError> {
    let ok_len = (1..=64).contains(&username.len());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(AccountError::Invalid(
            "a username has 1 to 64 characters: letters, digits, '.', '_' or '-'".into(),
        ))
    }
}

/// Checks a password: 8 to 1024 characters, not the username.
pub fn check_password(username: &str, password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if chars < 8 {
        return Err(AccountError::Invalid(
            "a password has at least 8 characters".into(),
        ));
    }
    if chars > 1024 {
        return Err(AccountError::Invalid(
            "a password has at most 1024 characters".into(),
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(AccountError::Invalid(
            "the password must not be the username".into(),
        ));
    }
    Ok(())
}

/// Hashes a password on a blocking thread.
pub async fn hash_password(password: String, iterations: u32) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || password::hash(&password, iterations))
        .await
        .map_err(|e| AccountError::Store(StoreError::Db(e.to_string())))?
        .map_err(|_| AccountError::Invalid("could not hash the password".into()))
}

/// Creates a user after checking the username and password.
pub async fn create(
    store: &Store,
    user: NewUser,
    iterations: u32,
    now: u64,
) -> Result<UserRecord, AccountError> {
    check_password(&user.username, &user.password)?;
    create_unchecked_password(store, user, iterations, now).await
}

/// Creates a user whose password an administrator chose in a seed file,
/// where the length rule was checked (and only warned about) already.
pub async fn create_unchecked_password(
    store: &Store,
    user: NewUser,
    iterations: u32,
    now: u64,
) -> Result<UserRecord, AccountError> {
    check_username(&user.username)?;
    check_free(store, &user.username).await?;
    let password_hash = hash_password(user.password, iterations).await?;
    let record = UserRecord {
        id: 0,
        username: user.username,
        password_hash,
        email: user.email,
        email_verified: false,
        name: user.name,
        admin: user.admin,
        disabled: false,
        created_at: now,
        updated_at: now,
        extra_claims: None,
    };
    store.create_user(record).await?.ok_or(AccountError::Taken)
}

/// Checks that a username is free: `Taken` when someone has it, `Invalid`
/// (saying why) when a deleted account had it, since those are never reused.
/// Creating the user claims the name atomically; this only explains early.
pub async fn check_free(store: &Store, username: &str) -> Result<(), AccountError> {
    if store.user_by_name(username).await?.is_some() {
        return Err(AccountError::Taken);
    }
    if store.retired_username(username).await?.is_some() {
        return Err(AccountError::Invalid(super::leaving::retired_name(
            username,
        )));
    }
    Ok(())
}

/// Replaces a user's password.
pub async fn set_password(
    store: &Store,
    username: &str,
    password: String,
    iterations: u32,
    now: u64,
) -> Result<(), AccountError> {
    let mut user = store
        .user_by_name(username)
        .await?
        .ok_or(AccountError::NotFound)?;
    check_password(&user.username, &password)?;
    user.password_hash = hash_password(password, iterations).await?;
    user.updated_at = now;
    store.put_user(&user).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked() {
        assert!(check_username("alice.l_1-x").is_ok());
        for bad in ["", "al ice", "ålice", &"a".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_checked() {
        assert!(check_password("alice", "wonderland").is_ok());
        assert!(check_password("alice", "short").is_err());
        assert!(check_password("alice123", "ALICE123").is_err());
    }
}
