//! Every setting of `gatehouse serve`, in one table: its key in the config
//! file, its flag, its variable, its default and its meaning. The flags,
//! the file's keys, `gatehouse config example`, `gatehouse config check`
//! and the README's settings table all come from this table, so they cannot
//! drift. A value comes from the flag, else the `GATEHOUSE_*` variable,
//! else the config file (`--config`, TOML), else the default.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::config::Config;

/// One setting.
#[derive(Debug)]
pub struct Setting {
    /// Its key in the config file.
    pub key: &'static str,
    /// Its flag (`--addr`); empty: none, for a password that must not
    /// show in the process list.
    pub flag: &'static str,
    /// Its variable (`GATEHOUSE_ADDR`).
    pub env: &'static str,
    /// Its default, as written in a file; `None`: unset.
    pub default: Option<&'static str>,
    /// What it means, in one line.
    pub help: &'static str,
    /// Several values: a repeatable flag, a comma-separated variable, a TOML array.
    pub list: bool,
    /// Masked wherever settings are shown.
    pub secret: bool,
    /// Parses one value into the configuration.
    apply: fn(&mut Config, &str) -> Result<(), String>,
}

fn num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("`{v}` is not a whole number"))
}

fn parse<T: std::str::FromStr>(v: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    v.trim().parse().map_err(|e: T::Err| e.to_string())
}

fn addr(v: &str) -> Result<SocketAddr, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("`{v}` is not an address:port such as 127.0.0.1:8080"))
}

fn boolean(v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("`{other}`: use true or false")),
    }
}

