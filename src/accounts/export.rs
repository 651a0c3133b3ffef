//! A person's data as one JSON document (`GET /account/export`): profile,
//! second factors, passkeys, authorized applications, sessions and linked
//! providers. It describes the secrets a person holds (whether an app is
//! enrolled, how many recovery codes are left) and never contains one: no
//! password hash, TOTP key, code digest, token or cookie. Times are Unix
//! seconds.

use serde::Serialize;

use super::users::AccountError;
use super::{factors, groups, profile};
use crate::crypto::Digest;
use crate::store::{Store, UserRecord};

/// The whole download.
#[derive(Debug, Serialize)]
pub struct AccountExport {
    /// The server it came from (the OpenID issuer).
    pub issuer: String,
    /// When it was made.
    pub exported_at: u64,
    /// Who the person is.
    pub profile: ProfileExport,
    /// Their second factors, described.
    pub second_factors: FactorsExport,
    /// Their passkeys, by name.
    pub passkeys: Vec<PasskeyExport>,
    /// The applications they authorized.
    pub authorized_applications: Vec<AppExport>,
    /// Their live browser sessions.
    pub sessions: Vec<SessionExport>,
    /// Accounts at other providers linked to this one.
    pub linked_providers: Vec<LinkedProviderExport>,
}

/// The profile part.
#[derive(Debug, Serialize)]
pub struct ProfileExport {
    /// The OpenID `sub` applications know the person by.
    pub sub: String,
    /// The sign-in name.
    pub username: String,
    /// The display name.
    pub name: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// Whether the address was proven.
    pub email_verified: bool,
    /// Whether the person administers the server.
    pub admin: bool,
    /// When the account was made.
    pub created_at: u64,
    /// When the profile last changed.
    pub updated_at: u64,
    /// The groups the person is in, by name.
    pub groups: Vec<String>,
}

/// The second factors, described without their secrets.
#[derive(Debug, Serialize)]
pub struct FactorsExport {
    /// Whether an authenticator app (TOTP) is enrolled.
    pub totp_enrolled: bool,
    /// When it was enrolled.
    pub totp_enrolled_at: Option<u64>,
    /// How many recovery codes are unused.
    pub recovery_codes_left: usize,
}

/// One passkey.
#[derive(Debug, Serialize)]
pub struct PasskeyExport {
    /// The person's name for it.
    pub name: String,
    /// When it was registered.
    pub created_at: u64,
    /// When it last signed in.
    pub last_used: Option<u64>,
}

/// One authorized application.
#[derive(Debug, Serialize)]
pub struct AppExport {
    /// The client id.
    pub client_id: String,
    /// Its name.
    pub client_name: String,
    /// The scopes the person approved, space-separated.
    pub scope: String,
    /// When consent was (last) given.
    pub granted_at: u64,
    /// When it was last issued a token for the person.
    pub last_used: Option<u64>,
}

/// One browser session (the cookie itself is never stored, so never shown).
#[derive(Debug, Serialize)]
pub struct SessionExport {
    /// When the person signed in.
    pub signed_in_at: u64,
    /// The last request seen.
    pub last_seen: u64,
    /// When it ends at the latest.
    pub expires_at: u64,
    /// How the person signed in (RFC 8176 names: `pwd`, `otp`, …).
    pub methods: Vec<String>,
    /// Whether it is the session that asked for this download.
    pub current: bool,
}

/// One account at an upstream provider linked to this one.
#[derive(Debug, Serialize)]
pub struct LinkedProviderExport {
    /// The provider's configured name.
    pub provider: String,
    /// The person's id there.
    pub subject: String,
    /// When it was linked.
    pub linked_at: u64,
}

/// Gathers a person's data; `current` is the digest of the asking
/// session's cookie, `idle` the session idle lifetime.
pub async fn gather(
    store: &Store,
    issuer: &str,
    user: &UserRecord,
    current: Option<&Digest>,
    now: u64,
    idle: u64,
) -> Result<AccountExport, AccountError> {
    let summary = factors::summary(store, user.id).await?;
    let authorized_applications = profile::authorized_apps(store, user.id)
        .await?
        .into_iter()
        .map(|a| AppExport {
            client_id: a.client_id,
            client_name: a.client_name,
            scope: a.scope,
            granted_at: a.granted_at,
            last_used: a.last_used,
        })
        .collect();
    let sessions = profile::live_sessions(store, user.id, now, idle)
        .await?
        .into_iter()
        .map(|(digest, s)| SessionExport {
            signed_in_at: s.auth_time,
            last_seen: s.last_seen,
            expires_at: s.expires_at,
            methods: s.amr,
            current: current == Some(&digest),
        })
        .collect();
    Ok(AccountExport {
        issuer: issuer.to_owned(),
        exported_at: now,
        profile: ProfileExport {
            sub: user.id.to_string(),
            username: user.username.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            admin: user.admin,
            created_at: user.created_at,
            updated_at: user.updated_at,
            groups: groups::names_of(store, user.id).await?,
        },
        second_factors: FactorsExport {
            totp_enrolled: summary.totp_since.is_some(),
            totp_enrolled_at: summary.totp_since,
            recovery_codes_left: summary.recovery_left,
        },
        passkeys: summary
            .passkeys
            .into_iter()
            .map(|p| PasskeyExport {
                name: p.name,
                created_at: p.created_at,
                last_used: p.last_used,
            })
            .collect(),
        authorized_applications,
        sessions,
        linked_providers: linked_providers(store, user.id).await?,
    })
}

/// The person's links to upstream providers.
async fn linked_providers(
    store: &Store,
    user_id: u64,
) -> Result<Vec<LinkedProviderExport>, AccountError> {
    Ok(store
        .upstream_links_of(user_id)
        .await?
        .into_iter()
        .map(|link| LinkedProviderExport {
            provider: link.provider,
            subject: link.subject,
            linked_at: link.linked_at,
        })
        .collect())
}
