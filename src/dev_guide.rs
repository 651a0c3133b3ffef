//! What `gatehouse dev` prints at start: the demo seed's users, its
//! standard clients with authorize URLs that work as pasted (a PKCE pair
//! made on the spot for the public ones), and its ready client for each
//! enabled dialect with that dialect's endpoints and a first request that
//! works as pasted. Every name and secret comes from the demo seed itself.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;

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

/// A dialect's endpoints, a first request for its client (`id`, `secret`,
/// and a user's `name` and `password`) that works as pasted, and what next.
struct Guide {
    endpoints: &'static [&'static str],
    first: fn(&str, &str, &str, &str, &str) -> String,
    next: &'static str,
}

fn guide(dialect: Dialect) -> Guide {
    match dialect {
        Dialect::Skritter => Guide {
            endpoints: &["/api/v0/oauth2/authorize", "/api/v0/oauth2/token", "/api/v0/users/me"],
            first: |issuer, id, secret, user, password| {
                let basic = sh(&format!("Authorization: basic {}", STANDARD.encode(format!("{id}:{secret}"))));
                format!("curl -s -H {basic} -d grant_type=password -d client_id={id} -d username={user} -d password={password} {issuer}/api/v0/oauth2/token")
            },
            next: "then: curl -s \"ISSUER/api/v0/users/me?bearer_token=<access_token>\"",
        },
        Dialect::Mastodon => Guide {
            endpoints: &["/api/v1/apps", "/oauth/authorize", "/oauth/token", "/api/v1/accounts/verify_credentials"],
            first: |issuer, _, _, _, _| {
                format!(
                    "curl -s -d client_name=MyApp -d redirect_uris=urn:ietf:wg:oauth:2.0:oob -d {} {issuer}/api/v1/apps",
                    sh("scopes=read write follow")
                )
            },
            next: "or sign in at ISSUER/oauth/authorize?response_type=code&client_id=CLIENT&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read%20write%20follow and send the code as refresh_token with grant_type=refresh_token to /oauth/token",
        },
        Dialect::Piictu => Guide {
            endpoints: &["/oauth/access_token", "/v2/users/me"],
            first: |issuer, id, secret, user, password| {
                format!("curl -s -F grant_type=password -F client_id={id} -F client_secret={secret} -F username={user} -F password={password} {issuer}/oauth/access_token")
            },
            next: "then: curl -s -H \"Authorization: OAuth <access_token>\" ISSUER/v2/users/me",
        },
        Dialect::Scratch => Guide {
            endpoints: &[
                "/w/rest.php/soa2/v0/login/{username}",
                "/w/rest.php/soa2/v0/applications",
                "/oauth/authorize",
                "/w/rest.php/soa2/v0/tokens",
                "/w/rest.php/soa2/v0/user",
            ],
            first: |issuer, _, _, user, _| format!("curl -s -X PUT {issuer}/w/rest.php/soa2/v0/login/{user}"),
            next: "or sign in at ISSUER/oauth/authorize?response_type=code&client_id=CLIENT&scope=identify, copy the code, and POST {\"client_id\":CLIENT,\"client_secret\":\"SECRET\",\"code\":\"<code>\",\"scopes\":\"identify\"} to /w/rest.php/soa2/v0/tokens",
        },
        Dialect::Appnet => Guide {
            endpoints: &["/oauth/authenticate", "/oauth/access_token", "/stream/0/token"],
            first: |issuer, id, secret, _, _| {
                format!("curl -s -d client_id={id} -d client_secret={secret} -d grant_type=client_credentials {issuer}/oauth/access_token")
            },
            next: "then: curl -s -H \"Authorization: Bearer <access_token>\" ISSUER/stream/0/token",
        },
    }
}

fn text_of(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

/// The text `gatehouse dev` prints once it listens on `issuer`.
pub fn text(issuer: &str, dialects: &[Dialect]) -> String {
    let seed: Value = serde_json::from_str(crate::seed::DEMO).unwrap_or(Value::Null);
    let clients: Vec<&Value> = seed["clients"].as_array().into_iter().flatten().collect();
    let users: Vec<&Value> = seed["users"].as_array().into_iter().flatten().collect();
    let names: Vec<&str> = dialects.iter().map(|d| d.name()).collect();
    let mut out = format!(
        "Gatehouse development server at {issuer} (dialects: {})\n",
        names.join(", ")
    );
    let people: Vec<String> = users
        .iter()
        .map(|u| {
            let admin = if u["admin"] == true { " (admin)" } else { "" };
            format!(
                "{} / {}{admin}",
                text_of(&u["username"]),
                text_of(&u["password"])
            )
        })
        .collect();
    out.push_str(&format!(
        "Users: {}, or sign in as anyone.\n\n",
        people.join(", ")
    ));
    out.push_str(&format!(
        "{:<10} {:<16} authorize URL\n",
        "client_id", "client_secret"
    ));
    let mut notes = Vec::new();
    for client in clients.iter().filter(|c| c.get("dialect").is_none()) {
        let id = text_of(&client["client_id"]);
        let secret = client["client_secret"].as_str();
        let url = match client["redirect_uris"].get(0).and_then(Value::as_str) {
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
    let (user, password) = users.first().map_or(("alice", ""), |u| {
        (text_of(&u["username"]), text_of(&u["password"]))
    });
    for dialect in dialects {
        let Some(client) = clients.iter().find(|c| c["dialect"] == dialect.name()) else {
            continue;
        };
        let (id, secret) = (
            text_of(&client["client_id"]),
            text_of(&client["client_secret"]),
        );
        let g = guide(*dialect);
        out.push_str(&format!(
            "\n[{dialect}] client_id {id}  client_secret {secret}\n"
        ));
        out.push_str(&format!("  endpoints: {}\n", g.endpoints.join(" ")));
        out.push_str(&format!(
            "  first request: {}\n",
            (g.first)(issuer, id, secret, user, password)
        ));
        let next = g
            .next
            .replace("ISSUER", issuer)
            .replace("CLIENT", id)
            .replace("SECRET", secret);
        out.push_str(&format!("  {next}\n"));
    }
    out
}
