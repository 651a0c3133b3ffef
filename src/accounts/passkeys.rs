//! Passkeys (WebAuthn): registering them, signing in with one instead of a
//! password (a discoverable credential, user verification required), and
//! using one as the second factor after the password. The ceremonies are
//! `webauthn-rs`'s; this module keeps their state in the store between the
//! two requests (single use, five minutes) and the passkeys in the person's
//! factors record. The relying party is the issuer's host.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::acr;
use super::users::AccountError;
use crate::crypto::random::{self, new_token, TokenKind};
use crate::crypto::sha256;
use crate::store::{
    PasskeyCeremonyRecord, PasskeyFactor, PasskeyPurpose, Store, StoreError, UserRecord,
};

/// How long a ceremony may take between its two requests (seconds).
pub const CEREMONY_TTL: u64 = 300;
/// The longest name a passkey may have.
pub const NAME_MAX: usize = 64;

/// The relying party: Gatehouse as WebAuthn sees it.
pub struct Passkeys {
    webauthn: Webauthn,
}

impl std::fmt::Debug for Passkeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkeys").finish_non_exhaustive()
    }
}

/// A ceremony the browser is to perform: the id its form sends back, and
/// the options for `navigator.credentials` (JSON).
#[derive(Debug)]
pub struct Ceremony {
    /// The random id of the stored state (a secret of the form).
    pub id: String,
    /// `CredentialCreationOptions` or `CredentialRequestOptions` as JSON.
    pub options: String,
}

/// A passkey that answered: whose it is, the RFC 8176 method it counts as,
/// and where the ceremony was to lead.
#[derive(Debug)]
pub struct Verified {
    /// The person.
    pub user_id: u64,
    /// `hwk` for a key bound to its device, `swk` for one that syncs.
    pub method: &'static str,
    /// The local path to go to next.
    pub next: String,
    /// For a registration, the name the passkey got.
    pub name: Option<String>,
}

fn refused(why: &str) -> AccountError {
    AccountError::Invalid(why.to_owned())
}

fn no_randomness<T>(_: T) -> AccountError {
    AccountError::Store(StoreError::Db("no randomness".into()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AccountError> {
    serde_json::to_string(value).map_err(|e| AccountError::Store(StoreError::Codec(e.to_string())))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AccountError> {
    serde_json::from_str(text).map_err(|e| AccountError::Store(StoreError::Codec(e.to_string())))
}

/// A passkey's name as typed, trimmed; refused when empty or too long.
pub fn check_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(refused("Give the passkey a name."));
    }
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(refused(
            "A passkey's name is at most 64 letters, on one line.",
        ));
    }
    Ok(name.to_owned())
}

/// The method a passkey counts as: one that may be backed up (synced
/// between devices) is a software key, any other a hardware key.
fn method_of(backup_eligible: bool) -> &'static str {
    if backup_eligible {
        acr::SWK
    } else {
        acr::HWK
    }
}

/// Whether a stored passkey (the library's JSON) may be backed up; the
/// library shows this flag only in its serialised form.
fn backup_eligible(credential: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(credential)
        .ok()
        .and_then(|v| v.pointer("/cred/backup_eligible").and_then(|b| b.as_bool()))
        .unwrap_or(false)
}

/// The relying-party id for an issuer: its host, when it is a domain name
/// (WebAuthn refuses IP addresses).
pub fn rp_id(issuer: &str) -> Option<String> {
    let url = Url::parse(issuer).ok()?;
    match url.host()? {
        url::Host::Domain(domain) => Some(domain.to_owned()),
        _ => None,
    }
}

impl Passkeys {
    /// The relying party for this issuer; `None` when its host is an IP
    /// address, where browsers offer no passkeys.
    pub fn for_issuer(issuer: &str) -> Option<Self> {
        let id = rp_id(issuer)?;
        let origin = Url::parse(issuer).ok()?;
        let webauthn = WebauthnBuilder::new(&id, &origin)
            .ok()?
            .rp_name("Gatehouse")
            .build()
            .ok()?;
        Some(Passkeys { webauthn })
    }

    async fn store_ceremony(
        store: &Store,
        user_id: Option<u64>,
        purpose: PasskeyPurpose,
        state: String,
        next: &str,
        now: u64,
    ) -> Result<String, AccountError> {
        let id = new_token(TokenKind::PasskeyCeremony).map_err(no_randomness)?;
        let record = PasskeyCeremonyRecord {
            user_id,
            purpose,
            state,
            next: next.to_owned(),
            expires_at: now + CEREMONY_TTL,
        };
        store
            .insert_passkey_ceremony(&sha256(id.as_bytes()), &record)
            .await?;
        Ok(id)
    }

    async fn take_ceremony(
        store: &Store,
        id: &str,
        now: u64,
    ) -> Result<PasskeyCeremonyRecord, AccountError> {
        let expired = || refused("The passkey request expired. Please try again.");
        let record = store
            .take_passkey_ceremony(&sha256(id.as_bytes()))
            .await?
            .ok_or_else(expired)?;
        if now >= record.expires_at {
            return Err(expired());
        }
        Ok(record)
    }

