//! Which database failures mean "the database is unreachable for now"
//! (issue 13 item 7): a refused or broken connection, a pool that waited
//! too long for one, or a server that is shutting down or starting. Those
//! become [`StoreError::Unavailable`], which the HTTP layer answers with
//! 503 `temporarily_unavailable`; every other failure stays
//! [`StoreError::Db`]. Nothing is cached about the outage: the pool drops
//! closed connections on their next checkout and opens new ones, so the
//! store recovers by itself once the server answers again.

use std::any::Any;
use std::error::Error as _;

use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

use crate::store::StoreError;

/// The store's error for a failure of the driver, the pool or the TLS
/// set-up, classified by its type and, for the driver, its SQLSTATE.
pub(super) fn classify(e: &(dyn Any + 'static), text: String) -> StoreError {
    let unavailable = if let Some(e) = e.downcast_ref::<tokio_postgres::Error>() {
        driver_unavailable(e)
    } else if let Some(e) = e.downcast_ref::<PoolError>() {
        pool_unavailable(e)
    } else {
        false
    };
    if unavailable {
        StoreError::Unavailable(text)
    } else {
        StoreError::Db(text)
    }
}

fn pool_unavailable(e: &PoolError) -> bool {
    match e {
        PoolError::Timeout(_) => true,
        PoolError::Backend(e) => driver_unavailable(e),
        PoolError::PostCreateHook(deadpool_postgres::HookError::Backend(e)) => {
            driver_unavailable(e)
        }
        PoolError::PostCreateHook(deadpool_postgres::HookError::Message(_)) => false,
        PoolError::Closed | PoolError::NoRuntimeSpecified => false,
    }
}

/// SQLSTATEs of a server that cannot serve now: class 08 (connection
/// exception), a shutdown or start in progress, no connection slot left.
fn unavailable_state(state: &SqlState) -> bool {
    state.code().starts_with("08")
        || *state == SqlState::ADMIN_SHUTDOWN
        || *state == SqlState::CRASH_SHUTDOWN
        || *state == SqlState::CANNOT_CONNECT_NOW
        || *state == SqlState::TOO_MANY_CONNECTIONS
}

fn driver_unavailable(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(state) = e.code() {
        return unavailable_state(state);
    }
    // No SQLSTATE: the connection itself failed (refused, reset, timed
    // out), which the driver reports with the I/O error as its source.
    let mut source = e.source();
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}
