//! Proof Key for Code Exchange (RFC 7636), S256 only: `plain` would let a
//! stolen code be redeemed by whoever saw the challenge.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::crypto::{constant_time_eq, sha256};
use crate::error::{Error, Result};

/// Checks the challenge parameters of an authorization request; answers the
/// challenge to store, if any.
pub fn check_challenge(challenge: Option<&str>, method: Option<&str>) -> Result<Option<String>> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Error::InvalidRequest(
            "code_challenge_method without code_challenge".into(),
        )),
        (Some(_), None | Some("plain")) => Err(Error::InvalidRequest(
            "only code_challenge_method=S256 is supported".into(),
        )),
        (Some(challenge), Some("S256")) => {
            // A SHA-256 digest in base64url without padding is 43 characters.
            let valid = challenge.len() == 43
                && URL_SAFE_NO_PAD
                    .decode(challenge)
                    .is_ok_and(|bytes| bytes.len() == 32);
            if valid {
                Ok(Some(challenge.to_owned()))
            } else {
                Err(Error::InvalidRequest(
                    "code_challenge is not a base64url SHA-256 digest".into(),
                ))
            }
        }
        (Some(_), Some(_)) => Err(Error::InvalidRequest(
            "unknown code_challenge_method; use S256".into(),
        )),
    }
}

/// Checks a verifier against the stored challenge (RFC 7636 §4.6). Neither a
/// missing verifier nor one for a code issued without a challenge passes.
pub fn verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<()> {
    let failed = |why: &'static str| Err(Error::InvalidGrant(why.into()));
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => failed("code_verifier sent for a code issued without code_challenge"),
        (Some(_), None) => failed("code_verifier is required for this code"),
        (Some(challenge), Some(verifier)) => {
            let well_formed = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            if !well_formed {
                return failed("code_verifier is malformed");
            }
            let computed = URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()));
            if constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
                Ok(())
            } else {
                failed("code_verifier does not match code_challenge")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_example_verifies() {
        assert!(verify(Some(CHALLENGE), Some(VERIFIER)).is_ok());
    }

    #[test]
    fn a_wrong_or_missing_verifier_is_invalid_grant() {
        let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx";
        assert_eq!(
            verify(Some(CHALLENGE), Some(wrong)).unwrap_err().code(),
            "invalid_grant"
        );
        assert_eq!(
            verify(Some(CHALLENGE), None).unwrap_err().code(),
            "invalid_grant"
        );
        assert_eq!(
            verify(None, Some(VERIFIER)).unwrap_err().code(),
            "invalid_grant"
        );
        assert_eq!(
            verify(Some(CHALLENGE), Some("short")).unwrap_err().code(),
            "invalid_grant"
        );
        assert!(verify(None, None).is_ok());
    }

    #[test]
    fn plain_and_unknown_methods_are_refused() {
        assert!(check_challenge(Some(CHALLENGE), Some("plain")).is_err());
        assert!(check_challenge(Some(CHALLENGE), None).is_err());
        assert!(check_challenge(Some(CHALLENGE), Some("S512")).is_err());
        assert!(check_challenge(None, Some("S256")).is_err());
        assert!(check_challenge(Some("too-short"), Some("S256")).is_err());
        assert_eq!(
            check_challenge(Some(CHALLENGE), Some("S256"))
                .unwrap()
                .as_deref(),
            Some(CHALLENGE)
        );
        assert_eq!(check_challenge(None, None).unwrap(), None);
    }
}
