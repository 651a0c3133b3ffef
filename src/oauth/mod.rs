//! The OAuth 2.0 protocol, free of HTTP types: scopes, client
//! authentication, grants, token issuance, introspection, revocation and the
//! discovery document. Handlers in `http/` parse a request, call one method
//! of [`Provider`], and render what it returns.

pub mod audit;
pub mod authorize;
pub mod claims;
pub mod client_auth;
pub mod client_metadata;
pub mod clients;
pub mod developer;
pub mod device;
pub mod discovery;
pub mod grant;
pub mod id_token;
pub mod introspect;
pub mod keys;
pub mod logout;
mod lookup;
pub mod pkce;
pub mod redirect;
pub mod refresh;
pub mod register;
pub mod resource;
pub mod revoke;
pub mod scope;
pub mod second_factor;
pub mod tokens;
pub mod userinfo;

/// How a person signed in (`amr`, `acr`): defined with the sign-ins it
/// describes, in accounts, and named here for the claims and discovery.
pub use crate::accounts::acr;

use crate::clock::Clock;
use crate::store::Store;

/// The records the handlers and dialects name, kept by the core.
pub use crate::store::{ClientRecord, DeviceRecord, ScopeRecord, StoreError, UserRecord};

/// The newest record format this build writes (for `/healthz`).
pub const STORE_FORMAT: u8 = crate::store::FORMAT;

/// Protocol settings that do not change while the server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The issuer identifier; every URL the server builds starts from it.
    pub issuer: String,
    /// Access token lifetime in seconds.
    pub access_token_ttl: u64,
    /// Refresh token lifetime in seconds (0: never).
    pub refresh_token_ttl: u64,
    /// Authorization code lifetime in seconds.
    pub code_ttl: u64,
    /// Whether confidential clients' refresh tokens rotate on use.
    pub rotate_confidential_refresh: bool,
    /// Seconds a rotated refresh token still answers with its successor.
    pub refresh_grace: u64,
    /// Session idle lifetime in seconds.
    pub session_idle: u64,
    /// Session absolute lifetime in seconds.
    pub session_absolute: u64,
    /// PBKDF2 iterations for new password hashes.
    pub pbkdf2_iterations: u32,
    /// ID token lifetime in seconds.
    pub id_token_ttl: u64,
    /// Development mode: any-user sign-in and a banner on every page.
    pub dev_mode: bool,
    /// Device code lifetime in seconds (RFC 8628).
    pub device_code_ttl: u64,
    /// The minimum polling interval for device codes, in seconds.
    pub device_interval: u64,
    /// Whether audit events are also written as log lines.
    pub audit_log: bool,
}

/// Who may sign up and who may register clients: settings an administrator
/// changes at run time (the flags give the first values).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policies {
    /// Who may create an account.
    pub signup: crate::accounts::signup::Signup,
    /// Who may register clients dynamically.
    pub registration: register::Registration,
    /// Who must use a second factor.
    pub second_factor: second_factor::SecondFactorPolicy,
}

/// Behaviour that dialects ask of the core and of the standard handlers,
/// given at start, so that neither names a dialect; the per-client entries
/// name the dialects whose clients they apply to.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// The dialects spoken, by name: the ones an application may be marked for.
    pub spoken: Vec<&'static str>,
    /// Authorization responses to these dialects' clients carry the user's
    /// id as `user_id` and an implicit `token_type` of `bearer` (Skritter).
    pub user_id_in_authorization: Vec<&'static str>,
    /// These dialects' legacy clients (marked by an administrator, or any
    /// client in development mode) get their document's implicit answer,
    /// which RFC 9700 forbids: in the query with a refresh token, and to a
    /// redirect URI the request names when the client registered none.
    pub legacy_implicit: Vec<&'static str>,
    /// Clients of these dialects may send the token endpoint a JSON body (Doorkeeper).
    pub json_token_requests: Vec<&'static str>,
    /// These dialects' app tokens (client credentials) carry no scope when
    /// none is asked for: App.net's "scopes do not apply to app tokens".
    pub scopeless_app_tokens: Vec<&'static str>,
    /// Clients of these dialects may send an authorization code as the
    /// `refresh_token` of a refresh grant, without the redirect URI
    /// (Doorkeeper's step 4: store the code "as your refresh_token").
    pub code_as_refresh: Vec<&'static str>,
    /// Parameter names besides `access_token` that carry a bearer token at
    /// the standard protected endpoints (Skritter's `bearer_token`).
    pub token_parameters: Vec<&'static str>,
    /// `Authorization` schemes besides `Bearer` that carry one there
    /// (Piictu's `OAuth`).
    pub token_schemes: Vec<&'static str>,
    /// The account page lets a person confirm a sign-in that a script
    /// started through an API (ScratchOAuth2's login endpoints).
    pub api_login: bool,
}

