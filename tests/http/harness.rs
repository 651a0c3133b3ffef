//! Starting servers for tests: in-process (`TestServer`) or as the built
//! binary (`BinServer`, for kill -9, signals and the command line).

use std::collections::HashMap;
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

/// Runs the binary with arguments and optional stdin; answers (success, stdout, stderr).
pub(crate) fn run_cli(args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(binary())
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

// ---------------------------------------------------------------------------
// People and browsers: sign-in, consent and the authorization-code flow.
// ---------------------------------------------------------------------------

/// The out-of-band redirect URI (Mastodon and others).
pub(crate) const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The seed for the sign-in, authorization and grant tests: two people and
/// a client of every kind.
pub(crate) fn people_seed() -> String {
    serde_json::json!({
        "users": [
            {"username": "alice", "password": "alice-password", "email": "alice@example.org",
             "name": "Alice Liddell", "admin": false},
            {"username": "bob", "password": "bob-password", "email": "bob@example.org",
             "name": "Bob", "admin": false}
        ],
        "clients": [
            {"client_id": "webapp", "client_secret": "webapp-secret", "client_name": "Web App",
             "redirect_uris": ["http://127.0.0.1:9000/cb"],
             "grant_types": ["authorization_code", "refresh_token"],
             "scope": "openid profile email offline_access read write messages"},
            {"client_id": "spa", "token_endpoint_auth_method": "none", "client_name": "Single Page",
             "redirect_uris": ["http://127.0.0.1:9100/cb"],
             "grant_types": ["authorization_code", "refresh_token"],
             "scope": "openid profile read"},
            {"client_id": "native", "token_endpoint_auth_method": "none", "client_name": "Native",
             "redirect_uris": ["http://127.0.0.1/callback"],
             "grant_types": ["authorization_code"]},
            {"client_id": "implicit", "token_endpoint_auth_method": "none", "client_name": "Implicit",
             "redirect_uris": ["http://127.0.0.1:9200/cb"],
             "grant_types": ["implicit"], "response_types": ["token"], "scope": "read"},
            {"client_id": "oob", "client_secret": "oob-secret", "client_name": "Out Of Band",
             "redirect_uris": [OOB],
             "grant_types": ["authorization_code", "refresh_token"], "scope": "read write"},
            {"client_id": "noredirect", "client_secret": "noredirect-secret",
             "client_name": "No Redirect", "redirect_uris": [],
             "grant_types": ["authorization_code"]},
            {"client_id": "multi", "client_secret": "multi-secret", "client_name": "Multi",
             "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
             "grant_types": ["authorization_code"]},
            {"client_id": "pwapp", "client_secret": "pwapp-secret", "client_name": "Password App",
             "grant_types": ["password", "refresh_token"], "scope": "read write"},
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "client_name": "Service",
             "grant_types": ["client_credentials"], "scope": "read openid"}
        ],
        "scopes": [
            {"name": "read", "description": "Read your data", "default": true},
            {"name": "write", "description": "Change your data"},
            {"name": "messages", "description": "Send and read your private messages"},
            {"name": "basic", "description": "See your basic profile", "always": true}
        ]
    })
    .to_string()
}

/// A people-seed server with any change to the configuration.
pub(crate) fn people_server(tweak: impl FnOnce(&mut Config)) -> TestServer {
    TestServer::start_with(&people_seed(), tweak)
}

/// The redirect URI a people-seed client registered (the first one).
pub(crate) fn redirect_of(client: &str) -> Option<&'static str> {
    match client {
        "webapp" => Some("http://127.0.0.1:9000/cb"),
        "spa" => Some("http://127.0.0.1:9100/cb"),
        "native" => Some("http://127.0.0.1/callback"),
        "implicit" => Some("http://127.0.0.1:9200/cb"),
        "oob" => Some(OOB),
        "multi" => Some("https://a.example/cb"),
        _ => None,
    }
}

/// The secret of a confidential people-seed client; `None` for public ones.
pub(crate) fn secret_of(client: &str) -> Option<&'static str> {
    match client {
        "webapp" => Some("webapp-secret"),
        "oob" => Some("oob-secret"),
        "noredirect" => Some("noredirect-secret"),
        "multi" => Some("multi-secret"),
        "pwapp" => Some("pwapp-secret"),
        CLIENT_ID => Some(CLIENT_SECRET),
        _ => None,
    }
}

/// POSTs to the token endpoint as `client`: HTTP Basic for a confidential
/// client, `client_id` in the form for a public one.
pub(crate) fn token_request(server: &TestServer, client: &str, form: &[(&str, &str)]) -> Response {
    match secret_of(client) {
        Some(secret) => server.post_basic("/oauth/token", client, secret, form),
        None => {
            let mut form = form.to_vec();
            form.push(("client_id", client));
            server.post_form("/oauth/token", &form)
        }
    }
}

