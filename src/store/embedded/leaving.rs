//! Removing an account for good: one sled transaction takes the user
//! record and everything that acts for it (sessions, tokens, codes, device
//! grants, consents, factors, pending links and sign-ins, group
//! memberships) and leaves a `RetiredUserRecord` under the old id. The
//! username index entry is kept, pointing at that id, so the name is never
//! free again and the id (the OpenID `sub`) is never reused: a new account
//! takes its id from `next_id`, and its name with a compare-and-swap that
//! fails on a kept entry.

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use super::*;
use crate::store::records::{DeviceState, EmailVerificationRecord, RetiredUserRecord};
use crate::store::AccountRemoval;

/// The keys of one person's records, gathered before the transaction.
#[derive(Default)]
struct Gathered {
    session_keys: Vec<sled::IVec>,
    token_keys: Vec<sled::IVec>,
    consent_keys: Vec<sled::IVec>,
    /// Keys in the trees whose records name a user: codes, devices,
    /// resets, email verifications, pending sign-ins, login requests.
    by_tree: [Vec<sled::IVec>; 6],
    group_keys: Vec<sled::IVec>,
}

/// Aborts a transaction with a store error.
fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

impl SledStore {
    /// Removes the account `user_id` and everything that acts for it in
    /// one transaction, then sweeps up what was issued while it ran;
    /// `None` when there is no such account. Durable when it returns.
    pub async fn remove_account(
        &self,
        user_id: u64,
        now: u64,
    ) -> StoreResult<Option<AccountRemoval>> {
        let Some(user) = self.user(user_id).await? else {
            return Ok(None);
        };
        let gathered = self.gather(user_id)?;
        let passkeys: Vec<Vec<u8>> = self
            .factors(user_id)
            .await?
            .map(|f| f.passkeys.into_iter().map(|p| p.credential_id).collect())
            .unwrap_or_default();
        let links: Vec<(Vec<u8>, Vec<u8>)> = self
            .upstream_links_of(user_id)
            .await?
            .iter()
            .map(|l| {
                (
                    super::upstream::link_key(&l.provider, &l.subject),
                    super::upstream::user_link_key(user_id, &l.provider),
                )
            })
            .collect();
        let retired = encode(&RetiredUserRecord {
            username: user.username,
            deleted_at: now,
        })?;
        let id = user_id.to_be_bytes();
        let owned = [
            &self.codes,
            &self.devices,
            &self.resets,
            &self.email_verifications,
            &self.pending_sign_ins,
            &self.login_requests,
        ];
        let mut trees: Vec<&sled::Tree> = vec![
            &self.users,
            &self.retired_users,
            &self.factors,
            &self.sessions,
            &self.user_sessions,
            &self.tokens,
            &self.user_tokens,
            &self.consents,
            &self.groups,
            &self.passkey_credentials,
            &self.passkey_handles,
            &self.upstream_links,
            &self.user_upstreams,
        ];
        trees.extend(owned);
        let outcome = trees[..].transaction(|t: &Vec<TransactionalTree>| {
            let [users, retired_users, factors, sessions, user_sessions, tokens, user_tokens, consents, groups, passkey_credentials, passkey_handles, upstream_links, user_upstreams, owned @ ..] =
                &t[..]
            else {
                return Err(abort(StoreError::Db("transaction trees".into())));
            };
            if users.remove(&id[..])?.is_none() {
                return Ok(None);
            }
            retired_users.insert(&id[..], retired.clone())?;
            factors.remove(&id[..])?;
            for credential_id in &passkeys {
                passkey_credentials.remove(&credential_id[..])?;
            }
            passkey_handles.remove(&id[..])?;
            for (link, listing) in &links {
                upstream_links.remove(&link[..])?;
                user_upstreams.remove(&listing[..])?;
            }
            let mut removal = AccountRemoval::default();
            for key in &gathered.session_keys {
                if sessions.remove(&key[8..])?.is_some() {
                    removal.sessions += 1;
                }
                user_sessions.remove(key)?;
            }
            for key in &gathered.token_keys {
                // The index key ends with the 32-byte token digest.
                let digest = &key[key.len().saturating_sub(32)..];
                if tokens.remove(digest)?.is_some() {
                    removal.tokens += 1;
                }
                user_tokens.remove(key)?;
            }
            for key in &gathered.consent_keys {
                if consents.remove(key)?.is_some() {
                    removal.consents += 1;
                }
            }
            for (tree, keys) in owned.iter().zip(&gathered.by_tree) {
                for key in keys {
                    tree.remove(key)?;
                }
            }
            for key in &gathered.group_keys {
                let Some(bytes) = groups.get(key)? else {
                    continue;
                };
                let mut group: GroupRecord = decode(&bytes).map_err(abort)?;
                group.members.retain(|m| *m != user_id);
                groups.insert(key, encode(&group).map_err(abort)?)?;
                removal.groups += 1;
            }
            Ok(Some(removal))
        });
        let mut removal = match outcome {
            Ok(removal) => removal,
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(db_err(e)),
        };
        if let Some(removal) = removal.as_mut() {
            // A token or session made between the gathering and the
            // transaction (a code exchanged at that moment) goes too.
            let late = self.gather(user_id)?;
            removal.sessions += self.remove_keyed(&late.session_keys, &self.sessions, 8)?;
            for key in &late.session_keys {
                self.user_sessions.remove(key).map_err(db_err)?;
            }
            for key in &late.token_keys {
                let digest = &key[key.len().saturating_sub(32)..];
                if self.tokens.remove(digest).map_err(db_err)?.is_some() {
                    removal.tokens += 1;
                }
                self.user_tokens.remove(key).map_err(db_err)?;
            }
        }
        self.flush().await?;
        Ok(removal)
    }

