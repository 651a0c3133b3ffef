//! People: user accounts, passwords, sign-in throttling, sessions and
//! consents. Password hashing runs on a blocking thread so a flood of
//! sign-ins cannot stall the async workers.

pub mod acr;
pub mod admin;
pub mod api_login;
pub mod consent;
pub mod dev;
pub mod directory;
pub mod email;
pub mod export;
pub mod factors;
pub mod groups;
pub mod leaving;
pub mod login;
pub mod passkeys;
pub mod profile;
pub mod service;
pub mod sessions;
pub mod signup;
pub mod throttle;
pub mod upstream;
pub mod users;

pub use service::Accounts;

/// The records the HTTP layer names, seen through the accounts service.
pub use crate::store::{PasskeyPurpose, SessionRecord, UserRecord};
