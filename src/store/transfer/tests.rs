use super::kinds::INDEX_TREES;
use super::*;
use crate::store::codec::encode;
use crate::store::records::{TokenKind, TokenRecord};

#[test]
fn an_insert_numbers_every_parameter_of_every_row() {
    assert_eq!(
        insert_statement("codes", &["digest", "expires_at", "record"], 2),
        "INSERT INTO codes (digest, expires_at, record) VALUES ($1, $2, $3), ($4, $5, $6)"
    );
}

#[test]
fn every_table_of_the_schema_is_checked_for_emptiness_and_every_kind_fills_one() {
    for (_, _, sql) in crate::store::POSTGRES_MIGRATIONS {
        for table in sql
            .split("CREATE TABLE ")
            .skip(1)
            .filter_map(|rest| rest.split_whitespace().next())
        {
            assert!(
                RECORD_TABLES.contains(&table),
                "{table} is missing from RECORD_TABLES"
            );
        }
    }
    for kind in KINDS {
        assert!(RECORD_TABLES.contains(&kind.table), "{}", kind.table);
        assert!(kind.columns.len() * ROWS_PER_STATEMENT < usize::from(u16::MAX));
    }
}

#[test]
fn every_tree_of_the_embedded_store_is_copied_or_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), 1 << 20).unwrap();
    for name in store.tree_names() {
        if name == "__sled__default" {
            continue;
        }
        assert!(
            KINDS.iter().any(|k| k.tree == name) || INDEX_TREES.contains(&name.as_str()),
            "the tree {name} is neither copied nor an index"
        );
    }
}

fn token(expires_at: Option<u64>) -> TokenRecord {
    TokenRecord {
        kind: TokenKind::Access,
        client_id: "c".into(),
        user_id: Some(7),
        scope: "read".into(),
        issued_at: 100,
        expires_at,
        grant_id: None,
        auth_time: None,
        rotated: None,
    }
}

fn context(now: u64) -> Context {
    Context {
        now,
        user_codes: Default::default(),
        login_requests: None,
        audit_seq: Default::default(),
        current_algs: Default::default(),
    }
}

fn kind(tree: &str) -> &'static Kind {
    KINDS.iter().find(|k| k.tree == tree).unwrap()
}

fn row_of(tree: &str, key: &[u8], value: &[u8], now: u64) -> Row {
    (kind(tree).row)(key, value, &context(now)).unwrap()
}

#[test]
fn audit_records_are_numbered_in_order_whatever_their_sled_numbers() {
    let cx = context(0);
    let record = encode(&crate::store::AuditRecord {
        at: 5,
        actor: None,
        client_ip: None,
        event: "sign_in".into(),
        target: None,
        detail: None,
    })
    .unwrap();
    // A restored database numbers its records from zero again.
    let seqs: Vec<i64> = [(5u64, 0u64), (6, 0)]
        .iter()
        .map(|(at, n)| {
            let mut key = at.to_be_bytes().to_vec();
            key.extend_from_slice(&n.to_be_bytes());
            match (kind("audit").row)(&key, &record, &cx).unwrap() {
                Row::Copy(values) => match values.first() {
                    Some(Value::Int(seq)) => *seq,
                    _ => panic!("no sequence number"),
                },
                _ => panic!("an audit record stayed behind"),
            }
        })
        .collect();
    assert_eq!(seqs, [1, 2]);
}

#[test]
fn an_expired_token_stays_behind_and_a_live_one_is_copied_unchanged() {
    let bytes = encode(&token(Some(200))).unwrap();
    assert!(matches!(
        row_of("tokens", &[1; 32], &bytes, 200),
        Row::Expired
    ));
    let Row::Copy(values) = row_of("tokens", &[1; 32], &bytes, 199) else {
        panic!("a live token was not copied");
    };
    assert_eq!(values.len(), 6);
    assert!(matches!(values.last(), Some(Value::Bytes(b)) if *b == bytes));
    let forever = encode(&token(None)).unwrap();
    assert!(matches!(
        row_of("tokens", &[2; 32], &forever, u64::MAX),
        Row::Copy(_)
    ));
}

#[test]
fn the_embedded_stores_own_settings_stay_behind() {
    assert!(matches!(
        row_of("settings", b"\0id_floor", &[0; 8], 0),
        Row::Internal
    ));
    assert!(matches!(
        row_of("settings", b"readyz", &[0; 8], 0),
        Row::Internal
    ));
    assert!(matches!(
        row_of("settings", b"signup", b"open", 0),
        Row::Copy(_)
    ));
}

#[test]
fn a_second_current_key_of_one_algorithm_is_marked_retired_in_its_column_only() {
    let cx = context(0);
    let key = |kid: &str| {
        encode(&crate::store::KeyRecord {
            kid: kid.into(),
            alg: "ES256".into(),
            pkcs8: vec![1, 2, 3],
            created_at: 1,
            retired_at: None,
        })
        .unwrap()
    };
    let retired: Vec<bool> = ["a", "b"]
        .iter()
        .map(|kid| {
            let bytes = key(kid);
            match (kind("keys").row)(kid.as_bytes(), &bytes, &cx).unwrap() {
                Row::Copy(values) => {
                    assert!(matches!(values.last(), Some(Value::Bytes(b)) if *b == bytes));
                    matches!(values.get(2), Some(Value::Flag(true)))
                }
                _ => panic!("a key stayed behind"),
            }
        })
        .collect();
    assert_eq!(retired, [false, true]);
}
