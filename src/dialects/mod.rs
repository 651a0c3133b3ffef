//! Provider dialects: on request, Gatehouse also speaks the API of a
//! provider described in `shared/seeds/`, as a thin layer that maps requests
//! and responses onto the standard core. Each dialect lives in its own file.
//! Discovery and the canonical endpoints keep working beside any dialect.

pub mod appnet;
pub mod mastodon;
pub mod piictu;
pub mod scratch;
pub mod skritter;

use actix_web::web;

use crate::oauth::ScopeRecord;

pub use crate::dialect_name::Dialect;

/// What each dialect adds, beside its name (which the settings hold).
impl Dialect {
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
        hooks.spoken.push(dialect.name());
        match dialect {
            Dialect::Skritter => {
                hooks.user_id_in_authorization.push(dialect.name());
                hooks.legacy_implicit.push(dialect.name());
                hooks.token_parameters.push(skritter::TOKEN_PARAMETER);
            }
            Dialect::Mastodon => {
                hooks.json_token_requests.push(dialect.name());
                hooks.code_as_refresh.push(dialect.name());
            }
            Dialect::Appnet => hooks.scopeless_app_tokens.push(dialect.name()),
            Dialect::Piictu => hooks.token_schemes.push(piictu::AUTH_SCHEME),
            Dialect::Scratch => hooks.api_login = true,
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
    fn the_hooks_carry_what_each_enabled_dialect_changes_and_nothing_else() {
        let none = hooks(&[]);
        assert!(none.spoken.is_empty() && none.token_parameters.is_empty());
        assert!(none.token_schemes.is_empty() && none.code_as_refresh.is_empty());
        assert!(!none.api_login);

        let some = hooks(&[Dialect::Skritter, Dialect::Mastodon]);
        assert_eq!(some.spoken, ["skritter", "mastodon"]);
        assert_eq!(some.token_parameters, ["bearer_token"]);
        assert!(some.token_schemes.is_empty());
        assert_eq!(some.code_as_refresh, ["mastodon"]);
        assert!(!some.api_login);

        let others = hooks(&[Dialect::Piictu, Dialect::Scratch]);
        assert_eq!(others.token_schemes, ["OAuth"]);
        assert!(others.token_parameters.is_empty() && others.code_as_refresh.is_empty());
        assert!(others.api_login);
    }

    #[test]
    fn one_dialect_alone_is_accepted() {
        assert!(check(&[Dialect::Mastodon]).is_ok());
    }
}