/// Exchanges an authorization code as `client` (RFC 6749 §4.1.3).
pub(crate) fn exchange(
    server: &TestServer,
    client: &str,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Response {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
    if let Some(uri) = redirect_uri {
        form.push(("redirect_uri", uri));
    }
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    token_request(server, client, &form)
}

/// Uses a refresh token as `client`, optionally narrowing the scope.
pub(crate) fn refresh(
    server: &TestServer,
    client: &str,
    refresh_token: &str,
    scope: Option<&str>,
) -> Response {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    token_request(server, client, &form)
}

/// Whether introspection (as the `service` client) says the token is active.
pub(crate) fn is_active(server: &TestServer, token: &str) -> bool {
    server.introspect(token)["active"] == true
}

/// A PKCE pair with the S256 method (RFC 7636 §4.1, §4.2).
#[derive(Debug, Clone)]
pub(crate) struct Pkce {
    pub(crate) verifier: String,
    pub(crate) challenge: String,
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

impl Pkce {
    /// A fresh random verifier and its S256 challenge.
    pub(crate) fn new() -> Self {
        use base64::Engine;
        use ring::rand::SecureRandom;
        let mut bytes = [0u8; 32];
        ring::rand::SystemRandom::new().fill(&mut bytes).unwrap();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let verifier = b64.encode(bytes);
        let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
        let challenge = b64.encode(digest.as_ref());
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// Answers the `Location` header of a response.
pub(crate) fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location; status {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The query parameters of a URL.
pub(crate) fn query_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap();
    parsed.query_pairs().into_owned().collect()
}

/// The fragment of a URL, decoded as form parameters.
pub(crate) fn fragment_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap();
    url::form_urlencoded::parse(parsed.fragment().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Every `Set-Cookie` header of a response.
pub(crate) fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The `Set-Cookie` line that sets `name`, if any.
pub(crate) fn set_cookie(response: &Response, name: &str) -> Option<String> {
    set_cookies(response)
        .into_iter()
        .find(|line| line.starts_with(&format!("{name}=")))
}

/// The value part of a `Set-Cookie` line (`name=value; ...` answers `value`).
pub(crate) fn cookie_value(line: &str) -> String {
    let pair = line.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.trim().to_owned()
}

/// Whether a `Set-Cookie` line has an attribute, compared without case
/// (`HttpOnly`, `Secure`, `SameSite=Lax`, `Path=/`).
pub(crate) fn has_attribute(line: &str, attribute: &str) -> bool {
    line.split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case(attribute))
}

/// Asserts the status and an HTML content type; answers the body.
pub(crate) fn html_page(response: Response, status: u16) -> String {
    let got = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    assert!(
        content_type.starts_with("text/html"),
        "content type {content_type}; body: {text}"
    );
    text
}

/// Undoes HTML escaping of text and attribute values.
pub(crate) fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The attributes (names lower-cased, values unescaped) of every `<tag …>`
/// start tag in `html`, in order.
pub(crate) fn elements(html: &str, tag: &str) -> Vec<HashMap<String, String>> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{}", tag.to_ascii_lowercase());
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find(&open) {
        let start = from + at + open.len();
        from = start;
        match html[start..].chars().next() {
            Some(c) if c.is_whitespace() || c == '>' || c == '/' => {}
            _ => continue,
        }
        let mut attrs = HashMap::new();
        let bytes = html.as_bytes();
        let mut i = start;
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let name = html[name_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i];
                    let value_start = i + 1;
                    i = value_start;
                    while i < bytes.len() && bytes[i] != quote {
                        i += 1;
                    }
                    value = unescape(&html[value_start..i]);
                    i += 1;
                } else {
                    let value_start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = unescape(&html[value_start..i]);
                }
            }
            attrs.insert(name, value);
        }
        found.push(attrs);
        from = i.max(start);
    }
    found
}

/// The first `<form>…</form>` whose `action` ends with `action_suffix`.
pub(crate) fn form_with_action<'a>(html: &'a str, action_suffix: &str) -> &'a str {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<form") {
        let start = from + at;
        let end = lower[start..]
            .find("</form>")
            .map_or(html.len(), |e| start + e + "</form>".len());
        let section = &html[start..end];
        let action = elements(section, "form")
            .first()
            .and_then(|a| a.get("action").cloned())
            .unwrap_or_default();
        if action.ends_with(action_suffix) {
            return section;
        }
        from = end;
    }
    panic!("no form with action …{action_suffix} in: {html}");
}

/// The (name, value) pairs of every `<input type="hidden">` in `html`.
pub(crate) fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    elements(html, "input")
        .into_iter()
        .filter(|a| {
            a.get("type")
                .is_some_and(|t| t.eq_ignore_ascii_case("hidden"))
        })
        .filter_map(|a| {
            Some((
                a.get("name")?.clone(),
                a.get("value").cloned().unwrap_or_default(),
            ))
        })
        .collect()
}

