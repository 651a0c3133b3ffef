//! The value of a `scope` parameter (RFC 6749 §3.3): an ordered set of
//! scope tokens without repeats. It stands apart from the scope registry in
//! `oauth::scope` because accounts (remembered consent) hold such sets too,
//! and accounts never import the protocol.

use std::fmt;

use crate::error::{Error, Result};

/// An ordered set of scope tokens without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(Vec<String>);

impl ScopeSet {
    /// Parses a `scope` parameter; each token must match RFC 6749 §3.3's syntax.
    pub fn parse(raw: &str) -> Result<Self> {
        let mut set = ScopeSet::default();
        for token in raw.split(' ').filter(|t| !t.is_empty()) {
            let valid = token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
            if !valid {
                return Err(Error::InvalidScope(
                    "a scope contains a character RFC 6749 §3.3 does not allow".into(),
                ));
            }
            set.insert(token);
        }
        Ok(set)
    }

    /// Adds a token unless it is already there.
    pub fn insert(&mut self, token: &str) {
        if !self.contains(token) {
            self.0.push(token.to_owned());
        }
    }

    /// Whether the set holds this exact token.
    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tokens, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_order_and_drops_repeats_and_extra_spaces() {
        let s = ScopeSet::parse("read  write read").unwrap();
        assert_eq!(s.to_string(), "read write");
    }

    #[test]
    fn parse_refuses_characters_outside_the_rfc_syntax() {
        assert!(ScopeSet::parse("read \"write\"").is_err());
        assert!(ScopeSet::parse("caf\u{e9}").is_err());
        assert!(ScopeSet::parse("a\\b").is_err());
    }
}
