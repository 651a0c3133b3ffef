//! Black-box tests: each starts the real server on an ephemeral port with a
//! fresh data directory and talks HTTP to it, as a client would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod binary;
mod discovery;
mod harness;
mod introspect;
mod revoke;
mod seed_and_admin;
mod token_client_credentials;
