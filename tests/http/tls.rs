//! HTTPS of its own: `--tls-cert`/`--tls-key` serve HTTPS (a client that
//! trusts the certificate signs in, with `__Host-` cookies), and SIGHUP
//! reloads the files: new connections get the new certificate, an open one
//! keeps working, and a file that does not load leaves the old certificate.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;

use crate::harness::*;

/// A self-signed certificate for 127.0.0.1 and localhost: (cert PEM, key PEM).
fn self_signed() -> (String, String) {
    let made =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    (made.cert.pem(), made.signing_key.serialize_pem())
}

/// A client that trusts only `cert_pem`, keeps cookies and never follows redirects.
fn trusting(cert_pem: &str) -> Client {
    Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn write_pair(dir: &Path, (cert, key): &(String, String)) {
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
}

fn spawn_tls(dir: &Path) -> BinServer {
    spawn_tls_with(dir, &[])
}

fn spawn_tls_with(dir: &Path, env: &[(&str, &str)]) -> BinServer {
    let seed = write_seed(dir, &people_seed());
    BinServer::spawn(
        &dir.join("db"),
        &[
            "--seed",
            seed.to_str().unwrap(),
            "--tls-cert",
            dir.join("cert.pem").to_str().unwrap(),
            "--tls-key",
            dir.join("key.pem").to_str().unwrap(),
        ],
        env,
    )
}

fn hangup(server: &BinServer) {
    let status = std::process::Command::new("kill")
        .args(["-s", "HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_client_that_trusts_the_certificate_signs_in_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let pair = self_signed();
    write_pair(dir.path(), &pair);
    let server = spawn_tls(dir.path());
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let client = trusting(&pair.0);
    let doc = json(
        client
            .get(server.url("/.well-known/openid-configuration"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(doc["issuer"], server.base, "the issuer defaults to https");
    let page = html_page(client.get(server.url("/login")).send().unwrap(), 200);
    let response = client
        .post(server.url("/login"))
        .form(&[
            ("username", "alice"),
            ("password", "alice-password"),
            ("csrf_token", &Browser::csrf(&page)),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 303);
    let cookie = set_cookie(&response, "__Host-gh_session").expect("a __Host- session cookie");
    assert!(has_attribute(&cookie, "Secure"), "{cookie}");
    let account = html_page(client.get(server.url("/account")).send().unwrap(), 200);
    assert!(account.contains("alice"));
    // A client that does not trust the certificate gets nowhere.
    let stranger = trusting(&self_signed().0);
    assert!(stranger.get(server.url("/healthz")).send().is_err());
}

#[test]
fn sighup_reloads_the_certificate_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let old = self_signed();
    write_pair(dir.path(), &old);
    let server = spawn_tls(dir.path());
    let open = trusting(&old.0);
    assert_eq!(
        open.get(server.url("/healthz")).send().unwrap().status(),
        200
    );

    let new = self_signed();
    write_pair(dir.path(), &new);
    hangup(&server);
    let started = Instant::now();
    loop {
        if trusting(&new.0).get(server.url("/healthz")).send().is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the new certificate was never served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // New connections get the new certificate; the open one still works.
    assert!(trusting(&old.0).get(server.url("/healthz")).send().is_err());
    assert_eq!(
        open.get(server.url("/healthz")).send().unwrap().status(),
        200
    );

    // A file that does not load leaves the certificate in place.
    std::fs::write(dir.path().join("cert.pem"), "not a certificate").unwrap();
    hangup(&server);
    let started = Instant::now();
    while !server
        .log_lines()
        .iter()
        .any(|l| l.contains("did not load"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no reload error in the log"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        trusting(&new.0)
            .get(server.url("/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn a_certificate_without_its_key_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let pair = self_signed();
    write_pair(dir.path(), &pair);
    let data = dir.path().join("db");
    let cert = dir.path().join("cert.pem");
    let err = refused_start(&data, &["--tls-cert", cert.to_str().unwrap()]);
    assert!(
        err.contains("--tls-cert and --tls-key go together"),
        "{err}"
    );
    // A key that belongs to another certificate.
    std::fs::write(dir.path().join("key.pem"), self_signed().1).unwrap();
    let key = dir.path().join("key.pem");
    let err = refused_start(
        &data,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(err.contains("does not belong"), "{err}");
}
