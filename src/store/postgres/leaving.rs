//! Removing an account for good on PostgreSQL: one SQL transaction takes
//! the user record and everything that acts for it (sessions, tokens,
//! codes, device grants, consents, factors, passkeys, upstream links,
//! resets, email verifications, pending sign-ins, login requests, group
//! memberships) and leaves a `RetiredUserRecord` under the old id. The
//! `usernames` row is kept, pointing at that id, so the name is never free
//! again and the id (the OpenID `sub`) is never reused.

use deadpool_postgres::Transaction;

use super::{db_err, i64_of, Param, PgStore};
use crate::store::codec::{decode, encode, Versioned};
use crate::store::records::{DeviceState, RetiredUserRecord};
use crate::store::{
    AccountRemoval, CodeRecord, DeviceRecord, GroupRecord, LoginRequestRecord, PendingSignInRecord,
    StoreResult, UserRecord,
};

/// A row count as the removal's tally.
fn tally(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Deletes the rows of `table` (a constant of ours, keyed by `digest`)
/// whose record `wanted` accepts. These tables name the user only inside
/// the record and hold short-lived records, so scanning them is cheap.
/// Whose record a row is never changes (a device grant is approved once),
/// so the delete needs no compare-and-swap: whatever else changed in the
/// record meanwhile, it still acts for the person removed.
async fn remove_matching<T: Versioned>(
    tx: &Transaction<'_>,
    table: &str,
    wanted: impl Fn(&T) -> bool,
) -> StoreResult<()> {
    let rows = tx
        .query(&format!("SELECT digest, record FROM {table}"), &[])
        .await
        .map_err(db_err)?;
    let delete = format!("DELETE FROM {table} WHERE digest = $1");
    for row in rows {
        let record: T = decode(&row.get::<_, Vec<u8>>(1))?;
        if wanted(&record) {
            let digest: Vec<u8> = row.get(0);
            tx.execute(&delete, &[&digest]).await.map_err(db_err)?;
        }
    }
    Ok(())
}

/// Takes `user_id` out of every group it is in, each by compare-and-swap
/// (again on the fresh record when a concurrent change won); answers how
/// many groups it left.
async fn leave_groups(tx: &Transaction<'_>, user_id: u64) -> StoreResult<usize> {
    let rows = tx
        .query("SELECT name, record FROM groups", &[])
        .await
        .map_err(db_err)?;
    let mut left = 0;
    for row in rows {
        let name: String = row.get(0);
        let mut bytes: Vec<u8> = row.get(1);
        loop {
            let mut group: GroupRecord = decode(&bytes)?;
            if !group.members.contains(&user_id) {
                break;
            }
            group.members.retain(|m| *m != user_id);
            let swapped = tx
                .execute(
                    "UPDATE groups SET record = $3 WHERE name = $1 AND record = $2",
                    &[&name as Param<'_>, &bytes, &encode(&group)?],
                )
                .await
                .map_err(db_err)?;
            if swapped == 1 {
                left += 1;
                break;
            }
            let Some(row) = tx
                .query_opt("SELECT record FROM groups WHERE name = $1", &[&name])
                .await
                .map_err(db_err)?
            else {
                break;
            };
            bytes = row.get(0);
        }
    }
    Ok(left)
}

impl PgStore {
    /// Removes the account `user_id` and everything that acts for it in
    /// one transaction, then sweeps up what was issued while it ran;
    /// `None` when there is no such account. Durable when it returns.
    pub async fn remove_account(
        &self,
        user_id: u64,
        now: u64,
    ) -> StoreResult<Option<AccountRemoval>> {
        let id = i64_of(user_id);
        let mut client = self.client_conn().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let Some(row) = tx
            .query_opt("DELETE FROM users WHERE id = $1 RETURNING record", &[&id])
            .await
            .map_err(db_err)?
        else {
            tx.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        let user: UserRecord = decode(&row.get::<_, Vec<u8>>(0))?;
        let retired = encode(&RetiredUserRecord {
            username: user.username,
            deleted_at: now,
        })?;
        tx.execute(
            "INSERT INTO retired_users (id, record) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
            &[&id as Param<'_>, &retired],
        )
        .await
        .map_err(db_err)?;
        let by_user =
            |table: &str, column: &str| format!("DELETE FROM {table} WHERE {column} = $1");
        let mut removal = AccountRemoval::default();
        for (table, column, counted) in [
            ("factors", "user_id", None),
            ("passkey_credentials", "user_id", None),
            ("passkey_handles", "user_id", None),
            ("upstream_links", "user_id", None),
            ("resets", "user_id", None),
            ("email_verifications", "user_id", None),
            ("sessions", "user_id", Some(&mut removal.sessions)),
            ("tokens", "user_id", Some(&mut removal.tokens)),
            ("consents", "user_id", Some(&mut removal.consents)),
        ] {
            let n = tx
                .execute(&by_user(table, column), &[&id])
                .await
                .map_err(db_err)?;
            if let Some(count) = counted {
                *count += tally(n);
            }
        }
        remove_matching(&tx, "codes", |c: &CodeRecord| c.user_id == user_id).await?;
        remove_matching(&tx, "devices", |d: &DeviceRecord| {
            matches!(d.state, DeviceState::Approved { user_id: u, .. } if u == user_id)
        })
        .await?;
        remove_matching(&tx, "pending_sign_ins", |r: &PendingSignInRecord| {
            r.user_id == user_id
        })
        .await?;
        remove_matching(&tx, "login_requests", |r: &LoginRequestRecord| {
            r.user_id == user_id
        })
        .await?;
        removal.groups = leave_groups(&tx, user_id).await?;
        tx.commit().await.map_err(db_err)?;
        // A token or session made while the transaction ran (a code
        // exchanged at that moment, committed after its statements) goes
        // too.
        let late_sessions = client
            .execute("DELETE FROM sessions WHERE user_id = $1", &[&id])
            .await
            .map_err(db_err)?;
        let late_tokens = client
            .execute("DELETE FROM tokens WHERE user_id = $1", &[&id])
            .await
            .map_err(db_err)?;
        removal.sessions += tally(late_sessions);
        removal.tokens += tally(late_tokens);
        Ok(Some(removal))
    }

    /// The deleted account that held this username, if one did.
    pub async fn retired_username(&self, username: &str) -> StoreResult<Option<RetiredUserRecord>> {
        self.client_conn()
            .await?
            .query_opt(
                "SELECT r.record FROM usernames n JOIN retired_users r ON r.id = n.user_id \
                 WHERE n.username = $1",
                &[&username.to_lowercase()],
            )
            .await
            .map_err(db_err)?
            .map(|row| decode(&row.get::<_, Vec<u8>>(0)))
            .transpose()
    }
}