    async fn passkeys_of(store: &Store, user_id: u64) -> Result<Vec<Passkey>, AccountError> {
        let Some(factors) = store.factors(user_id).await? else {
            return Ok(Vec::new());
        };
        factors
            .passkeys
            .iter()
            .map(|p| from_json::<Passkey>(&p.credential))
            .collect()
    }

    /// Starts registering a passkey named `name` for `user`.
    pub async fn start_registration(
        &self,
        store: &Store,
        user: &UserRecord,
        name: &str,
        next: &str,
        now: u64,
    ) -> Result<Ceremony, AccountError> {
        let name = check_name(name)?;
        let mut fresh = [0u8; 16];
        random::fill(&mut fresh).map_err(no_randomness)?;
        let handle = store.passkey_handle(user.id, fresh).await?;
        let existing: Vec<CredentialID> = Self::passkeys_of(store, user.id)
            .await?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect();
        let display = user.name.as_deref().unwrap_or(&user.username);
        let (options, state) = self
            .webauthn
            .start_passkey_registration(
                Uuid::from_bytes(handle),
                &user.username,
                display,
                Some(existing),
            )
            .map_err(|_| refused("A passkey cannot be registered now."))?;
        // A passkey that signs in without a username must live on the
        // authenticator (a discoverable credential, WebAuthn §6.2.2); the
        // library asks for that only as a preference.
        let mut options = serde_json::to_value(&options)
            .map_err(|e| AccountError::Store(StoreError::Codec(e.to_string())))?;
        if let Some(selection) = options
            .pointer_mut("/publicKey/authenticatorSelection")
            .and_then(|s| s.as_object_mut())
        {
            selection.insert("residentKey".into(), "required".into());
            selection.insert("requireResidentKey".into(), true.into());
        }
        let id = Self::store_ceremony(
            store,
            Some(user.id),
            PasskeyPurpose::Register(name),
            to_json(&state)?,
            next,
            now,
        )
        .await?;
        Ok(Ceremony {
            id,
            options: to_json(&options)?,
        })
    }

    /// Completes a registration with the browser's answer (JSON).
    pub async fn finish_registration(
        &self,
        store: &Store,
        user_id: u64,
        ceremony: &str,
        answer: &str,
        now: u64,
    ) -> Result<Verified, AccountError> {
        let record = Self::take_ceremony(store, ceremony, now).await?;
        let PasskeyPurpose::Register(name) = record.purpose else {
            return Err(refused("That was not a passkey registration."));
        };
        if record.user_id != Some(user_id) {
            return Err(refused("That passkey registration was someone else's."));
        }
        let state: PasskeyRegistration = from_json(&record.state)?;
        let answer: RegisterPublicKeyCredential = serde_json::from_str(answer)
            .map_err(|_| refused("The browser's answer could not be read."))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&answer, &state)
            .map_err(|_| refused("The passkey could not be verified."))?;
        let credential = to_json(&passkey)?;
        let method = method_of(backup_eligible(&credential));
        let factor = PasskeyFactor {
            credential_id: passkey.cred_id().clone(),
            name: name.clone(),
            credential,
            created_at: now,
            last_used: None,
        };
        if !store.add_passkey(user_id, factor).await? {
            return Err(refused("That passkey is registered already."));
        }
        Ok(Verified {
            user_id,
            method,
            next: record.next,
            name: Some(name),
        })
    }

    /// Starts a sign-in with any passkey of this site (no username first).
    pub async fn start_sign_in(
        &self,
        store: &Store,
        next: &str,
        now: u64,
    ) -> Result<Ceremony, AccountError> {
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|_| refused("Passkey sign-in is not possible now."))?;
        // The library prepares autofill ("conditional") sign-in; the button
        // on our page asks for the ordinary, modal one.
        options.mediation = None;
        let id = Self::store_ceremony(
            store,
            None,
            PasskeyPurpose::SignIn,
            to_json(&state)?,
            next,
            now,
        )
        .await?;
        Ok(Ceremony {
            id,
            options: to_json(&options)?,
        })
    }

    /// Starts a check of `user_id` with their own passkeys: the second
    /// factor after the password, or the confirmation of a grave step.
    pub async fn start_check(
        &self,
        store: &Store,
        user_id: u64,
        purpose: PasskeyPurpose,
        now: u64,
    ) -> Result<Ceremony, AccountError> {
        let passkeys = Self::passkeys_of(store, user_id).await?;
        if passkeys.is_empty() {
            return Err(refused("You have no passkey."));
        }
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|_| refused("Passkey sign-in is not possible now."))?;
        let id =
            Self::store_ceremony(store, Some(user_id), purpose, to_json(&state)?, "/", now).await?;
        Ok(Ceremony {
            id,
            options: to_json(&options)?,
        })
    }

    /// Completes a sign-in (`expected_user` none) or a check of
    /// `expected_user` for `purpose` with the browser's answer (JSON);
    /// answers whose passkey it was. The passkey's counter and last use are
    /// updated.
    pub async fn finish_authentication(
        &self,
        store: &Store,
        expected_user: Option<u64>,
        purpose: PasskeyPurpose,
        ceremony: &str,
        answer: &str,
        now: u64,
    ) -> Result<Verified, AccountError> {
        let record = Self::take_ceremony(store, ceremony, now).await?;
        let answer: PublicKeyCredential = serde_json::from_str(answer)
            .map_err(|_| refused("The browser's answer could not be read."))?;
        let not_known = || refused("That passkey is not known here.");
        if record.purpose != purpose {
            return Err(refused("That passkey request was not for this."));
        }
        let (user_id, result) = match (record.purpose, expected_user) {
            (PasskeyPurpose::SignIn, None) => {
                let (handle, credential_id) = self
                    .webauthn
                    .identify_discoverable_authentication(&answer)
                    .map_err(|_| not_known())?;
                let user_id = store
                    .passkey_owner(credential_id)
                    .await?
                    .ok_or_else(not_known)?;
                // The authenticator's user handle must be this account's.
                if store.existing_passkey_handle(user_id).await? != Some(*handle.as_bytes()) {
                    return Err(not_known());
                }
                let passkey = Self::passkeys_of(store, user_id)
                    .await?
                    .into_iter()
                    .find(|p| p.cred_id().as_slice() == credential_id)
                    .ok_or_else(not_known)?;
                let state: DiscoverableAuthentication = from_json(&record.state)?;
                let result = self
                    .webauthn
                    .finish_discoverable_authentication_v2(&answer, state, &passkey)
                    .map_err(|_| refused("The passkey could not be verified."))?;
                (user_id, result)
            }
            (PasskeyPurpose::SecondFactor | PasskeyPurpose::Confirm, Some(expected))
                if record.user_id == Some(expected) =>
            {
                let state: PasskeyAuthentication = from_json(&record.state)?;
                let result = self
                    .webauthn
                    .finish_passkey_authentication(&answer, &state)
                    .map_err(|_| refused("The passkey could not be verified."))?;
                (expected, result)
            }
            _ => return Err(refused("That passkey request was not for this.")),
        };
        if !result.user_verified() {
            return Err(refused(
                "The passkey did not verify you (PIN or biometrics).",
            ));
        }
        let used: Vec<u8> = result.cred_id().clone();
        let updated = store
            .update_factors(user_id, |factors| {
                let stored = factors
                    .passkeys
                    .iter_mut()
                    .find(|p| p.credential_id == used)?;
                let mut passkey: Passkey = serde_json::from_str(&stored.credential).ok()?;
                passkey.update_credential(&result);
                stored.credential = serde_json::to_string(&passkey).ok()?;
                stored.last_used = Some(now);
                Some(())
            })
            .await?;
        if updated.is_none() {
            // Removed between the two requests.
            return Err(not_known());
        }
        Ok(Verified {
            user_id,
            method: method_of(result.backup_eligible()),
            next: record.next,
            name: None,
        })
    }
}

