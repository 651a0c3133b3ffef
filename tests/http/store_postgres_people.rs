//! The PostgreSQL adapter's people: users and their names and ids, scopes,
//! the directory's pages, groups, second factors and waiting sign-ins,
//! passkeys, upstream links and removing an account, against a real
//! server, with two instances (two stores, each with its own pool) on one
//! database wherever two callers could race.

use gatehouse::store::{
    AccountRemoval, CodeRecord, FactorsRecord, GroupRecord, LinkOutcome, PasskeyCeremonyRecord,
    PasskeyFactor, PasskeyPurpose, PendingSignInRecord, ScopeRecord, TokenKind, TokenRecord,
    UpstreamLinkRecord, UpstreamPendingRecord, UserRecord,
};

use crate::harness::*;

/// Runs SQL on the database directly (rows of kinds this file does not
/// own, to see that removing an account takes them).
fn psql(url: &str, sql: &str) -> String {
    let output = std::process::Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-tAc", sql])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

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

fn group(name: &str, members: Vec<u64>) -> GroupRecord {
    GroupRecord {
        name: name.into(),
        description: String::new(),
        members,
        created_at: 1,
    }
}

fn passkey(id: &[u8]) -> PasskeyFactor {
    PasskeyFactor {
        credential_id: id.to_vec(),
        name: "key".into(),
        credential: "{}".into(),
        created_at: 1,
        last_used: None,
    }
}

fn link(user_id: u64, provider: &str, subject: &str) -> UpstreamLinkRecord {
    UpstreamLinkRecord {
        user_id,
        provider: provider.into(),
        subject: subject.into(),
        upstream_name: Some("bob".into()),
        linked_at: 1,
    }
}

fn pending_sign_in(user_id: u64) -> PendingSignInRecord {
    PendingSignInRecord {
        user_id,
        amr: vec!["pwd".into()],
        next: "/".into(),
        expires_at: 100,
    }
}

fn digest(round: u32, fill: u8) -> [u8; 32] {
    let mut digest = [fill; 32];
    digest[..4].copy_from_slice(&round.to_be_bytes());
    digest
}

#[test]
fn users_get_new_ids_and_a_name_is_claimed_once_across_instances() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let alice = a.create_user(person("Alice")).await.unwrap().unwrap();
        assert!(alice.id >= 1);
        // B sees her at once, by id and by name in any case.
        assert_eq!(b.user(alice.id).await.unwrap(), Some(alice.clone()));
        assert_eq!(b.user_by_name("ALICE").await.unwrap(), Some(alice.clone()));
        assert!(b.create_user(person("alice")).await.unwrap().is_none());
        assert!(b.user_by_name("nobody").await.unwrap().is_none());

        // One new name sent to both instances at once: one account.
        for round in 0..50 {
            let name = format!("Person{round}");
            let (x, y) = (a.clone(), b.clone());
            let (n1, n2) = (name.clone(), name.to_uppercase());
            let (left, right) = both(
                async move { x.create_user(person(&n1)).await },
                async move { y.create_user(person(&n2)).await },
            )
            .await;
            let made: Vec<UserRecord> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(made.len(), 1, "round {round}");
            assert_eq!(
                a.user_by_name(&name).await.unwrap().map(|u| u.id),
                Some(made[0].id)
            );
        }

        // Ids never repeat, and the sequence goes on past them.
        let users = a.users().await.unwrap();
        assert_eq!(users.len(), 51);
        assert!(users.windows(2).all(|w| w[0].id < w[1].id));
        let next = b.next_id().await.unwrap();
        assert!(next > users[50].id);
        assert!(a.next_id().await.unwrap() > next);

        let mut changed = alice.clone();
        changed.email = Some("alice@example.org".into());
        b.put_user(&changed).await.unwrap();
        assert_eq!(a.user(alice.id).await.unwrap(), Some(changed));
    });
}