/// A trusted proxy: a CIDR range, or one address.
fn net(v: &str) -> Result<ipnet::IpNet, String> {
    let v = v.trim();
    v.parse::<ipnet::IpNet>()
        .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{v}`: give an address or a CIDR range such as 10.0.0.0/8"))
}

fn some(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

macro_rules! setting {
    ($key:literal, $flag:literal, $env:literal, $default:expr, $help:literal, |$c:ident, $v:ident| $apply:expr) => {
        Setting {
            key: $key,
            flag: $flag,
            env: $env,
            default: $default,
            help: $help,
            list: false,
            secret: false,
            apply: |$c, $v| {
                $apply;
                Ok(())
            },
        }
    };
}

/// Every setting of `gatehouse serve`, in the order the README lists them.
pub static SETTINGS: &[Setting] = &[
    setting!("addr", "--addr", "GATEHOUSE_ADDR", Some("127.0.0.1:8080"),
        "where to listen (port 0 picks one)", |c, v| c.addr = addr(v)?),
    setting!("data", "--data", "GATEHOUSE_DATA", Some("data/db"),
        "the database directory", |c, v| c.data = PathBuf::from(v.trim())),
    setting!("issuer", "--issuer", "GATEHOUSE_ISSUER", None,
        "the issuer URL; every URL the server builds starts from it (default: http:// and the listen address)",
        |c, v| c.issuer = some(v)),
    setting!("seed", "--seed", "GATEHOUSE_SEED", None,
        "a JSON seed file applied at start", |c, v| c.seed = some(v).map(PathBuf::from)),
    setting!("store", "--store", "GATEHOUSE_STORE", None,
        "a PostgreSQL URL (postgres://…?sslmode=…) that several instances share; unset: the embedded database in --data", |c, v| c.store_url = some(v)),
    setting!("cache_mb", "--cache-mb", "GATEHOUSE_CACHE_MB", Some("32"),
        "bound of the database page cache, MiB", |c, v| c.cache_bytes = num::<u64>(v)? * 1024 * 1024),
    setting!("access_token_ttl", "--access-token-ttl", "GATEHOUSE_ACCESS_TOKEN_TTL", Some("3600"),
        "access token lifetime, seconds", |c, v| c.access_token_ttl = num(v)?),
    setting!("refresh_token_ttl", "--refresh-token-ttl", "GATEHOUSE_REFRESH_TOKEN_TTL", Some("2592000"),
        "refresh token lifetime, seconds (0: never)", |c, v| c.refresh_token_ttl = num(v)?),
    setting!("code_ttl", "--code-ttl", "GATEHOUSE_CODE_TTL", Some("60"),
        "authorization code lifetime, seconds (out-of-band codes: at least 600)", |c, v| c.code_ttl = num(v)?),
    setting!("id_token_ttl", "--id-token-ttl", "GATEHOUSE_ID_TOKEN_TTL", Some("3600"),
        "ID token lifetime, seconds", |c, v| c.id_token_ttl = num(v)?),
    setting!("device_code_ttl", "--device-code-ttl", "GATEHOUSE_DEVICE_CODE_TTL", Some("600"),
        "device code lifetime, seconds (RFC 8628)", |c, v| c.device_code_ttl = num(v)?),
    setting!("device_interval", "--device-interval", "GATEHOUSE_DEVICE_INTERVAL", Some("5"),
        "the device flow's minimum polling interval, seconds", |c, v| c.device_interval = num(v)?),
    setting!("session_idle", "--session-idle", "GATEHOUSE_SESSION_IDLE", Some("28800"),
        "a session ends after this many idle seconds", |c, v| c.session_idle = num(v)?),
    setting!("session_absolute", "--session-absolute", "GATEHOUSE_SESSION_ABSOLUTE", Some("604800"),
        "and this long after sign-in in any case", |c, v| c.session_absolute = num(v)?),
    setting!("rotate_confidential_refresh", "--rotate-confidential-refresh", "GATEHOUSE_ROTATE_CONFIDENTIAL_REFRESH", Some("true"),
        "rotate confidential clients' refresh tokens too", |c, v| c.rotate_confidential_refresh = boolean(v)?),
    setting!("refresh_grace", "--refresh-grace", "GATEHOUSE_REFRESH_GRACE", Some("0"),
        "seconds a rotated refresh token still answers its successor", |c, v| c.refresh_grace = num(v)?),
    setting!("pbkdf2_iterations", "--pbkdf2-iterations", "GATEHOUSE_PBKDF2_ITERATIONS", Some("600000"),
        "PBKDF2-HMAC-SHA256 iterations for new passwords", |c, v| c.pbkdf2_iterations = num(v)?),
    setting!("hash_concurrency", "--hash-concurrency", "GATEHOUSE_HASH_CONCURRENCY", None,
        "password hashes that may run at once; more sign-ins wait their turn (default: one per core)",
        |c, v| if let Some(n) = some(v) { c.hash_concurrency = num(&n)? }),
    setting!("sweep_interval", "--sweep-interval", "GATEHOUSE_SWEEP_INTERVAL", Some("60"),
        "seconds between sweeps of expired tokens", |c, v| c.sweep_interval = num(v)?),
    setting!("shared_refresh", "--shared-refresh", "GATEHOUSE_SHARED_REFRESH", Some("60"),
        "with a shared store, seconds between reads of the signing keys and policies that other instances may have changed", |c, v| c.shared_refresh = num(v)?),
    setting!("workers", "--workers", "GATEHOUSE_WORKERS", None,
        "HTTP worker threads (default: one per core)",
        |c, v| c.workers = some(v).map(|n| num(&n)).transpose()?),
    setting!("registration", "--registration", "GATEHOUSE_REGISTRATION", Some("token"),
        "dynamic client registration: open, token or closed", |c, v| c.registration = parse(v)?),
    setting!("signup", "--signup", "GATEHOUSE_SIGNUP", Some("closed"),
        "who may create an account: open, invite or closed", |c, v| c.signup = parse(v)?),
    Setting { key: "dialects", flag: "--dialect", env: "GATEHOUSE_DIALECTS", default: None,
        help: "also speak a provider's API: skritter, mastodon, piictu, scratch or appnet",
        list: true, secret: false,
        apply: |c, v| { c.dialects.push(parse(v)?); Ok(()) } },
    Setting { key: "trusted_proxies", flag: "--trusted-proxy", env: "GATEHOUSE_TRUSTED_PROXY", default: None,
        help: "a reverse proxy's address or CIDR range whose forwarding headers are believed",
        list: true, secret: false,
        apply: |c, v| { c.trusted_proxies.push(net(v)?); Ok(()) } },
    setting!("log_format", "--log-format", "GATEHOUSE_LOG_FORMAT", Some("text"),
        "log lines as text, or json (one object a line)", |c, v| c.log_format = parse(v)?),
    setting!("tls_cert", "--tls-cert", "GATEHOUSE_TLS_CERT", None,
        "serve HTTPS with this certificate chain (PEM; re-read on SIGHUP)",
        |c, v| c.tls_cert = some(v).map(PathBuf::from)),
    setting!("tls_key", "--tls-key", "GATEHOUSE_TLS_KEY", None,
        "and this private key (PEM)", |c, v| c.tls_key = some(v).map(PathBuf::from)),
    setting!("acme_domain", "--acme-domain", "GATEHOUSE_ACME_DOMAIN", None,
        "serve HTTPS with a certificate for this name obtained by ACME (TLS-ALPN-01 on this port)",
        |c, v| c.acme_domain = some(v)),
    setting!("acme_email", "--acme-email", "GATEHOUSE_ACME_EMAIL", None,
        "the ACME account's contact address", |c, v| c.acme_email = some(v)),
    setting!("acme_directory", "--acme-directory", "GATEHOUSE_ACME_DIRECTORY", Some("https://acme-v02.api.letsencrypt.org/directory"),
        "the ACME directory URL", |c, v| c.acme_directory = v.trim().to_owned()),
    setting!("acme_ca", "--acme-ca", "GATEHOUSE_ACME_CA", None,
        "a root certificate (PEM) the ACME directory's own TLS is signed by (test CAs)",
        |c, v| c.acme_ca = some(v).map(PathBuf::from)),
    setting!("acme_check_interval", "--acme-check-interval", "GATEHOUSE_ACME_CHECK_INTERVAL", Some("3600"),
        "seconds between checks of the certificate's age (renewal when a third of its life is left)",
        |c, v| c.acme_check_interval = num(v)?),
    setting!("http_redirect", "--http-redirect", "GATEHOUSE_HTTP_REDIRECT", None,
        "also listen here (port 80) for plain HTTP: redirect it to HTTPS, and validate ACME by HTTP-01",
        |c, v| c.http_redirect = some(v).map(|a| addr(&a)).transpose()?),
    setting!("audit_retention_days", "--audit-retention-days", "GATEHOUSE_AUDIT_RETENTION_DAYS", Some("90"),
        "days the audit trail (/admin/audit) keeps an event", |c, v| c.audit_retention_days = num(v)?),
    setting!("audit_log", "--audit-log", "GATEHOUSE_AUDIT_LOG", Some("false"),
        "also write every audit event as a log line", |c, v| c.audit_log = boolean(v)?),
    setting!("metrics_addr", "--metrics-addr", "GATEHOUSE_METRICS_ADDR", None,
        "serve /metrics on this separate address (keep it private)",
        |c, v| c.metrics_addr = some(v).map(|a| addr(&a)).transpose()?),
    Setting { key: "metrics_token", flag: "--metrics-token", env: "GATEHOUSE_METRICS_TOKEN", default: None,
        help: "serve /metrics on the main address to this bearer token",
        list: false, secret: true,
        apply: |c, v| { c.metrics_token = some(v); Ok(()) } },
    setting!("smtp_url", "--smtp-url", "GATEHOUSE_SMTP_URL", None,
        "the SMTP relay for verification and reset mail: smtp://host:port (loopback), smtp+starttls://… or smtps://…, user and password optional; unset: no mail",
        |c, v| c.smtp_url = some(v).map(|u| crate::mail::SmtpUrl::parse(&u)).transpose()?),
    setting!("smtp_from", "--smtp-from", "GATEHOUSE_SMTP_FROM", None,
        "the address mail comes from, as `address` or `Name <address>`",
        |c, v| c.smtp_from = some(v).map(|f| crate::mail::check_sender(&f)).transpose()?),
    Setting { key: "smtp_password", flag: "", env: "GATEHOUSE_SMTP_PASSWORD", default: None,
        help: "the SMTP password, when it is not in the URL (no flag: it would show in the process list)",
        list: false, secret: true,
        apply: |c, v| { c.smtp_password = (!v.is_empty()).then(|| crate::mail::SmtpPassword(v.to_owned())); Ok(()) } },
];

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// The config file.
    File,
    /// A `GATEHOUSE_*` variable.
    Env,
    /// A command-line flag.
    Flag,
}

impl Origin {
    fn name(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::File => "config file",
            Origin::Env => "environment",
            Origin::Flag => "flag",
        }
    }
}

/// The settings in force and where each came from.
#[derive(Debug)]
pub struct Resolved {
    /// The configuration to start with.
    pub config: Config,
    /// Each setting's values (as text) and origin, in table order.
    pub values: Vec<(&'static Setting, Vec<String>, Origin)>,
}

/// The 1-based line of `key` in a TOML text (its first assignment).
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || line.strip_prefix(&format!("\"{key}\"")).is_some()
        })
        .map_or(0, |i| i + 1)
}

/// A TOML value as the setting's text values.
fn file_values(setting: &Setting, value: &toml::Value) -> Result<Vec<String>, String> {
    let scalar = |v: &toml::Value| match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!("`{other}` is not a string, number or boolean")),
    };
    match (setting.list, value) {
        (true, toml::Value::Array(items)) => items.iter().map(scalar).collect(),
        (true, other) => Ok(vec![scalar(other)?]),
        (false, toml::Value::Array(_)) => Err("takes one value, not a list".into()),
        (false, other) => Ok(vec![scalar(other)?]),
    }
}

/// Reads a config file: its values by key. An unknown key, or a value of
/// the wrong shape, is an error that names the key and its line.
pub fn read_file(path: &Path) -> Result<HashMap<&'static str, Vec<String>>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("config file {}: {e}", path.display()))?;
    parse_file(path, &text)
}

fn parse_file(path: &Path, text: &str) -> Result<HashMap<&'static str, Vec<String>>, String> {
    let fail = |line: usize, problem: String| {
        format!("config file {}, line {line}: {problem}", path.display())
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        format!(
            "config file {}: {}",
            path.display(),
            e.to_string().trim_end()
        )
    })?;
    let mut values = HashMap::new();
    for (key, value) in &table {
        if key == UPSTREAM {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("[[upstream]]"))
                .map_or(0, |i| i + 1);
            values.insert(UPSTREAM, upstream_tables(value).map_err(|p| fail(line, p))?);
            continue;
        }
        let line = line_of(text, key);
        let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
            return Err(fail(line, format!("unknown key `{key}`")));
        };
        let found = file_values(setting, value).map_err(|p| fail(line, format!("`{key}`: {p}")))?;
        values.insert(setting.key, found);
    }
    Ok(values)
}

/// The key of the `[[upstream]]` tables: providers to sign in through. They
/// are only in the config file (a table has no flag), so they are not in
/// [`SETTINGS`]; each is kept as JSON text and read by `ProviderConfig`.
pub const UPSTREAM: &str = "upstream";

/// The `[[upstream]]` tables as JSON texts, each checked.
fn upstream_tables(value: &toml::Value) -> Result<Vec<String>, String> {
    let tables = match value {
        toml::Value::Array(items) => items.iter().collect(),
        table @ toml::Value::Table(_) => vec![table],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for table in tables {
        if !table.is_table() {
            return Err("`upstream`: write each provider as an [[upstream]] table".into());
        }
        let json = serde_json::to_string(table).map_err(|e| format!("[[upstream]]: {e}"))?;
        crate::accounts::upstream::ProviderConfig::parse(&json)?;
        out.push(json);
    }
    Ok(out)
}

/// Resolves every setting: `flags` (values given on the command line, by
/// key), then `env` (a variable's value by name), then the config file
/// `file` (already read), then the default. The first value that fails to
/// parse is an error naming its setting and origin.
pub fn resolve(
    flags: &HashMap<&'static str, Vec<String>>,
    env: impl Fn(&str) -> Option<String>,
    file: &HashMap<&'static str, Vec<String>>,
) -> Result<Resolved, String> {
    let mut config = Config::new(addr("127.0.0.1:8080")?, PathBuf::from("data/db"));
    let mut values = Vec::new();
    for setting in SETTINGS {
        let from_env = env(setting.env).filter(|v| !v.is_empty()).map(|v| {
            if setting.list {
                v.split(',').map(str::to_owned).collect()
            } else {
                vec![v]
            }
        });
        let (found, origin) = if let Some(v) = flags.get(setting.key).filter(|v| !v.is_empty()) {
            let v = if setting.list {
                v.iter()
                    .flat_map(|x| x.split(','))
                    .map(str::to_owned)
                    .collect()
            } else {
                v.clone()
            };
            (v, Origin::Flag)
        } else if let Some(v) = from_env {
            (v, Origin::Env)
        } else if let Some(v) = file.get(setting.key) {
            (v.clone(), Origin::File)
        } else {
            (
                setting
                    .default
                    .map(|d| vec![d.to_owned()])
                    .unwrap_or_default(),
                Origin::Default,
            )
        };
        for value in &found {
            (setting.apply)(&mut config, value).map_err(|problem| {
                let whence = match origin {
                    Origin::Flag => setting.flag.to_owned(),
                    Origin::Env => setting.env.to_owned(),
                    Origin::File => format!("config key `{}`", setting.key),
                    Origin::Default => format!("the default of {}", setting.key),
                };
                format!("{whence}: {problem}")
            })?;
        }
        values.push((setting, found, origin));
    }
    for json in file.get(UPSTREAM).into_iter().flatten() {
        let provider = crate::accounts::upstream::ProviderConfig::parse(json)?;
        config.upstreams.push(provider);
    }
    crate::accounts::upstream::config::check_unique(&config.upstreams)?;
    Ok(Resolved { config, values })
}

/// The effective settings as `key = value   # origin` lines, secrets masked.
pub fn describe(resolved: &Resolved) -> String {
    let mut out = String::new();
    for (setting, values, origin) in &resolved.values {
        let shown = if values.is_empty() {
            "(unset)".to_owned()
        } else if setting.secret {
            "********".to_owned()
        } else if setting.list {
            let masked: Vec<String> = values
                .iter()
                .map(|v| crate::mail::mask_url_password(v))
                .collect();
            format!("{masked:?}")
        } else {
            // A URL's password (`--smtp-url`, `--store`) is never shown.
            format!("{:?}", crate::mail::mask_url_password(&values[0]))
        };
        out.push_str(&format!(
            "{:<28} = {shown:<32} # {}\n",
            setting.key,
            origin.name()
        ));
    }
    for p in &resolved.config.upstreams {
        let whence = p
            .issuer
            .as_deref()
            .or(p.authorization_url.as_deref())
            .unwrap_or("");
        out.push_str(&format!(
            "[[upstream]] {:<17} = {:<32} # config file (client {}, secret ********)\n",
            p.name,
            format!("{whence:?}"),
            p.client_id
        ));
    }
    out
}

/// A complete config file with every setting commented out at its default.
pub fn example() -> String {
    let mut out = String::from(
        "# gatehouse.toml: every setting of `gatehouse serve`.\n\
         # A flag wins over its GATEHOUSE_* variable, which wins over this file,\n\
         # which wins over the default shown. Remove the `#` to set a value.\n",
    );
    for s in SETTINGS {
        match s.flag {
            "" => out.push_str(&format!("\n# {} ({})\n", s.help, s.env)),
            flag => out.push_str(&format!("\n# {} ({flag}, {})\n", s.help, s.env)),
        }
        let value = match (s.list, s.default) {
            (true, _) => "[]".to_owned(),
            (false, Some(d)) if d.parse::<u64>().is_ok() || d == "true" || d == "false" => {
                d.to_owned()
            }
            (false, Some(d)) => format!("{d:?}"),
            (false, None) => "\"\"".to_owned(),
        };
        out.push_str(&format!("#{} = {value}\n", s.key));
    }
    out.push_str(
        "\n# Providers to sign in through, one [[upstream]] table each, after every\n\
         # other key (see the README, \"Sign in through another provider\"):\n\
         ## [[upstream]]\n\
         ## name = \"corp\"            # the button goes to /login/upstream/corp\n\
         ## label = \"Corp account\"\n\
         ## issuer = \"https://id.example.org/realms/corp\"   # OpenID Connect, by discovery\n\
         ## client_id = \"gatehouse\"\n\
         ## client_secret = \"…\"\n\
         ## scope = \"openid profile email\"\n",
    );
    out
}

/// The README's settings table (Markdown), from the same table.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| key | flag | variable | default | meaning |\n| --- | --- | --- | --- | --- |\n",
    );
    for s in SETTINGS {
        let default = s
            .default
            .map_or_else(|| "unset".to_owned(), |d| format!("`{d}`"));
        let flag = if s.flag.is_empty() {
            "none".to_owned()
        } else if s.list {
            format!("`{}` (repeatable)", s.flag)
        } else {
            format!("`{}`", s.flag)
        };
        out.push_str(&format!(
            "| `{}` | {flag} | `{}` | {default} | {} |\n",
            s.key, s.env, s.help
        ));
    }
    out
}

