//! A real browser: headless Chromium driven through its own chromedriver
//! with WebDriver (`fantoccini`). Each `Chrome` starts a chromedriver on a
//! port of its own and a fresh profile, so tests run side by side; its
//! methods block, so tests read like the other black-box tests.

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::runtime::Runtime;

use super::http_client;

/// How long anything in the browser may take: starting, loading, a text appearing.
const WAIT: Duration = Duration::from_secs(20);
/// How long Chromium may take to start: on a loaded two-core machine (the
/// whole suite runs in parallel) it has taken longer than `WAIT`.
const START: Duration = Duration::from_secs(90);
/// How often a bounded wait looks again.
const POLL: Duration = Duration::from_millis(50);

/// The flags Chromium needs on this closed network, headless, as root.
const CHROME_ARGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1024,768",
];

/// Headless Chromium under its own chromedriver; both end on drop.
pub(crate) struct Chrome {
    rt: Runtime,
    client: Option<Client>,
    driver: Child,
    profile: TempDir,
    test: String,
    shots: Cell<u32>,
}

impl Chrome {
    /// Chromium as people mostly run it, for the test named `test`.
    pub(crate) fn start(test: &str) -> Self {
        Self::launch(test, true)
    }

    /// Chromium with JavaScript turned off for every site.
    pub(crate) fn without_javascript(test: &str) -> Self {
        Self::launch(test, false)
    }

