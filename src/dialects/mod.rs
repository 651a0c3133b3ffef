//! Provider dialects: on request, Gatehouse also speaks the API of a
//! provider described in `shared/seeds/`, as a thin layer that maps requests
//! and responses onto the standard core. Each dialect lives in its own file.
//! Discovery and the canonical endpoints keep working beside any dialect.

pub mod appnet;
pub mod mastodon;
pub mod piictu;
pub mod scratch;
pub mod skritter;

use std::fmt;
use std::str::FromStr;

use actix_web::web;

use crate::oauth::ScopeRecord;

/// A provider whose API Gatehouse can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Skritter (skritter-oauth2.txt).
    Skritter,
    /// Mastodon, through Doorkeeper (mastodon-doorkeeper-oauth.txt).
    Mastodon,
    /// Piictu (piictu-auth.txt).
    Piictu,
    /// ScratchOAuth2 (scratch-oauth2.txt).
    Scratch,
    /// App.net (appnet-auth.txt).
    Appnet,
}

impl Dialect {
    /// Every dialect, in the order `gatehouse serve --help` lists them.
    pub const ALL: [Dialect; 5] = [
        Dialect::Skritter,
        Dialect::Mastodon,
        Dialect::Piictu,
        Dialect::Scratch,
        Dialect::Appnet,
    ];

    /// The name the flag takes.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Skritter => "skritter",
            Dialect::Mastodon => "mastodon",
            Dialect::Piictu => "piictu",
            Dialect::Scratch => "scratch",
            Dialect::Appnet => "appnet",
        }
    }

    /// The paths the dialect adds and what answers there, for finding two
    /// dialects that claim one path with different behaviour.
    fn claims(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Dialect::Skritter => &[
                ("/api/v0/oauth2/authorize", "skritter"),
                ("/api/v0/oauth2/token", "skritter"),
                ("/api/v0/users/me", "skritter"),
            ],
            Dialect::Mastodon => &[
                ("/api/v1/apps", "mastodon"),
                ("/api/v1/apps/verify_credentials", "mastodon"),
                ("/api/v1/accounts/verify_credentials", "mastodon"),
            ],
            Dialect::Piictu => &[
                (
                    "/oauth/access_token",
                    "piictu: multipart password grant with the user object",
                ),
                ("/v2/users/me", "piictu"),
            ],
            Dialect::Scratch => &[("/w/rest.php/soa2/v0", "scratch")],
            Dialect::Appnet => &[
                ("/oauth/authenticate", "appnet"),
                ("/stream/0/token", "appnet"),
                (
                    "/oauth/access_token",
                    "appnet: App.net token endpoint and its error messages",
                ),
            ],
        }
    }

    /// Scopes the dialect's clients expect the server to know.
    pub fn scopes(self) -> Vec<ScopeRecord> {
        match self {
            Dialect::Mastodon => mastodon::scopes(),
            Dialect::Skritter => skritter::scopes(),
            Dialect::Piictu => piictu::scopes(),
            Dialect::Appnet => appnet::scopes(),
            Dialect::Scratch => scratch::scopes(),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.name() == s.trim())
            .ok_or_else(|| format!("`{s}`: use one of skritter, mastodon, piictu, scratch, appnet"))
    }
}

/// Checks a choice of dialects: no path claimed twice with different behaviour.
pub fn check(dialects: &[Dialect]) -> Result<(), String> {
    for (i, a) in dialects.iter().enumerate() {
        for b in &dialects[i + 1..] {
            for (path, what) in a.claims() {
                if let Some((_, other)) = b.claims().iter().find(|(p, w)| p == path && w != what) {
                    return Err(format!(
                        "dialects {a} and {b} both answer {path}, differently ({what} / {other}); choose one"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// What the chosen dialects ask of the core for their clients.
pub fn hooks(dialects: &[Dialect]) -> crate::oauth::Hooks {
    let mut hooks = crate::oauth::Hooks::default();
    for dialect in dialects {
        match dialect {
            Dialect::Skritter => {
                hooks.user_id_in_authorization.push(dialect.name());
                hooks.legacy_implicit.push(dialect.name());
            }
            Dialect::Mastodon => hooks.json_token_requests.push(dialect.name()),
            Dialect::Appnet => hooks.scopeless_app_tokens.push(dialect.name()),
            Dialect::Piictu | Dialect::Scratch => {}
        }
    }
    hooks
}

/// Registers the routes of the chosen dialects.
pub fn routes(dialects: &[Dialect], cfg: &mut web::ServiceConfig) {
    for dialect in dialects {
        match dialect {
            Dialect::Mastodon => mastodon::routes(cfg),
            Dialect::Skritter => skritter::routes(cfg),
            Dialect::Piictu => piictu::routes(cfg),
            Dialect::Appnet => appnet::routes(cfg),
            Dialect::Scratch => scratch::routes(cfg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piictu_and_appnet_are_refused_together_naming_both() {
        let e = check(&[Dialect::Piictu, Dialect::Appnet]).unwrap_err();
        assert!(
            e.contains("piictu") && e.contains("appnet") && e.contains("/oauth/access_token"),
            "{e}"
        );
    }

    #[test]
    fn names_parse_and_unknown_ones_are_refused() {
        assert_eq!("mastodon".parse::<Dialect>().unwrap(), Dialect::Mastodon);
        assert!("myspace".parse::<Dialect>().is_err());
        assert!(check(&[Dialect::Mastodon]).is_ok());
    }
}
