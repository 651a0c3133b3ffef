//! `response_mode=form_post` in a real browser: the answer page posts
//! itself to the application by its one nonce-allowed script, and without
//! JavaScript the person presses its button.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use super::sign_in_here;
use crate::harness::*;

/// A stand-in application on a loopback port: remembers the body of each
/// POST to `/cb` and answers a page that says so.
struct Application {
    port: u16,
    posts: Arc<Mutex<Vec<String>>>,
}

impl Application {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let posts = Arc::new(Mutex::new(Vec::new()));
        let seen = posts.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                if request_line.starts_with("POST /cb ") {
                    seen.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&body).into_owned());
                }
                let page = "<!DOCTYPE html><title>Received</title><p>The application received the answer.</p>";
                let _ = write!(
                    reader.get_mut(),
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                );
            }
        });
        Application { port, posts }
    }

    fn callback(&self) -> String {
        format!("http://127.0.0.1:{}/cb", self.port)
    }

    /// The fields of the one POST the application received.
    fn posted(&self) -> std::collections::HashMap<String, String> {
        let posts = self.posts.lock().unwrap();
        assert_eq!(posts.len(), 1, "{posts:?}");
        url::form_urlencoded::parse(posts[0].as_bytes())
            .into_owned()
            .collect()
    }
}

/// Signs alice in for webapp's form_post request to `app` and allows it.
fn alice_allows(server: &TestServer, chrome: &Chrome, app: &Application) {
    let callback = app.callback();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", "webapp"),
            ("redirect_uri", callback.as_str()),
            ("scope", "openid profile"),
            ("state", "xyz"),
            ("response_mode", "form_post"),
        ])
        .finish();
    chrome.go(&server.url(&format!("/oauth/authorize?{query}")));
    sign_in_here(chrome, "alice");
    chrome.sees("Authorize Web App?");
    chrome.click("button[name=decision][value=allow]");
}

#[test]
fn the_answer_page_posts_the_code_to_the_application_by_itself() {
    let server = people_server(|_| {});
    let app = Application::start();
    let chrome = Chrome::start("form-post");
    alice_allows(&server, &chrome, &app);
    chrome.sees("The application received the answer.");
    chrome.shot("received");
    assert_eq!(chrome.url(), app.callback());
    let fields = app.posted();
    assert_eq!(fields["state"], "xyz");
    assert_eq!(fields["iss"], server.base);
    let tokens = token_answer(server.post_basic(
        "/oauth/token",
        "webapp",
        "webapp-secret",
        &[
            ("grant_type", "authorization_code"),
            ("code", &fields["code"]),
            ("redirect_uri", &app.callback()),
        ],
    ));
    assert!(tokens["access_token"].is_string(), "{tokens}");
}

#[test]
fn without_javascript_the_person_presses_continue() {
    let server = people_server(|_| {});
    let app = Application::start();
    let chrome = Chrome::without_javascript("form-post-no-script");
    alice_allows(&server, &chrome, &app);
    chrome.sees("If nothing happens, press the button.");
    chrome.shot("answer-page");
    assert!(app.posts.lock().unwrap().is_empty());
    chrome.press("Continue");
    chrome.sees("The application received the answer.");
    assert_eq!(app.posted()["state"], "xyz");
}