    fn launch(test: &str, javascript: bool) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        forget_screenshots(test);
        let (driver, port) = spawn_chromedriver();
        let profile = tempfile::tempdir().unwrap();
        let mut chrome = Chrome {
            rt,
            client: None,
            driver,
            profile,
            test: test.to_owned(),
            shots: Cell::new(0),
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        chrome.wait_until("chromedriver to answer", |_| driver_ready(&webdriver));
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            chrome.profile.path().display()
        ));
        let mut options = json!({ "binary": chrome_binary(), "args": args });
        if !javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let capabilities = json!({ "browserName": "chrome", "goog:chromeOptions": options });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = chrome
            .rt
            .block_on(async {
                let mut builder = ClientBuilder::new(HttpConnector::new());
                let connect = builder.capabilities(capabilities).connect(&webdriver);
                tokio::time::timeout(START, connect).await
            })
            .unwrap_or_else(|_| panic!("Chromium did not start within {START:?}"))
            .unwrap_or_else(|e| panic!("chromedriver could not start Chromium: {e}"));
        chrome.client = Some(client);
        chrome
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Sends a command of a WebDriver extension and answers its value.
    pub(crate) fn run_command(
        &self,
        command: impl fantoccini::wd::WebDriverCompatibleCommand + Send + 'static,
    ) -> Value {
        self.rt
            .block_on(self.client().issue_cmd(command))
            .unwrap_or_else(|e| panic!("the WebDriver command failed: {e}"))
    }

    /// Opens a URL and waits for the page to load.
    pub(crate) fn go(&self, url: &str) {
        self.rt
            .block_on(self.client().goto(url))
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    /// The element `css` selects on the current page, waiting for it to appear.
    fn find(&self, css: &str) -> Element {
        let client = self.client();
        self.rt
            .block_on(async {
                client
                    .wait()
                    .at_most(WAIT)
                    .every(POLL)
                    .for_element(Locator::Css(css))
                    .await
            })
            .unwrap_or_else(|e| panic!("no {css} on {}: {e}\n{}", self.url(), self.text()))
    }

    /// Clears the input (or text area) named `name` and types `value` into it.
    pub(crate) fn fill(&self, name: &str, value: &str) {
        let input = self.find(&format!(
            "input[name=\"{name}\"], textarea[name=\"{name}\"]"
        ));
        self.rt
            .block_on(async {
                input.clear().await?;
                input.send_keys(value).await
            })
            .unwrap_or_else(|e| panic!("could not type into {name}: {e}"));
    }

    /// What the input named `name` holds now.
    pub(crate) fn value_of(&self, name: &str) -> String {
        let input = self.find(&format!("input[name=\"{name}\"]"));
        self.rt
            .block_on(input.prop("value"))
            .unwrap()
            .unwrap_or_default()
    }

    /// The text of the element `css` selects, waiting for it to appear.
    pub(crate) fn text_of(&self, css: &str) -> String {
        let element = self.find(css);
        self.rt.block_on(element.text()).unwrap()
    }

    /// Whether the checkbox (or radio button) `css` selects is ticked.
    pub(crate) fn is_checked(&self, css: &str) -> bool {
        let element = self.find(css);
        self.rt
            .block_on(element.prop("checked"))
            .unwrap()
            .is_some_and(|checked| checked == "true")
    }

    /// Scrolls the element `css` selects to the middle of the window, so a
    /// screenshot shows it (this runs a script: not without JavaScript).
    pub(crate) fn show(&self, css: &str) {
        let element = self.find(css);
        let element = serde_json::to_value(element).unwrap();
        self.rt
            .block_on(self.client().execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![element],
            ))
            .unwrap_or_else(|e| panic!("could not scroll to {css}: {e}"));
    }

    /// Resizes the window so the page shows in `width` × `height` pixels,
    /// the size of a screenshot (this runs a script: not without JavaScript).
    pub(crate) fn viewport(&self, width: u32, height: u32) {
        let client = self.client();
        let want = [i64::from(width), i64::from(height)];
        let mut window = want;
        // The window's frame takes some of it: measure, and grow by as much.
        for _ in 0..3 {
            let inner = self
                .rt
                .block_on(async {
                    let (w, h) = (window[0] as u32, window[1] as u32);
                    client.set_window_size(w, h).await?;
                    client
                        .execute("return [window.innerWidth, window.innerHeight]", vec![])
                        .await
                })
                .unwrap_or_else(|e| panic!("could not resize the window: {e}"));
            let shown = [0, 1].map(|i| inner[i].as_i64().unwrap_or(0));
            if shown == want {
                return;
            }
            window = [0, 1].map(|i| window[i] + want[i] - shown[i]);
        }
        panic!("the window would not show the page in {width}×{height}");
    }

    /// Presses the button whose text is `label`.
    pub(crate) fn press(&self, label: &str) {
        let xpath = format!("//button[normalize-space(.)='{label}']");
        let client = self.client();
        let button = self
            .rt
            .block_on(async {
                client
                    .wait()
                    .at_most(WAIT)
                    .every(POLL)
                    .for_element(Locator::XPath(&xpath))
                    .await
            })
            .unwrap_or_else(|e| panic!("no {label} button on {}: {e}", self.url()));
        // A button a script reveals (the passkey page's) is pressed once shown.
        self.wait_until(&format!("the {label} button to show"), |chrome| {
            chrome.rt.block_on(button.is_displayed()).unwrap_or(false)
        });
        self.rt
            .block_on(button.click())
            .unwrap_or_else(|e| panic!("could not press {label}: {e}"));
    }

    /// Clicks the element `css` selects, such as `button[name=decision][value=allow]`.
    pub(crate) fn click(&self, css: &str) {
        let element = self.find(css);
        self.rt
            .block_on(element.click())
            .unwrap_or_else(|e| panic!("could not click {css}: {e}"));
    }

    /// The address the browser shows (or tried to load, on an error page).
    pub(crate) fn url(&self) -> String {
        self.rt
            .block_on(self.client().current_url())
            .unwrap()
            .to_string()
    }

    /// The page's text as a person reads it.
    pub(crate) fn text(&self) -> String {
        let client = self.client();
        self.rt
            .block_on(async { client.find(Locator::Css("body")).await?.text().await })
            .unwrap_or_default()
    }

    /// The page's title.
    pub(crate) fn title(&self) -> String {
        self.rt.block_on(self.client().title()).unwrap()
    }

    /// A computed style of the element `css` selects.
    pub(crate) fn style(&self, css: &str, property: &str) -> String {
        let element = self.find(css);
        self.rt.block_on(element.css_value(property)).unwrap()
    }

    /// Waits until the page shows `text`; panics with what it shows instead.
    pub(crate) fn sees(&self, text: &str) {
        self.wait_until(&format!("the page to show {text:?}"), |c| {
            c.text().contains(text)
        });
    }

    /// Waits until the address starts with `prefix` and answers it.
    pub(crate) fn arrives_at(&self, prefix: &str) -> String {
        self.wait_until(&format!("an address starting {prefix}"), |c| {
            c.url().starts_with(prefix)
        });
        self.url()
    }

    /// Looks again every `POLL` until `ready` holds, for at most `WAIT`.
    fn wait_until(&self, what: &str, mut ready: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !ready(self) {
            if Instant::now() > deadline {
                let (url, text) = match self.client {
                    Some(_) => (self.url(), self.text()),
                    None => (String::new(), String::new()),
                };
                panic!("waited {WAIT:?} for {what}; at {url}:\n{text}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Saves a screenshot as `<target>/screenshots/<test>-<nn>-<step>.png`.
    pub(crate) fn shot(&self, step: &str) -> PathBuf {
        let n = self.shots.get() + 1;
        self.shots.set(n);
        let png = self
            .rt
            .block_on(self.client().screenshot())
            .unwrap_or_else(|e| panic!("no screenshot of {step}: {e}"));
        let step: String = step
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = screenshot_dir().join(format!("{}-{n:02}-{step}.png", self.test));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        if std::thread::panicking() && self.client.is_some() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.shot("failed")));
        }
        if let Some(client) = self.client.take() {
            // Ends the session so chromedriver closes Chromium and its profile.
            let _ = self
                .rt
                .block_on(async { tokio::time::timeout(WAIT, client.close()).await });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Starts `chromedriver --port=0` and answers it with the port it chose.
fn spawn_chromedriver() -> (Child, u16) {
    let mut driver = Command::new("chromedriver")
        .arg("--port=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run chromedriver (scripts/test.sh installs it): {e}"));
    let stdout = driver.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Reads every line, so chromedriver never blocks on a full pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line.split("started successfully on port ").nth(1) {
                let _ = tx.send(port.trim_end_matches('.').parse::<u16>());
            }
        }
    });
    match rx.recv_timeout(START) {
        Ok(Ok(port)) => (driver, port),
        other => {
            let _ = driver.kill();
            let _ = driver.wait();
            panic!("chromedriver did not say its port: {other:?}")
        }
    }
}

/// Whether chromedriver at `base` says it is ready for a session.
fn driver_ready(base: &str) -> bool {
    http_client()
        .get(format!("{base}/status"))
        .send()
        .ok()
        .and_then(|r| r.json::<Value>().ok())
        .is_some_and(|status| status["value"]["ready"] == true)
}

/// The Chromium to drive: `CHROME_BIN`, else Debian's.
fn chrome_binary() -> String {
    std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

/// Removes `test`'s screenshots from an earlier run (`<test>-<nn>-*.png`).
fn forget_screenshots(test: &str) {
    let Ok(entries) = std::fs::read_dir(screenshot_dir()) else {
        return;
    };
    for entry in entries.map_while(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name
            .strip_prefix(test)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| {
                let b = rest.as_bytes();
                b.len() > 3 && b[..2].iter().all(u8::is_ascii_digit) && b[2] == b'-'
            });
        if ours && name.ends_with(".png") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `$CARGO_TARGET_DIR/screenshots` (else `target/screenshots`), made if missing.
pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
