//! The record codec: a version byte, then bincode 2 (pinned in Cargo.toml).
//! This is the only file that knows the encoding; a change of format is a
//! change here alone.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{StoreError, StoreResult};

/// The version byte written in front of every record today.
const VERSION: u8 = 1;

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// Encodes a record with its version byte.
pub(super) fn encode<T: Serialize>(record: &T) -> StoreResult<Vec<u8>> {
    let mut out = vec![VERSION];
    bincode::serde::encode_into_std_write(record, &mut out, config())
        .map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok(out)
}

/// Decodes a record, refusing a version this build does not know.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    match bytes.split_first() {
        Some((&VERSION, body)) => bincode::serde::decode_from_slice(body, config())
            .map(|(record, _)| record)
            .map_err(|e| StoreError::Codec(e.to_string())),
        Some((version, _)) => Err(StoreError::Codec(format!(
            "unknown record version {version}"
        ))),
        None => Err(StoreError::Codec("empty record".into())),
    }
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
        assert_eq!(bytes[0], VERSION);
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
