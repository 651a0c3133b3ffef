//! The audit trail on PostgreSQL: security events under their time and a
//! number from the `audit_seq` sequence (unique across instances), so they
//! read newest first and old ones go in one range delete. A page's cursor
//! is the embedded store's: the time in the high 64 bits, the number in
//! the low ones.

use super::{db_err, i64_of, Param, PgStore};
use crate::store::codec::{decode, encode};
use crate::store::{AuditRecord, StoreResult};

/// Rows read per round trip while filling a page (`keep` may skip many).
const BATCH: i64 = 200;

/// The cursor of the record at `at` numbered `seq`.
fn cursor(at: i64, seq: i64) -> u128 {
    let at = u64::try_from(at).unwrap_or(0);
    let seq = u64::try_from(seq).unwrap_or(0);
    (u128::from(at) << 64) | u128::from(seq)
}

impl PgStore {
    /// Keeps an audit record (durable when it returns).
    pub async fn insert_audit(&self, record: &AuditRecord) -> StoreResult<()> {
        self.client_conn()
            .await?
            .execute(
                "INSERT INTO audit (seq, at, record) VALUES (nextval('audit_seq'), $1, $2)",
                &[&i64_of(record.at) as Param<'_>, &encode(record)?],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Up to `limit` audit records before the cursor `before` (`None`: the
    /// newest), newest first, that `keep` accepts, each with its cursor.
    pub async fn audit_page(
        &self,
        before: Option<u128>,
        limit: usize,
        keep: impl Fn(&AuditRecord) -> bool,
    ) -> StoreResult<Vec<(u128, AuditRecord)>> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let client = self.client_conn().await?;
        // (at, seq) strictly below the cursor; `None` starts above them all.
        let mut end: Option<(i64, i64)> = before.map(|c| {
            let at = u64::try_from(c >> 64).unwrap_or(u64::MAX);
            let seq = u64::try_from(c & u128::from(u64::MAX)).unwrap_or(u64::MAX);
            (i64_of(at), i64_of(seq))
        });
        loop {
            let rows = match end {
                Some((at, seq)) => {
                    client
                        .query(
                            "SELECT at, seq, record FROM audit \
                             WHERE at < $1 OR (at = $1 AND seq < $2) \
                             ORDER BY at DESC, seq DESC LIMIT $3",
                            &[&at as Param<'_>, &seq, &BATCH],
                        )
                        .await
                }
                None => {
                    client
                        .query(
                            "SELECT at, seq, record FROM audit \
                             ORDER BY at DESC, seq DESC LIMIT $1",
                            &[&BATCH as Param<'_>],
                        )
                        .await
                }
            }
            .map_err(db_err)?;
            let exhausted = rows.len() < usize::try_from(BATCH).unwrap_or(usize::MAX);
            for row in &rows {
                let (at, seq): (i64, i64) = (row.get(0), row.get(1));
                end = Some((at, seq));
                let record: AuditRecord = decode(row.get::<_, &[u8]>(2))?;
                if keep(&record) {
                    out.push((cursor(at, seq), record));
                    if out.len() >= limit {
                        return Ok(out);
                    }
                }
            }
            if exhausted {
                return Ok(out);
            }
        }
    }

    /// Removes the audit records from before `cutoff`; answers how many.
    /// (Async here, where the embedded store's is not: a database round
    /// trip.)
    pub async fn sweep_audit(&self, cutoff: u64) -> StoreResult<usize> {
        let removed = self
            .client_conn()
            .await?
            .execute("DELETE FROM audit WHERE at < $1", &[&i64_of(cutoff)])
            .await
            .map_err(db_err)?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }
}
