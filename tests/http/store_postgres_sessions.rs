//! The PostgreSQL adapter's sessions, consents, device grants, invites,
//! reset links, login requests, pending sign-ins, email verifications and
//! audit trail, against a real server, with two instances (two stores,
//! each with its own pool) on one database where it matters.

use gatehouse::store::{
    AuditRecord, ConsentRecord, DeviceRecord, DeviceState, EmailVerificationRecord,
    InitialTokenRecord, InviteRecord, LoginRequestRecord, PendingSignInRecord, ResetRecord,
    SessionRecord,
};

use crate::harness::*;

const FAR: u64 = u64::MAX / 4;

fn digest(tag: u8, round: u32) -> [u8; 32] {
    let mut d = [tag; 32];
    d[..4].copy_from_slice(&round.to_be_bytes());
    d
}

fn session(user_id: u64) -> SessionRecord {
    SessionRecord {
        user_id,
        auth_time: 1,
        last_seen: 1,
        expires_at: FAR,
        amr: vec!["pwd".into()],
    }
}

fn device() -> DeviceRecord {
    DeviceRecord {
        client_id: "tv".into(),
        scope: "openid".into(),
        user_code: "ABCDEFGH".into(),
        expires_at: FAR,
        interval: 5,
        last_poll: 0,
        state: DeviceState::Pending,
    }
}

#[test]
fn a_session_created_on_one_instance_is_read_and_ended_on_the_other() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let (one, two, other) = (digest(1, 1), digest(1, 2), digest(1, 3));
        a.insert_session(&one, &session(7)).await.unwrap();
        a.insert_session(&two, &session(7)).await.unwrap();
        a.insert_session(&other, &session(8)).await.unwrap();
        assert_eq!(b.session(&one).await.unwrap(), Some(session(7)));
        assert!(b.session(&digest(1, 9)).await.unwrap().is_none());

        let mut seen = session(7);
        seen.last_seen = 50;
        b.touch_session(&one, &seen).await.unwrap();
        assert_eq!(a.session(&one).await.unwrap(), Some(seen.clone()));

        let mut mine = b.sessions_of(7).await.unwrap();
        mine.sort_by_key(|(d, _)| *d);
        assert_eq!(mine, vec![(one, seen.clone()), (two, session(7))]);

        // Signing out everywhere else on B ends A's other session only.
        assert_eq!(b.remove_sessions_of(7, Some(&one)).await.unwrap(), 1);
        assert!(a.session(&two).await.unwrap().is_none());
        assert!(a.session(&one).await.unwrap().is_some());
        b.remove_session(&one).await.unwrap();
        assert!(a.session(&one).await.unwrap().is_none());
        // A touch after the end does not bring the session back.
        a.touch_session(&one, &seen).await.unwrap();
        assert!(b.session(&one).await.unwrap().is_none());
        assert_eq!(a.remove_sessions_of(8, None).await.unwrap(), 1);
        assert!(b.sessions_of(8).await.unwrap().is_empty());
    });
}

#[test]
fn consents_given_on_one_instance_are_seen_and_forgotten_on_the_other() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let consent = |scope: &str| ConsentRecord {
            scope: scope.into(),
            granted_at: 3,
        };
        a.put_consent(7, "webapp", &consent("openid"))
            .await
            .unwrap();
        a.put_consent(7, "app", &consent("email")).await.unwrap();
        b.put_consent(7, "webapp", &consent("openid profile"))
            .await
            .unwrap();
        assert_eq!(
            a.consent(7, "webapp").await.unwrap(),
            Some(consent("openid profile"))
        );
        assert!(a.consent(8, "webapp").await.unwrap().is_none());
        assert_eq!(
            b.consents_of(7).await.unwrap(),
            vec![
                ("app".to_string(), consent("email")),
                ("webapp".to_string(), consent("openid profile")),
            ]
        );
        a.remove_consent(7, "webapp").await.unwrap();
        assert!(b.consent(7, "webapp").await.unwrap().is_none());
        assert_eq!(b.consents_of(7).await.unwrap().len(), 1);
    });
}