/// Every variable name the settings read (for the unknown-variable warning).
pub fn variables() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().map(|s| s.env).chain(["GATEHOUSE_CONFIG"])
}

/// Names of set `GATEHOUSE_*` variables that no setting reads (likely typos).
pub fn unknown_variables() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("GATEHOUSE_") && !variables().any(|v| v == k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_defaults_are_the_configurations_own() {
        let resolved = resolve(&HashMap::new(), none, &HashMap::new()).unwrap();
        let plain = Config::new("127.0.0.1:8080".parse().unwrap(), "data/db".into());
        assert_eq!(format!("{:?}", resolved.config), format!("{plain:?}"));
    }

    #[test]
    fn a_flag_beats_the_variable_which_beats_the_file() {
        let path = Path::new("t.toml");
        let file = parse_file(
            path,
            "code_ttl = 30\nsession_idle = 100\nsignup = \"open\"\n",
        )
        .unwrap();
        let env = |name: &str| match name {
            "GATEHOUSE_CODE_TTL" => Some("40".to_owned()),
            "GATEHOUSE_SESSION_IDLE" => Some("200".to_owned()),
            _ => None,
        };
        let mut flags = HashMap::new();
        flags.insert("code_ttl", vec!["50".to_owned()]);
        let r = resolve(&flags, env, &file).unwrap();
        assert_eq!(r.config.code_ttl, 50);
        assert_eq!(r.config.session_idle, 200);
        assert_eq!(r.config.signup, crate::accounts::signup::Signup::Open);
        assert_eq!(r.config.refresh_grace, 0);
    }

    #[test]
    fn an_unknown_key_names_itself_and_its_line() {
        let e = parse_file(
            Path::new("g.toml"),
            "addr = \"127.0.0.1:1\"\n\n  colour = \"red\"\n",
        )
        .unwrap_err();
        assert!(e.contains("line 3") && e.contains("`colour`"), "{e}");
        let e = parse_file(Path::new("g.toml"), "code_ttl = [1, 2]\n").unwrap_err();
        assert!(e.contains("line 1") && e.contains("code_ttl"), "{e}");
    }

    #[test]
    fn the_example_parses_and_changes_nothing() {
        let file = parse_file(Path::new("example"), &example()).unwrap();
        assert!(file.is_empty());
        let uncommented: String = example()
            .lines()
            .map(|l| {
                l.strip_prefix('#')
                    .filter(|r| r.contains(" = "))
                    .unwrap_or(l)
            })
            .map(|l| {
                if l.starts_with("issuer") || l.starts_with("seed") {
                    ""
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let file = parse_file(Path::new("example"), &uncommented).unwrap();
        assert!(resolve(&HashMap::new(), none, &file).is_ok());
    }

    #[test]
    fn upstream_tables_are_read_and_their_secrets_never_shown() {
        let text = "signup = \"open\"\n\n[[upstream]]\nname = \"corp\"\n\
                    issuer = \"https://id.example.org\"\nclient_id = \"gate\"\n\
                    client_secret = \"hunter2\"\n\n[[upstream]]\nname = \"github\"\n\
                    authorization_url = \"https://github.com/login/oauth/authorize\"\n\
                    token_url = \"https://github.com/login/oauth/access_token\"\n\
                    userinfo_url = \"https://api.github.com/user\"\n\
                    client_id = \"gh\"\nclient_secret = \"hunter3\"\n";
        let file = parse_file(Path::new("u.toml"), text).unwrap();
        let r = resolve(&HashMap::new(), none, &file).unwrap();
        let names: Vec<&str> = r.config.upstreams.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["corp", "github"]);
        let shown = describe(&r);
        assert!(shown.contains("[[upstream]] corp"), "{shown}");
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(!format!("{:?}", r.config).contains("hunter"));
        let e = parse_file(
            Path::new("u.toml"),
            "[[upstream]]\nname = \"x\"\nclient_id = \"c\"\nclient_secret = \"s\"\n",
        )
        .unwrap_err();
        assert!(e.contains("issuer"), "{e}");
        let twice = format!("{text}\n[[upstream]]\nname = \"corp\"\nissuer = \"https://b\"\nclient_id = \"c\"\nclient_secret = \"s\"\n");
        let file = parse_file(Path::new("u.toml"), &twice).unwrap();
        assert!(resolve(&HashMap::new(), none, &file).is_err());
    }

    #[test]
    fn secrets_are_masked() {
        let mut flags = HashMap::new();
        flags.insert("metrics_token", vec!["very-secret".to_owned()]);
        let text = describe(&resolve(&flags, none, &HashMap::new()).unwrap());
        assert!(
            !text.contains("very-secret") && text.contains("********"),
            "{text}"
        );
    }

    #[test]
    fn a_password_in_a_url_is_masked_and_smtp_password_has_no_flag() {
        let mut flags = HashMap::new();
        flags.insert(
            "smtp_url",
            vec!["smtps://gate:hunter2@mail.example.org".to_owned()],
        );
        let text = describe(&resolve(&flags, none, &HashMap::new()).unwrap());
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.contains("smtps://gate:********@mail.example.org"),
            "{text}"
        );
        let password = SETTINGS.iter().find(|s| s.key == "smtp_password").unwrap();
        assert!(password.flag.is_empty() && password.secret);
    }
}