#[test]
fn the_directory_pages_users_in_id_order_and_counts() {
    block_on(async {
        let url = fresh_database();
        let (a, b) = two_stores(&url).await;
        let mut ids = Vec::new();
        for n in 0..7 {
            ids.push(
                a.create_user(person(&format!("u{n}")))
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            );
        }
        assert_eq!(b.user_count().await.unwrap(), 7);
        let page: Vec<u64> = b
            .users_slice(2, 3)
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(page, ids[2..5]);
        assert!(b.users_slice(7, 3).await.unwrap().is_empty());
        let (found, total) = b
            .users_matching(|u| u.username != "u3", 1, 2)
            .await
            .unwrap();
        assert_eq!(total, 6);
        let found: Vec<u64> = found.iter().map(|u| u.id).collect();
        assert_eq!(found, [ids[1], ids[2]]);

        assert_eq!(b.client_count().await.unwrap(), 0);
        // Counting reads no record, so a raw row will do.
        psql(
            &url,
            "INSERT INTO clients (client_id, record) VALUES ('c', '\\x00')",
        );
        assert_eq!(b.client_count().await.unwrap(), 1);
        assert_eq!(b.group_count().await.unwrap(), 0);
        a.create_group(&group("Staff", vec![])).await.unwrap();
        assert_eq!(b.group_count().await.unwrap(), 1);
    });
}

#[test]
fn scopes_are_replaced_and_listed_in_name_order() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let scope = |name: &str, description: &str| ScopeRecord {
            name: name.into(),
            description: description.into(),
            default: false,
            always: false,
        };
        a.put_scope(&scope("write", "w")).await.unwrap();
        a.put_scope(&scope("Read", "r")).await.unwrap();
        b.put_scope(&scope("write", "changed")).await.unwrap();
        let scopes = a.scopes().await.unwrap();
        let listed: Vec<(&str, &str)> = scopes
            .iter()
            .map(|s| (s.name.as_str(), s.description.as_str()))
            .collect();
        assert_eq!(listed, [("Read", "r"), ("write", "changed")]);
    });
}

#[test]
fn a_group_is_made_once_and_changes_from_two_instances_both_land() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..30u64 {
            let name = format!("Team{round}");
            let (x, y) = (a.clone(), b.clone());
            let (g1, g2) = (group(&name, vec![]), group(&name.to_lowercase(), vec![]));
            let (left, right) = both(async move { x.create_group(&g1).await }, async move {
                y.create_group(&g2).await
            })
            .await;
            assert_eq!(
                [left.unwrap(), right.unwrap()]
                    .iter()
                    .filter(|c| **c)
                    .count(),
                1,
                "round {round}"
            );
            // Two members added at once, one on each instance: both stay.
            let (x, y) = (a.clone(), b.clone());
            let (n1, n2) = (name.clone(), name.to_uppercase());
            let (left, right) = both(
                async move {
                    x.update_group(&n1, |g| {
                        g.members.push(1);
                        true
                    })
                    .await
                },
                async move {
                    y.update_group(&n2, |g| {
                        g.members.push(2);
                        true
                    })
                    .await
                },
            )
            .await;
            assert!(left.unwrap() && right.unwrap());
            let mut members = a.group(&name).await.unwrap().unwrap().members;
            members.sort_unstable();
            assert_eq!(members, [1, 2], "round {round}");
        }
        assert!(!a.update_group("team0", |_| false).await.unwrap());
        assert!(!a.update_group("nothing", |_| true).await.unwrap());
        let names: Vec<String> = b
            .groups()
            .await
            .unwrap()
            .into_iter()
            .map(|g| g.name.to_lowercase())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), 30);
        assert!(b.remove_group("TEAM3").await.unwrap());
        assert!(!a.remove_group("team3").await.unwrap());
        assert!(a.group("team3").await.unwrap().is_none());
    });
}