#[test]
fn a_device_code_approved_and_redeemed_on_two_instances_at_once_changes_once() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..50u32 {
            let (code, user_code) = (digest(2, round), digest(3, round));
            assert!(a.insert_device(&code, &user_code, &device()).await.unwrap());
            // The user code is taken, even for another device code.
            assert!(!b
                .insert_device(&digest(4, round), &user_code, &device())
                .await
                .unwrap());
            assert_eq!(
                b.device_by_user_code(&user_code).await.unwrap(),
                Some((code, device()))
            );

            // Two people approve the same user code at once on A and B.
            let approve = |user_id: u64| {
                move |d: &DeviceRecord| {
                    (d.state == DeviceState::Pending).then(|| DeviceRecord {
                        state: DeviceState::Approved {
                            user_id,
                            auth_time: 1,
                        },
                        ..d.clone()
                    })
                }
            };
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.update_device(&code, approve(1), true).await },
                async move { y.update_device(&code, approve(2), true).await },
            )
            .await;
            let won: Vec<_> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(won.len(), 1, "round {round}");
            assert_eq!(
                a.device(&code).await.unwrap().unwrap().state,
                won[0].1.state
            );

            // Two polls redeem the approved code at once: one gets tokens.
            let redeem = |d: &DeviceRecord| {
                matches!(d.state, DeviceState::Approved { .. }).then(|| DeviceRecord {
                    state: DeviceState::Issued,
                    ..d.clone()
                })
            };
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.update_device(&code, redeem, false).await },
                async move { y.update_device(&code, redeem, false).await },
            )
            .await;
            let won = [left.unwrap(), right.unwrap()]
                .iter()
                .filter(|r| r.is_some())
                .count();
            assert_eq!(won, 1, "round {round}");
            assert_eq!(
                b.device(&code).await.unwrap().unwrap().state,
                DeviceState::Issued
            );
        }
        assert!(a
            .update_device(&[9; 32], |_| None, true)
            .await
            .unwrap()
            .is_none());
        assert!(a.device_by_user_code(&[9; 32]).await.unwrap().is_none());
    });
}

#[test]
fn one_invite_spent_on_two_instances_at_once_is_spent_once() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..50u32 {
            let invite = digest(5, round);
            let record = InviteRecord {
                created_at: 1,
                expires_at: 100,
                used: false,
            };
            a.insert_invite(&invite, &record).await.unwrap();
            assert!(b.invite_usable(&invite, 50).await.unwrap());
            assert!(!b.invite_usable(&invite, 100).await.unwrap());
            assert!(!b.spend_invite(&invite, 100).await.unwrap());
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.spend_invite(&invite, 50).await },
                async move { y.spend_invite(&invite, 50).await },
            )
            .await;
            assert!(left.unwrap() ^ right.unwrap(), "round {round}");
            assert!(!a.invite_usable(&invite, 50).await.unwrap());
        }
        assert!(!a.invite_usable(&[9; 32], 1).await.unwrap());
        assert!(!a.spend_invite(&[9; 32], 1).await.unwrap());
    });
}

#[test]
fn a_reset_link_spent_on_two_instances_at_once_is_spent_once() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..30u32 {
            let link = digest(6, round);
            let reset = ResetRecord {
                user_id: 7,
                expires_at: 100,
                used: false,
            };
            a.insert_reset(&link, &reset).await.unwrap();
            assert_eq!(
                b.usable_reset(&link, 50).await.unwrap(),
                Some(reset.clone())
            );
            assert!(b.usable_reset(&link, 100).await.unwrap().is_none());
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(async move { x.spend_reset(&link, 50).await }, async move {
                y.spend_reset(&link, 50).await
            })
            .await;
            let spent: Vec<_> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(spent, vec![reset], "round {round}");
            assert!(a.usable_reset(&link, 50).await.unwrap().is_none());
        }
    });
}

#[test]
fn initial_tokens_stored_on_one_instance_are_read_on_the_other() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let token = InitialTokenRecord {
            created_at: 1,
            expires_at: None,
        };
        a.insert_initial_token(&[7; 32], &token).await.unwrap();
        assert_eq!(b.initial_token(&[7; 32]).await.unwrap(), Some(token));
        assert!(b.initial_token(&[8; 32]).await.unwrap().is_none());
    });
}

#[test]
fn a_login_request_is_confirmed_and_taken_once_across_instances() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..30u32 {
            let (csrf, code) = (digest(7, round), digest(8, round));
            let request = LoginRequestRecord {
                user_id: 7,
                expires_at: 100,
                confirmed: false,
            };
            assert!(a
                .insert_login_request(&csrf, &code, &request)
                .await
                .unwrap());
            // The code is taken: nothing is stored for another request.
            assert!(!b
                .insert_login_request(&digest(9, round), &code, &request)
                .await
                .unwrap());
            assert!(b
                .take_login_request(&digest(9, round), 7, 50, false)
                .await
                .unwrap()
                .is_none());
            // Not confirmed yet, by someone else, or too late.
            assert!(b
                .take_login_request(&csrf, 7, 50, true)
                .await
                .unwrap()
                .is_none());
            assert!(!b.confirm_login_code(&code, 8, 50).await.unwrap());
            assert!(!b.confirm_login_code(&code, 7, 100).await.unwrap());
            assert!(b.confirm_login_code(&code, 7, 50).await.unwrap());

            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.take_login_request(&csrf, 7, 50, true).await },
                async move { y.take_login_request(&csrf, 7, 50, true).await },
            )
            .await;
            let taken: Vec<_> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(taken.len(), 1, "round {round}");
            assert!(taken[0].confirmed);
            assert!(!a.confirm_login_code(&code, 7, 50).await.unwrap());
        }
        assert!(!a.confirm_login_code(&[1; 32], 7, 50).await.unwrap());
    });
}

