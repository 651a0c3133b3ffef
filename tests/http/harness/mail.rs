//! An SMTP sink for the mail tests: Debian's aiosmtpd (python3-aiosmtpd,
//! which scripts/test.sh installs) on a free loopback port, delivering
//! into a maildir of its own, stopped on Drop. Helpers wait (at most
//! [`MAIL_WAIT`]) for letters to an address and pull the link out of one.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gatehouse::config::Config;
use reqwest::blocking::Response;
use tempfile::TempDir;

use super::*;

/// How long a letter may take to arrive.
pub(crate) const MAIL_WAIT: Duration = Duration::from_secs(10);
/// The sender every mail test configures.
pub(crate) const MAIL_FROM: &str = "Gatehouse <gatehouse@example.org>";

/// A letter as the sink stored it.
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    /// The header lines, unfolded, as one text.
    pub(crate) headers: String,
    /// The body, with quoted-printable undone.
    pub(crate) body: String,
}

impl Letter {
    /// The value of the first header `name` (case aside), or "".
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers
            .lines()
            .find_map(|line| {
                let (n, v) = line.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    }

    /// The first URL in the body whose path starts with `path`.
    pub(crate) fn link(&self, path: &str) -> String {
        self.body
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .find(|w| url::Url::parse(w).is_ok_and(|u| u.path() == path))
            .unwrap_or_else(|| panic!("no link to {path} in: {}", self.body))
            .to_owned()
    }
}

/// Undoes quoted-printable (RFC 2045 §6.7): soft line breaks and `=XX`.
fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_letter(raw: &str) -> Letter {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
    let headers = head.replace("\n ", " ").replace("\n\t", " ");
    let mut letter = Letter {
        headers,
        body: body.to_owned(),
    };
    if letter
        .header("Content-Transfer-Encoding")
        .eq_ignore_ascii_case("quoted-printable")
    {
        letter.body = unquote(&letter.body);
    }
    letter
}

/// The order a maildir file name (`secs.M<usec>P<pid>Q<n>.host`) gives.
fn delivery_order(name: &str) -> (u64, u64, String) {
    let mut parts = name.split('.');
    let secs = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let usec = parts
        .next()
        .and_then(|s| s.strip_prefix('M'))
        .and_then(|s| s.split('P').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (secs, usec, name.to_owned())
}

/// aiosmtpd on a free loopback port, delivering into a temporary maildir.
pub(crate) struct MailSink {
    pub(crate) port: u16,
    child: Child,
    maildir: PathBuf,
    _dir: TempDir,
}

impl MailSink {
    /// Starts the sink; panics (naming the package) when aiosmtpd is missing.
    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        // The port is free when asked for; should another take it before
        // aiosmtpd does, aiosmtpd exits and the next port is tried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut child = Command::new("aiosmtpd")
                .args(["-n", "-l", &format!("127.0.0.1:{port}")])
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(&maildir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect(
                    "aiosmtpd is missing: apt-get install python3-aiosmtpd (scripts/test.sh does)",
                );
            let deadline = Instant::now() + MAIL_WAIT;
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return MailSink {
                        port,
                        child,
                        maildir,
                        _dir: dir,
                    };
                }
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("aiosmtpd did not start listening");
    }

    /// The `--smtp-url` of this sink.
    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Points a configuration at this sink.
    pub(crate) fn configure(&self, config: &mut Config) {
        config.smtp_url = Some(gatehouse::mail::SmtpUrl::parse(&self.url()).unwrap());
        config.smtp_from = Some(MAIL_FROM.to_owned());
    }

    /// Every letter delivered so far, in the order they arrived.
    pub(crate) fn letters(&self) -> Vec<Letter> {
        let mut files: Vec<(u64, u64, String, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let (secs, usec, name) = delivery_order(&name);
                files.push((secs, usec, name, entry.path()));
            }
        }
        files.sort();
        files
            .into_iter()
            .filter_map(|(.., path)| std::fs::read_to_string(path).ok())
            .map(|raw| parse_letter(&raw))
            .collect()
    }

    /// The letters delivered to `address` so far.
    pub(crate) fn letters_to(&self, address: &str) -> Vec<Letter> {
        self.letters()
            .into_iter()
            .filter(|l| {
                l.header("X-RcptTo")
                    .split(',')
                    .any(|r| r.trim().eq_ignore_ascii_case(address))
            })
            .collect()
    }

    /// Waits until `count` letters reached `address`; answers the last of them.
    pub(crate) fn wait_for_nth(&self, address: &str, count: usize) -> Letter {
        let deadline = Instant::now() + MAIL_WAIT;
        loop {
            let letters = self.letters_to(address);
            if letters.len() >= count {
                return letters[count - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "{} letters to {address} after {MAIL_WAIT:?}, not {count}",
                letters.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the first letter to `address`.
    pub(crate) fn wait_for(&self, address: &str) -> Letter {
        self.wait_for_nth(address, 1)
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A people-seed server that mails through `sink`, with any other change.
pub(crate) fn mail_server(sink: &MailSink, tweak: impl FnOnce(&mut Config)) -> TestServer {
    TestServer::start_with(&people_seed(), |c| {
        sink.configure(c);
        tweak(c);
    })
}

/// Follows a verification link in `browser`: opens it, then confirms.
pub(crate) fn follow_verification(browser: &Browser, link: &str) -> Response {
    let page = html_page(browser.get(link), 200);
    let form = form_with_action(&page, "/email/verify");
    let mut fields = hidden_inputs(form);
    let action = elements(form, "form")[0]["action"].clone();
    fields.retain(|(n, _)| n == "csrf_token" || n == "token");
    browser.http.post(action).form(&fields).send().unwrap()
}

/// Signs `username` in, asks for a verification link from the account
/// page, and follows it; answers the browser, still signed in.
pub(crate) fn verify_address(
    server: &TestServer,
    sink: &MailSink,
    username: &str,
    address: &str,
) -> Browser {
    let browser = Browser::signed_in(server, username);
    let before = sink.letters_to(address).len();
    let page = html_page(browser.get(&server.url("/account")), 200);
    let response = browser.post_form(
        &server.url("/account/email/verify"),
        &[("csrf_token", &Browser::csrf(&page))],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), server.url("/account?done=verify-sent"));
    let letter = sink.wait_for_nth(address, before + 1);
    let done = follow_verification(&browser, &letter.link("/email/verify"));
    html_page(done, 200);
    browser
}
