//! The admin pages' directory: users, applications and groups a page at a
//! time, found by a case-insensitive substring, and how many of each exist.

use super::users::AccountError;
use crate::store::{ClientRecord, GroupRecord, Store, UserRecord};

/// The most entries a page shows.
pub const PAGE_SIZE: usize = 100;

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The entries on this page.
    pub items: Vec<T>,
    /// How many entries match in all.
    pub total: usize,
    /// This page's number (1-based; 1 when nothing matches).
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
}

/// How many of each thing exist.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    /// User accounts.
    pub users: usize,
    /// Applications.
    pub apps: usize,
    /// Groups.
    pub groups: usize,
}

/// A search as typed: trimmed and lower-cased (`None` when blank).
pub fn needle(q: Option<&str>) -> Option<String> {
    q.map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase)
}

/// Whether `hay` contains the lower-cased `needle`, ignoring case.
pub fn contains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(needle)
}

/// The page actually shown for a request of `page` among `total`
/// entries: (page, pages, offset). A page past the end shows the last.
pub fn window(total: usize, page: usize) -> (usize, usize, usize) {
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    (page, pages, (page - 1) * PAGE_SIZE)
}

/// Slices an in-memory list into a page.
fn page_of<T>(all: Vec<T>, page: usize) -> Page<T> {
    let total = all.len();
    let (page, pages, offset) = window(total, page);
    let items = all.into_iter().skip(offset).take(PAGE_SIZE).collect();
    Page {
        items,
        total,
        page,
        pages,
    }
}

/// Whether a user matches a search by username, name or email.
fn user_matches(user: &UserRecord, needle: &str) -> bool {
    contains(&user.username, needle)
        || user.name.as_deref().is_some_and(|n| contains(n, needle))
        || user.email.as_deref().is_some_and(|e| contains(e, needle))
}

/// A page of users in id order, matching `q` (username, name or email).
pub async fn users(
    store: &Store,
    q: Option<&str>,
    page: usize,
) -> Result<Page<UserRecord>, AccountError> {
    match needle(q) {
        None => {
            let total = store.user_count().await?;
            let (page, pages, offset) = window(total, page);
            let items = store.users_slice(offset, PAGE_SIZE).await?;
            Ok(Page {
                items,
                total,
                page,
                pages,
            })
        }
        Some(needle) => {
            let keep = |u: &UserRecord| user_matches(u, &needle);
            // One pass for the page asked for; a second only when it was
            // past the end and the last page is shown instead.
            let asked = page.max(1).saturating_sub(1).saturating_mul(PAGE_SIZE);
            let (mut items, total) = store.users_matching(keep, asked, PAGE_SIZE).await?;
            let (page, pages, offset) = window(total, page);
            if offset != asked {
                items = store.users_matching(keep, offset, PAGE_SIZE).await?.0;
            }
            Ok(Page {
                items,
                total,
                page,
                pages,
            })
        }
    }
}

/// A page of applications in id order, matching `q` (client id or name).
pub async fn apps(
    store: &Store,
    q: Option<&str>,
    page: usize,
) -> Result<Page<ClientRecord>, AccountError> {
    let mut all = store.clients().await?;
    if let Some(needle) = needle(q) {
        all.retain(|c| {
            contains(&c.client_id, &needle)
                || c.client_name
                    .as_deref()
                    .is_some_and(|n| contains(n, &needle))
        });
    }
    Ok(page_of(all, page))
}

/// A page of groups in name order, matching `q` (the name).
pub async fn groups(
    store: &Store,
    q: Option<&str>,
    page: usize,
) -> Result<Page<GroupRecord>, AccountError> {
    let mut all = store.groups().await?;
    if let Some(needle) = needle(q) {
        all.retain(|g| contains(&g.name, &needle));
    }
    Ok(page_of(all, page))
}

/// The members of a group that still have accounts, in the order they joined.
pub async fn members(store: &Store, group: &GroupRecord) -> Result<Vec<UserRecord>, AccountError> {
    let mut found = Vec::with_capacity(group.members.len());
    for id in &group.members {
        if let Some(user) = store.user(*id).await? {
            found.push(user);
        }
    }
    Ok(found)
}

/// How many users, applications and groups exist.
pub async fn counts(store: &Store) -> Result<Counts, AccountError> {
    Ok(Counts {
        users: store.user_count().await?,
        apps: store.client_count().await?,
        groups: store.group_count().await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_a_hundred_and_a_page_past_the_end_shows_the_last() {
        assert_eq!(window(0, 1), (1, 1, 0));
        assert_eq!(window(100, 2), (1, 1, 0));
        assert_eq!(window(101, 2), (2, 2, 100));
        assert_eq!(window(5_000, 0), (1, 50, 0));
        assert_eq!(window(5_000, 50), (50, 50, 4_900));
        assert_eq!(window(5_000, 99), (50, 50, 4_900));
        assert_eq!(window(5_000, usize::MAX), (50, 50, 4_900));
    }

    #[test]
    fn searches_ignore_case_and_blank_searches_are_none() {
        assert_eq!(needle(Some("  ")), None);
        assert_eq!(needle(None), None);
        assert_eq!(needle(Some(" Alice ")).as_deref(), Some("alice"));
        assert!(contains("Alice Liddell", "lidd"));
        assert!(!contains("Alice", "bob"));
    }

    #[actix_web::test]
    async fn a_store_page_decodes_only_its_slice_and_searches_count_every_match() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 1 << 20).unwrap();
        for i in 0..250u32 {
            let user = UserRecord {
                id: 0,
                username: format!("user{i:03}"),
                password_hash: String::new(),
                email: Some(format!("u{i}@example.org")),
                email_verified: false,
                name: Some(if i == 7 {
                    "Seven Special".into()
                } else {
                    format!("Person {i}")
                }),
                admin: false,
                disabled: false,
                created_at: 0,
                updated_at: 0,
                extra_claims: None,
            };
            store.create_user(user).await.unwrap().unwrap();
        }
        let first = users(&store, None, 1).await.unwrap();
        assert_eq!((first.items.len(), first.total, first.pages), (100, 250, 3));
        let third = users(&store, None, 3).await.unwrap();
        assert_eq!(third.items.len(), 50);
        assert_eq!(third.items[0].username, "user200");
        let special = users(&store, Some("SPECIAL"), 1).await.unwrap();
        assert_eq!(special.total, 1);
        assert_eq!(special.items[0].username, "user007");
        let by_mail = users(&store, Some("u12@"), 1).await.unwrap();
        assert_eq!(by_mail.items[0].username, "user012");
        let many = users(&store, Some("user1"), 2).await.unwrap();
        assert_eq!((many.total, many.page, many.items.len()), (100, 1, 100));
        let past = users(&store, Some("user2"), usize::MAX).await.unwrap();
        assert_eq!((past.total, past.page, past.items.len()), (50, 1, 50));
        let past = users(&store, None, usize::MAX).await.unwrap();
        assert_eq!((past.page, past.items[0].username.as_str()), (3, "user200"));
        assert_eq!(users(&store, Some("nobody"), 1).await.unwrap().total, 0);
    }
}