#[test]
fn a_pending_sign_in_is_taken_once_across_instances() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..30u32 {
            let cookie = digest(10, round);
            let pending = PendingSignInRecord {
                user_id: 7,
                amr: vec!["pwd".into()],
                next: "/account".into(),
                expires_at: FAR,
            };
            a.insert_pending_sign_in(&cookie, &pending).await.unwrap();
            assert_eq!(
                b.pending_sign_in(&cookie).await.unwrap(),
                Some(pending.clone())
            );
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.take_pending_sign_in(&cookie).await },
                async move { y.take_pending_sign_in(&cookie).await },
            )
            .await;
            let taken: Vec<_> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(taken, vec![pending], "round {round}");
            assert!(a.pending_sign_in(&cookie).await.unwrap().is_none());
        }
    });
}

#[test]
fn an_email_verification_is_taken_once_across_instances() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        for round in 0..30u32 {
            let link = digest(11, round);
            let record = EmailVerificationRecord {
                user_id: 7,
                email: "ada@example.org".into(),
                expires_at: 100,
            };
            a.insert_email_verification(&link, &record).await.unwrap();
            assert_eq!(
                b.email_verification(&link, 50).await.unwrap(),
                Some(record.clone())
            );
            assert!(b.email_verification(&link, 100).await.unwrap().is_none());
            let (x, y) = (a.clone(), b.clone());
            let (left, right) = both(
                async move { x.take_email_verification(&link, 50).await },
                async move { y.take_email_verification(&link, 50).await },
            )
            .await;
            let taken: Vec<_> = [left.unwrap(), right.unwrap()]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(taken, vec![record], "round {round}");
            assert!(a.email_verification(&link, 50).await.unwrap().is_none());
        }
        // A link taken too late is gone all the same.
        let late = EmailVerificationRecord {
            user_id: 7,
            email: "ada@example.org".into(),
            expires_at: 10,
        };
        a.insert_email_verification(&[1; 32], &late).await.unwrap();
        assert!(b
            .take_email_verification(&[1; 32], 50)
            .await
            .unwrap()
            .is_none());
        assert!(a
            .take_email_verification(&[1; 32], 5)
            .await
            .unwrap()
            .is_none());
    });
}

#[test]
fn audit_records_from_two_instances_page_newest_first_and_sweep() {
    block_on(async {
        let (a, b) = two_stores(&fresh_database()).await;
        let event = |at: u64, event: &str| AuditRecord {
            at,
            actor: Some("ada".into()),
            client_ip: None,
            event: event.into(),
            target: None,
            detail: None,
        };
        // 250 records over both instances, several at the same second.
        for n in 0..250u64 {
            let store = if n % 2 == 0 { &a } else { &b };
            let kind = if n % 5 == 0 {
                "sign_in_failed"
            } else {
                "signed_in"
            };
            store
                .insert_audit(&event(1000 + n / 3, kind))
                .await
                .unwrap();
        }
        // Every record, page by page, newest first, none twice.
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = b.audit_page(before, 40, |_| true).await.unwrap();
            if page.is_empty() {
                break;
            }
            before = page.last().map(|(c, _)| *c);
            all.extend(page);
        }
        assert_eq!(all.len(), 250);
        assert!(all
            .windows(2)
            .all(|w| w[0].0 > w[1].0 && w[0].1.at >= w[1].1.at));
        assert_eq!(all[0].1.at, 1000 + 249 / 3);
        // A filter that skips most records still fills its page.
        let failed = a
            .audit_page(None, 45, |r| r.event == "sign_in_failed")
            .await
            .unwrap();
        assert_eq!(failed.len(), 45);
        assert!(failed.iter().all(|(_, r)| r.event == "sign_in_failed"));
        let rest = a
            .audit_page(failed.last().map(|(c, _)| *c), 45, |r| {
                r.event == "sign_in_failed"
            })
            .await
            .unwrap();
        assert_eq!(rest.len(), 5);
        assert!(a.audit_page(None, 0, |_| true).await.unwrap().is_empty());
        // Sweeping drops what is older than the cutoff, on every instance.
        let below = all.iter().filter(|(_, r)| r.at < 1040).count();
        assert_eq!(a.sweep_audit(1040).await.unwrap(), below);
        assert_eq!(
            b.audit_page(None, 1000, |_| true).await.unwrap().len(),
            250 - below
        );
    });
}
