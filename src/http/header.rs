//! The header of the pages a signed-in person sees: built from who they
//! are and the page's CSRF token (its sign-out form carries it).

use super::state::AppState;
use crate::accounts::UserRecord;
use crate::pages::Header;

/// The header for `user`, with the sign-out form's CSRF token.
pub(crate) fn of<'a>(state: &'a AppState, user: &'a UserRecord, csrf: &'a str) -> Header<'a> {
    let name = user
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&user.username);
    Header {
        issuer: &state.provider.settings.issuer,
        name,
        admin: user.admin,
        csrf,
    }
}
