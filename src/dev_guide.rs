//! What `gatehouse dev` prints at start: the demo users, the standard demo
//! clients with authorize URLs that work as pasted (a PKCE pair made on the
//! spot for the public ones), and one ready client per enabled dialect with
//! that dialect's endpoints and a first request that works as pasted.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use crate::crypto::{random, sha256};
use crate::dialects::Dialect;

/// A PKCE pair (RFC 7636 §4.1, S256): the verifier and its challenge.
fn pkce_pair() -> Option<(String, String)> {
    let mut bytes = [0u8; 32];
    random::fill(&mut bytes).ok()?;
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()));
    Some((verifier, challenge))
}

/// An authorize URL on `issuer` with these parameters.
fn authorize_url(issuer: &str, path: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(&format!("{issuer}{path}")) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.to_string()
        }
        Err(_) => String::new(),
    }
}

/// Quotes a value for a POSIX shell.
fn sh(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// One dialect's ready client: its endpoints, a first request that works as
/// pasted, and what to do next.
struct Ready {
    dialect: Dialect,
    client_id: &'static str,
    secret: &'static str,
    endpoints: &'static [&'static str],
    first: String,
    next: &'static str,
}

fn ready(dialect: Dialect, issuer: &str) -> Ready {
    match dialect {
        Dialect::Skritter => Ready {
            dialect,
            client_id: "skritter-app",
            secret: "skritter-app-secret",
            endpoints: &[
                "/api/v0/oauth2/authorize",
                "/api/v0/oauth2/token",
                "/api/v0/users/me",
            ],
            first: format!(
                "curl -s -H {} -d grant_type=password -d client_id=skritter-app -d username=alice -d password=alice-wonderland {issuer}/api/v0/oauth2/token",
                sh(&format!("Authorization: basic {}", STANDARD.encode("skritter-app:skritter-app-secret")))
            ),
            next: "then: curl -s \"ISSUER/api/v0/users/me?bearer_token=<access_token>\"",
        },
        Dialect::Mastodon => Ready {
            dialect,
            client_id: "mastodon-app",
            secret: "mastodon-app-secret",
            endpoints: &[
                "/api/v1/apps",
                "/oauth/authorize",
                "/oauth/token",
                "/api/v1/accounts/verify_credentials",
            ],
            first: format!(
                "curl -s -d client_name=MyApp -d redirect_uris=urn:ietf:wg:oauth:2.0:oob -d {} {issuer}/api/v1/apps",
                sh("scopes=read write follow")
            ),
            next: "or sign in at ISSUER/oauth/authorize?response_type=code&client_id=mastodon-app&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read%20write%20follow and send the code as refresh_token with grant_type=refresh_token to /oauth/token",
        },
        Dialect::Piictu => Ready {
            dialect,
            client_id: "piictu-app",
            secret: "piictu-app-secret",
            endpoints: &["/oauth/access_token", "/v2/users/me"],
            first: format!(
                "curl -s -F grant_type=password -F client_id=piictu-app -F client_secret=piictu-app-secret -F username=alice -F password=alice-wonderland {issuer}/oauth/access_token"
            ),
            next: "then: curl -s -H \"Authorization: OAuth <access_token>\" ISSUER/v2/users/me",
        },
        Dialect::Scratch => Ready {
            dialect,
            client_id: "1000001",
            secret: "scratch-app-secret",
            endpoints: &[
                "/w/rest.php/soa2/v0/login/{username}",
                "/w/rest.php/soa2/v0/applications",
                "/oauth/authorize",
                "/w/rest.php/soa2/v0/tokens",
                "/w/rest.php/soa2/v0/user",
            ],
            first: format!("curl -s -X PUT {issuer}/w/rest.php/soa2/v0/login/alice"),
            next: "or sign in at ISSUER/oauth/authorize?response_type=code&client_id=1000001&scope=identify, copy the code, and POST {\"client_id\":1000001,\"client_secret\":\"scratch-app-secret\",\"code\":\"<code>\",\"scopes\":\"identify\"} to /w/rest.php/soa2/v0/tokens",
        },
        Dialect::Appnet => Ready {
            dialect,
            client_id: "appnet-app",
            secret: "appnet-app-secret",
            endpoints: &[
                "/oauth/authenticate",
                "/oauth/access_token",
                "/stream/0/token",
            ],
            first: format!(
                "curl -s -d client_id=appnet-app -d client_secret=appnet-app-secret -d grant_type=client_credentials {issuer}/oauth/access_token"
            ),
            next: "then: curl -s -H \"Authorization: Bearer <access_token>\" ISSUER/stream/0/token",
        },
    }
}

/// The text `gatehouse dev` prints once it listens on `issuer`.
pub fn text(issuer: &str, dialects: &[Dialect]) -> String {
    let names: Vec<&str> = dialects.iter().map(|d| d.name()).collect();
    let mut out = format!(
        "Gatehouse development server at {issuer} (dialects: {})\n",
        names.join(", ")
    );
    out.push_str(
        "Users: alice / alice-wonderland (admin), bob / bob-the-builder, or sign in as anyone.\n\n",
    );
    out.push_str(&format!(
        "{:<10} {:<16} authorize URL\n",
        "client_id", "client_secret"
    ));
    let standard: [(&str, Option<&str>, Option<&str>); 4] = [
        (
            "webapp",
            Some("webapp-secret"),
            Some("http://127.0.0.1:9000/cb"),
        ),
        ("service", Some("service-secret"), None),
        ("cli", None, Some("http://127.0.0.1/callback")),
        ("tv", None, None),
    ];
    let mut notes = Vec::new();
    for (id, secret, redirect) in standard {
        let url = match redirect {
            None => "-".to_owned(),
            Some(redirect) => {
                let mut params = vec![
                    ("response_type", "code"),
                    ("client_id", id),
                    ("redirect_uri", redirect),
                    ("scope", "openid profile read"),
                    ("state", "dev"),
                ];
                let pair = secret.is_none().then(pkce_pair).flatten();
                if let Some((verifier, challenge)) = &pair {
                    params.push(("code_challenge", challenge));
                    params.push(("code_challenge_method", "S256"));
                    notes.push(format!(
                        "{id}: public, so the URL carries a PKCE challenge; exchange its code with code_verifier={verifier}"
                    ));
                }
                authorize_url(issuer, "/oauth/authorize", &params)
            }
        };
        out.push_str(&format!(
            "{id:<10} {:<16} {url}\n",
            secret.unwrap_or("(public)")
        ));
    }
    for note in notes {
        out.push_str(&format!("  {note}\n"));
    }
    out.push_str("  Nothing needs to listen at a redirect URI: in development mode the answer is shown on a page.\n");
    for dialect in dialects {
        let r = ready(*dialect, issuer);
        out.push_str(&format!(
            "\n[{}] client_id {}  client_secret {}\n",
            r.dialect, r.client_id, r.secret
        ));
        out.push_str(&format!("  endpoints: {}\n", r.endpoints.join(" ")));
        out.push_str(&format!("  first request: {}\n", r.first));
        out.push_str(&format!("  {}\n", r.next.replace("ISSUER", issuer)));
    }
    out
}
