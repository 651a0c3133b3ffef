//! The accounts service: every account operation the HTTP layer performs,
//! as a named method over what those operations need (the store, the
//! clock, the settings they read, the passkey relying party and the
//! upstream providers). Handlers call these methods and never see the
//! store; the methods are thin wrappers over the free functions beside
//! them in `accounts/`.

mod directory;
mod email;
mod leaving;
mod passkeys;
mod upstream;

pub use upstream::{LinkedProvider, UpstreamSection};

use super::api_login::{self, LoginCode};
use super::factors::{self, Summary};
use super::login::PasswordChecker;
use super::passkeys::Passkeys;
use super::profile::{self, AuthorizedApp};
use super::signup::{self, SignupError, SignupForm};
use super::upstream::Upstreams;
use super::users::{self, AccountError, NewUser};
use super::{admin, dev, sessions};
use crate::accounts::signup::Signup;
use crate::clock::Clock;
use crate::crypto::Digest;
use crate::store::{PendingSignInRecord, SessionRecord, Store, StoreError, UserRecord};

/// The settings account operations read.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// The issuer identifier (the export names it).
    pub issuer: String,
    /// PBKDF2 iterations for new password hashes.
    pub pbkdf2_iterations: u32,
    /// Session idle lifetime in seconds.
    pub session_idle: u64,
    /// Session absolute lifetime in seconds.
    pub session_absolute: u64,
}

/// The account operations, over the store and the settings they read.
#[derive(Debug)]
pub struct Accounts {
    store: Store,
    clock: Clock,
    settings: AccountSettings,
    passkeys: Option<Passkeys>,
    upstreams: Upstreams,
}

impl Accounts {
    /// The service over `store`, with its clock, settings, passkey relying
    /// party (none when the issuer's host is an IP address) and upstream providers.
    pub fn new(
        store: Store,
        clock: Clock,
        settings: AccountSettings,
        passkeys: Option<Passkeys>,
        upstreams: Upstreams,
    ) -> Self {
        Accounts {
            store,
            clock,
            settings,
            passkeys,
            upstreams,
        }
    }

    fn now(&self) -> u64 {
        self.clock.now()
    }

    // Users.

    /// The user with this id, if any.
    pub async fn user(&self, id: u64) -> Result<Option<UserRecord>, StoreError> {
        self.store.user(id).await
    }

