//! The records the store keeps. bincode is positional, so fields are never
//! skipped or defaulted; a change of shape is a new record version in `codec.rs`.

use serde::{Deserialize, Serialize};

use crate::crypto::Digest;

/// A registered OAuth client, with RFC 7591 metadata names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRecord {
    /// The public identifier.
    pub client_id: String,
    /// SHA-256 of the client secret; `None` for a public client.
    pub secret_digest: Option<Digest>,
    /// The human-readable name.
    pub client_name: Option<String>,
    /// Registered redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// Grants the client may use.
    pub grant_types: Vec<String>,
    /// Response types the client may request at the authorization endpoint.
    pub response_types: Vec<String>,
    /// `client_secret_basic`, `client_secret_post` or `none`.
    pub token_endpoint_auth_method: String,
    /// Space-separated scopes the client may request; `None` means any known scope.
    pub scope: Option<String>,
    /// The algorithm for ID tokens (OpenID Connect Dynamic Registration).
    pub id_token_signed_response_alg: Option<String>,
    /// The algorithm UserInfo answers are signed with; `None`: plain JSON.
    pub userinfo_signed_response_alg: Option<String>,
    /// Where RP-initiated logout may return to.
    pub post_logout_redirect_uris: Vec<String>,
    /// The user who owns the client, if any.
    pub owner: Option<u64>,
    /// When it was registered (Unix seconds).
    pub created_at: u64,
    /// SHA-256 of the registration access token (RFC 7592), for clients
    /// that registered themselves.
    pub registration_digest: Option<Digest>,
    /// What the application does, in its developer's words.
    pub description: Option<String>,
    /// The application's home page (RFC 7591 `client_uri`).
    pub client_uri: Option<String>,
    /// What an administrator decided about the application.
    pub flags: ClientFlags,
    /// The provider dialect the client belongs to (`mastodon`), if any:
    /// registered through its API, or marked so in the seed or on `/admin`.
    /// The dialect's scope rules apply to it, and only to such clients.
    pub dialect: Option<String>,
    /// An administrator allowed this dialect client the document's
    /// behaviour that RFC 9700 forbids (Skritter's tokens in the query).
    pub dialect_legacy: bool,
    /// This client's access token lifetime in seconds, overriding the
    /// server's; `Some(0)`: until revoked (Piictu's "good until deleted").
    pub access_token_ttl: Option<u64>,
    /// Only members of these groups may authorize the client (none: anyone).
    pub allowed_groups: Vec<String>,
}

/// An administrator's decisions about an application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientFlags {
    /// The name was reviewed (ScratchOAuth2 NAME_APPROVED).
    pub name_approved: bool,
    /// The application is verified: a check mark at consent (VERIFIED).
    pub verified: bool,
    /// Consent does not show the owner (HIDE_OWNER).
    pub hide_owner: bool,
    /// A first-party application: no consent page.
    pub skip_consent: bool,
    /// May use the password grant (App.net gives it only on request).
    pub password_allowed: bool,
    /// Only the owner and `allowed_users` may authorize it.
    pub private: bool,
    /// Who else may authorize a private application.
    pub allowed_users: Vec<u64>,
    /// Sign-in to this application needs a second factor.
    pub require_mfa: bool,
}

impl ClientRecord {
    /// Whether the client has a secret (a confidential client).
    pub fn is_confidential(&self) -> bool {
        self.secret_digest.is_some()
    }

    /// Whether an administrator made the client (seed, command line), which
    /// makes its name and its use of the password grant trusted.
    pub fn made_by_admin(&self) -> bool {
        self.owner.is_none() && self.registration_digest.is_none()
    }

    /// Whether consent should warn that nobody reviewed the client's name.
    pub fn name_unreviewed(&self) -> bool {
        self.client_name.is_some() && !self.flags.name_approved && !self.made_by_admin()
    }

