//! Password hashes: PBKDF2-HMAC-SHA256 with a per-user random salt, stored as
//! `pbkdf2-sha256$<iterations>$<salt>$<hash>` so the count can rise later.

use std::num::NonZeroU32;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use ring::pbkdf2;

use super::random::fill;

/// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
pub const DEFAULT_ITERATIONS: u32 = 600_000;

const SCHEME: &str = "pbkdf2-sha256";
const HASH_LEN: usize = 32;

/// Hashes a password with a fresh random salt.
pub fn hash(password: &str, iterations: u32) -> Result<String, ring::error::Unspecified> {
    let iterations = NonZeroU32::new(iterations).ok_or(ring::error::Unspecified)?;
    let mut salt = [0u8; 16];
    fill(&mut salt)?;
    let mut out = [0u8; HASH_LEN];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        password.as_bytes(),
        &mut out,
    );
    Ok(format!(
        "{SCHEME}${iterations}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

/// Checks a password against a stored hash in constant time; a malformed hash never verifies.
pub fn verify(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some(SCHEME), Some(iterations), Some(salt), Some(expected), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let Some(iterations) = iterations.parse().ok().and_then(NonZeroU32::new) else {
        return false;
    };
    let (Ok(salt), Ok(expected)) = (
        STANDARD_NO_PAD.decode(salt),
        STANDARD_NO_PAD.decode(expected),
    ) else {
        return false;
    };
    pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        password.as_bytes(),
        &expected,
    )
    .is_ok()
}

/// A hash of a random password, verified against when the user is unknown so
/// that a wrong username costs as much time as a wrong password.
pub fn dummy_hash(iterations: u32) -> String {
    let mut pw = [0u8; 16];
    let _ = fill(&mut pw);
    hash(&STANDARD_NO_PAD.encode(pw), iterations).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse", 1_000).unwrap();
        assert!(h.starts_with("pbkdf2-sha256$1000$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("correct horsf", &h));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        assert_ne!(hash("pw", 1_000).unwrap(), hash("pw", 1_000).unwrap());
    }

    #[test]
    fn malformed_hashes_never_verify() {
        for bad in [
            "",
            "pbkdf2-sha256$0$AA$AA",
            "md5$1$AA$AA",
            "pbkdf2-sha256$10$!!$AA",
            "a$b$c$d$e",
        ] {
            assert!(!verify("pw", bad), "{bad}");
        }
    }
}
