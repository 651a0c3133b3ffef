//! Second factors: an authenticator app (TOTP, RFC 6238) with ten
//! single-use recovery codes, and passkeys (their ceremonies live in
//! `passkeys.rs`). Every use of a code is one atomic store update, so a
//! code is accepted once only, even by two requests at the same moment.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::users::AccountError;
use crate::crypto::{random, sha256, totp};
use crate::store::{FactorsRecord, Store, TotpFactor};

/// How many recovery codes a person gets at once.
pub const RECOVERY_CODES: usize = 10;

/// Which factor a typed code matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeUsed {
    /// A code from the authenticator app.
    Totp,
    /// One of the recovery codes, now spent.
    Recovery,
}

/// What the security page shows about a person's factors.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// When the authenticator app was enrolled, if it is.
    pub totp_since: Option<u64>,
    /// Unused recovery codes.
    pub recovery_left: usize,
    /// The passkeys: id (base64url), name, created, last used.
    pub passkeys: Vec<PasskeyLine>,
}

/// One passkey as the security page lists it.
#[derive(Debug, Clone)]
pub struct PasskeyLine {
    /// The credential id in base64url.
    pub id: String,
    /// The person's name for it.
    pub name: String,
    /// When it was registered.
    pub created_at: u64,
    /// When it last signed in.
    pub last_used: Option<u64>,
}

impl Summary {
    /// Whether the person has any second factor.
    pub fn any(&self) -> bool {
        self.totp_since.is_some() || !self.passkeys.is_empty()
    }
}

/// A person's factors as the pages describe them.
pub async fn summary(store: &Store, user_id: u64) -> Result<Summary, AccountError> {
    let Some(record) = store.factors(user_id).await? else {
        return Ok(Summary::default());
    };
    Ok(Summary {
        totp_since: record.totp.as_ref().map(|t| t.enrolled_at),
        recovery_left: record.recovery_codes.len(),
        passkeys: record
            .passkeys
            .iter()
            .map(|p| PasskeyLine {
                id: URL_SAFE_NO_PAD.encode(&p.credential_id),
                name: p.name.clone(),
                created_at: p.created_at,
                last_used: p.last_used,
            })
            .collect(),
    })
}

/// Whether the person has a second factor (an app or a passkey).
pub async fn has_second_factor(store: &Store, user_id: u64) -> Result<bool, AccountError> {
    Ok(store
        .factors(user_id)
        .await?
        .is_some_and(|f| f.totp.is_some() || !f.passkeys.is_empty()))
}

/// Whether the person has an authenticator app enrolled.
pub async fn has_totp(store: &Store, user_id: u64) -> Result<bool, AccountError> {
    Ok(store
        .factors(user_id)
        .await?
        .is_some_and(|f| f.totp.is_some()))
}

/// A fresh TOTP secret for an enrolment to show.
pub fn new_totp_secret() -> Result<Vec<u8>, AccountError> {
    let mut secret = vec![0u8; totp::SECRET_LEN];
    random::fill(&mut secret).map_err(|_| AccountError::Invalid("no randomness".into()))?;
    Ok(secret)
}

/// A recovery code: 80 random bits as four groups of four base32 letters
/// (`abcd-efgh-ijkl-mnop`), easy to copy from paper.
fn new_recovery_code() -> Result<String, AccountError> {
    let mut bytes = [0u8; 10];
    random::fill(&mut bytes).map_err(|_| AccountError::Invalid("no randomness".into()))?;
    let letters = data_encoding::BASE32_NOPAD
        .encode(&bytes)
        .to_ascii_lowercase();
    let groups: Vec<&str> = (0..4).map(|i| &letters[i * 4..i * 4 + 4]).collect();
    Ok(groups.join("-"))
}