#[test]
fn factors_changed_on_two_instances_at_once_keep_both_changes() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        assert!(a.factors(7).await.unwrap().is_none());
        for round in 0..30u32 {
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move {
                    x.update_factors(7, |f| {
                        f.recovery_codes.push(digest(round, 1));
                        Some(1)
                    })
                    .await
                },
                async move {
                    y.update_factors(7, |f| {
                        f.recovery_codes.push(digest(round, 2));
                        Some(2)
                    })
                    .await
                },
            )
            .await;
            assert_eq!((left.unwrap(), right.unwrap()), (Some(1), Some(2)));
        }
        let factors = b.factors(7).await.unwrap().unwrap();
        assert_eq!(factors.recovery_codes.len(), 60);
        // Leaving it as it is changes nothing; emptying it removes it.
        assert_eq!(a.update_factors(7, |_| None::<()>).await.unwrap(), None);
        assert_eq!(b.factors(7).await.unwrap(), Some(factors));
        let emptied = a
            .update_factors(7, |f| {
                *f = FactorsRecord::default();
                Some("gone")
            })
            .await
            .unwrap();
        assert_eq!(emptied, Some("gone"));
        assert!(b.factors(7).await.unwrap().is_none());
    });
}

#[test]
fn a_waiting_sign_in_is_taken_by_one_instance_only() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..50u32 {
            let key = digest(round, 5);
            a.insert_pending_sign_in(&key, &pending_sign_in(7))
                .await
                .unwrap();
            assert_eq!(
                b.pending_sign_in(&key).await.unwrap(),
                Some(pending_sign_in(7))
            );
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.take_pending_sign_in(&key).await },
                async move { y.take_pending_sign_in(&key).await },
            )
            .await;
            let taken = [left.unwrap(), right.unwrap()];
            assert_eq!(taken.iter().flatten().count(), 1, "round {round}");
            assert!(a.pending_sign_in(&key).await.unwrap().is_none());
        }
    });
}

#[test]
fn a_credential_id_belongs_to_one_account_even_when_two_instances_race() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..30u32 {
            let id = digest(round, 3).to_vec();
            let (x, y) = (a.clone(), b.clone());
            let (i1, i2) = (id.clone(), id.clone());
            let (left, right) = both(
                async move { x.add_passkey(1, passkey(&i1)).await },
                async move { y.add_passkey(2, passkey(&i2)).await },
            )
            .await;
            let (left, right) = (left.unwrap(), right.unwrap());
            assert!(left != right, "round {round}");
            let owner = if left { 1 } else { 2 };
            assert_eq!(b.passkey_owner(&id).await.unwrap(), Some(owner));
            // Someone else cannot remove it, and its owner can.
            assert!(!a.remove_passkey(3 - owner, &id).await.unwrap());
            assert!(b.remove_passkey(owner, &id).await.unwrap());
            assert_eq!(a.passkey_owner(&id).await.unwrap(), None);
        }
        assert!(a.factors(1).await.unwrap().is_none());
        assert!(a.factors(2).await.unwrap().is_none());
        assert!(a.add_passkey(1, passkey(b"kept")).await.unwrap());
        assert_eq!(b.factors(1).await.unwrap().unwrap().passkeys.len(), 1);
    });
}

#[test]
fn the_first_passkey_handle_wins_across_instances() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        assert_eq!(a.existing_passkey_handle(7).await.unwrap(), None);
        for user in 0..30u64 {
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.passkey_handle(user, [1; 16]).await },
                async move { y.passkey_handle(user, [2; 16]).await },
            )
            .await;
            let (left, right) = (left.unwrap(), right.unwrap());
            assert_eq!(left, right, "user {user}");
            assert_eq!(a.existing_passkey_handle(user).await.unwrap(), Some(left));
            assert_eq!(b.passkey_handle(user, [3; 16]).await.unwrap(), left);
        }
    });
}

#[test]
fn a_passkey_ceremony_is_taken_by_one_instance_only() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let record = PasskeyCeremonyRecord {
            user_id: None,
            purpose: PasskeyPurpose::SignIn,
            state: "{}".into(),
            next: "/".into(),
            expires_at: 100,
        };
        for round in 0..50u32 {
            let key = digest(round, 4);
            a.insert_passkey_ceremony(&key, &record).await.unwrap();
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.take_passkey_ceremony(&key).await },
                async move { y.take_passkey_ceremony(&key).await },
            )
            .await;
            let taken: Vec<_> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(taken.len(), 1, "round {round}");
            assert_eq!(taken[0].state, "{}");
        }
    });
}

