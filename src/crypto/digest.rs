//! SHA-256 digests of secrets, and constant-time comparison of secrets.

use ring::digest::{digest, SHA256};

/// The SHA-256 digest of a secret: how tokens and client secrets are stored.
pub type Digest = [u8; 32];

/// Hashes a high-entropy secret (a token or a client secret) for storage and lookup.
pub fn sha256(secret: &[u8]) -> Digest {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, secret).as_ref());
    out
}

/// Compares two secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    // The lengths of our secrets are public (fixed digests); subtle answers
    // false for different lengths at once and compares the bytes in full.
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_known_vector() {
        let d = sha256(b"abc");
        assert_eq!(d[0], 0xba);
        assert_eq!(d[31], 0xad);
    }

    #[test]
    fn constant_time_eq_tells_equal_from_unequal() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sama"));
        assert!(!constant_time_eq(b"same", b"samesame"));
    }
}
