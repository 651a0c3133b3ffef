//! Moving a community: `gatehouse migrate --from-data DIR --to URL` copies a
//! stopped server's embedded database into an empty PostgreSQL database. A
//! server on PostgreSQL then accepts every token, session, password and
//! consent of the old one and publishes its signing keys; new people get
//! ids above the old ones. A copy into a database that holds anything is
//! refused and changes nothing, and expired tokens stay behind.
//!
//! The old server runs on its embedded store in both passes of the suite
//! (`GATEHOUSE_STORE` is set empty for it); the new one on the database
//! the test made.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::*;

const REDIRECT: &str = "http://127.0.0.1:9000/cb";

/// The old server, on its embedded store whatever the pass.
fn embedded_server(data: &Path, args: &[&str]) -> BinServer {
    BinServer::spawn(data, args, &[("GATEHOUSE_STORE", "")])
}

/// Runs the binary, never on a harness database; answers (success,
/// stdout, stderr).
fn gatehouse(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    run_embedded_cli(args, stdin)
}

/// `gatehouse migrate --from-data data --to url`.
fn migrate(data: &Path, url: &str) -> (bool, String, String) {
    gatehouse(
        &[
            "migrate",
            "--from-data",
            data.to_str().unwrap(),
            "--to",
            url,
        ],
        None,
    )
}

/// Every table of the database at `url` with its row count, one a line.
fn row_counts(url: &str) -> String {
    let output = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-Atc"])
        .arg(
            "SELECT table_name, (xpath('/row/c/text()', query_to_xml(\
             format('SELECT count(*) AS c FROM %I', table_name), false, true, '')))[1]::text \
             FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
        )
        .output()
        .expect("psql (Debian's postgresql-client) is needed");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The row count of one table in `counts` (as `row_counts` lists them).
fn count_of(counts: &str, table: &str) -> u64 {
    counts
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{table}|")))
        .unwrap_or_else(|| panic!("no table {table} in {counts}"))
        .parse()
        .unwrap()
}

fn token(base: &str, client: (&str, &str), form: &[(&str, &str)]) -> Value {
    client_token(base, client, form)
}

fn introspect(base: &str, token: &Value) -> Value {
    json(
        http_client()
            .post(format!("{base}/oauth/introspect"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("token", token["access_token"].as_str().unwrap())])
            .send()
            .unwrap(),
        200,
    )
}

fn password_grant(base: &str, username: &str) -> Value {
    let password = format!("{username}-password");
    token(
        base,
        ("pwapp", "pwapp-secret"),
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", &password),
        ],
    )
}

