//! Sealing a small secret so that only the holder of another secret can open
//! it: AES-256-GCM under a key derived from that secret. Used to keep a
//! rotated refresh token's successor for the grace period without storing
//! any token in clear.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use super::random::fill;
use super::sha256;

const CONTEXT: &[u8] = b"gatehouse seal v1\0";

fn key_for(secret: &[u8]) -> Option<LessSafeKey> {
    let mut material = CONTEXT.to_vec();
    material.extend_from_slice(secret);
    let key = UnboundKey::new(&AES_256_GCM, &sha256(&material)).ok()?;
    Some(LessSafeKey::new(key))
}

/// Seals `plaintext` under a key derived from `secret`; `None` if randomness fails.
pub fn seal(secret: &[u8], plaintext: &[u8]) -> Option<Vec<u8>> {
    let key = key_for(secret)?;
    let mut nonce = [0u8; NONCE_LEN];
    fill(&mut nonce).ok()?;
    let mut sealed = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::empty(),
        &mut sealed,
    )
    .ok()?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Some(out)
}

/// Opens what [`seal`] made with the same `secret`; `None` if it does not open.
pub fn open(secret: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let key = key_for(secret)?;
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut body = body.to_vec();
    let plain = key.open_in_place(nonce, Aad::empty(), &mut body).ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_secret_opens_a_seal() {
        let sealed = seal(b"old refresh token", b"new pair").unwrap();
        assert_eq!(open(b"old refresh token", &sealed).unwrap(), b"new pair");
        assert!(open(b"another token", &sealed).is_none());
        assert!(open(b"old refresh token", &sealed[..5]).is_none());
    }
}
