//! People: user accounts and their passwords. Password hashing runs on a
//! blocking thread so a flood of sign-ins cannot stall the async workers.

pub mod users;