/// The value of the hidden input `name`, if the page has one.
pub(crate) fn hidden_value(html: &str, name: &str) -> Option<String> {
    hidden_inputs(html)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// The text of `<code id="code">…</code>` on the out-of-band page.
pub(crate) fn shown_code(html: &str) -> String {
    let at = html
        .find("id=\"code\"")
        .unwrap_or_else(|| panic!("no id=\"code\" in: {html}"));
    let open = at + html[at..].find('>').unwrap() + 1;
    let close = open + html[open..].find("</code>").unwrap();
    unescape(html[open..close].trim())
}

/// A person's browser: keeps cookies, never follows redirects.
pub(crate) struct Browser {
    pub(crate) http: Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with an empty cookie jar.
    pub(crate) fn new() -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Browser { http, jar }
    }

    /// A browser in which `username` has signed in (password `<username>-password`).
    pub(crate) fn signed_in(server: &TestServer, username: &str) -> Self {
        let browser = Self::new();
        browser.login(server, username, &format!("{username}-password"));
        browser
    }

    /// GETs a URL.
    pub(crate) fn get(&self, url: &str) -> Response {
        self.http.get(url).send().unwrap()
    }

    /// POSTs a form to a URL.
    pub(crate) fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Response {
        self.http.post(url).form(form).send().unwrap()
    }

    /// The value of the cookie `name` this browser would send to `url`.
    pub(crate) fn cookie(&self, url: &str, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&url::Url::parse(url).unwrap())?;
        header
            .to_str()
            .unwrap()
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_owned())
    }

    /// The CSRF token a page's form carries (`name="csrf_token" value="…"`).
    pub(crate) fn csrf(html: &str) -> String {
        hidden_value(html, "csrf_token").unwrap_or_else(|| panic!("no csrf_token in: {html}"))
    }

    /// Signs in through the sign-in form; asserts the 303.
    pub(crate) fn login(&self, server: &TestServer, username: &str, password: &str) {
        let page = html_page(self.get(&server.url("/login")), 200);
        let csrf = Self::csrf(&page);
        let response = self.post_form(
            &server.url("/login"),
            &[
                ("username", username),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        );
        assert_eq!(
            response.status().as_u16(),
            303,
            "{}",
            response.text().unwrap()
        );
    }

    /// A GET authorization request with these query parameters.
    pub(crate) fn authorize(&self, server: &TestServer, query: &[(&str, &str)]) -> Response {
        self.http
            .get(server.url("/oauth/authorize"))
            .query(query)
            .send()
            .unwrap()
    }

    /// Submits the consent form of `consent_page` with `decision` (`allow`
    /// or `deny`), re-sending every hidden input of the form.
    pub(crate) fn decide(
        &self,
        server: &TestServer,
        consent_page: &str,
        decision: &str,
    ) -> Response {
        let form = form_with_action(consent_page, "/oauth/authorize");
        let mut fields = hidden_inputs(form);
        fields.push(("decision".to_owned(), decision.to_owned()));
        self.http
            .post(server.url("/oauth/authorize"))
            .form(&fields)
            .send()
            .unwrap()
    }
}

/// Runs an authorization-code request for `client` in a signed-in browser,
/// allowing on the consent page if one is shown; answers the code. Uses the
/// client's registered redirect URI and state `xyz`.
pub(crate) fn code_for(
    server: &TestServer,
    browser: &Browser,
    client: &str,
    scope: &str,
    pkce: Option<&Pkce>,
) -> String {
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("scope", scope),
        ("state", "xyz"),
    ];
    if let Some(uri) = redirect_of(client) {
        query.push(("redirect_uri", uri));
    }
    if let Some(pkce) = pkce {
        query.push(("code_challenge", &pkce.challenge));
        query.push(("code_challenge_method", "S256"));
    }
    let response = browser.authorize(server, &query);
    let response = match response.status().as_u16() {
        200 => {
            let page = response.text().unwrap();
            browser.decide(server, &page, "allow")
        }
        302 | 303 => response,
        other => panic!("authorize answered {other}: {}", response.text().unwrap()),
    };
    let target = location(&response);
    let params = query_of(&target);
    assert_eq!(
        params.get("state").map(String::as_str),
        Some("xyz"),
        "{target}"
    );
    params
        .get("code")
        .unwrap_or_else(|| panic!("no code in {target}"))
        .clone()
}

/// Signs `username` in, authorizes `client` for `scope` (with PKCE) and
/// exchanges the code; answers the token response.
pub(crate) fn tokens_for(server: &TestServer, client: &str, username: &str, scope: &str) -> Value {
    let browser = Browser::signed_in(server, username);
    let pkce = Pkce::new();
    let code = code_for(server, &browser, client, scope, Some(&pkce));
    json(
        exchange(
            server,
            client,
            &code,
            redirect_of(client),
            Some(&pkce.verifier),
        ),
        200,
    )
}

/// The space-separated tokens of a `scope` value, as a sorted list.
pub(crate) fn scope_set(scope: &Value) -> Vec<String> {
    let mut tokens: Vec<String> = scope
        .as_str()
        .unwrap_or_else(|| panic!("scope is not a string: {scope}"))
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    tokens.sort();
    tokens
}
