//! Signs in a native app with OpenID Connect: the authorization code flow
//! with PKCE and a loopback redirect (RFC 8252 §7.3, RFC 7636), then checks
//! the ID token's signature against the server's JWKS and its `iss`, `aud`,
//! `exp`, `nonce` and `at_hash`, and prints its claims.
//!
//! Start Gatehouse with the demo seed, then run the example:
//!
//! ```text
//! cargo run --release -- serve --seed data/demo-seed.json
//! cargo run --example oidc_login
//! ```
//!
//! It tries to open your browser and always prints the URL; sign in (for
//! example `alice` / `alice-wonderland`) and allow the request. The browser
//! then comes back to a one-shot HTTP listener on `127.0.0.1`.
//!
//! Settings, from the environment:
//! - `GATEHOUSE_URL`: the issuer (default `http://127.0.0.1:8080`);
//! - `CLIENT_ID`: a public client that registered `http://127.0.0.1/callback`
//!   (default `cli`; a loopback redirect may use any port);
//! - `SCOPE`: what to ask for (default `openid profile`, which the demo seed's
//!   `cli` allows; add `email` if the client may use it).
//!
//! Only the `ring`, `base64`, `url`, `serde_json` and blocking `reqwest`
//! crates are used, so every protocol step is visible here.

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::blocking::Client;
use ring::digest::{digest, SHA256, SHA512};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Clock skew tolerated when checking `exp`, in seconds.
const LEEWAY: u64 = 60;

/// The metadata fields this example uses (OpenID Connect Discovery 1.0 §3).
#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// A successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
#[derive(Deserialize)]
struct Tokens {
    access_token: String,
    id_token: Option<String>,
    scope: Option<String>,
}

/// An error response (RFC 6749 §5.2).
#[derive(Deserialize)]
struct OAuthError {
    error: String,
    error_description: Option<String>,
}

/// What came back to the redirect URI (RFC 6749 §4.1.2, RFC 9207).
#[derive(Default)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// `n` random bytes, base64url without padding.
fn random_string(rng: &SystemRandom, n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    rng.fill(&mut bytes)
        .map_err(|_| "the system has no randomness")?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
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
        Ok(OAuthError {
            error,
            error_description,
        }) => Err(format!(
            "{what} failed: {error} ({})",
            error_description.unwrap_or_default()
        )
        .into()),
        Err(_) => Err(format!("{what} answered {status}: {body}").into()),
    }
}

/// Tries to open a browser; failing is fine, the URL is printed anyway.
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(target_os = "windows") {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        Command::new("xdg-open")
    };
    let _ = command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Answers one browser request on the listener with a small HTML page.
fn respond(stream: &mut TcpStream, status: &str, body: &str) -> Result<()> {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>oidc_login</title>\
         <p style=\"font-family:sans-serif\">{body}</p>"
    );
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{page}",
        page.len()
    )?;
    stream.flush()?;
    Ok(())
}

/// Waits for the browser to come back to `/callback`; other requests (a
/// favicon) get a 404. Only the request line matters: the response is in
/// the query (RFC 6749 §4.1.2).
fn wait_for_callback(listener: &TcpListener) -> Result<Callback> {
    for stream in listener.incoming() {
        let mut stream = stream?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        // Read the rest of the head so that closing the socket does not reset it.
        let mut line = String::new();
        while reader.read_line(&mut line)? > 2 {
            line.clear();
        }
        let target = request_line.split_whitespace().nth(1).unwrap_or("/");
        let url = Url::parse("http://127.0.0.1")?.join(target)?;
        if url.path() != "/callback" {
            respond(&mut stream, "404 Not Found", "Not found.")?;
            continue;
        }
        let mut callback = Callback::default();
        for (name, value) in url.query_pairs() {
            let value = Some(value.into_owned());
            match name.as_ref() {
                "code" => callback.code = value,
                "state" => callback.state = value,
                "iss" => callback.iss = value,
                "error" => callback.error = value,
                "error_description" => callback.error_description = value,
                _ => {}
            }
        }
        let message = if callback.error.is_some() {
            "Sign-in did not complete; see the terminal. You can close this tab."
        } else {
            "Signed in. You can close this tab and go back to the terminal."
        };
        respond(&mut stream, "200 OK", message)?;
        return Ok(callback);
    }
    Err("the listener closed before the browser came back".into())
}

