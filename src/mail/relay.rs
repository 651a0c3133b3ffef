//! The SMTP relay setting: `--smtp-url`, parsed at the boundary. The
//! scheme says how the connection is protected: `smtp://` plain (meant
//! for a relay on loopback), `smtp+starttls://` STARTTLS required (RFC
//! 3207), `smtps://` TLS from the first byte (RFC 8314 §3.3). A user and
//! password may sit in the URL or come from `smtp_password`; neither is
//! ever shown: `Debug` and [`SmtpUrl::redacted`] mask the password.

use std::fmt;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS at all (`smtp://`): for a relay on this machine.
    Plain,
    /// STARTTLS, required (`smtp+starttls://`).
    StartTls,
    /// TLS from the start (`smtps://`).
    Tls,
}

impl Security {
    /// The port a URL of this scheme means when it names none.
    fn default_port(self) -> u16 {
        match self {
            Security::Plain => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

/// A parsed `--smtp-url`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    /// How the connection is protected.
    pub security: Security,
    /// The relay's host name or address (IPv6 without brackets).
    pub host: String,
    /// The relay's port.
    pub port: u16,
    /// The user to authenticate as, if any.
    pub user: Option<String>,
    /// The password in the URL, if any.
    password: Option<SmtpPassword>,
}

/// An SMTP password: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpPassword(pub String);

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpPassword(********)")
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({})", self.redacted())
    }
}

fn decoded(part: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(part)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| "the user and password must be UTF-8".to_owned())
}

impl SmtpUrl {
    /// Parses `smtp://`, `smtp+starttls://` or `smtps://` `[user[:password]@]host[:port]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text.trim()).map_err(|_| {
            "not a URL; give smtp://host:port, smtp+starttls://host:port or smtps://host:port"
                .to_owned()
        })?;
        let security = match url.scheme() {
            "smtp" => Security::Plain,
            "smtp+starttls" => Security::StartTls,
            "smtps" => Security::Tls,
            other => {
                return Err(format!(
                    "`{other}://` is no SMTP scheme; use smtp://, smtp+starttls:// or smtps://"
                ))
            }
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err("the SMTP URL names no host".into()),
        };
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err("the SMTP URL takes no path, query or fragment".into());
        }
        let user = Some(decoded(url.username())?).filter(|u| !u.is_empty());
        let password = url.password().map(decoded).transpose()?.map(SmtpPassword);
        if password.is_some() && user.is_none() {
            return Err("the SMTP URL has a password but no user".into());
        }
        Ok(SmtpUrl {
            security,
            port: url.port().unwrap_or(security.default_port()),
            host,
            user,
            password,
        })
    }

    /// The password given in the URL, if any.
    pub fn password(&self) -> Option<&SmtpPassword> {
        self.password.as_ref()
    }

    /// The URL with its password masked, for `config check` and logs.
    pub fn redacted(&self) -> String {
        let base = match self.security {
            Security::Plain => "smtp://relay",
            Security::StartTls => "smtp+starttls://relay",
            Security::Tls => "smtps://relay",
        };
        let Ok(mut url) = url::Url::parse(base) else {
            return String::new();
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let _ = url.set_host(Some(&host));
        let _ = url.set_port(Some(self.port));
        if let Some(user) = &self.user {
            let _ = url.set_username(user);
            if self.password.is_some() {
                let _ = url.set_password(Some("********"));
            }
        }
        url.as_str().trim_end_matches('/').to_owned()
    }

    /// A caution worth printing: mail in the clear to a relay off this machine.
    pub fn warning(&self) -> Option<String> {
        let loopback = self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        (self.security == Security::Plain && !loopback).then(|| {
            format!(
                "--smtp-url: smtp:// sends mail (reset links included) unencrypted to {}, \
                 which is not this machine; use smtp+starttls:// or smtps://",
                self.host
            )
        })
    }
}

/// Masks the password of any URL-shaped setting value (`scheme://user:pass@…`).
pub fn mask_url_password(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("********"));
            url.into()
        }
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_names_its_protection_and_port() {
        let plain = SmtpUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (plain.security, plain.host.as_str(), plain.port),
            (Security::Plain, "127.0.0.1", 2525)
        );
        let start = SmtpUrl::parse("smtp+starttls://mail.example.org").unwrap();
        assert_eq!((start.security, start.port), (Security::StartTls, 587));
        let tls = SmtpUrl::parse("smtps://mail.example.org").unwrap();
        assert_eq!((tls.security, tls.port), (Security::Tls, 465));
        let v6 = SmtpUrl::parse("smtp://[::1]:25").unwrap();
        assert_eq!(v6.host, "::1");
        assert!(v6.warning().is_none());
    }

    #[test]
    fn user_and_password_are_decoded_and_never_shown() {
        let url = SmtpUrl::parse("smtps://gate%40house:p%3Ass@mail.example.org:465").unwrap();
        assert_eq!(url.user.as_deref(), Some("gate@house"));
        assert_eq!(url.password().map(|p| p.0.as_str()), Some("p:ss"));
        let shown = format!("{} {:?}", url.redacted(), url);
        assert!(
            !shown.contains("p:ss") && !shown.contains("p%3Ass"),
            "{shown}"
        );
        assert_eq!(
            url.redacted(),
            "smtps://gate%40house:********@mail.example.org:465"
        );
        assert!(SmtpUrl::parse("smtp://:secret@host").is_err());
    }

    #[test]
    fn other_schemes_paths_and_hosts_are_refused() {
        for bad in [
            "http://mail.example.org",
            "smtp://",
            "smtp://host/path",
            "smtp://host?tls=1",
            "mail.example.org",
        ] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_smtp_off_this_machine_is_warned_about() {
        assert!(SmtpUrl::parse("smtp://mail.example.org")
            .unwrap()
            .warning()
            .is_some());
        assert!(SmtpUrl::parse("smtp://localhost:25")
            .unwrap()
            .warning()
            .is_none());
        assert!(SmtpUrl::parse("smtps://mail.example.org")
            .unwrap()
            .warning()
            .is_none());
    }

    #[test]
    fn url_passwords_are_masked_in_any_setting() {
        assert_eq!(
            mask_url_password("postgres://u:hunter2@db/x"),
            "postgres://u:********@db/x"
        );
        assert_eq!(mask_url_password("127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(mask_url_password("plain text"), "plain text");
    }
}
