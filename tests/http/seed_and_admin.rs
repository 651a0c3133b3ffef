//! The seed file and the offline admin commands.

use crate::harness::*;

fn data_arg(dir: &tempfile::TempDir) -> String {
    dir.path().join("db").to_str().unwrap().to_owned()
}

fn list(kind: &str, data: &str) -> serde_json::Value {
    let (ok, out, err) = run_cli(&[kind, "list", "--json", "--data", data], None);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn applying_the_seed_twice_leaves_one_copy_of_each_record() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &seed());
    let seed = seed.to_str().unwrap();
    let data = data_arg(&dir);
    for _ in 0..2 {
        let server = BinServer::spawn(dir.path().join("db").as_path(), &["--seed", seed], &[]);
        server.signal("TERM");
    }
    let users = list("user", &data);
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
    assert_eq!(users[0]["username"], "alice");
    let clients = list("client", &data);
    let ids: Vec<&str> = clients
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    // And the seeded client still authenticates.
    let server = BinServer::spawn(dir.path().join("db").as_path(), &["--seed", seed], &[]);
    json(
        http_client()
            .post(server.url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap(),
        200,
    );
}

#[test]
fn a_malformed_seed_stops_start_up_naming_file_field_and_problem() {
    let cases = [
        (
            r#"{"clients": [{"client_id": "x", "client_secret": "12345678", "colour": "red"}]}"#,
            "colour",
        ),
        (
            r#"{"clients": [{"client_id": "x", "client_secret": "12345678", "grant_types": ["magic"]}]}"#,
            "grant_types",
        ),
        (
            r#"{"users": [{"username": "bad name", "password": "long-enough"}]}"#,
            "username",
        ),
        (r#"{"users": "#, "EOF"),
    ];
    for (text, field) in cases {
        let dir = tempfile::tempdir().unwrap();
        let seed = write_seed(dir.path(), text);
        let (ok, _, err) = run_cli(
            &[
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--data",
                &data_arg(&dir),
                "--seed",
                seed.to_str().unwrap(),
            ],
            None,
        );
        assert!(!ok, "started with {text}");
        assert!(err.contains("seed.json"), "no file name in: {err}");
        assert!(err.contains(field), "no `{field}` in: {err}");
    }
}

#[test]
fn user_commands_add_list_change_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir);
    let (ok, out, err) = run_cli(
        &[
            "user",
            "add",
            "carol",
            "--email",
            "carol@example.org",
            "--password-stdin",
            "--data",
            &data,
            "--pbkdf2-iterations",
            "1000",
        ],
        Some("carol-password\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("carol"));
    let users = list("user", &data);
    assert_eq!(users[0]["username"], "carol");
    assert_eq!(users[0]["email"], "carol@example.org");
    let sub = users[0]["sub"].clone();

    let (ok, _, err) = run_cli(
        &[
            "user",
            "add",
            "carol",
            "--password-stdin",
            "--data",
            &data,
            "--pbkdf2-iterations",
            "1000",
        ],
        Some("another-password\n"),
    );
    assert!(!ok);
    assert!(err.contains("taken"), "{err}");

    let (ok, _, err) = run_cli(
        &["user", "add", "dave", "--password-stdin", "--data", &data],
        Some("short\n"),
    );
    assert!(!ok);
    assert!(err.contains("8 characters"), "{err}");

    let (ok, _, err) = run_cli(
        &[
            "user",
            "passwd",
            "carol",
            "--password-stdin",
            "--data",
            &data,
            "--pbkdf2-iterations",
            "1000",
        ],
        Some("a-new-password\n"),
    );
    assert!(ok, "{err}");

    let (ok, _, err) = run_cli(&["user", "remove", "carol", "--data", &data], None);
    assert!(ok, "{err}");
    assert_eq!(list("user", &data), serde_json::json!([]));
    let (ok, _, err) = run_cli(&["user", "remove", "carol", "--data", &data], None);
    assert!(!ok);
    assert!(err.contains("no user"), "{err}");

    // A removed user's name is never given out again, nor their sub.
    let add = |name: &str| {
        run_cli(
            &[
                "user",
                "add",
                name,
                "--password-stdin",
                "--data",
                &data,
                "--pbkdf2-iterations",
                "1000",
            ],
            Some("carol-password\n"),
        )
    };
    let (ok, _, err) = add("carol");
    assert!(!ok, "a removed user's name was taken again");
    assert!(err.contains("deleted"), "{err}");
    let (ok, _, err) = add("caroline");
    assert!(ok, "{err}");
    let users = list("user", &data);
    assert_eq!(users[0]["username"], "caroline");
    assert_ne!(users[0]["sub"], sub);
}

#[test]
fn a_password_is_never_taken_from_the_command_line_or_a_missing_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir);
    let (ok, _, err) = run_cli(&["user", "add", "erin", "--data", &data], None);
    assert!(!ok);
    assert!(err.contains("--password-stdin"), "{err}");
    let (ok, _, _) = run_cli(
        &["user", "add", "erin", "--password", "pw", "--data", &data],
        None,
    );
    assert!(!ok);
}

#[test]
fn client_add_prints_a_secret_that_works_once_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir);
    let (ok, out, err) = run_cli(
        &[
            "client",
            "add",
            "--name",
            "Reporter",
            "--grant-type",
            "client_credentials",
            "--scope",
            "openid",
            "--json",
            "--data",
            &data,
        ],
        None,
    );
    assert!(ok, "{err}");
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("gth_cs_"));

    let clients = list("client", &data);
    assert_eq!(clients[0]["client_id"], id.as_str());
    assert!(
        !clients.to_string().contains(&secret),
        "list shows the secret"
    );

    let server = BinServer::spawn(dir.path().join("db").as_path(), &[], &[]);
    let token = |form: &[(&str, &str)]| {
        http_client()
            .post(server.url("/oauth/token"))
            .basic_auth(&id, Some(&secret))
            .form(form)
            .send()
            .unwrap()
    };
    let body = json(
        token(&[("grant_type", "client_credentials"), ("scope", "openid")]),
        200,
    );
    assert_eq!(body["scope"], "openid");
    // No scope asked and no server default applies to this client.
    oauth_error(
        token(&[("grant_type", "client_credentials")]),
        400,
        "invalid_scope",
    );
    server.signal("TERM");

    // `--` before the id: a generated id may begin with `-`.
    let (ok, _, err) = run_cli(&["client", "remove", "--data", &data, "--", &id], None);
    assert!(ok, "{err}");
    assert_eq!(list("client", &data), serde_json::json!([]));
}

#[test]
fn client_add_refuses_a_taken_id_and_keeps_the_client_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(&dir);
    let add = |name: &str| {
        run_cli(
            &[
                "client",
                "add",
                "--client-id",
                "reporter",
                "--name",
                name,
                "--redirect-uri",
                // The operator may name a plain-http address that dynamic
                // registration refuses.
                "http://intranet.example/cb",
                "--json",
                "--data",
                &data,
            ],
            None,
        )
    };
    let (ok, _, err) = add("First");
    assert!(ok, "{err}");
    let (ok, _, err) = add("Second");
    assert!(!ok, "a taken id was accepted");
    assert!(err.contains("a client `reporter` already exists"), "{err}");
    let clients = list("client", &data);
    assert_eq!(clients.as_array().unwrap().len(), 1);
    assert_eq!(clients[0]["client_name"], "First");
    assert_eq!(clients[0]["redirect_uris"][0], "http://intranet.example/cb");
}
