//! The `gatehouse` command line: parse the arguments, then call the library.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gatehouse::accounts::users::NewUser;
use gatehouse::admin::{self, clients::AddClient, AdminError};
use gatehouse::clock::Clock;
use gatehouse::config::{self, Config};
use gatehouse::crypto::password::DEFAULT_ITERATIONS;

/// What `--version` prints: the release and the newest record format it writes.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (store format 2)");

/// An OAuth 2.0 and OpenID Connect provider in one binary.
#[derive(Parser)]
#[command(name = "gatehouse", version = VERSION, about, long_about = None)]
struct Cli {
    /// Log lines as `text` or `json` (one object a line); the level comes from RUST_LOG.
    #[arg(
        long,
        env = "GATEHOUSE_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    log_format: gatehouse::logging::LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// Settings every command shares.
#[derive(Args)]
struct Common {
    /// Directory of the embedded database.
    #[arg(long, env = "GATEHOUSE_DATA", default_value = "data/db", global = true)]
    data: PathBuf,
    /// Page cache of the embedded database, in MiB.
    #[arg(long, env = "GATEHOUSE_CACHE_MB", default_value_t = 32, global = true)]
    cache_mb: u64,
    /// PBKDF2-HMAC-SHA256 iterations for new password hashes.
    #[arg(long, env = "GATEHOUSE_PBKDF2_ITERATIONS", default_value_t = DEFAULT_ITERATIONS, global = true)]
    pbkdf2_iterations: u32,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "GATEHOUSE_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Issuer URL announced in discovery and tokens [default: http://<addr>].
        #[arg(long, env = "GATEHOUSE_ISSUER")]
        issuer: Option<String>,
        /// JSON seed file of users, clients and scopes, applied at start.
        #[arg(long, env = "GATEHOUSE_SEED")]
        seed: Option<PathBuf>,
        /// Database URL; only the embedded store exists yet, so leave it unset.
        #[arg(long, env = "GATEHOUSE_STORE")]
        store: Option<String>,
        /// Access token lifetime in seconds.
        #[arg(long, env = "GATEHOUSE_ACCESS_TOKEN_TTL", default_value_t = 3600)]
        access_token_ttl: u64,
        /// Refresh token lifetime in seconds (0: never expires).
        #[arg(long, env = "GATEHOUSE_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600)]
        refresh_token_ttl: u64,
        /// Authorization code lifetime in seconds.
        #[arg(long, env = "GATEHOUSE_CODE_TTL", default_value_t = 60)]
        code_ttl: u64,
        /// A session ends after this many idle seconds.
        #[arg(long, env = "GATEHOUSE_SESSION_IDLE", default_value_t = 8 * 3600)]
        session_idle: u64,
        /// A session ends this many seconds after sign-in, active or not.
        #[arg(long, env = "GATEHOUSE_SESSION_ABSOLUTE", default_value_t = 7 * 24 * 3600)]
        session_absolute: u64,
        /// Rotate confidential clients' refresh tokens on every use (public clients' always rotate).
        #[arg(long, env = "GATEHOUSE_ROTATE_CONFIDENTIAL_REFRESH", default_value_t = true, action = clap::ArgAction::Set)]
        rotate_confidential_refresh: bool,
        /// Seconds a just-rotated refresh token may be presented again and answer the same new pair.
        #[arg(long, env = "GATEHOUSE_REFRESH_GRACE", default_value_t = 0)]
        refresh_grace: u64,
        /// Dynamic client registration: open, token (an initial access token
        /// from `gatehouse registration-token create` is required) or closed.
        #[arg(long, env = "GATEHOUSE_REGISTRATION", default_value = "token")]
        registration: gatehouse::config::Registration,
        /// Also speak a provider's API (repeatable): skritter, mastodon, piictu,
        /// scratch or appnet; GATEHOUSE_DIALECTS takes a comma-separated list.
        #[arg(long = "dialect", env = "GATEHOUSE_DIALECTS", value_delimiter = ',')]
        dialects: Vec<gatehouse::dialects::Dialect>,
        /// Who may create an account at /signup: open, invite (single-use
        /// links from `gatehouse invite create`) or closed.
        #[arg(long, env = "GATEHOUSE_SIGNUP", default_value = "closed")]
        signup: gatehouse::config::Signup,
        /// Seconds between sweeps of expired tokens.
        #[arg(long, env = "GATEHOUSE_SWEEP_INTERVAL", default_value_t = 60)]
        sweep_interval: u64,
        /// HTTP worker threads [default: one per core].
        #[arg(long, env = "GATEHOUSE_WORKERS")]
        workers: Option<usize>,
        /// A reverse proxy (address or CIDR range, repeatable) whose
        /// Forwarded / X-Forwarded-For headers are believed; from anyone else
        /// they are ignored. GATEHOUSE_TRUSTED_PROXY takes a comma-separated list.
        #[arg(long = "trusted-proxy", env = "GATEHOUSE_TRUSTED_PROXY", value_delimiter = ',', value_parser = parse_net)]
        trusted_proxies: Vec<ipnet::IpNet>,
        /// Password hashes that may run at once; more sign-ins wait [default: one per core].
        #[arg(long, env = "GATEHOUSE_HASH_CONCURRENCY")]
        hash_concurrency: Option<usize>,
        /// Serve /metrics (Prometheus text) on this separate address, to whoever reaches it.
        #[arg(long, env = "GATEHOUSE_METRICS_ADDR")]
        metrics_addr: Option<SocketAddr>,
        /// Serve /metrics on the main address to requests with this bearer
        /// token (prefer the variable: flags show in process listings).
        #[arg(long, env = "GATEHOUSE_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Run a development server: every dialect that fits together, open
    /// registration and sign-up, the demo seed, "sign in as any user", and a
    /// banner on every page. Only on a loopback address.
    Dev {
        /// Address to listen on.
        #[arg(long, env = "GATEHOUSE_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Allow a non-loopback address: anyone who reaches it can sign in as anyone.
        #[arg(long)]
        i_know_this_is_public: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Manage users in a stopped server's database.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage clients in a stopped server's database.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage signing keys in a stopped server's database.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Make sign-up invitations (for --signup invite).
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Manage initial access tokens for dynamic client registration.
    #[command(subcommand, name = "registration-token")]
    RegistrationToken(RegistrationTokenCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make new signing keys; the old public keys stay published until the
    /// ID tokens they signed have expired.
    Rotate {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum InviteCommand {
    /// Make a single-use sign-up link and print its path.
    Create {
        /// Seconds until it expires.
        #[arg(long, default_value_t = 7 * 24 * 3600)]
        ttl: u64,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum RegistrationTokenCommand {
    /// Make an initial access token and print it (shown only this once).
    Create {
        /// Seconds until it expires [default: never].
        #[arg(long)]
        ttl: Option<u64>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is prompted for, or read from stdin.
    Add {
        /// The sign-in name.
        username: String,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List users.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Set a user's password.
    Passwd {
        /// The sign-in name.
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Remove a user.
    Remove {
        /// The sign-in name.
        username: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register a client and print its id and secret (shown only this once).
    Add {
        /// Name shown to people.
        #[arg(long)]
        name: Option<String>,
        /// Choose the client_id instead of a random one.
        #[arg(long)]
        client_id: Option<String>,
        /// A redirect URI (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// A grant type (repeatable) [default: authorization_code].
        #[arg(long = "grant-type")]
        grant_types: Vec<String>,
        /// Space-separated scopes the client may request [default: any].
        #[arg(long)]
        scope: Option<String>,
        /// A public client: no secret (native and browser apps).
        #[arg(long)]
        public: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List clients.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Remove a client.
    Remove {
        /// The client's id.
        client_id: String,
        #[command(flatten)]
        common: Common,
    },
}

fn read_password(from_stdin: bool) -> Result<String, AdminError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(admin::fail)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(AdminError(
            "no terminal to prompt for a password; use --password-stdin".into(),
        ));
    }
    let first = rpassword::prompt_password("Password: ").map_err(admin::fail)?;
    let again = rpassword::prompt_password("Again: ").map_err(admin::fail)?;
    if first != again {
        return Err(AdminError("the passwords differ".into()));
    }
    Ok(first)
}

fn print_json(value: &impl serde::Serialize) -> Result<(), AdminError> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).map_err(admin::fail)?
    );
    Ok(())
}

async fn serve(config: Config) -> Result<(), AdminError> {
    let running = gatehouse::start(config).await.map_err(admin::fail)?;
    running.wait().await.map_err(admin::fail)
}

async fn run(command: Command) -> Result<(), AdminError> {
    let now = Clock::system().now();
    let open = |c: &Common| admin::open(&c.data, c.cache_mb * 1024 * 1024);
    match command {
        Command::Serve {
            addr,
            issuer,
            seed,
            store,
            access_token_ttl,
            refresh_token_ttl,
            code_ttl,
            session_idle,
            session_absolute,
            rotate_confidential_refresh,
            refresh_grace,
            registration,
            dialects,
            signup,
            sweep_interval,
            workers,
            trusted_proxies,
            hash_concurrency,
            metrics_addr,
            metrics_token,
            common,
        } => {
            if store.is_some() {
                return Err(AdminError(
                    "--store: only the embedded database exists in this version; leave it unset"
                        .into(),
                ));
            }
            let mut config = Config::new(addr, common.data);
            config.issuer = issuer;
            config.seed = seed;
            config.cache_bytes = common.cache_mb * 1024 * 1024;
            config.access_token_ttl = access_token_ttl;
            config.refresh_token_ttl = refresh_token_ttl;
            config.code_ttl = code_ttl;
            config.session_idle = session_idle;
            config.session_absolute = session_absolute;
            config.rotate_confidential_refresh = rotate_confidential_refresh;
            config.refresh_grace = refresh_grace;
            config.registration = registration;
            config.signup = signup;
            config.dialects = dialects;
            config.pbkdf2_iterations = common.pbkdf2_iterations;
            config.sweep_interval = sweep_interval;
            config.workers = workers;
            config.trusted_proxies = trusted_proxies;
            config.metrics_addr = metrics_addr;
            config.metrics_token = metrics_token.filter(|t| !t.is_empty());
            if let Some(n) = hash_concurrency {
                config.hash_concurrency = n;
            }
            serve(config).await
        }
        Command::Dev {
            addr,
            i_know_this_is_public,
            common,
        } => {
            if !addr.ip().is_loopback() && !i_know_this_is_public {
                return Err(AdminError(format!(
                    "gatehouse dev lets anyone sign in as anyone, so it listens only on a loopback address \
                     (127.0.0.1 or ::1); pass --i-know-this-is-public to listen on {addr} anyway"
                )));
            }
            use gatehouse::dialects::Dialect;
            let mut config = Config::new(addr, common.data);
            config.cache_bytes = common.cache_mb * 1024 * 1024;
            config.pbkdf2_iterations = common.pbkdf2_iterations;
            // Piictu and App.net both answer /oauth/access_token; App.net stays.
            config.dialects = vec![
                Dialect::Skritter,
                Dialect::Mastodon,
                Dialect::Scratch,
                Dialect::Appnet,
            ];
            config.registration = gatehouse::config::Registration::Open;
            config.signup = gatehouse::config::Signup::Open;
            config.demo_seed = true;
            config.dev_mode = true;
            let dialects = config.dialects.clone();
            let running = gatehouse::start(config).await.map_err(admin::fail)?;
            print!("{}", gatehouse::dev_guide::text(&running.issuer, &dialects));
            running.wait().await.map_err(admin::fail)
        }
        Command::User(UserCommand::Add {
            username,
            email,
            name,
            admin: is_admin,
            password_stdin,
            common,
        }) => {
            let store = open(&common)?;
            let password = read_password(password_stdin)?;
            let user = NewUser {
                username: username.clone(),
                password,
                email,
                name,
                admin: is_admin,
            };
            let sub = admin::users::add(&store, user, common.pbkdf2_iterations, now).await?;
            println!("created user {username} (sub {sub})");
            Ok(())
        }
        Command::User(UserCommand::List { json, common }) => {
            let users = admin::users::list(&open(&common)?).await?;
            if json {
                return print_json(&users);
            }
            println!("{:<8} {:<24} {:<32} admin", "sub", "username", "email");
            for u in users {
                let email = u.email.as_deref().unwrap_or("-");
                println!("{:<8} {:<24} {:<32} {}", u.sub, u.username, email, u.admin);
            }
            Ok(())
        }
        Command::User(UserCommand::Passwd {
            username,
            password_stdin,
            common,
        }) => {
            let store = open(&common)?;
            let password = read_password(password_stdin)?;
            admin::users::passwd(&store, &username, password, common.pbkdf2_iterations, now)
                .await?;
            println!("password of {username} changed");
            Ok(())
        }
        Command::User(UserCommand::Remove { username, common }) => {
            admin::users::remove(&open(&common)?, &username).await?;
            println!("removed user {username}");
            Ok(())
        }
        Command::Client(ClientCommand::Add {
            name,
            client_id,
            redirect_uris,
            grant_types,
            scope,
            public,
            json,
            common,
        }) => {
            let add = AddClient {
                client_id,
                client_name: name,
                redirect_uris,
                grant_types,
                scope,
                public,
            };
            let created = admin::clients::add(&open(&common)?, add, now).await?;
            if json {
                return print_json(&created);
            }
            println!("client_id:     {}", created.client_id);
            match &created.client_secret {
                Some(secret) => {
                    println!("client_secret: {secret}");
                    println!("The secret is shown only this once; store it now.");
                }
                None => println!("public client: no secret"),
            }
            Ok(())
        }
        Command::Client(ClientCommand::List { json, common }) => {
            let clients = admin::clients::list(&open(&common)?).await?;
            if json {
                return print_json(&clients);
            }
            println!(
                "{:<24} {:<24} {:<12} grant types",
                "client_id", "name", "type"
            );
            for c in clients {
                let kind = if c.confidential {
                    "confidential"
                } else {
                    "public"
                };
                let name = c.client_name.as_deref().unwrap_or("-");
                println!(
                    "{:<24} {:<24} {:<12} {}",
                    c.client_id,
                    name,
                    kind,
                    c.grant_types.join(",")
                );
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate { common }) => {
            let made = gatehouse::oauth::keys::rotate(&open(&common)?, now)
                .await
                .map_err(admin::fail)?;
            println!("new signing keys: {}", made.join(", "));
            println!("The old public keys stay published until the tokens they signed expire.");
            Ok(())
        }
        Command::Invite(InviteCommand::Create { ttl, common }) => {
            let token = gatehouse::accounts::signup::create_invite(&open(&common)?, now, ttl)
                .await
                .map_err(admin::fail)?;
            println!("/signup?invite={token}");
            Ok(())
        }
        Command::RegistrationToken(RegistrationTokenCommand::Create { ttl, common }) => {
            let token = gatehouse::oauth::register::create_initial_token(&open(&common)?, now, ttl)
                .await
                .map_err(admin::fail)?;
            println!("{token}");
            Ok(())
        }
        Command::Client(ClientCommand::Remove { client_id, common }) => {
            admin::clients::remove(&open(&common)?, &client_id).await?;
            println!("removed client {client_id}");
            Ok(())
        }
    }
}

/// A trusted proxy: a CIDR range, or one address.
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}`: give an address or a CIDR range such as 10.0.0.0/8"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    gatehouse::logging::init(cli.log_format);
    for name in config::unknown_variables() {
        log::warn!("ignoring unknown setting {name}");
    }
    let outcome = actix_web::rt::System::new().block_on(run(cli.command));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gatehouse: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_names_the_store_format_this_build_writes() {
        assert!(super::VERSION.ends_with(&format!("(store format {})", gatehouse::store::FORMAT)));
    }
}