/// Every user's id (`sub`) as `gatehouse user list` prints them.
fn subs(args: &[&str]) -> Vec<u64> {
    let mut all = vec!["user", "list", "--json"];
    all.extend_from_slice(args);
    let (ok, out, err) = gatehouse(&all, None);
    assert!(ok, "{err}");
    let users: Value = serde_json::from_str(&out).unwrap();
    users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["sub"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn a_migrated_community_keeps_its_tokens_sessions_passwords_consents_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let data = dir.path().join("db");
    let old = embedded_server(&data, &["--seed", seed.to_str().unwrap()]);
    let base = old.base.clone();
    // A client an administrator made on the command line.
    let (ok, out, err) = gatehouse(
        &[
            "client",
            "add",
            "--name",
            "Batch",
            "--grant-type",
            "client_credentials",
            "--json",
            "--data",
            data.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "{err}");
    let batch: Value = serde_json::from_str(&out).unwrap();
    let batch = (
        batch["client_id"].as_str().unwrap().to_owned(),
        batch["client_secret"].as_str().unwrap().to_owned(),
    );
    let app = token(
        &base,
        (&batch.0, &batch.1),
        &[("grant_type", "client_credentials")],
    );
    let user = password_grant(&base, "alice");
    // A session, a consent, and the code's tokens.
    let browser = Browser::new();
    browser.login_at(&base, "alice", "alice-password");
    let consent = html_page(browser.authorize_webapp_at(&base), 200);
    let allowed = browser.decide_at(&base, &consent, "allow");
    assert_eq!(allowed.status(), 303);
    let code = query_of(&location(&allowed))["code"].clone();
    let coded = token(
        &base,
        ("webapp", "webapp-secret"),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    );
    let session = browser.cookie(&base, "gh_session").unwrap();
    let seen = introspect(&base, &user);
    assert_eq!(seen["active"], true);
    let old_kids = kids(&jwks_at(&base));
    let old_subs = subs(&["--data", data.to_str().unwrap()]);
    assert_eq!(old_subs.len(), 2);

    // Not while the old server holds its database.
    let url = fresh_database();
    let (ok, _, err) = migrate(&data, &url);
    assert!(
        !ok && err.contains("in use") && err.contains("stop"),
        "{err}"
    );
    let (status, _) = old.signal("TERM");
    assert!(status.success());

    let (ok, out, err) = migrate(&data, &url);
    assert!(ok, "{err}");
    assert!(out.starts_with("copied "), "{out}");
    let counts = row_counts(&url);
    assert_eq!(count_of(&counts, "users"), 2, "{counts}");
    // The client's, the password grant's pair and the code's access token.
    assert_eq!(count_of(&counts, "tokens"), 4, "{counts}");
    assert_eq!(count_of(&counts, "consents"), 1, "{counts}");
    assert_eq!(count_of(&counts, "sessions"), 1, "{counts}");
    // A second copy into the same database is refused and changes nothing.
    let (ok, out, err) = migrate(&data, &url);
    assert!(!ok, "{out}");
    assert!(err.contains("not empty") && err.contains("users"), "{err}");
    assert_eq!(row_counts(&url), counts);

    let new_dir = dir.path().join("new");
    let new = BinServer::spawn(&new_dir, &["--store", &url], &[("GATEHOUSE_STORE", &url)]);
    let base = new.base.clone();
    // The same answer but for the issuer, which is the new server's address.
    let mut again_seen = introspect(&base, &user);
    let mut seen = seen;
    for info in [&mut again_seen, &mut seen] {
        info.as_object_mut().unwrap().remove("iss");
    }
    assert_eq!(again_seen, seen, "the same token, the same answer");
    assert_eq!(introspect(&base, &app)["active"], true);
    assert_eq!(introspect(&base, &coded)["active"], true);
    let refreshed = token(
        &base,
        ("pwapp", "pwapp-secret"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", user["refresh_token"].as_str().unwrap()),
        ],
    );
    assert_eq!(introspect(&base, &refreshed)["active"], true);
    let account = http_client()
        .get(format!("{base}/account"))
        .header("cookie", format!("gh_session={session}"))
        .send()
        .unwrap();
    assert!(html_page(account, 200).contains("alice"));
    Browser::new().login_at(&base, "bob", "bob-password");
    let again = Browser::new();
    again.login_at(&base, "alice", "alice-password");
    let remembered = again.authorize_webapp_at(&base);
    assert_eq!(remembered.status(), 302, "the consent was remembered");
    assert!(query_of(&location(&remembered)).contains_key("code"));
    let new_kids = kids(&jwks_at(&base));
    for kid in &old_kids {
        assert!(new_kids.contains(kid), "{kid} is not in {new_kids:?}");
    }
    // A new person gets an id above every old one.
    let (ok, out, err) = gatehouse(
        &[
            "user",
            "add",
            "newcomer",
            "--password-stdin",
            "--store",
            &url,
        ],
        Some("newcomer-password\n"),
    );
    assert!(ok, "{err}");
    let newest: u64 = out
        .split("sub ")
        .nth(1)
        .unwrap()
        .trim_end_matches(")\n")
        .parse()
        .unwrap();
    assert!(
        old_subs.iter().all(|sub| newest > *sub),
        "{newest} {old_subs:?}"
    );
    assert_eq!(subs(&["--store", &url]).len(), 3);
}

#[test]
fn an_expired_token_is_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let data = dir.path().join("db");
    let old = embedded_server(
        &data,
        &["--seed", seed.to_str().unwrap(), "--access-token-ttl", "1"],
    );
    // One access token alone, and an access token with its refresh token.
    let app = token(
        &old.base,
        (CLIENT_ID, CLIENT_SECRET),
        &[("grant_type", "client_credentials")],
    );
    let user = password_grant(&old.base, "alice");
    old.signal("TERM");
    // The access tokens live one second (the binary reads the system clock).
    std::thread::sleep(std::time::Duration::from_millis(2100));

    let url = fresh_database();
    let (ok, out, err) = migrate(&data, &url);
    assert!(ok, "{err}");
    assert!(out.contains("left behind, expired: 2 tokens"), "{out}");
    assert_eq!(count_of(&row_counts(&url), "tokens"), 1);
    let new_dir = dir.path().join("new");
    let new = BinServer::spawn(&new_dir, &["--store", &url], &[("GATEHOUSE_STORE", &url)]);
    assert_eq!(introspect(&new.base, &app)["active"], false);
    let refreshed = token(
        &new.base,
        ("pwapp", "pwapp-secret"),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", user["refresh_token"].as_str().unwrap()),
        ],
    );
    assert!(refreshed["access_token"].is_string());
}

#[test]
fn invitations_registration_tokens_and_a_deleted_accounts_name_move_too() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let data = dir.path().join("db");
    let old = embedded_server(
        &data,
        &["--seed", seed.to_str().unwrap(), "--signup", "invite"],
    );
    let on_old = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--data", data.to_str().unwrap()]);
        let (ok, out, err) = gatehouse(&all, None);
        assert!(ok, "{args:?}: {err}");
        out.trim().to_owned()
    };
    let invite = on_old(&["invite", "create"]);
    let registration = on_old(&["registration-token", "create"]);
    on_old(&["user", "remove", "bob"]);
    old.signal("TERM");

    let url = fresh_database();
    let (ok, _, err) = migrate(&data, &url);
    assert!(ok, "{err}");
    let counts = row_counts(&url);
    for (table, rows) in [
        ("users", 1),
        ("usernames", 2),
        ("retired_users", 1),
        ("invites", 1),
        ("initial_tokens", 1),
    ] {
        assert_eq!(count_of(&counts, table), rows, "{table}: {counts}");
    }
    assert!(count_of(&counts, "audit") > 0, "{counts}");
    let new_dir = dir.path().join("new");
    let new = BinServer::spawn(
        &new_dir,
        &["--store", &url, "--signup", "invite"],
        &[("GATEHOUSE_STORE", &url)],
    );
    // The invitation opens the sign-up form.
    assert_eq!(Browser::new().get(&new.url(&invite)).status(), 200);
    // The initial access token allows a registration (RFC 7591 §3).
    let registered = http_client()
        .post(new.url("/oauth/register"))
        .bearer_auth(&registration)
        .json(&serde_json::json!({
            "client_name": "Gadget",
            "redirect_uris": ["https://gadget.example/cb"]
        }))
        .send()
        .unwrap();
    assert!(json(registered, 201)["client_id"].is_string());
    // The deleted account's name stays taken.
    let (ok, _, err) = gatehouse(
        &["user", "add", "bob", "--password-stdin", "--store", &url],
        Some("another-bob\n"),
    );
    assert!(
        !ok && err.contains("deleted"),
        "bob's name was given again: {err}"
    );
}
