//! `/admin/audit`: the audit trail, newest first, a hundred events a page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::Error;
use crate::http::page::{page, HtmlError};
use crate::http::session;
use crate::http::state::AppState;
use crate::pages;

/// The query of the audit page.
#[derive(serde::Deserialize)]
pub(crate) struct AuditQuery {
    event: Option<String>,
    who: Option<String>,
    before: Option<u128>,
}

/// The audit trail, newest first, a hundred events a page.
pub(crate) async fn get_audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, HtmlError> {
    let me = admin_only!(state, req, "/admin/audit");
    const PAGE: usize = 100;
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let filter = crate::oauth::audit::AuditFilter {
        event: clean(&query.event),
        who: clean(&query.who),
        before: query.before,
    };
    let provider = &state.provider;
    let found = provider.audit_page(&filter, PAGE + 1).await?;
    let more = found.len() > PAGE;
    let shown = &found[..found.len().min(PAGE)];
    let records: Vec<_> = shown.iter().map(|(_, r)| r.clone()).collect();
    let older = match shown.last() {
        Some((cursor, _)) if more => {
            let mut url = url::Url::parse(&format!("{}/admin/audit", provider.settings.issuer))
                .map_err(Error::internal)?;
            {
                let mut pairs = url.query_pairs_mut();
                if let Some(event) = &filter.event {
                    pairs.append_pair("event", event);
                }
                if let Some(who) = &filter.who {
                    pairs.append_pair("who", who);
                }
                pairs.append_pair("before", &cursor.to_string());
            }
            Some(url.to_string())
        }
        _ => None,
    };
    let (csrf, cookie) = session::csrf(&state, &req)?;
    let header = crate::http::header::of(&state, &me, &csrf);
    let view = pages::AuditView {
        header: &header,
        records: &records,
        event: filter.event.as_deref().unwrap_or(""),
        who: filter.who.as_deref().unwrap_or(""),
        older,
    };
    session::with_cookie(page(StatusCode::OK, pages::audit(&view)), cookie)
}