impl Hooks {
    fn applies(list: &[&'static str], client: &ClientRecord) -> bool {
        client.dialect.as_deref().is_some_and(|d| list.contains(&d))
    }
}

/// The authorization server: everything a protocol step needs.
#[derive(Debug)]
pub struct Provider {
    /// Where records live: handlers and dialects use the named operations
    /// instead, so the store stays behind the core.
    pub(crate) store: Store,
    /// The scopes the server knows.
    pub scopes: scope::Scopes,
    /// Fixed settings.
    pub settings: Settings,
    /// The current time.
    pub clock: Clock,
    /// Failed sign-in counts (login page and password grant).
    pub throttle: crate::accounts::throttle::Throttle,
    /// Checks passwords, a bounded number at once.
    pub passwords: crate::accounts::login::PasswordChecker,
    /// The signing keys; replaced whole when an administrator rotates them
    /// while the server runs.
    pub keys: std::sync::RwLock<std::sync::Arc<keys::KeyRing>>,
    /// The current sign-up and registration policies.
    pub policies: std::sync::RwLock<Policies>,
    /// What the enabled dialects change for their clients.
    pub hooks: Hooks,
    /// Counters for `/metrics`.
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl Provider {
    /// The signing keys in force.
    pub fn key_ring(&self) -> std::sync::Arc<keys::KeyRing> {
        match self.keys.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Loads the signing keys again from the store (after a rotation).
    pub async fn reload_keys(&self) -> crate::error::Result<()> {
        let ring = keys::KeyRing::load(&self.store, self.clock.now(), self.settings.id_token_ttl)
            .await
            .map_err(crate::error::Error::internal)?;
        match self.keys.write() {
            Ok(mut current) => *current = std::sync::Arc::new(ring),
            Err(poisoned) => *poisoned.into_inner() = std::sync::Arc::new(ring),
        }
        Ok(())
    }

    /// Whether the store answers now (for `/healthz`).
    pub async fn store_answers(&self) -> crate::error::Result<()> {
        Ok(self.store.ping().await?)
    }

    /// Whether the store takes a durable write now (for `/readyz`).
    pub async fn ready(&self) -> crate::error::Result<()> {
        Ok(self.store.can_write(self.clock.now()).await?)
    }

    /// The store's figures for `/metrics`: records per kind, bytes on disk.
    pub async fn store_figures(&self) -> crate::error::Result<(Vec<(&'static str, usize)>, u64)> {
        Ok((
            self.store.record_counts().await?,
            self.store.size_on_disk().await,
        ))
    }

    /// Whether authorization responses to this client carry `user_id`.
    pub fn user_id_in_authorization(&self, client: &ClientRecord) -> bool {
        Hooks::applies(&self.hooks.user_id_in_authorization, client)
    }

    /// Whether this client gets its dialect's legacy implicit answer.
    pub fn legacy_implicit(&self, client: &ClientRecord) -> bool {
        Hooks::applies(&self.hooks.legacy_implicit, client)
            && (client.dialect_legacy || self.settings.dev_mode)
    }

    /// Whether this client's app tokens may carry no scope.
    pub fn scopeless_app_tokens(&self, client: &ClientRecord) -> bool {
        Hooks::applies(&self.hooks.scopeless_app_tokens, client)
    }

    /// Whether this client may send the token endpoint a JSON body.
    pub fn accepts_json_token_request(&self, client: &ClientRecord) -> bool {
        Hooks::applies(&self.hooks.json_token_requests, client)
    }

    /// The policies in force now.
    pub fn policies(&self) -> Policies {
        match self.policies.read() {
            Ok(p) => *p,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Changes the policies, durably.
    pub async fn set_policies(&self, policies: Policies) -> crate::error::Result<()> {
        self.store
            .put_setting("signup", policies.signup.name())
            .await?;
        self.store
            .put_setting("registration", policies.registration.name())
            .await?;
        self.store
            .put_setting("second_factor", policies.second_factor.name())
            .await?;
        match self.policies.write() {
            Ok(mut p) => *p = policies,
            Err(poisoned) => *poisoned.into_inner() = policies,
        }
        Ok(())
    }
}
