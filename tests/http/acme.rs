//! Certificates by ACME against Pebble, the ACME test server (Debian's
//! `pebble`, with `pebble-challtestsrv` as its DNS): `--acme-domain`
//! obtains a certificate with TLS-ALPN-01 on the HTTPS port, keeps it and
//! the account in the data directory, serves it, and renews it once a third
//! of its life is left.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;

use crate::harness::*;

const DOMAIN: &str = "sso.gatehouse.test";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process that is killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Pebble and its DNS, answering every name with 127.0.0.1, validating
/// TLS-ALPN-01 on `tls_port`; answers them, the directory URL, Pebble's
/// own certificate (to trust its API) and its management address.
fn pebble(
    dir: &Path,
    tls_port: u16,
    http_port: u16,
    validity: u64,
) -> (Vec<Killed>, String, std::path::PathBuf, String) {
    let (api, management, dns, dns_management) =
        (free_port(), free_port(), free_port(), free_port());
    let made =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = dir.join("pebble-cert.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(dir.join("pebble-key.pem"), made.signing_key.serialize_pem()).unwrap();
    let config = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{api}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": cert,
        "privateKey": dir.join("pebble-key.pem"),
        "httpPort": http_port,
        "tlsPort": tls_port,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
        "certificateValidityPeriod": validity,
    }});
    let config_path = dir.join("pebble.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let dns_server = Killed(
        Command::new("pebble-challtestsrv")
            .args([
                "-dns01",
                &format!("127.0.0.1:{dns}"),
                "-http01",
                "",
                "-https01",
                "",
                "-tlsalpn01",
                "",
            ])
            .args([
                "-management",
                &format!("127.0.0.1:{dns_management}"),
                "-defaultIPv4",
                "127.0.0.1",
                "-defaultIPv6",
                "",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble-challtestsrv (scripts/test.sh installs the pebble package)"),
    );
    let ca = Killed(
        Command::new("pebble")
            .args([
                "-config",
                config_path.to_str().unwrap(),
                "-dnsserver",
                &format!("127.0.0.1:{dns}"),
            ])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble (scripts/test.sh installs the pebble package)"),
    );
    let trust_api = Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(made.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let started = Instant::now();
    let directory = format!("https://127.0.0.1:{api}/dir");
    while trust_api.get(&directory).send().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "pebble did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (
        vec![ca, dns_server],
        directory,
        cert,
        format!("https://127.0.0.1:{management}"),
    )
}

/// Pebble's root, which signs the certificates it issues.
fn issuing_root(management: &str, pebble_cert: &Path) -> reqwest::Certificate {
    let client = Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(pebble_cert).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let pem = client
        .get(format!("{management}/roots/0"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()
}

/// A client that trusts only `root` and reaches DOMAIN at 127.0.0.1:`port`.
fn client_for(root: reqwest::Certificate, port: u16) -> Client {
    Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
        .resolve(DOMAIN, format!("127.0.0.1:{port}").parse().unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Signs `root` in over HTTPS and answers the admin settings page (where
/// the certificate's state is shown).
fn admin_page(client: &Client, base: &str) -> String {
    let page = html_page(client.get(format!("{base}/login")).send().unwrap(), 200);
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", "root"),
            ("password", "root-password"),
            ("csrf_token", &Browser::csrf(&page)),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 303);
    html_page(
        client.get(format!("{base}/admin/settings")).send().unwrap(),
        200,
    )
}

fn with_cookies(root: reqwest::Certificate, port: u16) -> Client {
    Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
        .danger_accept_invalid_certs(false)
        .resolve(DOMAIN, format!("127.0.0.1:{port}").parse().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn wait_for(server: &BinServer, needle: &str, count: usize) {
    let started = Instant::now();
    while server
        .log_lines()
        .iter()
        .filter(|l| l.contains(needle))
        .count()
        < count
    {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "waited for {needle:?} x{count}:\n{}",
            server.log_lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_certificate_is_obtained_from_pebble_served_kept_and_renewed() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (_pebble, directory, pebble_cert, management) = pebble(dir.path(), port, free_port(), 60);
    let data = dir.path().join("db");
    let seed = write_seed(dir.path(), &admin_seed());
    let server = BinServer::spawn(
        &data,
        &[
            "--seed",
            seed.to_str().unwrap(),
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--issuer",
            &format!("https://{DOMAIN}:{port}"),
            "--acme-domain",
            DOMAIN,
            "--acme-email",
            "admin@gatehouse.test",
            "--acme-directory",
            &directory,
            "--acme-ca",
            pebble_cert.to_str().unwrap(),
            "--acme-check-interval",
            "2",
        ],
        &[],
    );
    wait_for(&server, "ACME: obtained a certificate", 1);
    let client = client_for(issuing_root(&management, &pebble_cert), port);
    let health = json(
        client
            .get(format!("https://{DOMAIN}:{port}/healthz"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(health["status"], "ok");
    // The account and the certificate are kept in the data directory.
    for kept in ["account.json", "cert.pem", "key.pem"] {
        assert!(data.join("acme").join(kept).exists(), "{kept}");
    }
    let first = std::fs::read(data.join("acme/cert.pem")).unwrap();
    let base = format!("https://{DOMAIN}:{port}");
    let admin = admin_page(
        &with_cookies(issuing_root(&management, &pebble_cert), port),
        &base,
    );
    assert!(
        admin.contains("HTTPS certificate") && admin.contains("ACME: obtained a certificate"),
        "{admin}"
    );
    // A 60-second certificate is renewed once less than 20 s are left.
    wait_for(&server, "ACME: obtained a certificate", 2);
    assert_ne!(std::fs::read(data.join("acme/cert.pem")).unwrap(), first);
    let health = json(
        client
            .get(format!("https://{DOMAIN}:{port}/healthz"))
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(health["status"], "ok");
}

#[test]
fn when_the_acme_server_cannot_be_reached_https_still_answers_and_admin_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let data = dir.path().join("db");
    let seed = write_seed(dir.path(), &admin_seed());
    let closed = format!("https://127.0.0.1:{}/dir", free_port());
    let server = BinServer::spawn(
        &data,
        &[
            "--seed",
            seed.to_str().unwrap(),
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--acme-domain",
            DOMAIN,
            "--acme-directory",
            &closed,
            "--acme-check-interval",
            "3600",
        ],
        &[],
    );
    wait_for(&server, "ACME: no new certificate", 1);
    // The placeholder answers (a client that accepts it sees the server work).
    let client = Client::builder()
        .danger_accept_invalid_certs(true)
        .resolve(DOMAIN, format!("127.0.0.1:{port}").parse().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("https://{DOMAIN}:{port}");
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
    let admin = admin_page(&client, &base);
    assert!(
        admin.contains("failed") && admin.contains("the current certificate stays"),
        "{admin}"
    );
}

#[test]
fn with_http_redirect_the_certificate_comes_by_http_01_and_plain_http_goes_to_https() {
    let dir = tempfile::tempdir().unwrap();
    let (port, plain) = (free_port(), free_port());
    let (_pebble, directory, pebble_cert, management) =
        pebble(dir.path(), free_port(), plain, 3600);
    let issuer = format!("https://{DOMAIN}:{port}");
    let server = BinServer::spawn(
        &dir.path().join("db"),
        &[
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--issuer",
            &issuer,
            "--http-redirect",
            &format!("127.0.0.1:{plain}"),
            "--acme-domain",
            DOMAIN,
            "--acme-directory",
            &directory,
            "--acme-ca",
            pebble_cert.to_str().unwrap(),
        ],
        &[],
    );
    // Pebble validates TLS-ALPN-01 on another port here: only HTTP-01 can pass.
    wait_for(&server, "ACME: obtained a certificate", 1);
    let client = client_for(issuing_root(&management, &pebble_cert), port);
    assert_eq!(
        client
            .get(format!("{issuer}/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
    let plain_http = http_client();
    let get = plain_http
        .get(format!("http://127.0.0.1:{plain}/login?next=/account"))
        .send()
        .unwrap();
    assert_eq!(get.status(), 301);
    assert_eq!(location(&get), format!("{issuer}/login?next=/account"));
    let post = plain_http
        .post(format!("http://127.0.0.1:{plain}/oauth/token"))
        .send()
        .unwrap();
    assert_eq!(post.status(), 308);
    assert_eq!(location(&post), format!("{issuer}/oauth/token"));
}
