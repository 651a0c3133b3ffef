//! Servers for the dialect tests: the demo seed (what the README's commands
//! run with) plus a test's own entries, under one dialect alone or under the
//! exact set that `gatehouse dev` enables.

use gatehouse::dialects::Dialect;
use serde_json::Value;

use super::TestServer;

/// The dialects `gatehouse dev` enables (piictu conflicts with appnet).
pub(crate) const DEV_SET: [Dialect; 4] = [
    Dialect::Skritter,
    Dialect::Mastodon,
    Dialect::Scratch,
    Dialect::Appnet,
];

/// The demo seed (`data/demo-seed.json`) with `extra`'s users, clients and
/// scopes appended.
pub(crate) fn demo_seed_plus(extra: &Value) -> String {
    let mut seed: Value = serde_json::from_str(gatehouse::seed::DEMO).unwrap();
    for key in ["users", "clients", "scopes"] {
        if let Some(items) = extra.get(key).and_then(Value::as_array) {
            seed[key]
                .as_array_mut()
                .unwrap()
                .extend(items.iter().cloned());
        }
    }
    seed.to_string()
}

/// The dialect sets a document's replay runs under: the dialect alone (as
/// the README's command starts it), and `gatehouse dev`'s set. Piictu is
/// not in that set (it conflicts with appnet), so it runs with the other
/// three instead.
pub(crate) fn dialect_sets(dialect: Dialect) -> Vec<Vec<Dialect>> {
    let dev = if DEV_SET.contains(&dialect) {
        DEV_SET.to_vec()
    } else {
        let mut set: Vec<Dialect> = DEV_SET
            .iter()
            .copied()
            .filter(|d| *d != Dialect::Appnet)
            .collect();
        set.push(dialect);
        set
    };
    vec![vec![dialect], dev]
}

/// Runs `check` against a fresh server for each of `dialect`'s sets, with
/// the demo seed plus `extra`.
pub(crate) fn for_each_set(
    dialect: Dialect,
    extra: &Value,
    check: impl Fn(&TestServer, &[Dialect]),
) {
    let seed = demo_seed_plus(extra);
    for set in dialect_sets(dialect) {
        let server = TestServer::start_with(&seed, |c| c.dialects = set.clone());
        check(&server, &set);
    }
}
