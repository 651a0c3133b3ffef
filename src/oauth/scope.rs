//! Scopes (RFC 6749 §3.3): the server's scope registry, parsing of the
//! space-delimited `scope` parameter, and the rule for what a request gets.
//!
//! A scope may carry an extension, `base:extension` (App.net's
//! `messages:net.app.core.pm`); it is known when `base` is, and allowed when
//! the client may use `base` or registered the extended scope itself.

use crate::error::{Error, Result};
pub use crate::scope_set::ScopeSet;
use crate::store::{ClientRecord, ScopeRecord};

/// Where a scope's definition comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The OpenID Connect scopes every server knows.
    BuiltIn,
    /// The seed file (an administrator's scope).
    Seed,
    /// A provider dialect, by name: its rules apply only to its own clients
    /// and to clients that registered the scope by name.
    Dialect(String),
}

/// A scope the server knows.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeDef {
    /// The scope token.
    pub name: String,
    /// What it allows, in words for a person.
    pub description: String,
    /// Granted when a request names no scope (to clients that may hold it).
    pub default: bool,
    /// Granted whether requested or not (to clients that may hold it).
    pub always: bool,
    /// Who defined it.
    pub origin: Origin,
}

/// The OpenID Connect scopes every server knows without being told.
const BUILT_IN: &[(&str, &str)] = &[
    ("openid", "Sign you in with your account"),
    ("profile", "See your name and username"),
    ("email", "See your email address"),
    ("offline_access", "Keep access while you are away"),
    ("groups", "See which groups you are in"),
];

/// The set of scopes this server knows: the built-ins, the seed's, and the
/// enabled dialects' (one name may have a definition per origin).
#[derive(Debug, Clone)]
pub struct Scopes {
    defs: Vec<ScopeDef>,
}

/// What a scope decision needs to know of a client: the scope it
/// registered (`None`: any scope of its own kind) and its dialect.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    /// The registered `scope`, space-separated.
    pub scope: Option<&'a str>,
    /// The dialect the client belongs to.
    pub dialect: Option<&'a str>,
}

impl<'a> Holder<'a> {
    /// The holder a client record describes.
    pub fn of(client: &'a ClientRecord) -> Self {
        Holder {
            scope: client.scope.as_deref(),
            dialect: client.dialect.as_deref(),
        }
    }
}

/// The part of a scope token before its extension.
fn base(token: &str) -> &str {
    token.split_once(':').map_or(token, |(b, _)| b)
}

impl Scopes {
    /// The built-ins, the stored definitions (a stored one overrides a
    /// built-in of its name) and the dialects' definitions by dialect name.
    pub fn new(stored: Vec<ScopeRecord>, dialects: Vec<(String, ScopeRecord)>) -> Self {
        let def = |s: ScopeRecord, origin| ScopeDef {
            name: s.name,
            description: s.description,
            default: s.default,
            always: s.always,
            origin,
        };
        let mut defs: Vec<ScopeDef> = BUILT_IN
            .iter()
            .filter(|(name, _)| !stored.iter().any(|s| s.name == *name))
            .map(|(name, description)| ScopeDef {
                name: (*name).into(),
                description: (*description).into(),
                default: false,
                always: false,
                origin: Origin::BuiltIn,
            })
            .collect();
        defs.extend(stored.into_iter().map(|s| def(s, Origin::Seed)));
        for (dialect, scope) in dialects {
            let origin = Origin::Dialect(dialect);
            if !defs
                .iter()
                .any(|d| d.name == scope.name && d.origin == origin)
            {
                defs.push(def(scope, origin));
            }
        }
        Scopes { defs }
    }

    /// Every definition the server knows, in registry order.
    pub fn all(&self) -> &[ScopeDef] {
        &self.defs
    }

