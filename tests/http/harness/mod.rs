//! Starting servers for tests: in-process (`TestServer`) or as the built
//! binary (`BinServer`, for kill -9, signals and the command line); with
//! `people` (the seed and flow helpers for person-facing tests), `html`
//! (reading pages, cookies and redirects), `browser` (a cookie-keeping client),
//! `oidc` (the OpenID Connect seed, ID tokens and flows at any base URL),
//! `mail` (an SMTP sink and reading the letters it got) and `webdriver`
//! (headless Chromium, for the tests in `browser/`).

mod admin;
mod browser;
mod dialects;
mod factors;
mod html;
mod mail;
mod oidc;
mod passkeys;
mod people;
mod postgres;
mod upstream;
mod webdriver;

pub(crate) use admin::*;
pub(crate) use browser::*;
pub(crate) use dialects::*;
pub(crate) use factors::*;
pub(crate) use html::*;
pub(crate) use mail::*;
pub(crate) use oidc::*;
pub(crate) use passkeys::*;
pub(crate) use people::*;
pub(crate) use postgres::*;
pub(crate) use upstream::*;
pub(crate) use webdriver::*;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use gatehouse::clock::Clock;
use gatehouse::config::Config;
use reqwest::blocking::{Client, Response};
use serde_json::Value;
use tempfile::TempDir;

/// A confidential client with the client_credentials grant.
pub(crate) const CLIENT_ID: &str = "service";
pub(crate) const CLIENT_SECRET: &str = "service-secret";
/// A second confidential client, for "not your token" cases.
pub(crate) const OTHER_ID: &str = "other";
pub(crate) const OTHER_SECRET: &str = "other-secret";
/// A public client.
pub(crate) const PUBLIC_ID: &str = "spa";
/// A confidential client without the client_credentials grant.
pub(crate) const WEBAPP_ID: &str = "webapp";
pub(crate) const WEBAPP_SECRET: &str = "webapp-secret";
/// A client whose id and secret need form-url-encoding in Basic credentials.
pub(crate) const ODD_ID: &str = "odd client:1";
pub(crate) const ODD_SECRET: &str = "s3cret:with+plus%&=";
/// Low, so tests hash passwords quickly.
pub(crate) const TEST_ITERATIONS: u32 = 1_000;

/// The seed most tests run with.
pub(crate) fn seed() -> String {
    serde_json::json!({
        "users": [
            {"username": "alice", "password": "alice-password", "email": "alice@example.org",
             "name": "Alice Liddell", "admin": true}
        ],
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "client_name": "Service",
             "grant_types": ["client_credentials"], "scope": "read write"},
            {"client_id": OTHER_ID, "client_secret": OTHER_SECRET,
             "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_post"},
            {"client_id": PUBLIC_ID, "token_endpoint_auth_method": "none",
             "redirect_uris": ["http://127.0.0.1/cb"]},
            {"client_id": WEBAPP_ID, "client_secret": WEBAPP_SECRET,
             "redirect_uris": ["http://127.0.0.1:9000/cb"],
             "grant_types": ["authorization_code", "refresh_token"]},
            {"client_id": ODD_ID, "client_secret": ODD_SECRET, "grant_types": ["client_credentials"]}
        ],
        "scopes": [
            {"name": "read", "description": "Read your data", "default": true},
            {"name": "write", "description": "Change your data"},
            {"name": "admin", "description": "Administer"}
        ]
    })
    .to_string()
}

/// Writes a seed file into `dir` and answers its path.
pub(crate) fn write_seed(dir: &Path, seed: &str) -> PathBuf {
    let path = dir.join("seed.json");
    std::fs::write(&path, seed).unwrap();
    path
}

/// A client that never follows redirects.
pub(crate) fn http_client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Signing keys made once per test run: an RSA key takes a while to make.
pub(crate) fn preset_keys() -> &'static [(gatehouse::crypto::jwt::Alg, Vec<u8>)] {
    static KEYS: std::sync::OnceLock<Vec<(gatehouse::crypto::jwt::Alg, Vec<u8>)>> =
        std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        gatehouse::crypto::jwt::Alg::ALL
            .into_iter()
            .map(|alg| (alg, gatehouse::crypto::jwt::generate(alg).unwrap()))
            .collect()
    })
}

