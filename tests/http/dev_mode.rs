//! Development mode: "sign in as any user" with custom claims, the banner,
//! the printed table, and the refusal of a public address.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::*;

fn dev_server() -> TestServer {
    people_server(|c| c.dev_mode = true)
}

/// Signs in as anyone with custom claims; answers the browser.
fn sign_in_as(
    server: &TestServer,
    username: &str,
    claims: &str,
) -> (Browser, reqwest::blocking::Response) {
    let browser = Browser::new();
    let page = html_page(browser.get(&server.url("/login")), 200);
    let csrf = Browser::csrf(&page);
    let response = browser.post_form(
        &server.url("/login/dev"),
        &[
            ("csrf_token", &csrf),
            ("dev_username", username),
            ("dev_claims", claims),
            ("next", "/account"),
        ],
    );
    (browser, response)
}

#[test]
fn a_new_username_signs_in_and_its_claims_reach_the_id_token_and_userinfo() {
    let server = dev_server();
    let (browser, response) = sign_in_as(
        &server,
        "newbie",
        r#"{"role": "admin", "groups": ["ops", "dev"], "sub": "hijack"}"#,
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), server.url("/account"));
    let pkce = Pkce::new();
    let code = code_for(&server, &browser, "webapp", "openid profile", Some(&pkce));
    let tokens = json(
        exchange(
            &server,
            "webapp",
            &code,
            redirect_of("webapp"),
            Some(&pkce.verifier),
        ),
        200,
    );
    let id_token = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["role"], "admin");
    assert_eq!(id_token["groups"], serde_json::json!(["ops", "dev"]));
    assert_eq!(id_token["preferred_username"], "newbie");
    assert_ne!(id_token["sub"], "hijack", "a protocol claim was replaced");
    let info = userinfo_at(&server.base, tokens["access_token"].as_str().unwrap());
    assert_eq!(info["role"], "admin");
    assert_eq!(info["sub"], id_token["sub"]);
}

#[test]
fn extra_claims_must_be_a_json_object() {
    let server = dev_server();
    let (_, response) = sign_in_as(&server, "carol", "[1, 2]");
    assert!(html_page(response, 400).contains("JSON object"));
}

#[test]
fn every_page_carries_the_banner_and_the_login_page_offers_any_user() {
    let server = dev_server();
    let page = html_page(Browser::new().get(&server.url("/login")), 200);
    assert!(page.contains("class=\"dev-banner\"") && page.contains("Development mode"));
    assert!(page.contains("name=\"dev_username\"") && page.contains("name=\"dev_claims\""));
}

#[test]
fn outside_development_mode_there_is_no_banner_and_no_any_user_sign_in() {
    let server = people_server(|_| {});
    let page = html_page(Browser::new().get(&server.url("/login")), 200);
    assert!(!page.contains("dev-banner") && !page.contains("dev_username"));
    let (_, response) = sign_in_as(&server, "intruder", "");
    assert_eq!(response.status(), 404);
}

#[test]
fn gatehouse_dev_refuses_a_public_address() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("db");
    let (ok, _, err) = run_cli(
        &[
            "dev",
            "--addr",
            "0.0.0.0:0",
            "--data",
            data.to_str().unwrap(),
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("--i-know-this-is-public"), "{err}");
}

#[test]
fn gatehouse_dev_prints_the_demo_clients_and_speaks_the_dialects() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(binary())
        .args([
            "dev",
            "--addr",
            "127.0.0.1:0",
            "--pbkdf2-iterations",
            "1000",
            "--data",
        ])
        .arg(dir.path().join("db"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        let done = line.starts_with("tv ");
        seen.push(line);
        if done {
            break;
        }
    }
    let text = seen.join("\n");
    let base = text
        .split("Gatehouse development server at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{text}"))
        .to_owned();
    // Scratch's API answers (401 without a session, not 404), and so does Mastodon's.
    let scratch = http_client()
        .get(format!("{base}/w/rest.php/soa2/v0/applications"))
        .send()
        .unwrap();
    let mastodon = http_client()
        .post(format!("{base}/api/v1/apps"))
        .form(&[
            ("client_name", "Dev"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
        ])
        .send()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(scratch.status(), 401);
    assert_eq!(mastodon.status(), 200);
    assert!(
        text.contains("Gatehouse development server at http://127.0.0.1:"),
        "{text}"
    );
    let webapp = seen
        .iter()
        .find(|l| l.starts_with("webapp "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        webapp.contains("webapp-secret")
            && webapp.contains("/oauth/authorize?response_type=code&client_id=webapp")
    );
}
