//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1,
//! 30-second steps, six digits, the parameters every authenticator app
//! assumes. The secret travels as RFC 4648 base32 inside an `otpauth://` URI.

use ring::hmac;

/// Seconds per step (RFC 6238 §4's default `X`).
pub const STEP: u64 = 30;
/// Digits per code.
const DIGITS: u32 = 6;
/// Steps either side of now that still count, for clocks that drift and
/// people who type slowly (RFC 6238 §5.2 recommends at most one).
const SKEW: u64 = 1;
/// Bytes of a new secret: 160 bits, RFC 4226 §4's recommendation.
pub const SECRET_LEN: usize = 20;

/// The step that `now` (Unix seconds) falls in.
pub fn step_at(now: u64) -> u64 {
    now / STEP
}

/// The code for one step (RFC 4226 §5.3: dynamic truncation).
pub fn code_at(secret: &[u8], step: u64) -> String {
    #[allow(deprecated)] // TOTP is defined over HMAC-SHA1; no other use here.
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    format!(
        "{:0width$}",
        binary % 10u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// The step a typed code matches at `now`, among the steps after
/// `last_used` (so that no code is accepted twice); `None` when it matches
/// none. Spaces in the typed code are ignored.
pub fn matching_step(secret: &[u8], typed: &str, now: u64, last_used: Option<u64>) -> Option<u64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_at(now);
    let earliest = current.saturating_sub(SKEW);
    (earliest..=current + SKEW)
        .filter(|step| last_used.is_none_or(|last| *step > last))
        .find(|step| {
            crate::crypto::constant_time_eq(code_at(secret, *step).as_bytes(), typed.as_bytes())
        })
}

/// The secret in base32 without padding, as authenticator apps take it.
pub fn encode_secret(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

/// Reads a base32 secret as people and other providers write it: any case,
/// spaces and padding allowed. `None` unless it holds at least 80 bits
/// (RFC 4226 §4's minimum).
pub fn decode_secret(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let secret = data_encoding::BASE32_NOPAD
        .decode(cleaned.as_bytes())
        .ok()?;
    (secret.len() >= 10).then_some(secret)
}

/// The `otpauth://` URI that an authenticator app reads from the QR code
/// (the Key Uri Format that Google Authenticator defined and every app follows).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let mut url = match url::Url::parse("otpauth://totp/") {
        Ok(url) => url,
        Err(_) => return String::new(),
    };
    url.set_path(&format!("/{issuer}:{account}"));
    url.query_pairs_mut()
        .append_pair("secret", &encode_secret(secret))
        .append_pair("issuer", issuer)
        .append_pair("algorithm", "SHA1")
        .append_pair("digits", "6")
        .append_pair("period", "30");
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_rfc_6238_appendix_b() {
        // The appendix lists eight digits; six are their last six.
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(RFC_SECRET, step_at(time)), &eight[2..], "at {time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let now = 1_234_567_890;
        let code = code_at(RFC_SECRET, step_at(now));
        assert_eq!(
            matching_step(RFC_SECRET, &code, now, None),
            Some(step_at(now))
        );
        assert_eq!(
            matching_step(RFC_SECRET, &code, now + STEP, None),
            Some(step_at(now))
        );
        assert_eq!(matching_step(RFC_SECRET, &code, now + 3 * STEP, None), None);
        assert_eq!(matching_step(RFC_SECRET, "000000x", now, None), None);
        assert_eq!(matching_step(RFC_SECRET, "", now, None), None);
    }

    #[test]
    fn a_used_step_is_never_accepted_again() {
        let now = 1_234_567_890;
        let code = code_at(RFC_SECRET, step_at(now));
        assert_eq!(
            matching_step(RFC_SECRET, &code, now, Some(step_at(now))),
            None
        );
        let earlier = code_at(RFC_SECRET, step_at(now) - 1);
        assert_eq!(
            matching_step(RFC_SECRET, &earlier, now, Some(step_at(now))),
            None
        );
    }

    #[test]
    fn secrets_round_trip_through_base32_and_short_ones_are_refused() {
        let text = encode_secret(RFC_SECRET);
        assert_eq!(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(decode_secret(&text.to_lowercase()).unwrap(), RFC_SECRET);
        assert_eq!(
            decode_secret("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ").unwrap(),
            RFC_SECRET
        );
        assert!(decode_secret("GEZDGNBV").is_none());
        assert!(decode_secret("not base32!").is_none());
    }

    #[test]
    fn the_uri_names_issuer_account_and_secret() {
        let uri = otpauth_uri("id.example.org", "alice", RFC_SECRET);
        assert!(
            uri.starts_with("otpauth://totp/id.example.org:alice?"),
            "{uri}"
        );
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert!(uri.contains("issuer=id.example.org"));
    }
}
