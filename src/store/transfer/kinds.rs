//! How each tree of the embedded store becomes rows of its PostgreSQL
//! table. The record bytes are copied as they are (both adapters keep the
//! codec's bytes, version byte included); the key and index columns are
//! filled as the PostgreSQL adapter's own inserts fill them (the file of
//! each kind in `postgres/` is named beside it). The sled index trees
//! (`grant_tokens`, `user_tokens`, `user_sessions`, `user_upstreams`,
//! `expiry`) have no table: PostgreSQL indexes the columns instead.

use super::rows::{bad, bytes, expiring, id, live, short_lived, text, Kind, Row, Value};
use crate::store::codec::decode;
use crate::store::postgres::i64_of;
use crate::store::records::{
    CodeRecord, DeviceRecord, EmailVerificationRecord, InitialTokenRecord, InviteRecord, KeyRecord,
    LoginRequestRecord, PasskeyCeremonyRecord, PendingSignInRecord, ResetRecord, SessionRecord,
    TokenRecord, UpstreamLinkRecord, UpstreamPendingRecord,
};
use crate::store::StoreError;

/// Every record tree, in the order they are copied (people before what
/// points at them, for whoever reads the target meanwhile).
pub(super) const KINDS: &[Kind] = &[
    // clients.rs
    Kind {
        tree: "clients",
        table: "clients",
        columns: &["client_id", "record"],
        row: |key, value, _| Ok(Row::Copy(vec![text(key)?, bytes(value)])),
    },
    // people.rs
    Kind {
        tree: "users",
        table: "users",
        columns: &["id", "record"],
        row: |key, value, _| Ok(Row::Copy(vec![id(key)?, bytes(value)])),
    },
    Kind {
        tree: "usernames",
        table: "usernames",
        columns: &["username", "user_id"],
        row: |key, value, _| Ok(Row::Copy(vec![text(key)?, id(value)?])),
    },
    // leaving.rs
    Kind {
        tree: "retired_users",
        table: "retired_users",
        columns: &["id", "record"],
        row: |key, value, _| Ok(Row::Copy(vec![id(key)?, bytes(value)])),
    },
    Kind {
        tree: "scopes",
        table: "scopes",
        columns: &["name", "record"],
        row: |key, value, _| Ok(Row::Copy(vec![text(key)?, bytes(value)])),
    },
    // clients.rs: settings are text; the id floor and the /readyz marker
    // are the embedded store's own (the id floor becomes the sequence).
    Kind {
        tree: "settings",
        table: "settings",
        columns: &["name", "value"],
        row: |key, value, _| {
            if key.first() == Some(&0) || key == b"readyz" {
                return Ok(Row::Internal);
            }
            Ok(Row::Copy(vec![text(key)?, text(value)?]))
        },
    },
    // groups.rs
    Kind {
        tree: "groups",
        table: "groups",
        columns: &["name", "record"],
        row: |key, value, _| Ok(Row::Copy(vec![text(key)?, bytes(value)])),
    },
    // factors.rs
    Kind {
        tree: "factors",
        table: "factors",
        columns: &["user_id", "record"],
        row: |key, value, _| Ok(Row::Copy(vec![id(key)?, bytes(value)])),
    },
    // passkeys.rs
    Kind {
        tree: "passkey_credentials",
        table: "passkey_credentials",
        columns: &["credential_id", "user_id"],
        row: |key, value, _| Ok(Row::Copy(vec![bytes(key), id(value)?])),
    },
    Kind {
        tree: "passkey_handles",
        table: "passkey_handles",
        columns: &["user_id", "handle"],
        row: |key, value, _| Ok(Row::Copy(vec![id(key)?, bytes(value)])),
    },
    // upstream.rs
    Kind {
        tree: "upstream_links",
        table: "upstream_links",
        columns: &["provider", "subject", "user_id", "record"],
        row: |_, value, _| {
            let link: UpstreamLinkRecord = decode(value)?;
            Ok(Row::Copy(vec![
                Value::Text(link.provider),
                Value::Text(link.subject),
                Value::Int(i64_of(link.user_id)),
                bytes(value),
            ]))
        },
    },
    // sessions.rs
    Kind {
        tree: "consents",
        table: "consents",
        columns: &["user_id", "client_id", "record"],
        row: |key, value, _| {
            let (user, client) = key.split_at_checked(8).ok_or_else(|| bad("consent key"))?;
            Ok(Row::Copy(vec![id(user)?, text(client)?, bytes(value)]))
        },
    },
    Kind {
        tree: "sessions",
        table: "sessions",
        columns: &["digest", "user_id", "expires_at", "record"],
        row: |key, value, cx| {
            let session: SessionRecord = decode(value)?;
            Ok(live(cx, session.expires_at, || {
                vec![
                    bytes(key),
                    Value::Int(i64_of(session.user_id)),
                    Value::Int(i64_of(session.expires_at)),
                    bytes(value),
                ]
            }))
        },
    },
    // keys.rs
    Kind {
        tree: "keys",
        table: "signing_keys",
        columns: &["kid", "alg", "retired", "record"],
        row: |_, value, cx| {
            let key: KeyRecord = decode(value)?;
            // PostgreSQL allows one current key per algorithm; should the
            // sled tree hold two (a rotation cut short), the one after in kid
            // order is marked retired in its column only, its record unchanged.
            let retired =
                key.retired_at.is_some() || !cx.current_algs.borrow_mut().insert(key.alg.clone());
            Ok(Row::Copy(vec![
                Value::Text(key.kid),
                Value::Text(key.alg),
                Value::Flag(retired),
                bytes(value),
            ]))
        },
    },
    // tokens.rs: a token that never expires has no expiry.
    Kind {
        tree: "tokens",
        table: "tokens",
        columns: &[
            "digest",
            "grant_id",
            "client_id",
            "user_id",
            "expires_at",
            "record",
        ],
        row: |key, value, cx| {
            let token: TokenRecord = decode(value)?;
            if !token.is_live(cx.now) {
                return Ok(Row::Expired);
            }
            Ok(Row::Copy(vec![
                bytes(key),
                Value::Text(token.grant_id.unwrap_or_default()),
                Value::Text(token.client_id),
                Value::MaybeInt(token.user_id.map(i64_of)),
                Value::MaybeInt(token.expires_at.map(i64_of)),
                bytes(value),
            ]))
        },
    },
    // tokens.rs: a code is kept an hour past its expiry (replays).
    Kind {
        tree: "codes",
        table: "codes",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, cx| {
            let code: CodeRecord = decode(value)?;
            Ok(expiring(
                key,
                value,
                cx,
                code.expires_at.saturating_add(3600),
            ))
        },
    },
    // devices.rs: kept an hour past expiry, with its user code's digest.
    Kind {
        tree: "devices",
        table: "devices",
        columns: &["digest", "user_code", "expires_at", "record"],
        row: |key, value, cx| {
            let device: DeviceRecord = decode(value)?;
            let until = device.expires_at.saturating_add(3600);
            // Without its user code (swept with it), it is spent.
            let Some(user_code) = cx.user_codes.get(key) else {
                return Ok(Row::Expired);
            };
            Ok(live(cx, until, || {
                vec![
                    bytes(key),
                    bytes(user_code),
                    Value::Int(i64_of(until)),
                    bytes(value),
                ]
            }))
        },
    },
    // devices.rs: neither is swept; an expired one is refused when used.
    Kind {
        tree: "initial_tokens",
        table: "initial_tokens",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, _| {
            let token: InitialTokenRecord = decode(value)?;
            Ok(Row::Copy(vec![
                bytes(key),
                Value::MaybeInt(token.expires_at.map(i64_of)),
                bytes(value),
            ]))
        },
    },
    Kind {
        tree: "invites",
        table: "invites",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, _| {
            let invite: InviteRecord = decode(value)?;
            Ok(Row::Copy(vec![
                bytes(key),
                Value::Int(i64_of(invite.expires_at)),
                bytes(value),
            ]))
        },
    },
    Kind {
        tree: "resets",
        table: "resets",
        columns: &["digest", "user_id", "expires_at", "record"],
        row: |key, value, cx| {
            let reset: ResetRecord = decode(value)?;
            Ok(live(cx, reset.expires_at, || {
                vec![
                    bytes(key),
                    Value::Int(i64_of(reset.user_id)),
                    Value::Int(i64_of(reset.expires_at)),
                    bytes(value),
                ]
            }))
        },
    },
    // logins.rs: a login code's row holds its request's digest (as the
    // sled tree does) and the request's expiry.
    Kind {
        tree: "login_requests",
        table: "login_requests",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, cx| {
            let request: LoginRequestRecord = decode(value)?;
            Ok(expiring(key, value, cx, request.expires_at))
        },
    },
    Kind {
        tree: "login_codes",
        table: "login_codes",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, cx| {
            let request = match &cx.login_requests {
                Some(tree) => tree.get(value).map_err(|e| StoreError::Db(e.to_string()))?,
                None => None,
            };
            let Some(request) = request else {
                return Ok(Row::Expired);
            };
            let request: LoginRequestRecord = decode(&request)?;
            Ok(expiring(key, value, cx, request.expires_at))
        },
    },
    // audit.rs: numbered in the sled tree's order (time, then number), so
    // the order within one second stays. Not the sled key's own number: a
    // database restored from a backup counts those from zero again.
    Kind {
        tree: "audit",
        table: "audit",
        columns: &["seq", "at", "record"],
        row: |key, value, cx| {
            let at = key.get(..8).ok_or_else(|| bad("an audit key too short"))?;
            let seq = cx.audit_seq.get() + 1;
            cx.audit_seq.set(seq);
            Ok(Row::Copy(vec![Value::Int(seq), id(at)?, bytes(value)]))
        },
    },
    // factors.rs, email.rs, passkeys.rs, upstream.rs: short-lived.
    Kind {
        tree: "pending_sign_ins",
        table: "pending_sign_ins",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, cx| short_lived::<PendingSignInRecord>(key, value, cx, |r| r.expires_at),
    },
    Kind {
        tree: "email_verifications",
        table: "email_verifications",
        columns: &["digest", "user_id", "expires_at", "record"],
        row: |key, value, cx| {
            let link: EmailVerificationRecord = decode(value)?;
            Ok(live(cx, link.expires_at, || {
                vec![
                    bytes(key),
                    Value::Int(i64_of(link.user_id)),
                    Value::Int(i64_of(link.expires_at)),
                    bytes(value),
                ]
            }))
        },
    },
    Kind {
        tree: "passkey_ceremonies",
        table: "passkey_ceremonies",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, cx| {
            short_lived::<PasskeyCeremonyRecord>(key, value, cx, |r| r.expires_at)
        },
    },
    Kind {
        tree: "upstream_pending",
        table: "upstream_pending",
        columns: &["digest", "expires_at", "record"],
        row: |key, value, cx| {
            short_lived::<UpstreamPendingRecord>(key, value, cx, |r| r.expires_at)
        },
    },
];

/// The sled trees that are indexes of the trees above (or fold into one of
/// their rows): nothing of theirs is copied as it is.
#[cfg(test)]
pub(super) const INDEX_TREES: &[&str] = &[
    "grant_tokens",
    "user_tokens",
    "user_sessions",
    "user_upstreams",
    "user_codes",
    "expiry",
];