/// Removes one of the person's passkeys, named by its id (base64url); the
/// recovery codes go with the last second factor.
pub async fn remove(store: &Store, user_id: u64, id: &str) -> Result<bool, AccountError> {
    let Ok(credential_id) = URL_SAFE_NO_PAD.decode(id) else {
        return Ok(false);
    };
    if !store.remove_passkey(user_id, &credential_id).await? {
        return Ok(false);
    }
    store
        .update_factors(user_id, |factors| {
            let last = factors.passkeys.is_empty() && factors.totp.is_none();
            (last && !factors.recovery_codes.is_empty()).then(|| factors.recovery_codes.clear())
        })
        .await?;
    Ok(true)
}

/// Renames one of the person's passkeys; `false` when there is none by
/// that id.
pub async fn rename(
    store: &Store,
    user_id: u64,
    id: &str,
    name: &str,
) -> Result<bool, AccountError> {
    let name = check_name(name)?;
    let Ok(credential_id) = URL_SAFE_NO_PAD.decode(id) else {
        return Ok(false);
    };
    Ok(store
        .update_factors(user_id, |factors| {
            let passkey = factors
                .passkeys
                .iter_mut()
                .find(|p| p.credential_id == credential_id)?;
            passkey.name = name.clone();
            Some(())
        })
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_issuers_domain() {
        assert_eq!(
            rp_id("https://id.example.org/sso").as_deref(),
            Some("id.example.org")
        );
        assert_eq!(rp_id("http://localhost:8080").as_deref(), Some("localhost"));
        assert_eq!(rp_id("http://127.0.0.1:8080"), None);
        assert_eq!(rp_id("http://[::1]:8080"), None);
        assert!(Passkeys::for_issuer("http://127.0.0.1:8080").is_none());
        assert!(Passkeys::for_issuer("https://id.example.org").is_some());
    }

    #[test]
    fn names_are_one_short_line() {
        assert_eq!(check_name("  Laptop  ").ok().as_deref(), Some("Laptop"));
        assert!(check_name("   ").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn a_synced_passkey_is_a_software_key() {
        assert_eq!(method_of(true), acr::SWK);
        assert_eq!(method_of(false), acr::HWK);
    }
}
