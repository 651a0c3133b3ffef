//! Administration from the command line: each command is a [`Request`]
//! that goes through the running server's control socket when a server
//! holds the database, and is carried out on the database directly when
//! none does (sled's lock keeps the two from meeting).

pub mod clients;
pub mod control;
pub mod request;
pub mod users;

pub use request::{execute, Request};

use std::path::Path;

use crate::store::Store;

/// A failed admin command, with a message for the person at the terminal.
#[derive(Debug)]
pub struct AdminError(pub String);

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AdminError {}

/// Turns any displayable error into an [`AdminError`].
pub fn fail(e: impl std::fmt::Display) -> AdminError {
    AdminError(e.to_string())
}

/// Opens the database for an offline command.
pub fn open(data: &Path, cache_bytes: u64) -> Result<Store, AdminError> {
    Store::open(data, cache_bytes).map_err(fail)
}