/// Decodes one base64url member of a JWT or JWK.
fn b64(part: &str) -> Result<Vec<u8>> {
    Ok(URL_SAFE_NO_PAD.decode(part.trim_end_matches('='))?)
}

/// A string member of a JWK.
fn member<'a>(jwk: &'a Value, name: &str) -> Result<&'a str> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the JWK has no `{name}`").into())
}

/// Verifies a JWS signature with a JWK (RFC 7515, RFC 7518 §3, RFC 8037).
fn verify_signature(alg: &str, jwk: &Value, message: &[u8], sig: &[u8]) -> Result<()> {
    let kty = member(jwk, "kty")?;
    let outcome = match (alg, kty) {
        ("RS256", "RSA") => {
            let key = RsaPublicKeyComponents {
                n: b64(member(jwk, "n")?)?,
                e: b64(member(jwk, "e")?)?,
            };
            key.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
        }
        ("ES256", "EC") if member(jwk, "crv")? == "P-256" => {
            let (x, y) = (b64(member(jwk, "x")?)?, b64(member(jwk, "y")?)?);
            if x.len() != 32 || y.len() != 32 {
                return Err("the P-256 key has the wrong size".into());
            }
            // An uncompressed point: 0x04 || x || y (SEC 1 §2.3.3).
            let point = [&[0x04][..], &x, &y].concat();
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, sig)
        }
        ("EdDSA", "OKP") if member(jwk, "crv")? == "Ed25519" => {
            UnparsedPublicKey::new(&signature::ED25519, b64(member(jwk, "x")?)?)
                .verify(message, sig)
        }
        _ => return Err(format!("cannot verify alg {alg} with a {kty} key").into()),
    };
    outcome.map_err(|_| "the ID token's signature is not valid".into())
}

/// Verifies an ID token (OpenID Connect Core §3.1.3.7) and answers its claims.
fn verify_id_token(
    http: &Client,
    metadata: &Metadata,
    client_id: &str,
    nonce: &str,
    access_token: &str,
    id_token: &str,
) -> Result<Map<String, Value>> {
    // header.payload.signature; the signature covers `header.payload` (RFC 7515 §5.2).
    let (signed, sig) = id_token
        .rsplit_once('.')
        .ok_or("the ID token is not a compact JWS")?;
    let (header, payload) = signed
        .split_once('.')
        .filter(|(_, payload)| !payload.contains('.'))
        .ok_or("the ID token is not a compact JWS")?;
    let header: Value = serde_json::from_slice(&b64(header)?)?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or("the ID token names no alg")?;
    let kid = header.get("kid").and_then(Value::as_str);

    // The key: by `kid`, else the only one for the algorithm (RFC 7517 §4.5).
    let jwks: Value = read_json(http.get(&metadata.jwks_uri).send()?, "JWKS")?;
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the JWKS has no keys")?;
    let candidates: Vec<&Value> = keys
        .iter()
        .filter(|k| match kid {
            Some(kid) => k.get("kid").and_then(Value::as_str) == Some(kid),
            None => k.get("alg").and_then(Value::as_str) == Some(alg),
        })
        .collect();
    let [jwk] = candidates.as_slice() else {
        return Err(format!("no single JWKS key matches kid {kid:?} / alg {alg}").into());
    };
    if let Some(key_alg) = jwk.get("alg").and_then(Value::as_str) {
        if key_alg != alg {
            return Err(format!("the key is for {key_alg}, the token says {alg}").into());
        }
    }
    verify_signature(alg, jwk, signed.as_bytes(), &b64(sig)?)?;

    let claims: Map<String, Value> = serde_json::from_slice(&b64(payload)?)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(metadata.issuer.as_str()) {
        return Err(format!("iss is {:?}, not {}", claims.get("iss"), metadata.issuer).into());
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(auds)) => {
            auds.iter().any(|a| a.as_str() == Some(client_id))
                && (auds.len() == 1 || text("azp") == Some(client_id))
        }
        _ => false,
    };
    if !audience_ok {
        return Err(format!("the ID token is not for {client_id}").into());
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or("the ID token has no exp")?;
    if exp + LEEWAY < now {
        return Err("the ID token has expired".into());
    }
    if text("nonce") != Some(nonce) {
        return Err("the ID token's nonce is not the one sent".into());
    }
    // at_hash (§3.1.3.8 via §3.3.2.11): optional in the code flow, checked if present.
    if let Some(at_hash) = text("at_hash") {
        let hashed = match alg {
            "EdDSA" => digest(&SHA512, access_token.as_bytes()),
            _ => digest(&SHA256, access_token.as_bytes()),
        };
        let bytes = hashed.as_ref();
        if URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2]) != at_hash {
            return Err("at_hash does not match the access token".into());
        }
    }
    Ok(claims)
}