#[test]
fn an_upstream_account_is_linked_once_and_unlinked_from_both_sides() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        assert_eq!(
            a.link_upstream(&link(7, "up", "42")).await.unwrap(),
            LinkOutcome::Linked
        );
        assert_eq!(
            b.link_upstream(&link(8, "up", "42")).await.unwrap(),
            LinkOutcome::SubjectTaken(7)
        );
        assert_eq!(
            b.link_upstream(&link(7, "up", "43")).await.unwrap(),
            LinkOutcome::ProviderTaken
        );
        assert_eq!(
            a.link_upstream(&link(7, "gh", "42")).await.unwrap(),
            LinkOutcome::Linked
        );
        let mine = b.upstream_links_of(7).await.unwrap();
        let names: Vec<&str> = mine.iter().map(|l| l.provider.as_str()).collect();
        assert_eq!(names, ["gh", "up"]);
        assert!(b.upstream_links_of(8).await.unwrap().is_empty());
        assert_eq!(
            b.upstream_link("up", "42").await.unwrap(),
            Some(link(7, "up", "42"))
        );
        let gone = b.unlink_upstream(7, "up").await.unwrap().unwrap();
        assert_eq!(gone.subject, "42");
        assert!(a.upstream_link("up", "42").await.unwrap().is_none());
        assert!(a.unlink_upstream(7, "up").await.unwrap().is_none());
        assert_eq!(a.upstream_links_of(7).await.unwrap().len(), 1);

        // One upstream account linked by two people at once: one link.
        for round in 0..30u64 {
            let subject = format!("s{round}");
            let (x, y) = (a.clone(), b.clone());
            let (l1, l2) = (
                link(100 + round, "race", &subject),
                link(200 + round, "race", &subject),
            );
            let (left, right) = both(async move { x.link_upstream(&l1).await }, async move {
                y.link_upstream(&l2).await
            })
            .await;
            let outcomes = [left.unwrap(), right.unwrap()];
            let linked = outcomes
                .iter()
                .filter(|o| **o == LinkOutcome::Linked)
                .count();
            assert_eq!(linked, 1, "round {round}");
            assert!(outcomes
                .iter()
                .any(|o| matches!(o, LinkOutcome::SubjectTaken(_))));
        }
    });
}

#[test]
fn a_sign_in_waiting_for_the_provider_is_taken_by_one_instance_only() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let record = UpstreamPendingRecord {
            provider: "up".into(),
            state_digest: [1; 32],
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            next: "/".into(),
            link_user: None,
            created_at: 100,
            expires_at: 700,
        };
        for round in 0..50u32 {
            let key = digest(round, 6);
            a.insert_upstream_pending(&key, &record).await.unwrap();
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.take_upstream_pending(&key).await },
                async move { y.take_upstream_pending(&key).await },
            )
            .await;
            let taken: Vec<_> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(taken.len(), 1, "round {round}");
            assert!(taken[0] == record);
        }
    });
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

fn code(user_id: u64) -> CodeRecord {
    CodeRecord {
        client_id: "webapp".into(),
        user_id,
        redirect_uri: None,
        scope: "openid".into(),
        code_challenge: None,
        nonce: None,
        auth_time: 1,
        amr: vec!["pwd".into()],
        expires_at: 100,
        grant_id: "g".into(),
        redeemed: false,
    }
}

