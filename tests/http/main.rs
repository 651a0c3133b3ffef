//! Black-box tests: each starts the real server on an ephemeral port with a
//! fresh data directory and talks HTTP to it, as a client would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account;
mod admin;
mod audit;
mod authorize;
mod backup;
mod bad_input;
mod binary;
mod browser;
mod code_grant;
mod config_file;
mod consent_flags;
mod control_socket;
mod cors;
mod dev_mode;
mod developer;
mod device;
mod dialect_appnet;
mod dialect_hardening;
mod dialect_mastodon;
mod dialect_piictu;
mod dialect_scopes;
mod dialect_scratch;
mod dialect_skritter;
mod discovery;
mod foreign_forms;
mod harness;
mod health;
mod introspect;
mod keys;
mod login;
mod logout;
mod oauth2_client;
mod oidc_flow;
mod oidc_prompt;
mod password_grant;
mod proxy_and_throttle;
mod refresh;
mod registration;
mod revoke;
mod seed_and_admin;
mod signup;
mod token_client_credentials;
mod upgrade;
mod userinfo;
