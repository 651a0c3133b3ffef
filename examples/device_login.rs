//! Signs in from a terminal with the device authorization grant (RFC 8628):
//! the program shows a URL and a short code, you approve in any browser, and
//! it prints your claims from the userinfo endpoint.
//!
//! Start Gatehouse with the demo seed, then run the example:
//!
//! ```text
//! cargo run --release -- serve --seed data/demo-seed.json
//! cargo run --example device_login
//! ```
//!
//! Open the URL it prints, sign in (for example `alice` / `alice-wonderland`)
//! and enter the code. The example polls the token endpoint meanwhile.
//!
//! Settings, from the environment:
//! - `GATEHOUSE_URL`: the issuer (default `http://127.0.0.1:8080`);
//! - `CLIENT_ID`: a client allowed the device grant (default `tv`, the demo
//!   seed's public device client);
//! - `CLIENT_SECRET`: only for a confidential client (sent with HTTP Basic);
//! - `SCOPE`: what to ask for (default `openid profile email`).

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, RequestBuilder};
use serde::Deserialize;
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The grant type of RFC 8628 §3.4.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The metadata fields this example uses (RFC 8414, RFC 8628 §4).
#[derive(Deserialize)]
struct Metadata {
    device_authorization_endpoint: Option<String>,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
}

/// The device authorization response (RFC 8628 §3.2).
#[derive(Deserialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_in: u64,
    /// RFC 8628 §3.2: when absent, clients wait 5 seconds between polls.
    #[serde(default = "default_interval")]
    interval: u64,
}

fn default_interval() -> u64 {
    5
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Deserialize)]
struct Tokens {
    access_token: String,
    token_type: String,
    scope: Option<String>,
}

/// An error response (RFC 6749 §5.2, RFC 8628 §3.5).
#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error_description {
            Some(description) => write!(f, "{} ({description})", self.error),
            None => f.write_str(&self.error),
        }
    }
}

/// The client's identity: public clients name themselves in the form,
/// confidential ones authenticate with HTTP Basic (RFC 6749 §2.3.1).
struct ClientId {
    id: String,
    secret: Option<String>,
}

impl ClientId {
    fn post(&self, http: &Client, url: &str, params: &[(&str, &str)]) -> RequestBuilder {
        let mut form: Vec<(&str, &str)> = params.to_vec();
        let request = http.post(url);
        match &self.secret {
            Some(secret) => request.basic_auth(&self.id, Some(secret)).form(&form),
            None => {
                form.push(("client_id", &self.id));
                request.form(&form)
            }
        }
    }
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Reads a JSON answer, turning an RFC 6749 error body into an error.
fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::blocking::Response,
    what: &str,
) -> Result<T> {
    let status = response.status();
    let body = response.text()?;
    if status.is_success() {
        return serde_json::from_str(&body)
            .map_err(|e| format!("{what}: unreadable answer ({e}): {body}").into());
    }
    match serde_json::from_str::<OAuthError>(&body) {
        Ok(error) => Err(format!("{what} failed: {error}").into()),
        Err(_) => Err(format!("{what} answered {status}: {body}").into()),
    }
}

fn run() -> Result<()> {
    let issuer = setting("GATEHOUSE_URL", "http://127.0.0.1:8080");
    let client = ClientId {
        id: setting("CLIENT_ID", "tv"),
        secret: std::env::var("CLIENT_SECRET")
            .ok()
            .filter(|s| !s.is_empty()),
    };
    let scope = setting("SCOPE", "openid profile email");
    let http = Client::builder().timeout(Duration::from_secs(30)).build()?;

    // 1. Discovery (OpenID Connect Discovery 1.0 §4).
    let discovery = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let metadata: Metadata = read_json(http.get(&discovery).send()?, "discovery")?;
    let device_endpoint = metadata
        .device_authorization_endpoint
        .ok_or("the server lists no device_authorization_endpoint")?;

    // 2. Device authorization request (RFC 8628 §3.1).
    let auth: DeviceAuthorization = read_json(
        client
            .post(&http, &device_endpoint, &[("scope", &scope)])
            .send()?,
        "device authorization",
    )?;

    // 3. User interaction (RFC 8628 §3.3).
    println!(
        "Open {} and enter {}",
        auth.verification_uri, auth.user_code
    );
    if let Some(complete) = &auth.verification_uri_complete {
        println!("(or open {complete}, which has the code filled in)");
    }
    println!(
        "Waiting for approval; the code expires in {} seconds.",
        auth.expires_in
    );

    // 4. Poll the token endpoint (RFC 8628 §3.4, §3.5).
    let deadline = Instant::now() + Duration::from_secs(auth.expires_in);
    let mut interval = auth.interval.max(1);
    let tokens: Tokens = loop {
        sleep(Duration::from_secs(interval));
        if Instant::now() >= deadline {
            return Err("the code expired before anyone approved it; run the example again".into());
        }
        let response = client
            .post(
                &http,
                &metadata.token_endpoint,
                &[
                    ("grant_type", DEVICE_GRANT),
                    ("device_code", &auth.device_code),
                ],
            )
            .send()?;
        let status = response.status();
        let body = response.text()?;
        if status.is_success() {
            break serde_json::from_str(&body)
                .map_err(|e| format!("unreadable token response ({e}): {body}"))?;
        }
        let error: OAuthError = serde_json::from_str(&body)
            .map_err(|_| format!("the token endpoint answered {status}: {body}"))?;
        match error.error.as_str() {
            "authorization_pending" => {
                print!(".");
                std::io::stdout().flush()?;
            }
            "slow_down" => {
                interval += 5;
                println!("\n(the server asked to slow down: polling every {interval} s)");
            }
            "access_denied" => return Err("the request was denied in the browser".into()),
            "expired_token" => {
                return Err(
                    "the code expired before anyone approved it; run the example again".into(),
                )
            }
            _ => return Err(format!("the token request failed: {error}").into()),
        }
    };
    println!("\nApproved.");
    println!(
        "Got a {} token with scope: {}",
        tokens.token_type,
        tokens.scope.as_deref().unwrap_or(&scope)
    );

    // 5. Ask the userinfo endpoint who signed in (OpenID Connect Core §5.3).
    let Some(userinfo) = metadata.userinfo_endpoint else {
        println!("The server lists no userinfo endpoint; done.");
        return Ok(());
    };
    let claims: Value = read_json(
        http.get(&userinfo)
            .bearer_auth(&tokens.access_token)
            .send()?,
        "userinfo",
    )?;
    println!("{}", serde_json::to_string_pretty(&claims)?);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("device_login: {e}");
            ExitCode::FAILURE
        }
    }
}