    /// The deleted account that held this username, if one did.
    pub async fn retired_username(&self, username: &str) -> StoreResult<Option<RetiredUserRecord>> {
        let key = username.to_lowercase();
        let Some(id) = self.usernames.get(key.as_bytes()).map_err(db_err)? else {
            return Ok(None);
        };
        self.retired_users
            .get(id)
            .map_err(db_err)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    /// Removes the records under `keys` (each past `skip` bytes) from `tree`;
    /// answers how many were there.
    fn remove_keyed(
        &self,
        keys: &[sled::IVec],
        tree: &sled::Tree,
        skip: usize,
    ) -> StoreResult<usize> {
        let mut removed = 0;
        for key in keys {
            if tree.remove(&key[skip..]).map_err(db_err)?.is_some() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The keys of everything that acts for `user_id`. The trees without a
    /// per-user index hold short-lived records, so scanning them is cheap.
    fn gather(&self, user_id: u64) -> StoreResult<Gathered> {
        let prefix = user_id.to_be_bytes();
        let keys = |tree: &sled::Tree| -> StoreResult<Vec<sled::IVec>> {
            tree.scan_prefix(prefix)
                .keys()
                .map(|k| k.map_err(db_err))
                .collect()
        };
        let mut gathered = Gathered {
            session_keys: keys(&self.user_sessions)?,
            token_keys: keys(&self.user_tokens)?,
            consent_keys: keys(&self.consents)?,
            ..Gathered::default()
        };
        gathered.by_tree[0] = matching(&self.codes, |c: &CodeRecord| c.user_id == user_id)?;
        gathered.by_tree[1] = matching(
            &self.devices,
            |d: &DeviceRecord| matches!(d.state, DeviceState::Approved { user_id: u, .. } if u == user_id),
        )?;
        gathered.by_tree[2] = matching(&self.resets, |r: &ResetRecord| r.user_id == user_id)?;
        gathered.by_tree[3] =
            matching(&self.email_verifications, |r: &EmailVerificationRecord| {
                r.user_id == user_id
            })?;
        gathered.by_tree[4] = matching(&self.pending_sign_ins, |r: &PendingSignInRecord| {
            r.user_id == user_id
        })?;
        gathered.by_tree[5] = matching(&self.login_requests, |r: &LoginRequestRecord| {
            r.user_id == user_id
        })?;
        gathered.group_keys =
            matching(&self.groups, |g: &GroupRecord| g.members.contains(&user_id))?;
        Ok(gathered)
    }
}

/// The keys of the records in `tree` that `wanted` accepts.
fn matching<T: super::super::codec::Versioned>(
    tree: &sled::Tree,
    wanted: impl Fn(&T) -> bool,
) -> StoreResult<Vec<sled::IVec>> {
    let mut found = Vec::new();
    for entry in tree.iter() {
        let (key, value) = entry.map_err(db_err)?;
        if wanted(&decode::<T>(&value)?) {
            found.push(key);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::TokenKind;

    fn person(name: &str) -> UserRecord {
        UserRecord {
            id: 0,
            username: name.into(),
            password_hash: "x".into(),
            email: None,
            email_verified: false,
            name: None,
            admin: false,
            disabled: false,
            created_at: 1,
            updated_at: 1,
            extra_claims: None,
        }
    }

    fn token(user_id: u64) -> TokenRecord {
        TokenRecord {
            kind: TokenKind::Refresh,
            client_id: "webapp".into(),
            user_id: Some(user_id),
            scope: "read".into(),
            issued_at: 1,
            expires_at: None,
            grant_id: Some("g".into()),
            auth_time: Some(1),
            rotated: None,
        }
    }

    fn session(user_id: u64) -> SessionRecord {
        SessionRecord {
            user_id,
            auth_time: 1,
            last_seen: 1,
            expires_at: 100,
            amr: vec!["pwd".into()],
        }
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_removed_account_takes_what_acts_for_it_and_keeps_its_name_and_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(&dir.path().join("db"), 1 << 20).unwrap();
        run(async {
            let alice = store.create_user(person("alice")).await.unwrap().unwrap();
            let bob = store.create_user(person("bob")).await.unwrap().unwrap();
            for (n, who) in [(1u8, alice.id), (2, bob.id)] {
                store.insert_session(&[n; 32], &session(who)).await.unwrap();
                store.insert_tokens(&[([n; 32], token(who))]).await.unwrap();
                let consent = ConsentRecord {
                    scope: "read".into(),
                    granted_at: 1,
                };
                store.put_consent(who, "webapp", &consent).await.unwrap();
            }
            let group = GroupRecord {
                name: "staff".into(),
                description: String::new(),
                members: vec![alice.id, bob.id],
                created_at: 1,
            };
            assert!(store.create_group(&group).await.unwrap());

            let removal = store.remove_account(alice.id, 50).await.unwrap().unwrap();
            assert_eq!(
                removal,
                AccountRemoval {
                    sessions: 1,
                    tokens: 1,
                    consents: 1,
                    groups: 1
                }
            );
            assert!(store.user(alice.id).await.unwrap().is_none());
            assert!(store.session(&[1; 32]).await.unwrap().is_none());
            assert!(store.token(&[1; 32]).await.unwrap().is_none());
            assert!(store.consent(alice.id, "webapp").await.unwrap().is_none());
            let staff = store.group("staff").await.unwrap().unwrap();
            assert_eq!(staff.members, vec![bob.id]);
            // Bob keeps everything.
            assert!(store.session(&[2; 32]).await.unwrap().is_some());
            assert!(store.token(&[2; 32]).await.unwrap().is_some());

            // The name stays taken, in any case, and says why.
            assert!(store.user_by_name("alice").await.unwrap().is_none());
            let retired = store.retired_username("ALICE").await.unwrap().unwrap();
            assert_eq!(
                (retired.username.as_str(), retired.deleted_at),
                ("alice", 50)
            );
            assert!(store.create_user(person("Alice")).await.unwrap().is_none());
            assert!(store.retired_username("bob").await.unwrap().is_none());
            // A second removal finds nothing; a new person gets a new id.
            assert!(store.remove_account(alice.id, 60).await.unwrap().is_none());
            assert!(!store.remove_user("alice", 60).await.unwrap());
            let carol = store.create_user(person("carol")).await.unwrap().unwrap();
            assert!(carol.id > bob.id && carol.id != alice.id);
        });
    }
}
