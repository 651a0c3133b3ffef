//! The audit page: the newest security events first, filterable by event
//! and by person or client, a hundred at a time.

use maud::{html, Markup};

use super::{admin_page, Section};
use crate::pages::layout::{url_at, Header};
use crate::pages::time::utc;
use crate::store::AuditRecord;

/// What the audit page shows.
#[derive(Debug)]
pub struct AuditView<'a> {
    /// The signed-in administrator's header (the issuer too).
    pub header: &'a Header<'a>,
    /// The events on this page, newest first.
    pub records: &'a [AuditRecord],
    /// The event filter as given.
    pub event: &'a str,
    /// The person-or-client filter as given.
    pub who: &'a str,
    /// The link to older events, when there are more.
    pub older: Option<String>,
}

/// Renders the audit page.
pub fn audit(view: &AuditView<'_>) -> Markup {
    admin_page(
        "Audit trail",
        Section::Audit,
        view.header,
        None,
        html! {
            form.filters method="get" action=(url_at(view.header.issuer, &["admin", "audit"])) {
                label for="event" { "Event" }
                input #event name="event" value=(view.event) placeholder="sign_in_failed";
                label for="who" { "Person or client" }
                input #who name="who" value=(view.who) placeholder="alice";
                button type="submit" { "Filter" }
            }
            @if view.records.is_empty() {
                p { "No event matches." }
            } @else {
                table.audit {
                    thead { tr { th { "When (UTC)" } th { "Event" } th { "Who" } th { "From" } th { "To what" } th { "Detail" } } }
                    tbody {
                        @for r in view.records {
                            tr.event {
                                td { (utc(r.at)) }
                                td { code { (r.event) } }
                                td { (r.actor.as_deref().unwrap_or("-")) }
                                td { (r.client_ip.as_deref().unwrap_or("-")) }
                                td { (r.target.as_deref().unwrap_or("-")) }
                                td { (r.detail.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            @if let Some(older) = &view.older {
                p { a #older href=(older) { "Older events" } }
            }
        },
    )
}
