//! The audit trail: security events under their time and a counter, so
//! they read newest first and old ones go in one range removal.

use super::*;

/// The key of an audit record: its time, then a unique number.
fn audit_key(at: u64, n: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&at.to_be_bytes());
    key[8..].copy_from_slice(&n.to_be_bytes());
    key
}

impl SledStore {
    /// Keeps an audit record (durable when it returns).
    pub async fn insert_audit(&self, record: &AuditRecord) -> StoreResult<()> {
        let n = self.db.generate_id().map_err(db_err)?;
        self.audit
            .insert(audit_key(record.at, n), encode(record)?)
            .map_err(db_err)?;
        self.flush().await
    }

    /// Up to `limit` audit records before the cursor `before` (`None`: the
    /// newest), newest first, that `keep` accepts, each with its cursor.
    pub async fn audit_page(
        &self,
        before: Option<u128>,
        limit: usize,
        keep: impl Fn(&AuditRecord) -> bool,
    ) -> StoreResult<Vec<(u128, AuditRecord)>> {
        let end = before.unwrap_or(u128::MAX).to_be_bytes();
        let mut out = Vec::new();
        for entry in self.audit.range(..end).rev() {
            let (key, value) = entry.map_err(db_err)?;
            let record: AuditRecord = decode(&value)?;
            if keep(&record) {
                let cursor = <[u8; 16]>::try_from(key.as_ref())
                    .map(u128::from_be_bytes)
                    .map_err(|_| StoreError::Codec("bad audit key".into()))?;
                out.push((cursor, record));
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Removes the audit records from before `cutoff`; answers how many.
    pub fn sweep_audit(&self, cutoff: u64) -> StoreResult<usize> {
        let end = audit_key(cutoff, 0);
        let mut removed = 0;
        for key in self.audit.range(..end).keys() {
            self.audit.remove(key.map_err(db_err)?).map_err(db_err)?;
            removed += 1;
        }
        Ok(removed)
    }
}
