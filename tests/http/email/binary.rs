//! The binary: `--smtp-url` and `--smtp-from` as flags, no link or token in
//! any log line (at debug level too), a failed send that is logged and
//! changes no answer, and `config check` with the SMTP password masked.

use std::time::{Duration, Instant};

use crate::harness::*;

/// Waits (bounded) for a log line containing `text`; answers every line.
fn wait_for_line(server: &BinServer, text: &str) -> Vec<String> {
    let deadline = Instant::now() + MAIL_WAIT;
    loop {
        let lines = server.log_lines();
        if lines.iter().any(|l| l.contains(text)) {
            return lines;
        }
        assert!(Instant::now() < deadline, "no `{text}` in {lines:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Signs up `username` at `base` in a fresh browser; answers the browser.
fn sign_up_at(base: &str, username: &str, email: &str) -> (Browser, String) {
    let browser = Browser::new();
    let page = html_page(browser.get(&format!("{base}/signup")), 200);
    let response = browser.post_form(
        &format!("{base}/signup"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("username", username),
            ("password", &format!("{username}-password")),
            ("email", email),
        ],
    );
    assert_eq!(response.status(), 303);
    let landed = location(&response);
    (browser, landed)
}

fn assert_no_secret(lines: &[String], secrets: &[&str]) {
    for line in lines {
        for secret in secrets {
            assert!(!line.contains(secret), "{secret} logged: {line}");
        }
    }
}

#[test]
fn the_binary_mails_through_its_flags_and_logs_no_link() {
    let sink = MailSink::start();
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(dir.path(), &people_seed());
    let url = sink.url();
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &[
            "--seed",
            seed.to_str().unwrap(),
            "--signup",
            "open",
            "--smtp-url",
            &url,
            "--smtp-from",
            MAIL_FROM,
        ],
        &[("RUST_LOG", "debug")],
    );
    let (browser, landed) = sign_up_at(&server.base, "carol", "carol@example.org");
    assert!(landed.ends_with("/account?done=verify-sent"), "{landed}");
    let verify = sink.wait_for("carol@example.org").link("/email/verify");
    html_page(follow_verification(&browser, &verify), 200);

    let page = html_page(browser.get(&server.url("/password/forgot")), 200);
    let response = browser.post_form(
        &server.url("/password/forgot"),
        &[
            ("csrf_token", &Browser::csrf(&page)),
            ("email", "carol@example.org"),
        ],
    );
    html_page(response, 200);
    let reset = sink.wait_for_nth("carol@example.org", 2).link("/reset");
    let lines = wait_for_line(&server, "password reset mail sent to user");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("mail goes through {url}"))),
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|l| l.contains("verification mail sent to user")));
    let verify_token = query_of(&verify)["token"].clone();
    let reset_token = query_of(&reset)["token"].clone();
    assert_no_secret(&lines, &[&verify_token, &reset_token, "gth_ev_", "gth_pr_"]);
}

#[test]
fn a_failed_send_is_logged_without_the_link_and_changes_no_answer() {
    // The sink offers no STARTTLS, which smtp+starttls:// requires.
    let sink = MailSink::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("smtp+starttls://127.0.0.1:{}", sink.port);
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &[
            "--signup",
            "open",
            "--smtp-url",
            &url,
            "--smtp-from",
            MAIL_FROM,
        ],
        &[("RUST_LOG", "debug")],
    );
    let (_, landed) = sign_up_at(&server.base, "carol", "carol@example.org");
    assert!(landed.ends_with("/account?done=verify-sent"), "{landed}");
    let lines = wait_for_line(&server, "verification mail to user");
    assert!(lines.iter().any(|l| l.contains("not sent")), "{lines:#?}");
    assert_no_secret(&lines, &["gth_ev_"]);
    assert!(sink.letters().is_empty());
}

#[test]
fn config_check_masks_the_smtp_password_and_warns_of_plain_smtp_afar() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gatehouse.toml");
    std::fs::write(
        &file,
        "smtp_url = \"smtp://gate:hunter2@mail.example.org:25\"\n\
         smtp_from = \"Gatehouse <gatehouse@example.org>\"\n",
    )
    .unwrap();
    let (ok, out, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(!out.contains("hunter2"), "{out}");
    assert!(
        out.contains("smtp://gate:********@mail.example.org:25"),
        "{out}"
    );
    assert!(
        out.contains("# warning: --smtp-url: smtp:// sends mail"),
        "{out}"
    );

    // The password may come apart from the URL, and is masked too.
    std::fs::write(
        &file,
        "smtp_url = \"smtps://gate@mail.example.org\"\n\
         smtp_password = \"hunter2\"\n\
         smtp_from = \"gatehouse@example.org\"\n",
    )
    .unwrap();
    let (ok, out, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(ok, "{err}");
    assert!(
        !out.contains("hunter2") && !out.contains("# warning"),
        "{out}"
    );

    // A relay without a sender is refused, naming what is missing.
    std::fs::write(&file, "smtp_url = \"smtps://mail.example.org\"\n").unwrap();
    let (ok, _, err) = run_cli(&["config", "check", file.to_str().unwrap()], None);
    assert!(!ok && err.contains("--smtp-from"), "{err}");
    let err = refused_start(
        &dir.path().join("db"),
        &["--smtp-url", "smtp://127.0.0.1:25"],
    );
    assert!(err.contains("--smtp-from"), "{err}");
    let err = refused_start(&dir.path().join("db"), &["--smtp-url", "http://x"]);
    assert!(err.contains("--smtp-url"), "{err}");
}