    /// The user with this username, if any (disabled ones included).
    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        self.store.user_by_name(username).await
    }

    /// Creates an account as an administrator describes it.
    pub async fn create_user(&self, new: NewUser) -> Result<UserRecord, AccountError> {
        users::create(
            &self.store,
            new,
            self.settings.pbkdf2_iterations,
            self.now(),
        )
        .await
    }

    /// Disables or enables an account (disabling ends its sessions).
    pub async fn set_disabled(&self, user_id: u64, disabled: bool) -> Result<(), AccountError> {
        admin::set_disabled(&self.store, user_id, disabled, self.now()).await
    }

    /// Gives or takes administrator rights.
    pub async fn set_admin(&self, user_id: u64, is_admin: bool) -> Result<(), AccountError> {
        admin::set_admin(&self.store, user_id, is_admin, self.now()).await
    }

    /// Development mode: signs in as `username` with `claims`, creating the account.
    pub async fn dev_sign_in(
        &self,
        username: &str,
        claims: &str,
    ) -> Result<UserRecord, AccountError> {
        dev::sign_in_as(
            &self.store,
            username,
            claims,
            self.settings.pbkdf2_iterations,
            self.now(),
        )
        .await
    }

    // Sessions.

    /// The live session a session cookie names, and its person.
    pub async fn current_session(
        &self,
        cookie: &str,
    ) -> Result<Option<(SessionRecord, UserRecord)>, StoreError> {
        sessions::resolve(&self.store, cookie, self.now(), self.settings.session_idle).await
    }

    /// Starts a session for `user_id`, who authenticated by `amr`; answers its cookie.
    pub async fn create_session(
        &self,
        user_id: u64,
        amr: Vec<String>,
    ) -> Result<String, StoreError> {
        sessions::create(
            &self.store,
            user_id,
            amr,
            self.now(),
            self.settings.session_absolute,
        )
        .await
    }

    /// Ends the session a cookie names.
    pub async fn end_session(&self, cookie: &str) -> Result<(), StoreError> {
        sessions::end(&self.store, cookie).await
    }

    /// Ends every session of a person; answers how many.
    pub async fn end_all_sessions(&self, user_id: u64) -> Result<usize, StoreError> {
        self.store.remove_sessions_of(user_id, None).await
    }

    /// Keeps a sign-in waiting for its second factor; answers its cookie.
    pub async fn start_pending(
        &self,
        user_id: u64,
        amr: Vec<String>,
        next: &str,
    ) -> Result<String, StoreError> {
        sessions::start_pending(&self.store, user_id, amr, next, self.now()).await
    }

    /// The waiting sign-in a cookie names, and its person.
    pub async fn pending(
        &self,
        cookie: &str,
    ) -> Result<Option<(PendingSignInRecord, UserRecord)>, StoreError> {
        sessions::pending(&self.store, cookie, self.now()).await
    }

    /// Takes the waiting sign-in a cookie names (once).
    pub async fn take_pending(
        &self,
        cookie: &str,
    ) -> Result<Option<PendingSignInRecord>, StoreError> {
        sessions::take_pending(&self.store, cookie, self.now()).await
    }

    /// A person's live sessions with the digests of their cookies.
    pub async fn live_sessions(
        &self,
        user_id: u64,
    ) -> Result<Vec<(Digest, SessionRecord)>, AccountError> {
        profile::live_sessions(&self.store, user_id, self.now(), self.settings.session_idle).await
    }

    // Profile and password.

    /// Saves a new name and email; answers the record as saved.
    pub async fn update_profile(
        &self,
        user: UserRecord,
        name: &str,
        email: &str,
    ) -> Result<UserRecord, AccountError> {
        profile::update_profile(&self.store, user, name, email, self.now()).await
    }

    /// Changes the password after checking the current one, and ends every
    /// session but the one whose cookie digest is `keep`.
    pub async fn change_password(
        &self,
        user: &UserRecord,
        current: &str,
        new: &str,
        passwords: &PasswordChecker,
        keep: &Digest,
    ) -> Result<(), AccountError> {
        profile::change_password(
            &self.store,
            user,
            current,
            new,
            self.settings.pbkdf2_iterations,
            passwords,
            keep,
            self.now(),
        )
        .await
    }

    /// The applications a person has authorized.
    pub async fn authorized_apps(&self, user_id: u64) -> Result<Vec<AuthorizedApp>, AccountError> {
        profile::authorized_apps(&self.store, user_id).await
    }

    /// Withdraws consent for an application and revokes its tokens.
    pub async fn withdraw(&self, user_id: u64, client_id: &str) -> Result<usize, AccountError> {
        profile::withdraw(&self.store, user_id, client_id).await
    }

    /// Starts a sign-in through the API (Scratch's `PUT /login/{username}`):
    /// the code the person confirms on their account page.
    pub async fn start_api_login(&self, user: &UserRecord) -> Result<LoginCode, StoreError> {
        api_login::start(&self.store, user, self.now()).await
    }

    /// Finishes a sign-in through the API with its CSRF token; answers
    /// whether it may go on (confirmed, or `confirmation_needed` is false).
    pub async fn finish_api_login(
        &self,
        user: &UserRecord,
        csrf: &str,
        confirmation_needed: bool,
    ) -> Result<bool, StoreError> {
        api_login::finish(&self.store, user, csrf, self.now(), confirmation_needed).await
    }

    /// Confirms a sign-in a program started through the API with its code.
    pub async fn confirm_api_login(
        &self,
        user: &UserRecord,
        code: &str,
    ) -> Result<bool, StoreError> {
        api_login::confirm(&self.store, user, code, self.now()).await
    }

    // Second factors.

    /// What second factors a person has.
    pub async fn factors(&self, user_id: u64) -> Result<Summary, AccountError> {
        factors::summary(&self.store, user_id).await
    }

    /// Whether a person has any second factor.
    pub async fn has_second_factor(&self, user_id: u64) -> Result<bool, AccountError> {
        factors::has_second_factor(&self.store, user_id).await
    }

    /// Enrols an authenticator app once `code` proves it; answers new
    /// recovery codes when the person had none.
    pub async fn enrol_totp(
        &self,
        user_id: u64,
        secret: &[u8],
        code: &str,
    ) -> Result<Option<Vec<String>>, AccountError> {
        factors::enrol_totp(&self.store, user_id, secret, code, self.now()).await
    }

    /// Removes the authenticator app; answers whether there was one.
    pub async fn remove_totp(&self, user_id: u64) -> Result<bool, AccountError> {
        factors::remove_totp(&self.store, user_id).await
    }

    /// Replaces the recovery codes; answers the new ones.
    pub async fn renew_recovery_codes(&self, user_id: u64) -> Result<Vec<String>, AccountError> {
        factors::renew_recovery_codes(&self.store, user_id).await
    }

    // Sign-up.

    /// Refuses (with the reason) a sign-up the `policy` and `invite` do not allow.
    pub async fn may_sign_up(
        &self,
        policy: Signup,
        invite: Option<&str>,
    ) -> Result<(), SignupError> {
        signup::may_sign_up(&self.store, policy, invite, self.now()).await
    }

    /// Creates an account from the sign-up form, spending `invite` if given.
    pub async fn sign_up(
        &self,
        policy: Signup,
        invite: Option<&str>,
        form: SignupForm<'_>,
        passwords: &PasswordChecker,
    ) -> Result<UserRecord, SignupError> {
        signup::sign_up(
            &self.store,
            policy,
            invite,
            form,
            self.settings.pbkdf2_iterations,
            self.now(),
            passwords,
        )
        .await
    }

    /// Makes a single-use invitation valid for `ttl` seconds; answers its token.
    pub async fn create_invite(&self, ttl: u64) -> Result<String, StoreError> {
        signup::create_invite(&self.store, self.now(), ttl).await
    }
}

#[cfg(test)]
mod tests;