    /// Whether the client registered this grant type.
    pub fn has_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }

    /// Whether the client belongs to the dialect of this name.
    pub fn is_of(&self, dialect: &str) -> bool {
        self.dialect.as_deref() == Some(dialect)
    }
}

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Stable, never reused; the OpenID `sub` is its decimal form.
    pub id: u64,
    /// The name used to sign in (unique, compared case-insensitively).
    pub username: String,
    /// A PBKDF2 hash as `crypto::password` writes it.
    pub password_hash: String,
    /// The email address, if known.
    pub email: Option<String>,
    /// Whether the email address has been verified.
    pub email_verified: bool,
    /// The display name.
    pub name: Option<String>,
    /// Whether the user may use the admin pages.
    pub admin: bool,
    /// A disabled user cannot sign in.
    pub disabled: bool,
    /// When the user was created (Unix seconds).
    pub created_at: u64,
    /// When the profile last changed (Unix seconds).
    pub updated_at: u64,
    /// Extra ID-token and UserInfo claims (a JSON object), set by a
    /// developer's "sign in as any user" in development mode only.
    pub extra_claims: Option<String>,
}

/// A scope the server knows, beyond the built-in ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeRecord {
    /// The scope token, e.g. `read`.
    pub name: String,
    /// What the scope allows, shown at consent.
    pub description: String,
    /// Granted when a client requests no scope.
    pub default: bool,
    /// Granted whether requested or not.
    pub always: bool,
}

/// What a stored token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    /// An access token (RFC 6749 §1.4).
    Access,
    /// A refresh token (RFC 6749 §1.5).
    Refresh,
}

/// An issued token, stored under the SHA-256 digest of its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Access or refresh.
    pub kind: TokenKind,
    /// The client it was issued to.
    pub client_id: String,
    /// The user it acts for; `None` for a client's own token.
    pub user_id: Option<u64>,
    /// The granted scope, space-separated.
    pub scope: String,
    /// When it was issued (Unix seconds).
    pub issued_at: u64,
    /// When it expires (Unix seconds); `None` never expires.
    pub expires_at: Option<u64>,
    /// The grant it descends from (an authorization code or refresh family).
    pub grant_id: Option<String>,
    /// When the user authenticated, for tokens that act for a user.
    pub auth_time: Option<u64>,
    /// For a rotated refresh token: when it was replaced, and its successor
    /// pair sealed with a key only the old token's holder can derive.
    pub rotated: Option<Rotation>,
}

/// The record of a refresh token's rotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rotation {
    /// When it was rotated (Unix seconds).
    pub at: u64,
    /// The successor token response, sealed (see `oauth::grant::refresh`);
    /// empty when no grace period was set.
    pub sealed_successor: Vec<u8>,
}

/// A signed-in browser session, stored under the digest of its cookie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The signed-in user.
    pub user_id: u64,
    /// When the person authenticated (OpenID `auth_time`).
    pub auth_time: u64,
    /// Last request seen (for the idle lifetime).
    pub last_seen: u64,
    /// The absolute end of the session.
    pub expires_at: u64,
    /// How the person authenticated, as RFC 8176 names it (`pwd`, `otp`,
    /// `hwk`, `mfa`): the ID token's `amr`.
    pub amr: Vec<String>,
}

/// An authorization code (RFC 6749 §4.1.2), stored under its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeRecord {
    /// The client it was issued to.
    pub client_id: String,
    /// The user who approved it.
    pub user_id: u64,
    /// The redirect URI sent with the request, which the exchange must repeat.
    pub redirect_uri: Option<String>,
    /// The approved scope.
    pub scope: String,
    /// The PKCE S256 challenge, if one was sent.
    pub code_challenge: Option<String>,
    /// The OpenID nonce, if one was sent.
    pub nonce: Option<String>,
    /// When the user authenticated.
    pub auth_time: u64,
    /// How the user authenticated (RFC 8176), for the ID token's `amr`.
    pub amr: Vec<String>,
    /// When it expires (Unix seconds).
    pub expires_at: u64,
    /// The grant its tokens belong to, so a replay can revoke them.
    pub grant_id: String,
    /// Whether it has been exchanged already.
    pub redeemed: bool,
}

/// A user's consent to a client, for the scopes approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentRecord {
    /// The approved scopes, space-separated.
    pub scope: String,
    /// When it was (last) granted.
    pub granted_at: u64,
}

impl TokenRecord {
    /// Whether the token is still valid at `now`.
    pub fn is_live(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|exp| now < exp)
    }
}

