//! Sign-up by policy: open, by single-use invitation, or closed (the default).

use super::profile::check_email;
use super::users::{self, AccountError, NewUser};
use crate::crypto::{new_token, sha256, TokenKind};
use crate::store::{InviteRecord, Store, StoreError, UserRecord};

/// Who may create an account at `/signup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Signup {
    /// Anyone.
    Open,
    /// Holders of a single-use invitation.
    Invite,
    /// Nobody: accounts are made by administrators.
    #[default]
    Closed,
}

impl Signup {
    /// The setting's name, as the flag takes it.
    pub fn name(self) -> &'static str {
        match self {
            Signup::Open => "open",
            Signup::Invite => "invite",
            Signup::Closed => "closed",
        }
    }
}

impl std::str::FromStr for Signup {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Signup::Open),
            "invite" => Ok(Signup::Invite),
            "closed" => Ok(Signup::Closed),
            other => Err(format!("`{other}`: use open, invite or closed")),
        }
    }
}

/// Why a sign-up did not happen.
#[derive(Debug)]
pub enum SignupError {
    /// Sign-up is closed, or the invitation is missing, used or expired.
    NotAllowed(&'static str),
    /// A field is not acceptable: its name and the problem.
    Field(&'static str, String),
    /// The database failed.
    Store(StoreError),
}

impl From<StoreError> for SignupError {
    fn from(e: StoreError) -> Self {
        SignupError::Store(e)
    }
}

/// What the sign-up form sends.
#[derive(Debug)]
pub struct SignupForm<'a> {
    /// The wanted username.
    pub username: &'a str,
    /// The password.
    pub password: &'a str,
    /// An email address, optional.
    pub email: &'a str,
    /// A display name, optional.
    pub name: &'a str,
}

/// Makes a single-use invitation valid for `ttl` seconds; answers its token.
pub async fn create_invite(store: &Store, now: u64, ttl: u64) -> Result<String, StoreError> {
    let token = new_token(TokenKind::Invite).map_err(|_| StoreError::Db("no randomness".into()))?;
    let record = InviteRecord {
        created_at: now,
        expires_at: now + ttl,
        used: false,
    };
    store
        .insert_invite(&sha256(token.as_bytes()), &record)
        .await?;
    Ok(token)
}

/// Whether the policy lets this visitor see the form.
pub async fn may_sign_up(
    store: &Store,
    policy: Signup,
    invite: Option<&str>,
    now: u64,
) -> Result<(), SignupError> {
    match policy {
        Signup::Open => Ok(()),
        Signup::Closed => Err(SignupError::NotAllowed(
            "Sign-up is closed on this server; ask an administrator for an account.",
        )),
        Signup::Invite => {
            let usable = match invite {
                Some(token) => store.invite_usable(&sha256(token.as_bytes()), now).await?,
                None => false,
            };
            if usable {
                Ok(())
            } else {
                Err(SignupError::NotAllowed(
                    "Sign-up needs an invitation, and this one is missing, used or expired.",
                ))
            }
        }
    }
}

fn field(name: &'static str, e: AccountError) -> SignupError {
    match e {
        AccountError::Invalid(why) => SignupError::Field(name, why),
        AccountError::Taken => SignupError::Field("username", "that username is taken".into()),
        AccountError::Store(e) => SignupError::Store(e),
        other => SignupError::Store(StoreError::Db(other.to_string())),
    }
}

/// Creates the account: checks the fields, spends the invitation, creates the user.
pub async fn sign_up(
    store: &Store,
    policy: Signup,
    invite: Option<&str>,
    form: SignupForm<'_>,
    iterations: u32,
    now: u64,
    passwords: &super::login::PasswordChecker,
) -> Result<UserRecord, SignupError> {
    may_sign_up(store, policy, invite, now).await?;
    users::check_username(form.username).map_err(|e| field("username", e))?;
    users::check_password(form.username, form.password).map_err(|e| field("password", e))?;
    let email = form.email.trim();
    if !email.is_empty() {
        check_email(email).map_err(|e| field("email", e))?;
    }
    users::check_free(store, form.username)
        .await
        .map_err(|e| field("username", e))?;
    if let (Signup::Invite, Some(token)) = (policy, invite) {
        if !store.spend_invite(&sha256(token.as_bytes()), now).await? {
            return Err(SignupError::NotAllowed("This invitation was just used."));
        }
    }
    let name = form.name.trim();
    let user = NewUser {
        username: form.username.to_owned(),
        password: form.password.to_owned(),
        email: (!email.is_empty()).then(|| email.to_owned()),
        name: (!name.is_empty()).then(|| name.to_owned()),
        admin: false,
    };
    // Hashing the new password waits its turn like a sign-in's check does.
    let _turn = passwords.turn().await;
    users::create(store, user, iterations, now)
        .await
        .map_err(|e| field("username", e))
}
