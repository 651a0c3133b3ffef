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

/// The signed-in browser authorizes `webapp` for `scope`; answers its tokens.
fn webapp_tokens(server: &TestServer, browser: &Browser, scope: &str) -> serde_json::Value {
    let pkce = Pkce::new();
    let code = code_for(server, browser, "webapp", scope, Some(&pkce));
    json(
        exchange(
            server,
            "webapp",
            &code,
            redirect_of("webapp"),
            Some(&pkce.verifier),
        ),
        200,
    )
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
    let tokens = webapp_tokens(&server, &browser, "openid profile");
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

/// Starts `gatehouse dev` and reads what it prints; answers the child, the
/// base URL and the printed lines.
fn spawn_dev(data: &std::path::Path) -> (std::process::Child, String, Vec<String>) {
    let mut child = Command::new(binary())
        .args([
            "dev",
            "--addr",
            "127.0.0.1:0",
            "--pbkdf2-iterations",
            "1000",
            "--data",
        ])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let mut seen: Vec<String> = Vec::new();
    // The table ends with the last dialect's section (appnet: three lines).
    while started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        seen.push(line);
        let tail = seen.iter().rev().take(4).collect::<Vec<_>>();
        if tail.len() == 4 && tail[3].starts_with("[appnet]") {
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
    (child, base, seen)
}

/// The printed line that starts with `prefix` (after indentation).
fn printed<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .map(|l| l.trim_start())
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {lines:#?}"))
}

/// Runs a printed command in a shell, exactly as a person pastes it.
fn run_pasted(command: &str) -> serde_json::Value {
    let out = Command::new("sh").arg("-c").arg(command).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("`{command}` printed {text}"))
}

#[test]
fn gatehouse_dev_prints_a_ready_client_per_dialect_whose_first_request_works_as_pasted() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, seen) = spawn_dev(&dir.path().join("db"));
    let text = seen.join("\n");
    assert!(
        text.contains("(dialects: skritter, mastodon, scratch, appnet)"),
        "{text}"
    );
    let webapp = printed(&seen, "webapp ");
    assert!(
        webapp.contains("webapp-secret")
            && webapp.contains("/oauth/authorize?response_type=code&client_id=webapp"),
        "{webapp}"
    );
    // Each dialect's section: its client, its endpoints, a first request.
    let mut answers = Vec::new();
    for (dialect, client, endpoint) in [
        ("skritter", "skritter-app", "/api/v0/users/me"),
        (
            "mastodon",
            "mastodon-app",
            "/api/v1/accounts/verify_credentials",
        ),
        ("scratch", "1000001", "/w/rest.php/soa2/v0/tokens"),
        ("appnet", "appnet-app", "/stream/0/token"),
    ] {
        let at = seen
            .iter()
            .position(|l| l.starts_with(&format!("[{dialect}] client_id {client}")))
            .unwrap_or_else(|| panic!("no {dialect} section in {text}"));
        assert!(seen[at + 1].contains(endpoint), "{}", seen[at + 1]);
        let first = seen[at + 2]
            .trim_start()
            .strip_prefix("first request: ")
            .unwrap_or_else(|| panic!("{}", seen[at + 2]));
        assert!(first.contains(&base), "{first}");
        answers.push((dialect, run_pasted(first)));
    }
    let _ = child.kill();
    let _ = child.wait();
    for (dialect, answer) in answers {
        match dialect {
            "skritter" => {
                assert_eq!(answer["token_type"], "bearer", "{answer}");
                assert_eq!(answer["scope"], "api", "{answer}");
                assert!(answer["user_id"].is_string(), "{answer}");
            }
            "mastodon" => assert!(answer["client_secret"].is_string(), "{answer}"),
            "scratch" => {
                assert_eq!(answer["username"], "alice", "{answer}");
                assert_eq!(answer["code"].as_str().unwrap().split(':').count(), 13);
            }
            _ => {
                assert!(answer["access_token"].is_string(), "{answer}");
                assert_eq!(answer["scope"], "", "app tokens carry no scope: {answer}");
            }
        }
    }
}

