//! The audit trail: who did what, when, from where, to what. Security
//! events are stored (and, with `audit_log`, also written as log lines);
//! nothing secret is ever in them, only names, ids and a few words.
//! Keeping one never fails the request it belongs to: a store error is
//! logged instead.

use std::net::IpAddr;

use super::Provider;
use crate::error::Result;
use crate::store::AuditRecord;

/// One event to record.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditEvent<'a> {
    /// What happened, in snake case (`sign_in_failed`).
    pub event: &'static str,
    /// Who did it.
    pub actor: Option<&'a str>,
    /// From which address.
    pub client_ip: Option<IpAddr>,
    /// To whom or what.
    pub target: Option<&'a str>,
    /// A few words more (never a secret).
    pub detail: Option<&'a str>,
}

/// What the audit page asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this event.
    pub event: Option<String>,
    /// Only this actor or target (a username or client id).
    pub who: Option<String>,
    /// Only events before this cursor (for the next page).
    pub before: Option<u128>,
}

impl Provider {
    /// Records an event.
    pub async fn audit(&self, e: AuditEvent<'_>) {
        let record = AuditRecord {
            at: self.clock.now(),
            actor: e.actor.map(str::to_owned),
            client_ip: e.client_ip.map(|ip| ip.to_string()),
            event: e.event.to_owned(),
            target: e.target.map(str::to_owned),
            detail: e.detail.map(str::to_owned),
        };
        if self.settings.audit_log {
            log::info!(
                target: "gatehouse::audit",
                event = e.event,
                actor = e.actor.unwrap_or("-"),
                client = record.client_ip.as_deref().unwrap_or("-"),
                object = e.target.unwrap_or("-"),
                detail = e.detail.unwrap_or("-");
                "audit: {} actor={} client={} target={}",
                e.event,
                e.actor.unwrap_or("-"),
                record.client_ip.as_deref().unwrap_or("-"),
                e.target.unwrap_or("-")
            );
        }
        if let Err(err) = self.store.insert_audit(&record).await {
            log::error!("audit: could not keep a {} event: {err}", e.event);
        }
    }

    /// A page of the audit trail, newest first, each with its cursor.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        limit: usize,
    ) -> Result<Vec<(u128, AuditRecord)>> {
        let keep = |r: &AuditRecord| {
            filter.event.as_deref().is_none_or(|e| r.event == e)
                && filter
                    .who
                    .as_deref()
                    .is_none_or(|w| r.actor.as_deref() == Some(w) || r.target.as_deref() == Some(w))
        };
        Ok(self.store.audit_page(filter.before, limit, keep).await?)
    }
}