/// A server running in this process, on its own thread and runtime.
pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) http: Client,
    pub(crate) clock: Clock,
    _dir: TempDir,
    handle: Option<ServerHandle>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts with the default seed.
    pub(crate) fn start() -> Self {
        Self::start_with(&seed(), |_| {})
    }

    /// Starts with a seed and any change to the configuration.
    pub(crate) fn start_with(seed: &str, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let seed_path = write_seed(dir.path(), seed);
        let clock = Clock::manual();
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path().join("db"));
        config.seed = Some(seed_path);
        config.pbkdf2_iterations = TEST_ITERATIONS;
        config.workers = Some(1);
        config.cache_bytes = 4 * 1024 * 1024;
        config.clock = clock.clone();
        config.preset_keys = preset_keys().to_vec();
        config.store_url = database_for(&config.data);
        tweak(&mut config);
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                match gatehouse::start(config).await {
                    Ok(running) => {
                        tx.send(Ok((running.addr, running.handle.clone()))).unwrap();
                        running.wait().await.unwrap();
                    }
                    Err(e) => tx.send(Err(e.to_string())).unwrap(),
                }
            })
        });
        let (addr, handle): (SocketAddr, ServerHandle) = rx.recv().unwrap().unwrap();
        TestServer {
            base: format!("http://{addr}"),
            http: http_client(),
            clock,
            _dir: dir,
            handle: Some(handle),
            thread: Some(thread),
        }
    }

    /// An absolute URL on this server.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs a form with HTTP Basic client credentials.
    pub(crate) fn post_basic(
        &self,
        path: &str,
        id: &str,
        secret: &str,
        form: &[(&str, &str)],
    ) -> Response {
        self.http
            .post(self.url(path))
            .basic_auth(id, Some(secret))
            .form(form)
            .send()
            .unwrap()
    }

    /// POSTs a form as is.
    pub(crate) fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http.post(self.url(path)).form(form).send().unwrap()
    }

    /// A client-credentials access token for the default client.
    pub(crate) fn client_token(&self, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        let body = json(
            self.post_basic("/oauth/token", CLIENT_ID, CLIENT_SECRET, &form),
            200,
        );
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Introspects a token as the given client.
    pub(crate) fn introspect_as(&self, id: &str, secret: &str, token: &str) -> Value {
        json(
            self.post_basic("/oauth/introspect", id, secret, &[("token", token)]),
            200,
        )
    }

    /// Introspects a token as the default client.
    pub(crate) fn introspect(&self, token: &str) -> Value {
        json(
            self.post_basic(
                "/oauth/introspect",
                CLIENT_ID,
                CLIENT_SECRET,
                &[("token", token)],
            ),
            200,
        )
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = std::thread::spawn(move || {
                actix_web::rt::System::new().block_on(handle.stop(true));
            })
            .join();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Asserts the status and answers the JSON body.
pub(crate) fn json(response: Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// A response header as text (empty when absent).
pub(crate) fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Asserts a successful token answer (200, JSON, `Cache-Control: no-store`)
/// and answers its body.
pub(crate) fn token_answer(response: Response) -> Value {
    let content_type = header(&response, "content-type");
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body = json(response, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    body
}

/// Asserts an RFC 6749 §5.2 error response and answers it.
pub(crate) fn oauth_error(response: Response, status: u16, code: &str) -> Value {
    let no_store = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body = json(response, status);
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].is_string());
    assert_eq!(no_store.as_deref(), Some("no-store"));
    assert!(content_type.starts_with("application/json"));
    body
}

/// The path of the built binary.
pub(crate) fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_gatehouse")
}

/// The server binary as a child process.
pub(crate) struct BinServer {
    pub(crate) base: String,
    pub(crate) child: Child,
    log: mpsc::Receiver<String>,
    seen: std::cell::RefCell<Vec<String>>,
}

impl BinServer {
    /// Starts `gatehouse serve` on a free port with the data directory and extra arguments.
    pub(crate) fn spawn(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(binary());
        cmd.arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--data")
            .arg(data)
            .arg("--pbkdf2-iterations")
            .arg(TEST_ITERATIONS.to_string())
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(url) = database_for(data) {
            cmd.env("GATEHOUSE_STORE", url);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = BinServer {
            base: String::new(),
            child,
            log,
            seen: Default::default(),
        };
        loop {
            let line = server
                .log
                .recv_timeout(Duration::from_secs(60))
                .expect("the server did not start");
            if let Some(rest) = line.split("listening on ").nth(1) {
                server.base = rest.split_whitespace().next().unwrap().to_owned();
                return server;
            }
        }
    }

    /// An absolute URL on this server.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every log line since start-up so far (after the "listening" line).
    pub(crate) fn log_lines(&self) -> Vec<String> {
        let mut seen = self.seen.borrow_mut();
        seen.extend(self.log.try_iter());
        seen.clone()
    }

    /// Kills the process with SIGKILL and waits for it.
    pub(crate) fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends a signal by name and waits; answers the exit status and every log line.
    pub(crate) fn signal(mut self, name: &str) -> (std::process::ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-s", name, &pid])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        let lines = self.log.try_iter().collect();
        (status, lines)
    }
}

impl Drop for BinServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `gatehouse serve` on a free port with the data directory and `args`,
/// which must refuse to start; answers what it printed on stderr.
pub(crate) fn refused_start(data: &Path, args: &[&str]) -> String {
    let mut all = vec![
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data",
        data.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let (ok, _, err) = run_cli(&all, None);
    assert!(!ok, "gatehouse serve {args:?} started");
    err
}

/// Runs the binary with arguments and optional stdin; answers (success, stdout, stderr).
pub(crate) fn run_cli(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut command = Command::new(binary());
    // In a PostgreSQL run, a command on a data directory works on that
    // directory's database.
    let data = args
        .iter()
        .position(|a| *a == "--data")
        .and_then(|i| args.get(i + 1));
    if let Some(url) = data.and_then(|d| database_for(Path::new(d))) {
        command.env("GATEHOUSE_STORE", url);
    }
    run(command, args, stdin)
}

/// [`run_cli`] on the embedded store whatever the run (no harness database).
pub(crate) fn run_embedded_cli(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut command = Command::new(binary());
    command.env_remove("GATEHOUSE_STORE");
    run(command, args, stdin)
}

fn run(mut command: Command, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = command
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(pipe);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A token response (200) for `form` at `base`, the client authenticating
/// with HTTP Basic.
pub(crate) fn client_token(base: &str, client: (&str, &str), form: &[(&str, &str)]) -> Value {
    json(
        http_client()
            .post(format!("{base}/oauth/token"))
            .basic_auth(client.0, Some(client.1))
            .form(form)
            .send()
            .unwrap(),
        200,
    )
}
