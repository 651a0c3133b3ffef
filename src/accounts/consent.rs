//! Remembered consent: per user and client, the scopes approved. A request
//! for a subset is not asked again.

use crate::scope_set::ScopeSet;
use crate::store::{ConsentRecord, Store, StoreError};

/// Whether the user already approved every scope in `scope` for the client.
pub async fn covers(
    store: &Store,
    user_id: u64,
    client_id: &str,
    scope: &ScopeSet,
) -> Result<bool, StoreError> {
    let Some(consent) = store.consent(user_id, client_id).await? else {
        return Ok(false);
    };
    let approved = ScopeSet::parse(&consent.scope).unwrap_or_default();
    Ok(scope.iter().all(|s| approved.contains(s)))
}

/// Adds `scope` to what the user approved for the client.
pub async fn record(
    store: &Store,
    user_id: u64,
    client_id: &str,
    scope: &ScopeSet,
    now: u64,
) -> Result<(), StoreError> {
    let mut approved = match store.consent(user_id, client_id).await? {
        Some(c) => ScopeSet::parse(&c.scope).unwrap_or_default(),
        None => ScopeSet::default(),
    };
    for s in scope.iter() {
        approved.insert(s);
    }
    let record = ConsentRecord {
        scope: approved.to_string(),
        granted_at: now,
    };
    store.put_consent(user_id, client_id, &record).await
}
