//! The config file: every setting has a key, a flag wins over its variable,
//! which wins over the file, which wins over the default; an unknown key is
//! refused with its name and line; `config check` shows the settings in
//! force with secrets masked; `config example` is a complete file; and the
//! README's settings table is the one the binary prints.

use crate::harness::*;

fn token_lifetime(server: &BinServer) -> serde_json::Value {
    json(
        http_client()
            .post(server.url("/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap(),
        200,
    )["expires_in"]
        .clone()
}

#[test]
fn a_flag_beats_the_variable_which_beats_the_file_which_beats_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &seed());
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(
        &file,
        format!(
            "seed = {:?}\naccess_token_ttl = 111\nissuer = \"https://from-file.example\"\n",
            seed.to_str().unwrap()
        ),
    )
    .unwrap();
    let config = file.to_str().unwrap();
    let data = dir.path().join("db");
    // The file alone.
    let server = BinServer::spawn(&data, &["--config", config], &[]);
    assert_eq!(token_lifetime(&server), 111);
    let doc = json(
        http_client()
            .get(server.url("/.well-known/openid-configuration"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(doc["issuer"], "https://from-file.example");
    drop(server);
    // The variable beats the file (and GATEHOUSE_CONFIG names the file).
    let server = BinServer::spawn(
        &data,
        &[],
        &[
            ("GATEHOUSE_CONFIG", config),
            ("GATEHOUSE_ACCESS_TOKEN_TTL", "222"),
        ],
    );
    assert_eq!(token_lifetime(&server), 222);
    drop(server);
    // The flag beats both.
    let server = BinServer::spawn(
        &data,
        &["--config", config, "--access-token-ttl", "333"],
        &[("GATEHOUSE_ACCESS_TOKEN_TTL", "222")],
    );
    assert_eq!(token_lifetime(&server), 333);
}

#[test]
fn an_unknown_key_stops_the_server_naming_the_key_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "code_ttl = 30\n\n# a comment\ncolour = \"red\"\n").unwrap();
    let data = dir.path().join("db");
    let err = refused_start(&data, &["--config", file.to_str().unwrap()]);
    assert!(err.contains("line 4") && err.contains("`colour`"), "{err}");
    let (ok, _, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(!ok);
    assert!(err.contains("line 4") && err.contains("`colour`"), "{err}");
}

#[test]
fn config_check_prints_the_settings_in_force_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(
        &file,
        "signup = \"invite\"\nmetrics_token = \"do-not-print-me\"\ntrusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\n",
    )
    .unwrap();
    let (ok, out, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(!out.contains("do-not-print-me"), "{out}");
    let line = |key: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} in {out}"))
            .to_owned()
    };
    assert!(line("metrics_token").contains("********"));
    assert!(line("signup").contains("\"invite\"") && line("signup").contains("config file"));
    assert!(line("trusted_proxies").contains("10.0.0.0/8"));
    assert!(line("code_ttl").contains("\"60\"") && line("code_ttl").contains("default"));
    // The file may also be named as `serve` takes it.
    let (ok, again, err) = run_cli(
        &["config", "check", "--config", file.to_str().unwrap()],
        None,
    );
    assert!(ok, "{err}");
    assert_eq!(again, out);
    // A bad value names its key too.
    std::fs::write(&file, "code_ttl = \"soon\"\n").unwrap();
    let (ok, _, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(!ok && err.contains("code_ttl"), "{err}");
}

#[test]
fn the_example_is_a_complete_file_that_checks() {
    let (ok, example, _) = run_cli(&["config", "example"], None);
    assert!(ok);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("example.toml");
    std::fs::write(&file, &example).unwrap();
    let (ok, out, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(ok, "{err}");
    // Every setting the server has is in the example and in the check.
    let (_, help, _) = run_cli(&["serve", "--help"], None);
    for flag in help
        .split_whitespace()
        .filter(|w| w.starts_with("--") && *w != "--help" && *w != "--config")
    {
        let key = flag.trim_start_matches("--").replace('-', "_");
        let key = match key.as_str() {
            "dialect" => "dialects".to_owned(),
            "trusted_proxy" => "trusted_proxies".to_owned(),
            _ => key,
        };
        assert!(
            example.contains(&format!("#{key} = ")),
            "{key} is missing from the example"
        );
        assert!(
            out.contains(&format!("{key} ")),
            "{key} is missing from config check"
        );
    }
}

#[test]
fn the_readme_settings_table_is_the_binarys() {
    let (ok, table, _) = run_cli(&["config", "table"], None);
    assert!(ok);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start =
        readme.find("<!-- settings:start -->\n").unwrap() + "<!-- settings:start -->\n".len();
    let end = readme.find("<!-- settings:end -->").unwrap();
    assert_eq!(
        &readme[start..end],
        table,
        "regenerate the README's table with `gatehouse config table`"
    );
}

#[test]
fn the_variables_once_read_by_nothing_now_work() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        dir.path(),
        &serde_json::json!({"clients": [{"client_id": "tv", "token_endpoint_auth_method": "none",
            "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"], "scope": "read"}],
            "scopes": [{"name": "read", "description": "Read"}]})
        .to_string(),
    );
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &["--seed", seed.to_str().unwrap()],
        &[
            ("GATEHOUSE_DEVICE_CODE_TTL", "120"),
            ("GATEHOUSE_DEVICE_INTERVAL", "9"),
        ],
    );
    let body = json(
        http_client()
            .post(server.url("/oauth/device_authorization"))
            .form(&[("client_id", "tv"), ("scope", "read")])
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(body["expires_in"], 120, "{body}");
    assert_eq!(body["interval"], 9, "{body}");
    let unknown = server.log_lines().join("\n");
    assert!(!unknown.contains("ignoring unknown setting"), "{unknown}");
}

#[test]
fn the_deployment_config_in_examples_checks() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/deploy/gatehouse.toml"
    );
    let (ok, out, err) = run_cli(&["config", "check", file], None);
    assert!(ok, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("trusted_proxies ") && l.contains("127.0.0.1")),
        "{out}"
    );
}

#[test]
fn the_acme_deployment_config_in_examples_checks() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/deploy/gatehouse-acme.toml"
    );
    let (ok, out, err) = run_cli(&["config", "check", file], None);
    assert!(ok, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("acme_domain ") && l.contains("sso.example.org")),
        "{out}"
    );
}
