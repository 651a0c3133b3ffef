//! Cryptographic primitives, all on ring: random tokens, SHA-256 digests,
//! PBKDF2 password hashes and constant-time comparison.

pub mod digest;
pub mod jwt;
pub mod password;
pub mod random;
pub mod seal;
pub mod totp;

pub use digest::{constant_time_eq, sha256, Digest};
pub use random::{new_token, TokenKind};
