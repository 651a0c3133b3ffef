//! The `gatehouse` command line: parse the arguments, then call the library.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gatehouse::admin::{self, clients::AddClient, AdminError, Request};
use gatehouse::clock::Clock;
use gatehouse::config::Config;
use gatehouse::crypto::password::DEFAULT_ITERATIONS;
use gatehouse::settings;
use std::collections::HashMap;

/// What `--version` prints: the release and the newest record format it writes.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (store format 4)");

/// An OAuth 2.0 and OpenID Connect provider in one binary.
#[derive(Parser)]
#[command(name = "gatehouse", version = VERSION, about, long_about = None)]
struct Cli {
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
    /// A shared PostgreSQL store, as serve's --store; unset: the embedded
    /// database in --data.
    #[arg(long = "store", env = "GATEHOUSE_STORE", global = true)]
    store: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server. Each setting comes from its flag, else its
    /// GATEHOUSE_* variable, else the --config file, else its default.
    Serve(ServeArgs),
    /// Check a config file, or print a complete commented one.
    #[command(subcommand)]
    Config(ConfigCommand),
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
    /// Manage users (through the running server, or in the database when none runs).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage clients (through the running server, or in the database when none runs).
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage signing keys (through the running server, or in the database when none runs).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Make sign-up invitations (for --signup invite).
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Manage initial access tokens for dynamic client registration.
    #[command(subcommand, name = "registration-token")]
    RegistrationToken(RegistrationTokenCommand),
    /// Write a backup of the database (through the running server, or from
    /// the database when none runs) to a file.
    Backup {
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Restore a backup into a new, empty data directory.
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Copy a stopped server's embedded database into an empty PostgreSQL
    /// database: every record, and every token and code still live.
    Migrate {
        /// The embedded database's directory (the old server's --data).
        #[arg(long, value_name = "DIR")]
        from_data: PathBuf,
        /// The empty PostgreSQL database (postgres://user:password@host/database).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Page cache of the embedded database, in MiB.
        #[arg(long, env = "GATEHOUSE_CACHE_MB", default_value_t = 32)]
        cache_mb: u64,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a config file (default: $GATEHOUSE_CONFIG) and print the
    /// settings in force, with where each comes from and secrets masked.
    Check {
        /// The config file.
        file: Option<PathBuf>,
        /// The config file, named as `serve` takes it.
        #[arg(long = "config", value_name = "FILE", conflicts_with = "file")]
        config: Option<PathBuf>,
    },
    /// Print a complete config file, every setting commented out at its default.
    Example,
    /// Print the README's settings table (Markdown).
    #[command(hide = true)]
    Table,
}

/// `gatehouse serve`'s arguments: one flag per entry of the settings table
/// (`gatehouse::settings::SETTINGS`), taken as text and resolved there.
struct ServeArgs {
    values: HashMap<&'static str, Vec<String>>,
    config: Option<PathBuf>,
}

impl clap::FromArgMatches for ServeArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut values = HashMap::new();
        for setting in settings::SETTINGS.iter().filter(|s| !s.flag.is_empty()) {
            if let Some(given) = matches.get_many::<String>(setting.key) {
                values.insert(setting.key, given.cloned().collect());
            }
        }
        let config = matches
            .get_one::<String>("config")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("GATEHOUSE_CONFIG").map(PathBuf::from));
        Ok(ServeArgs { values, config })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for ServeArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let mut cmd = cmd.arg(
            clap::Arg::new("config")
                .long("config")
                .value_name("FILE")
                .help("A TOML file with any of the settings below [env: GATEHOUSE_CONFIG]"),
        );
        for setting in settings::SETTINGS.iter().filter(|s| !s.flag.is_empty()) {
            let default = setting
                .default
                .map(|d| format!(" [default: {d}]"))
                .unwrap_or_default();
            let mut arg = clap::Arg::new(setting.key)
                .long(setting.flag.trim_start_matches("--"))
                .value_name("VALUE")
                .help(format!(
                    "{}{default} [env: {}] [config: {}]",
                    setting.help, setting.env, setting.key
                ));
            arg = if setting.list {
                arg.action(clap::ArgAction::Append)
            } else {
                // Given twice, the last one counts (as wrappers expect).
                arg.action(clap::ArgAction::Set).overrides_with(setting.key)
            };
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// A variable's value, when it is set to valid text.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
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

/// A JSON value as plain text (a string without its quotes).
fn text(value: &serde_json::Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// Carries out an admin request: through the running server's control
/// socket when one holds the database, else on the database directly.
async fn administer(common: &Common, request: Request) -> Result<serde_json::Value, AdminError> {
    // A server running on this data directory carries the command out
    // itself (and uses what it changed at once).
    if let Some(out) = admin::control::send(&common.data, &request).await? {
        return Ok(out);
    }
    let store = match &common.store {
        // Every instance on the shared database sees what this writes.
        Some(url) => gatehouse::store::Store::connect(url)
            .await
            .map_err(admin::fail)?,
        None => admin::open(&common.data, common.cache_mb * 1024 * 1024)?,
    };
    let now = Clock::system().now();
    let out = admin::execute(&store, request, common.pbkdf2_iterations, now).await;
    store.flush_blocking().map_err(admin::fail)?;
    out
}

/// `serve`'s configuration: its flags, variables, config file and defaults.
fn serve_config(args: &ServeArgs) -> Result<Config, AdminError> {
    let file = match &args.config {
        Some(path) => settings::read_file(path).map_err(AdminError)?,
        None => Default::default(),
    };
    let config = settings::resolve(&args.values, env_var, &file)
        .map_err(AdminError)?
        .config;
    if let Some(url) = &config.store_url {
        if !is_postgres_url(url) {
            return Err(AdminError(
                "--store: give a PostgreSQL URL (postgres://user:password@host/database), or leave it unset for the embedded database".into(),
            ));
        }
    }
    Ok(config)
}

/// Whether `url` names a PostgreSQL database.
fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `gatehouse migrate`: copies, then prints what went where.
async fn migrate(from_data: &std::path::Path, to: &str, cache_mb: u64) -> Result<(), AdminError> {
    if !is_postgres_url(to) {
        return Err(AdminError(
            "--to: give a PostgreSQL URL (postgres://user:password@host/database)".into(),
        ));
    }
    let started = std::time::Instant::now();
    let now = Clock::system().now();
    let done =
        gatehouse::store::Store::copy_embedded_into(from_data, cache_mb * 1024 * 1024, to, now)
            .await
            .map_err(admin::fail)?;
    println!(
        "copied {} records from {} into PostgreSQL in {:.2} s:",
        done.total(),
        from_data.display(),
        started.elapsed().as_secs_f64()
    );
    for (table, n) in done.copied.iter().filter(|(_, n)| *n > 0) {
        println!("  {table:<20} {n}");
    }
    for (table, n) in &done.expired {
        println!("  left behind, expired: {n} {table}");
    }
    println!("new user ids start above {}", done.id_floor);
    Ok(())
}

/// Runs a command; `resolved` is `serve`'s configuration, resolved once
/// before logging started.
async fn run(command: Command, resolved: Option<Config>) -> Result<(), AdminError> {
    match command {
        Command::Serve(_) => match resolved {
            Some(config) => serve(config).await,
            None => Err(AdminError("the settings of serve were not resolved".into())),
        },
        Command::Config(ConfigCommand::Check { file, config }) => {
            let file = file
                .or(config)
                .or_else(|| std::env::var_os("GATEHOUSE_CONFIG").map(PathBuf::from));
            let values = match &file {
                Some(path) => settings::read_file(path).map_err(AdminError)?,
                None => Default::default(),
            };
            let resolved =
                settings::resolve(&Default::default(), env_var, &values).map_err(AdminError)?;
            let mail = &resolved.config;
            let issuer = mail.issuer.as_deref().unwrap_or("http://localhost");
            gatehouse::mail::Mailer::from_config(mail, issuer).map_err(AdminError)?;
            match &file {
                Some(path) => println!("# {} is valid; the settings in force:", path.display()),
                None => println!("# no config file; the settings in force:"),
            }
            print!("{}", settings::describe(&resolved));
            if let Some(warning) = mail.smtp_url.as_ref().and_then(|u| u.warning()) {
                println!("# warning: {warning}");
            }
            Ok(())
        }
        Command::Config(ConfigCommand::Example) => {
            print!("{}", settings::example());
            Ok(())
        }
        Command::Config(ConfigCommand::Table) => {
            print!("{}", settings::markdown_table());
            Ok(())
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
            config.registration = gatehouse::oauth::register::Registration::Open;
            config.signup = gatehouse::accounts::signup::Signup::Open;
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
            let password = read_password(password_stdin)?;
            let request = Request::UserAdd {
                username: username.clone(),
                password,
                email,
                name,
                admin: is_admin,
            };
            let out = administer(&common, request).await?;
            println!("created user {username} (sub {})", text(&out["sub"]));
            Ok(())
        }
        Command::User(UserCommand::List { json, common }) => {
            let users = administer(&common, Request::UserList).await?;
            if json {
                return print_json(&users);
            }
            println!("{:<8} {:<24} {:<32} admin", "sub", "username", "email");
            for u in users.as_array().into_iter().flatten() {
                let email = u["email"].as_str().unwrap_or("-");
                println!(
                    "{:<8} {:<24} {:<32} {}",
                    text(&u["sub"]),
                    text(&u["username"]),
                    email,
                    u["admin"]
                );
            }
            Ok(())
        }
        Command::User(UserCommand::Passwd {
            username,
            password_stdin,
            common,
        }) => {
            let password = read_password(password_stdin)?;
            let request = Request::UserPasswd {
                username: username.clone(),
                password,
            };
            administer(&common, request).await?;
            println!("password of {username} changed");
            Ok(())
        }
        Command::User(UserCommand::Remove { username, common }) => {
            let request = Request::UserRemove {
                username: username.clone(),
            };
            administer(&common, request).await?;
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
            let created = administer(&common, Request::ClientAdd(add)).await?;
            if json {
                return print_json(&created);
            }
            println!("client_id:     {}", text(&created["client_id"]));
            match created["client_secret"].as_str() {
                Some(secret) => {
                    println!("client_secret: {secret}");
                    println!("The secret is shown only this once; store it now.");
                }
                None => println!("public client: no secret"),
            }
            Ok(())
        }
        Command::Client(ClientCommand::List { json, common }) => {
            let clients = administer(&common, Request::ClientList).await?;
            if json {
                return print_json(&clients);
            }
            println!(
                "{:<24} {:<24} {:<12} grant types",
                "client_id", "name", "type"
            );
            for c in clients.as_array().into_iter().flatten() {
                let kind = if c["confidential"] == true {
                    "confidential"
                } else {
                    "public"
                };
                let name = c["client_name"].as_str().unwrap_or("-");
                let grants: Vec<&str> = c["grant_types"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g.as_str())
                    .collect();
                println!(
                    "{:<24} {:<24} {:<12} {}",
                    text(&c["client_id"]),
                    name,
                    kind,
                    grants.join(",")
                );
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate { common }) => {
            let out = administer(&common, Request::KeysRotate).await?;
            let made: Vec<&str> = out["made"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str())
                .collect();
            println!("new signing keys: {}", made.join(", "));
            println!("The old public keys stay published until the tokens they signed expire.");
            Ok(())
        }
        Command::Invite(InviteCommand::Create { ttl, common }) => {
            let out = administer(&common, Request::InviteCreate { ttl }).await?;
            println!("/signup?invite={}", text(&out["token"]));
            Ok(())
        }
        Command::RegistrationToken(RegistrationTokenCommand::Create { ttl, common }) => {
            let out = administer(&common, Request::RegistrationTokenCreate { ttl }).await?;
            println!("{}", text(&out["token"]));
            Ok(())
        }
        Command::Backup { out, common } => {
            let started = std::time::Instant::now();
            let done = admin::control::backup(
                &common.data,
                common.cache_mb * 1024 * 1024,
                &out,
                Clock::system().now(),
            )
            .await?;
            println!(
                "backed up {} records ({} bytes) to {} in {:.2} s",
                done["records"],
                done["bytes"],
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { file, common } => {
            let started = std::time::Instant::now();
            let input = std::fs::File::open(&file)
                .map_err(|e| AdminError(format!("{}: {e}", file.display())))?;
            let done = gatehouse::store::Store::restore_backup(
                input,
                &common.data,
                common.cache_mb * 1024 * 1024,
            )
            .map_err(admin::fail)?;
            println!(
                "restored {} records into {} in {:.2} s",
                done.records,
                common.data.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Migrate {
            from_data,
            to,
            cache_mb,
        } => migrate(&from_data, &to, cache_mb).await,
        Command::Client(ClientCommand::Remove { client_id, common }) => {
            let request = Request::ClientRemove {
                client_id: client_id.clone(),
            };
            administer(&common, request).await?;
            println!("removed client {client_id}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` resolves its settings once, before logging starts, because
    // the log format is one of them; other commands read the variable.
    let resolved = match &cli.command {
        Command::Serve(args) => match serve_config(args) {
            Ok(config) => Some(config),
            Err(e) => {
                eprintln!("gatehouse: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
    let format = resolved.as_ref().map_or_else(
        || {
            env_var("GATEHOUSE_LOG_FORMAT")
                .and_then(|v| v.parse().ok())
                .unwrap_or_default()
        },
        |config| config.log_format,
    );
    gatehouse::logging::init(format);
    for name in settings::unknown_variables() {
        log::warn!("ignoring unknown setting {name}");
    }
    let outcome = actix_web::rt::System::new().block_on(run(cli.command, resolved));
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
