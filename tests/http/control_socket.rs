//! Administration while the server runs: every admin command reaches the
//! running server through the control socket in its data directory (only
//! its owner may open it), takes effect there at once, and works offline
//! again when no server holds the database, a killed one's stale socket
//! included.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::harness::*;

fn cli(args: &[&str], stdin: Option<&str>) -> String {
    let (ok, out, err) = run_cli(args, stdin);
    assert!(ok, "{args:?}: {err}");
    out
}

fn cli_json(args: &[&str]) -> Value {
    serde_json::from_str(&cli(args, None)).unwrap()
}

#[test]
fn every_admin_command_works_against_the_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("db");
    let data = data_dir.to_str().unwrap().to_owned();
    let seed = write_seed(dir.path(), &seed());
    let server = BinServer::spawn(&data_dir, &["--seed", seed.to_str().unwrap()], &[]);
    let socket = data_dir.join("control.sock");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the socket is for its owner only");

    // user add: the running server signs the new person in at once.
    let out = cli(
        &[
            "user",
            "add",
            "carol",
            "--email",
            "carol@example.org",
            "--password-stdin",
            "--data",
            &data,
        ],
        Some("carol-password-1\n"),
    );
    assert!(out.starts_with("created user carol"), "{out}");
    Browser::new().login_at(&server.base, "carol", "carol-password-1");
    let users = cli_json(&["user", "list", "--json", "--data", &data]);
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["username"] == "carol"));
    cli(
        &[
            "user",
            "passwd",
            "carol",
            "--password-stdin",
            "--data",
            &data,
        ],
        Some("carol-password-2\n"),
    );
    Browser::new().login_at(&server.base, "carol", "carol-password-2");

    // client add: the running server issues its tokens; client remove stops them.
    let created = cli_json(&[
        "client",
        "add",
        "--name",
        "Reports",
        "--grant-type",
        "client_credentials",
        "--scope",
        "read",
        "--json",
        "--data",
        &data,
    ]);
    let (id, secret) = (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    );
    let token = json(
        http_client()
            .post(server.url("/oauth/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap(),
        200,
    );
    let clients = cli_json(&["client", "list", "--json", "--data", &data]);
    assert!(clients
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["client_id"] == id.as_str()));
    cli(&["client", "remove", &id, "--data", &data], None);
    let info = json(
        http_client()
            .post(server.url("/oauth/introspect"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("token", token["access_token"].as_str().unwrap())])
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(
        info["active"], false,
        "a removed client's token stops at once"
    );

    // keys rotate: the running server publishes and signs with the new keys at once.
    let before = jwks_at(&server.base);
    let out = cli(&["keys", "rotate", "--data", &data], None);
    let made: Vec<String> = out
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("new signing keys: ")
        .split(", ")
        .map(str::to_owned)
        .collect();
    let after = kids(&jwks_at(&server.base));
    for kid in &made {
        assert!(after.contains(kid), "{kid} not published: {after:?}");
    }
    assert!(after.len() > kids(&before).len());

    // registration-token create: the running server accepts it.
    let token = cli(&["registration-token", "create", "--data", &data], None)
        .trim()
        .to_owned();
    let registered = http_client()
        .post(server.url("/oauth/register"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"client_name": "Gadget", "redirect_uris": ["https://gadget.example/cb"]}))
        .send()
        .unwrap();
    assert_eq!(registered.status(), 201);

    // invite create answers a sign-up link.
    let invite = cli(&["invite", "create", "--data", &data], None);
    assert!(invite.starts_with("/signup?invite=gth_in_"), "{invite}");

    // Stopped: the socket is gone and the commands open the database themselves.
    server.signal("TERM");
    assert!(!socket.exists());
    let users = cli_json(&["user", "list", "--json", "--data", &data]);
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["username"] == "carol"));
}

#[test]
fn a_killed_servers_stale_socket_does_not_stop_offline_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("db");
    let data = data_dir.to_str().unwrap().to_owned();
    let server = BinServer::spawn(&data_dir, &[], &[]);
    server.kill9();
    assert!(
        data_dir.join("control.sock").exists(),
        "kill -9 leaves the socket behind"
    );
    cli(
        &["user", "add", "dora", "--password-stdin", "--data", &data],
        Some("dora-password-1\n"),
    );
    let users = cli_json(&["user", "list", "--json", "--data", &data]);
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["username"] == "dora"));
    // And the next server replaces the stale socket.
    let server = BinServer::spawn(&data_dir, &[], &[]);
    Browser::new().login_at(&server.base, "dora", "dora-password-1");
}
