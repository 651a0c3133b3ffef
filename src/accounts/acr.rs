//! How a person authenticated: RFC 8176's method names for the ID token's
//! `amr`, and the two authentication context classes Gatehouse offers for
//! `acr` and `acr_values` (OpenID Connect Core §2, §3.1.2.1).

/// A password (RFC 8176 §2).
pub const PWD: &str = "pwd";
/// A one-time password: an authenticator app's code or a recovery code.
pub const OTP: &str = "otp";
/// A hardware-bound key (a passkey that cannot leave its device).
pub const HWK: &str = "hwk";
/// A software key (a passkey that syncs between devices).
pub const SWK: &str = "swk";
/// Signed in through another provider. RFC 8176 names no federated
/// method; `fed` is the value Microsoft's identity platform sends for it.
/// It is one factor here, and never `pwd`: this server checked no password.
pub const FED: &str = "fed";
/// More than one factor.
pub const MFA: &str = "mfa";

/// The class for a sign-in with one factor.
pub const ONE_FACTOR: &str = "1fa";
/// The class for a sign-in with a second factor.
pub const MULTI_FACTOR: &str = "mfa";
/// The classes `acr_values_supported` lists.
pub const SUPPORTED: [&str; 2] = [ONE_FACTOR, MULTI_FACTOR];

/// The methods of a sign-in that added `method` to `so_far`, with `mfa`
/// once two kinds of factor were used.
pub fn add(so_far: &[String], method: &str) -> Vec<String> {
    let mut amr: Vec<String> = so_far.iter().filter(|m| *m != MFA).cloned().collect();
    if !amr.iter().any(|m| m == method) {
        amr.push(method.to_owned());
    }
    if amr.len() > 1 || matches!(method, HWK | SWK) {
        amr.push(MFA.to_owned());
    }
    amr
}

/// Whether a sign-in by these methods used a second factor.
pub fn is_multi_factor(amr: &[String]) -> bool {
    amr.iter().any(|m| m == MFA)
}

/// The `acr` of a sign-in by these methods.
pub fn of(amr: &[String]) -> &'static str {
    if is_multi_factor(amr) {
        MULTI_FACTOR
    } else {
        ONE_FACTOR
    }
}

/// Whether `acr_values` asks for a second factor: our `mfa`, `2fa`, or the
/// OpenID PAPE multi-factor policy URI that clients often send.
pub fn asks_multi_factor(acr_values: &str) -> bool {
    acr_values.split(' ').any(|v| {
        matches!(
            v,
            MULTI_FACTOR | "2fa" | "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(methods: &[&str]) -> Vec<String> {
        methods.iter().map(|m| (*m).to_owned()).collect()
    }

    #[test]
    fn a_password_then_a_code_is_multi_factor() {
        let pwd = add(&[], PWD);
        assert_eq!(pwd, ["pwd"]);
        assert!(!is_multi_factor(&pwd));
        let both = add(&pwd, OTP);
        assert_eq!(both, ["pwd", "otp", "mfa"]);
        assert_eq!(of(&both), "mfa");
        assert_eq!(add(&both, OTP), ["pwd", "otp", "mfa"]);
    }

    #[test]
    fn a_passkey_alone_is_multi_factor() {
        assert_eq!(add(&[], HWK), ["hwk", "mfa"]);
        assert_eq!(of(&owned(&["pwd"])), "1fa");
    }

    #[test]
    fn acr_values_ask_for_mfa_by_any_common_name() {
        assert!(asks_multi_factor("1fa mfa"));
        assert!(asks_multi_factor(
            "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
        ));
        assert!(!asks_multi_factor("1fa"));
        assert!(!asks_multi_factor(""));
    }
}