    /// Every scope name the server knows, once each (for discovery).
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for def in &self.defs {
            if !names.contains(&def.name.as_str()) {
                names.push(&def.name);
            }
        }
        names
    }

    /// Whether any definition has this token's name (by its base).
    pub fn knows(&self, token: &str) -> bool {
        let name = base(token);
        self.defs.iter().any(|d| d.name == name)
    }

    /// The definition of a token that applies to `holder`: its own
    /// dialect's first, then the server's own (built-in or seed); another
    /// dialect's only when the holder registered the scope by name.
    pub fn get(&self, token: &str, holder: Holder<'_>) -> Option<&ScopeDef> {
        let name = base(token);
        let of = |origin: &dyn Fn(&Origin) -> bool| {
            self.defs
                .iter()
                .find(|d| d.name == name && origin(&d.origin))
        };
        let own = holder
            .dialect
            .and_then(|mine| of(&|o: &Origin| matches!(o, Origin::Dialect(d) if d == mine)));
        own.or_else(|| of(&|o: &Origin| !matches!(o, Origin::Dialect(_))))
            .or_else(|| {
                let registered = holder
                    .scope
                    .is_some_and(|s| s.split(' ').any(|t| t == token || t == name));
                registered.then(|| of(&|_: &Origin| true)).flatten()
            })
    }

    /// Whether `holder` may hold `token` under the definition `def`.
    fn holds(def: &ScopeDef, token: &str, holder: Holder<'_>, allowed: Option<&ScopeSet>) -> bool {
        let listed = allowed.is_some_and(|a| a.contains(token) || a.contains(&def.name));
        let unrestricted = allowed.is_none();
        match (&def.origin, holder.dialect) {
            // A dialect's own clients hold its scopes unless they registered fewer.
            (Origin::Dialect(owner), Some(mine)) if owner == mine => unrestricted || listed,
            // Standard clients hold the server's scopes unless they registered fewer.
            (Origin::BuiltIn | Origin::Seed, None) => unrestricted || listed,
            // A dialect's client gets the OpenID scopes, and the seed's by name only.
            (Origin::BuiltIn, Some(_)) => unrestricted || listed,
            (Origin::Seed, Some(_)) => listed,
            // Another dialect's scope: only registered by name.
            (Origin::Dialect(_), _) => listed,
        }
    }

    /// Decides the scope of a grant: `requested` must be known and held by
    /// `holder`; when nothing is requested the defaults that `holder` may
    /// hold apply; the `always` scopes that it may hold are added.
    pub fn grant(&self, requested: Option<&str>, holder: Holder<'_>) -> Result<ScopeSet> {
        let allowed = holder.scope.map(ScopeSet::parse).transpose()?;
        let usable = |def: &ScopeDef| {
            self.get(&def.name, holder)
                .is_some_and(|applies| std::ptr::eq(applies, def))
                && Self::holds(def, &def.name, holder, allowed.as_ref())
        };
        let requested = requested.map(ScopeSet::parse).transpose()?;
        let mut granted = ScopeSet::default();
        match requested {
            Some(requested) if !requested.is_empty() => {
                for token in requested.iter() {
                    if !self.knows(token) {
                        return Err(Error::InvalidScope(
                            format!("unknown scope `{token}`").into(),
                        ));
                    }
                    let held = self
                        .get(token, holder)
                        .is_some_and(|def| Self::holds(def, token, holder, allowed.as_ref()));
                    if !held {
                        return Err(Error::InvalidScope(
                            format!("the client may not request scope `{token}`").into(),
                        ));
                    }
                    granted.insert(token);
                }
            }
            _ => {
                for def in self.defs.iter().filter(|d| d.default && usable(d)) {
                    granted.insert(&def.name);
                }
            }
        }
        for def in self.defs.iter().filter(|d| d.always && usable(d)) {
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

    fn record(name: &str, default: bool, always: bool) -> ScopeRecord {
        ScopeRecord {
            name: name.into(),
            description: format!("{name} things"),
            default,
            always,
        }
    }

    fn scopes() -> Scopes {
        Scopes::new(
            vec![
                record("read", true, false),
                record("write", false, false),
                record("messages", false, false),
                record("basic", false, true),
            ],
            vec![],
        )
    }

    /// Seed `read` (default) beside four dialects as `gatehouse dev` has them.
    fn with_dialects() -> Scopes {
        let d = |dialect: &str, r| (dialect.to_owned(), r);
        Scopes::new(
            vec![record("read", true, false), record("write", false, false)],
            vec![
                d("skritter", record("api", true, false)),
                d("mastodon", record("read", true, false)),
                d("mastodon", record("write", false, false)),
                d("mastodon", record("follow", false, false)),
                d("piictu", record("read", true, false)),
                d("piictu", record("write", true, false)),
                d("scratch", record("identify", true, false)),
                d("appnet", record("basic", false, true)),
                d("appnet", record("stream", false, false)),
                d("appnet", record("messages", false, false)),
            ],
        )
    }

    fn holder<'a>(scope: Option<&'a str>, dialect: Option<&'a str>) -> Holder<'a> {
        Holder { scope, dialect }
    }

    fn any(scope: Option<&str>) -> Holder<'_> {
        holder(scope, None)
    }

    #[test]
    fn no_request_gives_the_defaults_and_the_always_scopes_the_client_may_hold() {
        let g = scopes().grant(None, any(Some("read write basic"))).unwrap();
        assert_eq!(g.to_string(), "read basic");
        let g = scopes().grant(None, any(Some("read write"))).unwrap();
        assert_eq!(g.to_string(), "read");
        let g = scopes().grant(Some(""), any(Some("write basic"))).unwrap();
        assert_eq!(g.to_string(), "basic");
        let g = scopes().grant(None, any(None)).unwrap();
        assert_eq!(g.to_string(), "read basic");
    }

    #[test]
    fn no_request_and_no_applicable_default_is_invalid_scope() {
        let plain = Scopes::new(vec![], vec![]);
        let e = plain.grant(None, any(Some("openid"))).unwrap_err();
        assert_eq!(e.code(), "invalid_scope");
    }

    #[test]
    fn a_request_beyond_the_client_is_invalid_scope() {
        let e = scopes()
            .grant(Some("read write"), any(Some("read")))
            .unwrap_err();
        assert_eq!(e.code(), "invalid_scope");
    }

    #[test]
    fn an_unknown_scope_is_invalid_scope() {
        let e = scopes().grant(Some("admin"), any(None)).unwrap_err();
        assert_eq!(e.code(), "invalid_scope");
    }

    #[test]
    fn an_unrestricted_client_may_use_any_scope_of_the_server() {
        let g = scopes().grant(Some("write openid"), any(None)).unwrap();
        assert_eq!(g.to_string(), "write openid basic");
    }

    #[test]
    fn extended_scopes_follow_their_base() {
        let g = scopes()
            .grant(Some("messages:net.app.core.pm"), any(Some("messages")))
            .unwrap();
        assert_eq!(g.to_string(), "messages:net.app.core.pm");
        assert!(scopes()
            .grant(Some("messages:net.app.core.pm"), any(Some("read")))
            .is_err());
        assert!(scopes().grant(Some("nothing:ext"), any(None)).is_err());
    }

    #[test]
    fn always_scopes_go_only_to_clients_that_may_hold_them() {
        let e = scopes()
            .grant(Some("basic"), any(Some("read")))
            .unwrap_err();
        assert_eq!(e.code(), "invalid_scope");
        let g = scopes()
            .grant(Some("read"), any(Some("read basic")))
            .unwrap();
        assert_eq!(g.to_string(), "read basic");
    }

    #[test]
    fn each_dialect_gets_only_its_own_defaults() {
        let s = with_dialects();
        let cases = [
            ("skritter", "api"),
            ("mastodon", "read"),
            ("piictu", "read write"),
            ("scratch", "identify"),
            ("appnet", "basic"),
        ];
        for (dialect, expected) in cases {
            let g = s.grant(None, holder(None, Some(dialect))).unwrap();
            assert_eq!(g.to_string(), expected, "{dialect}");
        }
        // A standard client sees only the seed's rules.
        assert_eq!(s.grant(None, any(None)).unwrap().to_string(), "read");
    }

    #[test]
    fn a_dialect_scope_never_leaks_into_another_dialect_or_a_standard_client() {
        let s = with_dialects();
        let g = s
            .grant(Some("identify"), holder(None, Some("scratch")))
            .unwrap();
        assert_eq!(g.to_string(), "identify");
        let g = s
            .grant(Some("stream"), holder(None, Some("appnet")))
            .unwrap();
        assert_eq!(g.to_string(), "stream basic");
        for (dialect, scope) in [
            (Some("mastodon"), "identify"),
            (Some("scratch"), "basic"),
            (None, "api"),
            (None, "stream"),
        ] {
            assert!(
                s.grant(Some(scope), holder(None, dialect)).is_err(),
                "{dialect:?} {scope}"
            );
        }
        // The seed's scopes reach a dialect's client only by name.
        assert!(s
            .grant(Some("read"), holder(None, Some("scratch")))
            .is_err());
        let g = s
            .grant(Some("read"), holder(Some("identify read"), Some("scratch")))
            .unwrap();
        assert_eq!(g.to_string(), "read");
    }

    #[test]
    fn a_client_that_registered_a_dialect_scope_by_name_gets_its_rules() {
        let s = with_dialects();
        let g = s.grant(None, any(Some("identify"))).unwrap();
        assert_eq!(g.to_string(), "identify");
        let g = s.grant(Some("stream"), any(Some("stream basic"))).unwrap();
        assert_eq!(g.to_string(), "stream basic");
    }

    #[test]
    fn always_scopes_reach_a_clients_own_tokens_too() {
        // DESIGN.md: `always` scopes are granted whether requested or not.
        let g = scopes().grant(None, any(None)).unwrap();
        assert_eq!(g.to_string(), "read basic");
    }

    #[test]
    fn dialect_clients_may_ask_for_the_openid_scopes() {
        let s = with_dialects();
        let g = s
            .grant(Some("openid profile"), holder(None, Some("mastodon")))
            .unwrap();
        assert_eq!(g.to_string(), "openid profile");
    }
}