#[test]
fn the_printed_url_for_the_public_cli_client_works_as_pasted_with_its_verifier() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, seen) = spawn_dev(&dir.path().join("db"));
    let cli = printed(&seen, "cli ");
    let url = cli.split_whitespace().last().unwrap().to_owned();
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let note = printed(&seen, "cli: public");
    let verifier = note
        .split("code_verifier=")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    let browser = Browser::new();
    browser.login_at(&base, "alice", "alice-wonderland");
    let consent = html_page(browser.get(&url), 200);
    // Nothing listens at http://127.0.0.1/callback: the answer is shown on a page.
    let shown = html_page(browser.decide_at(&base, &consent, "allow"), 200);
    let code = unescape(&text_between(&shown, "id=\"param-code\">", "<").unwrap());
    assert!(code.starts_with("gth_ac_"), "{shown}");
    assert!(shown.contains("Nothing is listening at"), "{shown}");
    let tokens = http_client()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "cli"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1/callback"),
            ("code_verifier", &verifier),
        ])
        .send()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let tokens = json(tokens, 200);
    assert!(tokens["id_token"].is_string(), "{tokens}");
}

/// A loopback address on which nothing listens: a port bound, then freed.
fn silent_redirect() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/cb")
}

fn silent_seed(redirect: &str) -> String {
    serde_json::json!({
        "users": [{"username": "alice", "password": "alice-password"}],
        "clients": [{"client_id": "app", "client_secret": "app-secret-123",
                     "redirect_uris": [redirect], "scope": "openid email"}]
    })
    .to_string()
}

#[test]
fn in_development_mode_an_error_for_a_redirect_uri_where_nothing_listens_is_shown_on_a_page() {
    let redirect = silent_redirect();
    let server = TestServer::start_with(&silent_seed(&redirect), |c| c.dev_mode = true);
    let browser = Browser::signed_in_as(&server, "alice", "alice-password");
    let query = [
        ("response_type", "code"),
        ("client_id", "app"),
        ("redirect_uri", redirect.as_str()),
        ("scope", "openid"),
        ("state", "s1"),
    ];
    let consent = html_page(browser.authorize(&server, &query), 200);
    let page = html_page(browser.decide(&server, &consent, "deny"), 200);
    assert!(page.contains("id=\"param-error\">access_denied<"), "{page}");
    assert!(page.contains("id=\"param-state\">s1<"), "{page}");
    let link = elements(&page, "a")
        .into_iter()
        .find(|a| a.get("id").map(String::as_str) == Some("continue"))
        .unwrap();
    assert!(unescape(&link["href"]).starts_with(&format!("{redirect}?error=access_denied")));
    // An unknown scope: the error goes to the client, so it too is shown.
    let bad = [("scope", "no-such-scope"), ("client_id", "app")];
    let mut query = query.to_vec();
    query.retain(|(k, _)| *k != "scope");
    query.extend_from_slice(&bad[..1]);
    let page = html_page(browser.authorize(&server, &query), 200);
    assert!(page.contains("id=\"param-error\">invalid_scope<"), "{page}");
}

#[test]
fn outside_development_mode_the_browser_is_redirected_even_when_nothing_listens() {
    let redirect = silent_redirect();
    let server = TestServer::start_with(&silent_seed(&redirect), |_| {});
    let browser = Browser::signed_in_as(&server, "alice", "alice-password");
    let query = [
        ("response_type", "code"),
        ("client_id", "app"),
        ("redirect_uri", redirect.as_str()),
        ("scope", "openid"),
    ];
    let consent = html_page(browser.authorize(&server, &query), 200);
    let response = browser.decide(&server, &consent, "deny");
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with(&format!("{redirect}?error=access_denied")));
}

#[test]
fn a_custom_email_claim_appears_only_with_the_email_scope() {
    let server = dev_server();
    let (browser, response) = sign_in_as(
        &server,
        "mailer",
        r#"{"email": "boss@example.org", "team": "blue"}"#,
    );
    assert_eq!(response.status(), 303);
    let userinfo = |scope: &str| {
        let tokens = webapp_tokens(&server, &browser, scope);
        userinfo_at(&server.base, tokens["access_token"].as_str().unwrap())
    };
    let without = userinfo("openid");
    assert_eq!(without["team"], "blue", "{without}");
    assert!(without.get("email").is_none(), "{without}");
    let with = userinfo("openid email");
    assert!(with["email"].is_string(), "{with}");
}
