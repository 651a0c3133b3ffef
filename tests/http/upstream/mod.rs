//! Sign-in through another provider, against a second Gatehouse instance
//! playing the provider (see `harness/upstream.rs`).

mod linking;
mod refusals;
mod sign_in;

use crate::harness::*;

/// The form of `page` whose id is `id`, or the first form inside the
/// element of that id: its action and its CSRF token.
pub(crate) fn form_by_id(page: &str, id: &str) -> (String, String) {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let tag = page[..start].rfind('<').unwrap();
    let open = if page[tag..].starts_with("<form") {
        tag
    } else {
        start + page[start..].find("<form").unwrap()
    };
    let form = &page[open..];
    let form = &form[..form.find("</form>").unwrap()];
    let action = form
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    (unescape(action), Browser::csrf(form))
}
