//! Random secrets: tokens, codes and client secrets, each with a short prefix
//! that names its kind so that secret scanners can recognise a leaked one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};

/// The kinds of secret the server hands out, each with its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An OAuth access token.
    Access,
    /// An OAuth refresh token.
    Refresh,
    /// A confidential client's secret.
    ClientSecret,
    /// An authorization code.
    Code,
    /// A browser session cookie.
    Session,
    /// A device code (RFC 8628).
    DeviceCode,
    /// A registration access token (RFC 7592).
    Registration,
    /// An initial access token for dynamic registration (RFC 7591).
    InitialAccess,
    /// A single-use sign-up invitation.
    Invite,
    /// A one-time password-reset link.
    PasswordReset,
    /// A sign-in waiting for its second factor (a cookie).
    PendingSignIn,
    /// A one-time link that verifies an email address.
    EmailVerification,
    /// A passkey ceremony between its two requests (a form field).
    PasskeyCeremony,
    /// A sign-in through another provider, waiting for its callback (a cookie).
    UpstreamSignIn,
}

impl TokenKind {
    /// The prefix that starts every secret of this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::Access => "gth_at_",
            TokenKind::Refresh => "gth_rt_",
            TokenKind::ClientSecret => "gth_cs_",
            TokenKind::Code => "gth_ac_",
            TokenKind::Session => "gth_ss_",
            TokenKind::DeviceCode => "gth_dc_",
            TokenKind::Registration => "gth_ra_",
            TokenKind::InitialAccess => "gth_ia_",
            TokenKind::Invite => "gth_in_",
            TokenKind::PasswordReset => "gth_pr_",
            TokenKind::PendingSignIn => "gth_ps_",
            TokenKind::EmailVerification => "gth_ev_",
            TokenKind::PasskeyCeremony => "gth_pk_",
            TokenKind::UpstreamSignIn => "gth_us_",
        }
    }
}

/// Fills a buffer with bytes from the operating system's secure generator.
pub fn fill(buf: &mut [u8]) -> Result<(), ring::error::Unspecified> {
    SystemRandom::new().fill(buf)
}

/// A new secret of the given kind: the prefix and 256 random bits in base64url.
pub fn new_token(kind: TokenKind) -> Result<String, ring::error::Unspecified> {
    let mut bytes = [0u8; 32];
    fill(&mut bytes)?;
    let mut token = String::with_capacity(kind.prefix().len() + 43);
    token.push_str(kind.prefix());
    URL_SAFE_NO_PAD.encode_string(bytes, &mut token);
    Ok(token)
}

/// A random identifier (128 bits, base64url) for records that are not secrets.
pub fn new_id() -> Result<String, ring::error::Unspecified> {
    let mut bytes = [0u8; 16];
    fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_prefix_and_256_bits() {
        let t = new_token(TokenKind::Access).unwrap();
        assert!(t.starts_with("gth_at_"));
        let raw = URL_SAFE_NO_PAD.decode(&t["gth_at_".len()..]).unwrap();
        assert_eq!(raw.len(), 32);
    }

    #[test]
    fn tokens_differ() {
        let a = new_token(TokenKind::Refresh).unwrap();
        let b = new_token(TokenKind::Refresh).unwrap();
        assert_ne!(a, b);
    }
}