#[test]
fn a_removed_account_takes_what_acts_for_it_and_keeps_its_name_and_id() {
    block_on(async {
        let url = fresh_database();
        let (a, b) = two_stores(&url).await;
        let alice = a.create_user(person("alice")).await.unwrap().unwrap();
        let bob = a.create_user(person("bob")).await.unwrap().unwrap();
        for (n, who) in [(1u8, alice.id), (2, bob.id)] {
            a.insert_tokens(&[([n; 32], token(who))]).await.unwrap();
            a.insert_code(&[n; 32], &code(who)).await.unwrap();
            a.insert_pending_sign_in(&[n; 32], &pending_sign_in(who))
                .await
                .unwrap();
            a.add_passkey(who, passkey(&[n; 4])).await.unwrap();
            a.link_upstream(&link(who, "up", &who.to_string()))
                .await
                .unwrap();
            // Sessions and consents are removed by user id without reading
            // their records, so raw rows will do.
            psql(
                &url,
                &format!(
                    "INSERT INTO sessions (digest, user_id, expires_at, record) \
                     VALUES ('\\x0{n}', {who}, 100, '\\x00'); \
                     INSERT INTO consents (user_id, client_id, record) \
                     VALUES ({who}, 'webapp', '\\x00')"
                ),
            );
        }
        a.create_group(&group("staff", vec![alice.id, bob.id]))
            .await
            .unwrap();
        a.create_group(&group("others", vec![bob.id]))
            .await
            .unwrap();

        // Removed on both instances at once: one removal.
        let (x, y) = (a.clone(), b.clone());
        let id = alice.id;
        let (left, right) = both(async move { x.remove_account(id, 50).await }, async move {
            y.remove_account(id, 50).await
        })
        .await;
        let removals: Vec<AccountRemoval> = [left.unwrap(), right.unwrap()]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(
            removals,
            [AccountRemoval {
                sessions: 1,
                tokens: 1,
                consents: 1,
                groups: 1
            }]
        );
        assert!(b.user(alice.id).await.unwrap().is_none());
        assert!(b.token(&[1; 32]).await.unwrap().is_none());
        assert!(b.code(&[1; 32]).await.unwrap().is_none());
        assert!(b.pending_sign_in(&[1; 32]).await.unwrap().is_none());
        assert!(b.factors(alice.id).await.unwrap().is_none());
        assert_eq!(b.passkey_owner(&[1; 4]).await.unwrap(), None);
        assert_eq!(b.existing_passkey_handle(alice.id).await.unwrap(), None);
        assert!(b.upstream_links_of(alice.id).await.unwrap().is_empty());
        assert_eq!(
            psql(
                &url,
                &format!("SELECT count(*) FROM sessions WHERE user_id = {id}")
            ),
            "0"
        );
        let staff = b.group("staff").await.unwrap().unwrap();
        assert_eq!(staff.members, vec![bob.id]);
        // Bob keeps everything.
        assert!(b.token(&[2; 32]).await.unwrap().is_some());
        assert!(b.code(&[2; 32]).await.unwrap().is_some());
        assert!(b.pending_sign_in(&[2; 32]).await.unwrap().is_some());
        assert_eq!(b.passkey_owner(&[2; 4]).await.unwrap(), Some(bob.id));
        assert_eq!(b.upstream_links_of(bob.id).await.unwrap().len(), 1);
        assert_eq!(b.group("others").await.unwrap().unwrap().members, [bob.id]);
        assert_eq!(psql(&url, "SELECT count(*) FROM sessions"), "1");
        assert_eq!(psql(&url, "SELECT count(*) FROM consents"), "1");

        // The name stays taken, in any case, and says why.
        assert!(b.user_by_name("alice").await.unwrap().is_none());
        let retired = b.retired_username("ALICE").await.unwrap().unwrap();
        assert_eq!(
            (retired.username.as_str(), retired.deleted_at),
            ("alice", 50)
        );
        assert!(b.create_user(person("Alice")).await.unwrap().is_none());
        assert!(b.retired_username("bob").await.unwrap().is_none());
        assert!(b.retired_username("nobody").await.unwrap().is_none());
        // A second removal finds nothing; a new person gets a new id.
        assert!(a.remove_account(alice.id, 60).await.unwrap().is_none());
        assert!(!a.remove_user("alice", 60).await.unwrap());
        assert!(!a.remove_user("nobody", 60).await.unwrap());
        let carol = b.create_user(person("carol")).await.unwrap().unwrap();
        assert!(carol.id > bob.id && carol.id != alice.id);
        // Removing by name, in any case.
        assert!(b.remove_user("BOB", 70).await.unwrap());
        assert!(a.user(bob.id).await.unwrap().is_none());
        assert_eq!(a.users().await.unwrap(), [carol]);
    });
}
