//! The outbox: verification and password-reset letters leave from here.
//! Each letter is sent from a spawned task, so an answer never waits for
//! the relay and its timing says nothing about whether a letter went.
//! Letters are throttled per recipient address and per client address, so
//! the forms cannot be used to flood a mailbox. Log lines name the account
//! by id and never carry the link.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::{web, HttpRequest};

use super::page::HtmlError;
use super::state::AppState;
use crate::accounts::email;
use crate::accounts::throttle::{Key, Throttle};
use crate::accounts::UserRecord;
use crate::config::Config;
use crate::error::Error;
use crate::mail::{letters, Letter, Mailer};
use crate::oauth::audit::AuditEvent;

/// Letters to one address allowed in quick succession; each further one
/// waits twice as long as the last (2 s, 4 s … up to 15 minutes).
const PER_RECIPIENT: u32 = 3;
/// Letters requested from one client address before the same waits begin.
const PER_CLIENT: u32 = 10;

/// The relay, if one is configured, and how often it may be used.
#[derive(Debug)]
pub struct Outbox {
    mailer: Option<Arc<Mailer>>,
    throttle: Throttle,
}

impl Outbox {
    /// An outbox that sends through `mailer` (`None`: mail is off), its
    /// throttle placed by `place` (in memory, or in a shared store).
    pub fn new(mailer: Option<Mailer>, place: impl FnOnce(Throttle) -> Throttle) -> Self {
        Outbox {
            mailer: mailer.map(Arc::new),
            throttle: place(Throttle::with_limits(PER_RECIPIENT, PER_CLIENT)),
        }
    }

    /// Whether this server sends mail at all.
    pub fn enabled(&self) -> bool {
        self.mailer.is_some()
    }

    /// The relay, when one may take a letter to `address` from `peer` now;
    /// the letter is counted against both.
    async fn admit(&self, address: &str, peer: Option<IpAddr>, now: u64) -> Option<Arc<Mailer>> {
        let mailer = self.mailer.clone()?;
        let mut keys = vec![Key::Account(address.trim().to_lowercase())];
        keys.extend(peer.map(Key::Address));
        match self.throttle.begin(&keys, now).await {
            Ok(Ok(())) => Some(mailer),
            Err(e) => {
                log::warn!(target: "gatehouse::mail", "mail not sent: {e}");
                None
            }
            Ok(Err(wait)) => {
                let client = peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
                log::warn!(
                    target: "gatehouse::mail",
                    "mail throttled: client={client} retry_after={wait}"
                );
                None
            }
        }
    }
}

/// Logs at start whether mail is on, through which relay (password masked),
/// and a caution for plain SMTP off this machine.
pub fn announce(config: &Config, outbox: &Outbox) {
    match &outbox.mailer {
        Some(mailer) => {
            log::info!(target: "gatehouse::mail", "mail goes through {}", mailer.relay())
        }
        None => log::info!(
            target: "gatehouse::mail",
            "no --smtp-url: address verification and password reset by email are off"
        ),
    }
    if let Some(warning) = config.smtp_url.as_ref().and_then(|u| u.warning()) {
        log::warn!(target: "gatehouse::mail", "{warning}");
    }
}

/// An absolute link on this server with a `token` query parameter.
fn link(issuer: &str, segments: &[&str], token: &str) -> Result<String, Error> {
    let mut url =
        url::Url::parse(&crate::pages::url_at(issuer, segments)).map_err(Error::internal)?;
    url.query_pairs_mut().append_pair("token", token);
    Ok(url.into())
}

/// Sends one letter in a task of its own; logs the outcome without the link.
fn post(mailer: Arc<Mailer>, to: String, letter: Letter, what: &'static str, user_id: u64) {
    actix_web::rt::spawn(async move {
        match mailer.send(&to, &letter).await {
            Ok(()) => log::info!(target: "gatehouse::mail", "{what} mail sent to user {user_id}"),
            Err(e) => log::warn!(
                target: "gatehouse::mail",
                "{what} mail to user {user_id} not sent: {e}"
            ),
        }
    });
}

/// Mails the user a link that verifies their current address; answers
/// whether a letter is on its way (not when mail is off, the address is
/// verified already or absent, or the throttle holds it back).
pub(crate) async fn send_verification(
    state: &AppState,
    req: &HttpRequest,
    user: &UserRecord,
) -> Result<bool, HtmlError> {
    let Some(address) = user.email.clone().filter(|_| !user.email_verified) else {
        return Ok(false);
    };
    let provider = &state.provider;
    let now = provider.clock.now();
    let Some(mailer) = state
        .outbox
        .admit(&address, super::client_ip(state, req), now)
        .await
    else {
        return Ok(false);
    };
    let Some(token) = state.accounts.start_email_verification(user).await? else {
        return Ok(false);
    };
    let issuer = &provider.settings.issuer;
    let link = link(issuer, &["email", "verify"], &token)?;
    let letter = letters::verification(issuer, &user.username, &link, email::VERIFY_TTL / 3600);
    post(mailer, address, letter, "verification", user.id);
    Ok(true)
}

/// Mails a reset link to every account whose verified address is
/// `address`, all of it in a spawned task: the caller answers at once, the
/// same whether any account has that address or none does.
pub(crate) fn send_resets(state: &web::Data<AppState>, req: &HttpRequest, address: &str) {
    let peer = super::client_ip(state, req);
    let now = state.provider.clock.now();
    let state = state.clone();
    let address = address.trim().to_owned();
    actix_web::rt::spawn(async move {
        // Let the answer go out before any work that depends on the address.
        actix_web::rt::task::yield_now().await;
        let Some(mailer) = state.outbox.admit(&address, peer, now).await else {
            return;
        };
        let provider = &state.provider;
        let links = match state.accounts.reset_links(&address).await {
            Ok(links) => links,
            Err(e) => {
                log::warn!(target: "gatehouse::mail", "reset links not made: {e}");
                return;
            }
        };
        let issuer = &provider.settings.issuer;
        for (user, token) in links {
            let Ok(link) = link(issuer, &["reset"], &token) else {
                continue;
            };
            let letter =
                letters::reset(issuer, &user.username, &link, email::RESET_BY_MAIL_TTL / 60);
            provider
                .audit(AuditEvent {
                    event: "password_reset_mailed",
                    client_ip: peer,
                    target: Some(&user.username),
                    ..AuditEvent::default()
                })
                .await;
            let to = user.email.clone().unwrap_or_default();
            post(mailer.clone(), to, letter, "password reset", user.id);
        }
    });
}