/// A signing key, private part included (the store is the key's home).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key id.
    pub kid: String,
    /// The JOSE algorithm name.
    pub alg: String,
    /// The private key, PKCS#8 DER.
    pub pkcs8: Vec<u8>,
    /// When it was made (Unix seconds).
    pub created_at: u64,
    /// When a newer key replaced it; it then only verifies.
    pub retired_at: Option<u64>,
}

impl std::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// Where a device authorization stands (RFC 8628).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DeviceState {
    /// Waiting for the person.
    Pending,
    /// The person approved.
    Approved {
        /// Who approved.
        user_id: u64,
        /// When they had signed in.
        auth_time: u64,
    },
    /// The person refused.
    Denied,
    /// Tokens were issued; the device code is spent.
    Issued,
}

/// A device authorization, stored under the digest of its device code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// The client that asked.
    pub client_id: String,
    /// The granted scope.
    pub scope: String,
    /// The user code, normalised (8 letters, no dash).
    pub user_code: String,
    /// When it expires (Unix seconds).
    pub expires_at: u64,
    /// The current minimum polling interval in seconds.
    pub interval: u64,
    /// The last poll answered without `slow_down`.
    pub last_poll: u64,
    /// Where it stands.
    pub state: DeviceState,
}

/// A single-use invitation to sign up, stored under its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteRecord {
    /// When it was made (Unix seconds).
    pub created_at: u64,
    /// When it stops working.
    pub expires_at: u64,
    /// Whether someone signed up with it.
    pub used: bool,
}

/// A one-time password-reset link an administrator made, under its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetRecord {
    /// Whose password it resets.
    pub user_id: u64,
    /// When it stops working.
    pub expires_at: u64,
    /// Whether it was used.
    pub used: bool,
}

/// An initial access token for dynamic registration (RFC 7591 §3), stored
/// under its digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitialTokenRecord {
    /// When it was made (Unix seconds).
    pub created_at: u64,
    /// When it stops working; `None` never.
    pub expires_at: Option<u64>,
}

/// A sign-in started through an API rather than the login page (the
/// ScratchOAuth2 dialect's `PUT /login/{username}`), stored under the digest
/// of its CSRF token; it completes once the person confirms its code while
/// signed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequestRecord {
    /// Who is signing in.
    pub user_id: u64,
    /// When it stops working (Unix seconds).
    pub expires_at: u64,
    /// Whether the person confirmed the code.
    pub confirmed: bool,
}

/// A security event, kept for the audit trail (never a secret in it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When it happened (Unix seconds).
    pub at: u64,
    /// Who did it: a username, `client:<id>`, `cli`, or nobody known.
    pub actor: Option<String>,
    /// The address it came from, as the trusted-proxy rules decide.
    pub client_ip: Option<String>,
    /// What happened (`sign_in_failed`, `client_created`, …).
    pub event: String,
    /// What it happened to (a username, a client id), if anything.
    pub target: Option<String>,
    /// A few words more (a scope, a setting), never a secret.
    pub detail: Option<String>,
}

/// A person's second factors, stored under their user id.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FactorsRecord {
    /// The enrolled authenticator app, if any (RFC 6238).
    pub totp: Option<TotpFactor>,
    /// SHA-256 digests of the unused recovery codes.
    pub recovery_codes: Vec<Digest>,
    /// The registered passkeys (WebAuthn credentials).
    pub passkeys: Vec<PasskeyFactor>,
}

impl std::fmt::Debug for FactorsRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactorsRecord")
            .field("totp", &self.totp.is_some())
            .field("recovery_codes", &self.recovery_codes.len())
            .field("passkeys", &self.passkeys.len())
            .finish()
    }
}

/// An enrolled authenticator app. Its secret must be kept as it is (each
/// code is computed from it), unlike the digests of every other secret.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TotpFactor {
    /// The shared secret (raw bytes, shown once as base32).
    pub secret: Vec<u8>,
    /// When it was enrolled (Unix seconds).
    pub enrolled_at: u64,
    /// The last time step whose code was accepted: no code of it or of an
    /// earlier step is accepted again.
    pub last_step: Option<u64>,
}

