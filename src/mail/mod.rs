//! Outgoing mail through the SMTP relay of `--smtp-url`: one plain-text
//! letter at a time, each on its own connection, sent from a spawned task
//! so that no answer waits for (or reveals anything by) a delivery. No
//! link, token or password reaches a log line: failures are logged with
//! the relay's error and the account's id only.

pub mod letters;
pub mod relay;

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use letters::Letter;
pub use relay::{mask_url_password, Security, SmtpPassword, SmtpUrl};

use crate::config::Config;

/// How long one delivery to the relay may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks a `--smtp-from` value: `address` or `Name <address>`.
pub fn check_sender(value: &str) -> Result<String, String> {
    let value = value.trim();
    value
        .parse::<Mailbox>()
        .map(|_| value.to_owned())
        .map_err(|_| format!("`{value}`: give an address, or a name and <address>"))
}

/// Sends letters through the configured relay.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The issuer's host: the EHLO name and the right side of Message-IDs.
    domain: String,
    relay: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer({})", self.relay)
    }
}

impl Mailer {
    /// The mailer the settings ask for: `None` without `--smtp-url`. A
    /// half-given relay (no sender, a password twice or without a user) is
    /// an error that names the settings.
    pub fn from_config(config: &Config, issuer: &str) -> Result<Option<Self>, String> {
        let Some(url) = &config.smtp_url else {
            if config.smtp_from.is_some() || config.smtp_password.is_some() {
                return Err("--smtp-from and smtp_password need --smtp-url".into());
            }
            return Ok(None);
        };
        let from = config
            .smtp_from
            .as_deref()
            .ok_or("--smtp-url needs --smtp-from, the address the mail comes from".to_owned())?;
        let password = match (url.password(), &config.smtp_password) {
            (Some(_), Some(_)) => {
                return Err(
                    "the SMTP password is in --smtp-url and in smtp_password: give it once".into(),
                )
            }
            (Some(p), None) | (None, Some(p)) => Some(p),
            (None, None) => None,
        };
        Self::new(url, password, from, issuer).map(Some)
    }

    /// A mailer for the relay at `url`, as `from`, for the server `issuer`.
    pub fn new(
        url: &SmtpUrl,
        password: Option<&SmtpPassword>,
        from: &str,
        issuer: &str,
    ) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| format!("--smtp-from `{from}`: not an address"))?;
        let issuer = url::Url::parse(issuer).map_err(|e| format!("issuer: {e}"))?;
        let (domain, hello) = match issuer.host() {
            Some(url::Host::Domain(d)) => (d.to_owned(), ClientId::Domain(d.to_owned())),
            Some(url::Host::Ipv4(ip)) => (format!("[{ip}]"), ClientId::Ipv4(ip)),
            Some(url::Host::Ipv6(ip)) => (format!("[IPv6:{ip}]"), ClientId::Ipv6(ip)),
            None => ("localhost".to_owned(), ClientId::Domain("localhost".into())),
        };
        let tls = || {
            TlsParameters::new_rustls(url.host.clone())
                .map_err(|e| format!("--smtp-url: TLS for {}: {e}", url.host))
        };
        let tls = match url.security {
            Security::Plain => Tls::None,
            Security::StartTls => Tls::Required(tls()?),
            Security::Tls => Tls::Wrapper(tls()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&url.host)
            .port(url.port)
            .tls(tls)
            .hello_name(hello)
            .timeout(Some(SEND_TIMEOUT));
        match (&url.user, password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.0.clone()));
            }
            (Some(_), None) => {
                return Err(
                    "--smtp-url names a user but no password (in the URL or smtp_password)".into(),
                )
            }
            (None, Some(_)) => return Err("smtp_password needs a user in --smtp-url".into()),
            (None, None) => {}
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            domain,
            relay: url.redacted(),
        })
    }

    /// The relay, as it may be shown (password masked).
    pub fn relay(&self) -> &str {
        &self.relay
    }

    /// Delivers one letter to `to` through the relay.
    pub async fn send(&self, to: &str, letter: &Letter) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| "the address is not one mail can be sent to".to_owned())?;
        let id = crate::crypto::random::new_id().map_err(|_| "no randomness".to_owned())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .message_id(Some(format!("<{id}@{}>", self.domain)))
            .header(ContentType::TEXT_PLAIN)
            // lettre picks the transfer encoding: quoted-printable for the
            // long line of a link, which every mail reader undoes.
            .body(letter.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
