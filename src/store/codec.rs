//! The record codec: a version byte, then bincode 2 (pinned in Cargo.toml).
//! This is the only file that knows the encoding; a change of format is a
//! change here alone (and, for the old shapes, `upgrade.rs`).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{StoreError, StoreResult};

/// A stored record kind: the version of its current shape, and how to read
/// the shapes of earlier versions.
pub(super) trait Versioned: Serialize + DeserializeOwned {
    /// The version byte written in front of this kind's records today.
    const VERSION: u8 = 1;

    /// Reads a record of an earlier version (`body` is after the version
    /// byte); kinds that never changed shape know none.
    fn upgrade(version: u8, _body: &[u8]) -> StoreResult<Self> {
        Err(StoreError::Codec(format!(
            "unknown record version {version}"
        )))
    }
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// Encodes a record with its version byte.
pub(super) fn encode<T: Versioned>(record: &T) -> StoreResult<Vec<u8>> {
    let mut out = vec![T::VERSION];
    bincode::serde::encode_into_std_write(record, &mut out, config())
        .map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok(out)
}

/// Decodes a record of the current version, or upgrades an earlier one.
pub(super) fn decode<T: Versioned>(bytes: &[u8]) -> StoreResult<T> {
    match bytes.split_first() {
        Some((&version, body)) if version == T::VERSION => decode_body(body),
        Some((&version, body)) => T::upgrade(version, body),
        None => Err(StoreError::Codec("empty record".into())),
    }
}

/// Decodes a record body without its version byte, in whatever shape the
/// caller names (the current one, or an old one in `upgrade.rs`).
pub(super) fn decode_body<T: DeserializeOwned>(body: &[u8]) -> StoreResult<T> {
    bincode::serde::decode_from_slice(body, config())
        .map(|(record, _)| record)
        .map_err(|e| StoreError::Codec(e.to_string()))
}

#[cfg(test)]
pub(super) fn encode_as<T: Serialize>(version: u8, record: &T) -> Vec<u8> {
    let mut out = vec![version];
    bincode::serde::encode_into_std_write(record, &mut out, config()).unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::{TokenKind, TokenRecord};

    fn token() -> TokenRecord {
        TokenRecord {
            kind: TokenKind::Refresh,
            client_id: "webapp".into(),
            user_id: Some(7),
            scope: "openid read".into(),
            issued_at: 1_700_000_000,
            expires_at: None,
            grant_id: Some("g1".into()),
            auth_time: Some(1_700_000_000),
            rotated: None,
        }
    }

    #[test]
    fn a_record_round_trips_with_its_version_byte() {
        let bytes = encode(&token()).unwrap();
        assert_eq!(bytes[0], TokenRecord::VERSION);
        assert_eq!(decode::<TokenRecord>(&bytes).unwrap(), token());
    }

    #[test]
    fn an_unknown_version_is_refused() {
        let mut bytes = encode(&token()).unwrap();
        bytes[0] = 99;
        assert!(decode::<TokenRecord>(&bytes).is_err());
        assert!(decode::<TokenRecord>(&[]).is_err());
    }

    #[test]
    fn truncated_bytes_are_an_error_not_a_panic() {
        let bytes = encode(&token()).unwrap();
        assert!(decode::<TokenRecord>(&bytes[..bytes.len() / 2]).is_err());
    }
}