impl std::fmt::Debug for TotpFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpFactor")
            .field("enrolled_at", &self.enrolled_at)
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasskeyFactor {
    /// The credential id the authenticator chose.
    pub credential_id: Vec<u8>,
    /// The name the person gave it.
    pub name: String,
    /// The credential as the WebAuthn library keeps it (JSON): its public
    /// key, counter and flags.
    pub credential: String,
    /// When it was registered (Unix seconds).
    pub created_at: u64,
    /// When it was last used to sign in (Unix seconds).
    pub last_used: Option<u64>,
}

/// A sign-in waiting for its second factor, stored under the digest of its
/// cookie: the password was right, the code is still to come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSignInRecord {
    /// Who is signing in.
    pub user_id: u64,
    /// The methods used so far (`pwd`).
    pub amr: Vec<String>,
    /// Where to go once signed in (a local path).
    pub next: String,
    /// When it stops working (Unix seconds).
    pub expires_at: u64,
}

/// What a passkey ceremony in progress is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PasskeyPurpose {
    /// Registering a new passkey under this name.
    Register(String),
    /// Signing in with a passkey instead of a password.
    SignIn,
    /// A passkey as the second factor after the password.
    SecondFactor,
    /// A passkey confirming a grave step of a signed-in person (deleting
    /// the account).
    Confirm,
}

/// A WebAuthn ceremony between its two requests, stored under the digest
/// of the random id its form carries: the library's state (JSON, never
/// sent out), who it is for, and where to go after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasskeyCeremonyRecord {
    /// The person (none for a sign-in, where the passkey names them).
    pub user_id: Option<u64>,
    /// What the ceremony does.
    pub purpose: PasskeyPurpose,
    /// The WebAuthn library's state of the ceremony (JSON).
    pub state: String,
    /// Where to go once done (a local path).
    pub next: String,
    /// When it stops working (Unix seconds).
    pub expires_at: u64,
}

/// A group of people, stored under its name in lower case; apps read its
/// name in the `groups` claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// The name, as the administrator wrote it.
    pub name: String,
    /// What the group is for.
    pub description: String,
    /// The members' user ids, in the order they joined.
    pub members: Vec<u64>,
    /// When it was made (Unix seconds).
    pub created_at: u64,
}

/// A one-time link that proves an email address, under its digest: it
/// verifies `email` for `user_id` if that is still the user's address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailVerificationRecord {
    /// Whose address it verifies.
    pub user_id: u64,
    /// The address the link was sent to.
    pub email: String,
    /// When it stops working (Unix seconds).
    pub expires_at: u64,
}

/// What is left of a deleted account, under its old user id: its username
/// stays claimed in the username index, so neither the name nor the id
/// (the OpenID `sub`) ever belongs to anyone else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetiredUserRecord {
    /// The username as it was written.
    pub username: String,
    /// When the account was deleted (Unix seconds).
    pub deleted_at: u64,
}

/// A sign-in through another provider waiting for the provider's answer,
/// stored under the digest of its cookie; taken once by the callback.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamPendingRecord {
    /// The configured provider's name.
    pub provider: String,
    /// SHA-256 of the `state` sent to the provider.
    pub state_digest: Digest,
    /// The OpenID `nonce` sent to the provider (its ID token must repeat it).
    pub nonce: String,
    /// The PKCE code verifier (RFC 7636), sent with the code exchange.
    pub pkce_verifier: String,
    /// Where to go once signed in (a local path).
    pub next: String,
    /// The signed-in person who asked to link the provider, if it is a link.
    pub link_user: Option<u64>,
    /// When it was made (Unix seconds).
    pub created_at: u64,
    /// When it stops working (Unix seconds).
    pub expires_at: u64,
}

impl std::fmt::Debug for UpstreamPendingRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamPendingRecord")
            .field("provider", &self.provider)
            .field("next", &self.next)
            .field("link_user", &self.link_user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A link from an account at another provider to a local account, stored
/// under the provider's name and the upstream subject, and again under the
/// user id and the provider's name (the listing per person).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamLinkRecord {
    /// The local account.
    pub user_id: u64,
    /// The configured provider's name.
    pub provider: String,
    /// The stable subject at the provider (`sub`, or a user-info `id`).
    pub subject: String,
    /// The name the provider gave, for the security page (not trusted).
    pub upstream_name: Option<String>,
    /// When it was linked (Unix seconds).
    pub linked_at: u64,
}
