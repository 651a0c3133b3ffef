//! Scopes (RFC 6749 §3.3): the server's scope registry, parsing of the
//! space-delimited `scope` parameter, and the rule for what a request gets.
//!
//! A scope may carry an extension, `base:extension` (App.net's
//! `messages:net.app.core.pm`); it is known when `base` is, and allowed when
//! the client may use `base` or registered the extended scope itself.

use std::fmt;

use crate::error::{Error, Result};
use crate::store::ScopeRecord;

/// A scope the server knows.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeDef {
    /// The scope token.
    pub name: String,
    /// What it allows, in words for a person.
    pub description: String,
    /// Granted when a request names no scope.
    pub default: bool,
    /// Granted whether requested or not.
    pub always: bool,
}

/// The OpenID Connect scopes every server knows without being told.
const BUILT_IN: &[(&str, &str)] = &[
    ("openid", "Sign you in with your account"),
    ("profile", "See your name and username"),
    ("email", "See your email address"),
    ("offline_access", "Keep access while you are away"),
];

/// The set of scopes this server knows: the built-ins plus stored ones.
#[derive(Debug, Clone)]
pub struct Scopes {
    defs: Vec<ScopeDef>,
}

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

/// The part of a scope token before its extension.
fn base(token: &str) -> &str {
    token.split_once(':').map_or(token, |(b, _)| b)
}

impl Scopes {
    /// The built-ins plus the stored definitions (a stored one overrides a built-in).
    pub fn new(stored: Vec<ScopeRecord>) -> Self {
        let mut defs: Vec<ScopeDef> = BUILT_IN
            .iter()
            .filter(|(name, _)| !stored.iter().any(|s| s.name == *name))
            .map(|(name, description)| ScopeDef {
                name: (*name).into(),
                description: (*description).into(),
                default: false,
                always: false,
            })
            .collect();
        defs.extend(stored.into_iter().map(|s| ScopeDef {
            name: s.name,
            description: s.description,
            default: s.default,
            always: s.always,
        }));
        Scopes { defs }
    }

    /// Every scope the server knows, in registry order.
    pub fn all(&self) -> &[ScopeDef] {
        &self.defs
    }

    /// The definition of a scope token (by its base for an extended one).
    pub fn get(&self, token: &str) -> Option<&ScopeDef> {
        let name = base(token);
        self.defs.iter().find(|d| d.name == name)
    }

    /// Decides the scope of a grant: `requested` must be known and allowed for
    /// a client that may use `client_scope` (`None`: any known scope); when
    /// nothing is requested the defaults apply; `always` scopes are added.
    pub fn grant(&self, requested: Option<&str>, client_scope: Option<&str>) -> Result<ScopeSet> {
        let allowed = client_scope.map(ScopeSet::parse).transpose()?;
        let may_use = |token: &str| -> bool {
            match self.get(token) {
                None => false,
                Some(def) if def.always => true,
                Some(_) => allowed
                    .as_ref()
                    .is_none_or(|a| a.contains(token) || a.contains(base(token))),
            }
        };
        let requested = requested.map(ScopeSet::parse).transpose()?;
        let mut granted = ScopeSet::default();
        match requested {
            Some(requested) if !requested.is_empty() => {
                for token in requested.iter() {
                    if self.get(token).is_none() {
                        return Err(Error::InvalidScope(
                            format!("unknown scope `{token}`").into(),
                        ));
                    }
                    if !may_use(token) {
                        return Err(Error::InvalidScope(
                            format!("the client may not request scope `{token}`").into(),
                        ));
                    }
                    granted.insert(token);
                }
            }
            _ => {
                for def in self.defs.iter().filter(|d| d.default && may_use(&d.name)) {
                    granted.insert(&def.name);
                }
            }
        }
        for def in self.defs.iter().filter(|d| d.always) {
            granted.insert(&def.name);
        }
        // §3.3: with no scope and no default that applies, fail rather than
        // issue a token that grants nothing.
        if granted.is_empty() {
            return Err(Error::InvalidScope(
                "no scope was requested and no default scope applies to this client".into(),
            ));
        }
        Ok(granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes() -> Scopes {
        let stored = |name: &str, default, always| ScopeRecord {
            name: name.into(),
            description: format!("{name} things"),
            default,
            always,
        };
        Scopes::new(vec![
            stored("read", true, false),
            stored("write", false, false),
            stored("messages", false, false),
            stored("basic", false, true),
        ])
    }

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

    #[test]
    fn no_request_gives_the_defaults_and_the_always_scopes() {
        let g = scopes().grant(None, Some("read write")).unwrap();
        assert_eq!(g.to_string(), "read basic");
        let g = scopes().grant(Some(""), Some("write")).unwrap();
        assert_eq!(g.to_string(), "basic");
    }

    #[test]
    fn no_request_and_no_applicable_default_is_invalid_scope() {
        let plain = Scopes::new(vec![]);
        let e = plain.grant(None, Some("openid")).unwrap_err();
        assert_eq!(e.code(), "invalid_scope");
    }

    #[test]
    fn a_request_beyond_the_client_is_invalid_scope() {
        let e = scopes()
            .grant(Some("read write"), Some("read"))
            .unwrap_err();
        assert_eq!(e.code(), "invalid_scope");
    }

    #[test]
    fn an_unknown_scope_is_invalid_scope() {
        let e = scopes().grant(Some("admin"), None).unwrap_err();
        assert_eq!(e.code(), "invalid_scope");
    }

    #[test]
    fn an_unrestricted_client_may_use_any_known_scope() {
        let g = scopes().grant(Some("write openid"), None).unwrap();
        assert_eq!(g.to_string(), "write openid basic");
    }

    #[test]
    fn extended_scopes_follow_their_base() {
        let g = scopes()
            .grant(Some("messages:net.app.core.pm"), Some("messages"))
            .unwrap();
        assert_eq!(g.to_string(), "messages:net.app.core.pm basic");
        assert!(scopes()
            .grant(Some("messages:net.app.core.pm"), Some("read"))
            .is_err());
        assert!(scopes().grant(Some("nothing:ext"), None).is_err());
    }

    #[test]
    fn always_scopes_need_no_permission() {
        let g = scopes().grant(Some("basic"), Some("read")).unwrap();
        assert_eq!(g.to_string(), "basic");
    }
}