fn run() -> Result<()> {
    let issuer = setting("GATEHOUSE_URL", "http://127.0.0.1:8080");
    let client_id = setting("CLIENT_ID", "cli");
    let scope = setting("SCOPE", "openid profile email");
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    let discovery = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let metadata: Metadata = read_json(http.get(&discovery).send()?, "discovery")?;

    // The loopback redirect: any free port (RFC 8252 §7.3).
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let redirect_uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr()?.port()
    );

    // PKCE (RFC 7636 §4.1, §4.2), state and nonce.
    let rng = SystemRandom::new();
    let verifier = random_string(&rng, 32)?;
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    let state = random_string(&rng, 16)?;
    let nonce = random_string(&rng, 16)?;

    let authorize = Url::parse_with_params(
        &metadata.authorization_endpoint,
        &[
            ("response_type", "code"),
            ("client_id", &client_id),
            ("redirect_uri", &redirect_uri),
            ("scope", &scope),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )?;
    println!("Open this URL in a browser to sign in:\n\n  {authorize}\n");
    open_browser(authorize.as_str());

    let callback = wait_for_callback(&listener)?;
    if let Some(error) = callback.error {
        let hint = if error == "invalid_scope" {
            "; set SCOPE to scopes the client may use"
        } else {
            ""
        };
        return Err(format!(
            "the server refused: {error} ({}){hint}",
            callback.error_description.unwrap_or_default()
        )
        .into());
    }
    if callback.state.as_deref() != Some(state.as_str()) {
        return Err("the state does not match: this response is not for this request".into());
    }
    // RFC 9207: when the server says who it is, it must be the one we asked.
    if let Some(iss) = &callback.iss {
        if iss != &metadata.issuer {
            return Err(format!("the response comes from {iss}, not {}", metadata.issuer).into());
        }
    }
    let code = callback.code.ok_or("the redirect carries no code")?;

    // The token request of a public client (RFC 6749 §4.1.3, RFC 7636 §4.5).
    let tokens: Tokens = read_json(
        http.post(&metadata.token_endpoint)
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", &redirect_uri),
                ("client_id", &client_id),
                ("code_verifier", &verifier),
            ])
            .send()?,
        "token request",
    )?;
    let id_token = tokens
        .id_token
        .ok_or("the token response has no id_token (was `openid` in the scope?)")?;
    let claims = verify_id_token(
        &http,
        &metadata,
        &client_id,
        &nonce,
        &tokens.access_token,
        &id_token,
    )?;
    println!(
        "Signed in; the ID token is valid. Granted scope: {}",
        tokens.scope.as_deref().unwrap_or(&scope)
    );
    println!("{}", serde_json::to_string_pretty(&claims)?);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oidc_login: {e}");
            ExitCode::FAILURE
        }
    }
}