/// A recovery code as typed, reduced to what was generated: lower case,
/// no spaces or dashes.
fn normalise_recovery(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn recovery_digest(code: &str) -> crate::crypto::Digest {
    sha256(normalise_recovery(code).as_bytes())
}

/// Ten new recovery codes and their digests.
fn recovery_set() -> Result<(Vec<String>, Vec<crate::crypto::Digest>), AccountError> {
    let codes = (0..RECOVERY_CODES)
        .map(|_| new_recovery_code())
        .collect::<Result<Vec<_>, _>>()?;
    let digests = codes.iter().map(|c| recovery_digest(c)).collect();
    Ok((codes, digests))
}

/// Enrols an authenticator app once the person typed a correct code for
/// `secret`; answers the ten recovery codes to show once (a person who has
/// recovery codes already gets new ones only if none are left).
pub async fn enrol_totp(
    store: &Store,
    user_id: u64,
    secret: &[u8],
    code: &str,
    now: u64,
) -> Result<Option<Vec<String>>, AccountError> {
    let Some(step) = totp::matching_step(secret, code, now, None) else {
        return Err(AccountError::Invalid(
            "that code is not right; check the app's clock and type the code it shows now".into(),
        ));
    };
    let (codes, digests) = recovery_set()?;
    let enrolled = store
        .update_factors(user_id, |record: &mut FactorsRecord| {
            if record.totp.is_some() {
                return None;
            }
            record.totp = Some(TotpFactor {
                secret: secret.to_vec(),
                enrolled_at: now,
                last_step: Some(step),
            });
            let fresh = record.recovery_codes.is_empty();
            if fresh {
                record.recovery_codes = digests.clone();
            }
            Some(fresh)
        })
        .await?;
    match enrolled {
        None => Err(AccountError::Invalid(
            "an authenticator app is enrolled already; remove it first".into(),
        )),
        Some(fresh) => Ok(fresh.then_some(codes)),
    }
}

/// Enrols an authenticator app from a known secret (a seed file moving
/// people from another provider), leaving recovery codes as they are.
pub async fn import_totp(
    store: &Store,
    user_id: u64,
    secret: &[u8],
    now: u64,
) -> Result<(), AccountError> {
    store
        .update_factors(user_id, |record: &mut FactorsRecord| {
            if record.totp.as_ref().is_some_and(|t| t.secret == secret) {
                return None;
            }
            record.totp = Some(TotpFactor {
                secret: secret.to_vec(),
                enrolled_at: now,
                last_step: None,
            });
            Some(())
        })
        .await?;
    Ok(())
}

/// Checks a typed code: an app code of a step not used before, or an
/// unused recovery code, which is spent. Answers which it was, or `None`.
pub async fn use_code(
    store: &Store,
    user_id: u64,
    typed: &str,
    now: u64,
) -> Result<Option<CodeUsed>, AccountError> {
    let recovery = recovery_digest(typed);
    let used = store
        .update_factors(user_id, |record: &mut FactorsRecord| {
            if let Some(app) = &mut record.totp {
                if let Some(step) = totp::matching_step(&app.secret, typed, now, app.last_step) {
                    app.last_step = Some(step);
                    return Some(CodeUsed::Totp);
                }
            }
            let spent = record
                .recovery_codes
                .iter()
                .position(|d| crate::crypto::constant_time_eq(d, &recovery))?;
            record.recovery_codes.remove(spent);
            Some(CodeUsed::Recovery)
        })
        .await?;
    Ok(used)
}

/// Removes the authenticator app and the recovery codes (the caller has
/// checked the password and a current code).
pub async fn remove_totp(store: &Store, user_id: u64) -> Result<bool, AccountError> {
    let removed = store
        .update_factors(user_id, |record: &mut FactorsRecord| {
            record.totp.take()?;
            if record.passkeys.is_empty() {
                record.recovery_codes.clear();
            }
            Some(())
        })
        .await?;
    Ok(removed.is_some())
}

/// Replaces the recovery codes with ten new ones and answers them.
pub async fn renew_recovery_codes(
    store: &Store,
    user_id: u64,
) -> Result<Vec<String>, AccountError> {
    let (codes, digests) = recovery_set()?;
    store
        .update_factors(user_id, |record: &mut FactorsRecord| {
            record.recovery_codes = digests.clone();
            Some(())
        })
        .await?;
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_80_bits_in_four_groups_and_read_loosely() {
        let code = new_recovery_code().unwrap();
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        assert_eq!(
            recovery_digest(&code),
            recovery_digest(&code.to_uppercase().replace('-', " "))
        );
        assert_ne!(
            recovery_digest(&code),
            recovery_digest(&new_recovery_code().unwrap())
        );
    }
}
