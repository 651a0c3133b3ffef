//! One `[[upstream]]` table of the config file: a provider to sign in
//! through, checked when the settings are read.

use serde::Deserialize;

/// A provider to sign in through, as the config file gives it.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The name in `/login/upstream/{name}`: lower-case letters, digits, `-`, `_`.
    pub name: String,
    /// The button's text (default: the name).
    pub label: Option<String>,
    /// An OpenID Connect issuer, found by discovery.
    pub issuer: Option<String>,
    /// Plain OAuth 2.0: the authorization endpoint.
    pub authorization_url: Option<String>,
    /// Plain OAuth 2.0: the token endpoint.
    pub token_url: Option<String>,
    /// Plain OAuth 2.0: where the access token reads the account (`sub`, `id` or `user_id`).
    pub userinfo_url: Option<String>,
    /// Gatehouse's client id at the provider.
    pub client_id: String,
    /// Gatehouse's client secret at the provider.
    pub client_secret: String,
    /// The scope to ask for (default: `openid profile email` for OpenID
    /// Connect, none for plain OAuth 2.0).
    pub scope: Option<String>,
    /// `client_secret_basic` (the default) or `client_secret_post`.
    pub token_endpoint_auth_method: Option<String>,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("authorization_url", &self.authorization_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Whether a URL may be called: https, or http to a loopback address
/// (a provider on the same machine, and tests).
fn usable_url(what: &str, value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value).map_err(|e| format!("{what} `{value}`: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(format!(
            "{what} `{value}` must be https (plain http only to a loopback address)"
        )),
    }
}

impl ProviderConfig {
    /// Reads and checks one provider from its JSON form.
    pub fn parse(json: &str) -> Result<Self, String> {
        let provider: ProviderConfig =
            serde_json::from_str(json).map_err(|e| format!("[[upstream]]: {e}"))?;
        provider.check()?;
        Ok(provider)
    }

    /// Checks the fields: a usable name, one of the two modes, usable URLs.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = (1..=32).contains(&self.name.len())
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
        if !name_ok {
            return Err(format!(
                "[[upstream]] name `{}`: 1 to 32 lower-case letters, digits, '-' or '_'",
                self.name
            ));
        }
        let fail = |why: String| format!("[[upstream]] `{}`: {why}", self.name);
        let plain = [&self.authorization_url, &self.token_url, &self.userinfo_url];
        match (&self.issuer, plain.iter().filter(|u| u.is_some()).count()) {
            (Some(issuer), 0) => {
                usable_url("issuer", issuer).map_err(fail)?;
                if !self.scope().split(' ').any(|s| s == "openid") {
                    return Err(fail("an OpenID Connect scope must contain `openid`".into()));
                }
            }
            (None, 3) => {
                for (what, url) in ["authorization_url", "token_url", "userinfo_url"]
                    .into_iter()
                    .zip(plain)
                {
                    usable_url(what, url.as_deref().unwrap_or("")).map_err(fail)?;
                }
            }
            _ => {
                return Err(fail(
                    "give `issuer` (OpenID Connect) or all of authorization_url, token_url and userinfo_url (plain OAuth 2.0), not both".into(),
                ))
            }
        }
        if self.client_id.is_empty() {
            return Err(fail("`client_id` is empty".into()));
        }
        match self.token_endpoint_auth_method.as_deref() {
            None | Some("client_secret_basic" | "client_secret_post") => Ok(()),
            Some(other) => Err(fail(format!(
                "token_endpoint_auth_method `{other}`: use client_secret_basic or client_secret_post"
            ))),
        }
    }

    /// Whether the provider speaks OpenID Connect (found by discovery).
    pub fn is_oidc(&self) -> bool {
        self.issuer.is_some()
    }

    /// The scope to ask for.
    pub fn scope(&self) -> String {
        match (&self.scope, self.is_oidc()) {
            (Some(scope), _) => scope.split_whitespace().collect::<Vec<_>>().join(" "),
            (None, true) => "openid profile email".into(),
            (None, false) => String::new(),
        }
    }

    /// The button's text.
    pub fn label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    /// Whether the secret goes in the form body rather than HTTP Basic.
    pub fn secret_in_body(&self) -> bool {
        self.token_endpoint_auth_method.as_deref() == Some("client_secret_post")
    }
}

/// Checks that no two providers share a name.
pub fn check_unique(providers: &[ProviderConfig]) -> Result<(), String> {
    for (i, p) in providers.iter().enumerate() {
        if providers[..i].iter().any(|q| q.name == p.name) {
            return Err(format!("[[upstream]] `{}` is configured twice", p.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oidc_provider_and_a_plain_one_are_read() {
        let oidc = ProviderConfig::parse(
            r#"{"name": "corp", "issuer": "https://id.example.org/realms/x",
                "client_id": "gate", "client_secret": "s"}"#,
        )
        .unwrap();
        assert!(oidc.is_oidc());
        assert_eq!(oidc.scope(), "openid profile email");
        assert_eq!(oidc.label(), "corp");
        let plain = ProviderConfig::parse(
            r#"{"name": "github", "label": "GitHub",
                "authorization_url": "https://github.com/login/oauth/authorize",
                "token_url": "https://github.com/login/oauth/access_token",
                "userinfo_url": "https://api.github.com/user",
                "client_id": "gate", "client_secret": "s", "scope": "read:user"}"#,
        )
        .unwrap();
        assert!(!plain.is_oidc());
        assert_eq!(plain.scope(), "read:user");
        assert!(!format!("{plain:?}").contains("\"s\""));
    }

    #[test]
    fn bad_providers_are_refused_with_a_reason() {
        for (json, needle) in [
            (
                r#"{"name": "Bad Name", "issuer": "https://a", "client_id": "c", "client_secret": "s"}"#,
                "name",
            ),
            (
                r#"{"name": "x", "client_id": "c", "client_secret": "s"}"#,
                "give `issuer`",
            ),
            (
                r#"{"name": "x", "issuer": "http://id.example.org", "client_id": "c", "client_secret": "s"}"#,
                "https",
            ),
            (
                r#"{"name": "x", "issuer": "https://a", "scope": "profile", "client_id": "c", "client_secret": "s"}"#,
                "openid",
            ),
            (
                r#"{"name": "x", "issuer": "https://a", "token_url": "https://a/t", "client_id": "c", "client_secret": "s"}"#,
                "not both",
            ),
            (
                r#"{"name": "x", "issuer": "https://a", "client_id": "c", "client_secret": "s", "colour": 1}"#,
                "colour",
            ),
        ] {
            let e = ProviderConfig::parse(json).unwrap_err();
            assert!(e.contains(needle), "{e}");
        }
        let one = ProviderConfig::parse(
            r#"{"name": "x", "issuer": "http://127.0.0.1:9/", "client_id": "c", "client_secret": "s"}"#,
        )
        .unwrap();
        assert!(check_unique(&[one.clone(), one]).is_err());
    }
}
