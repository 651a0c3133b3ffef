//! Groups of people, made by administrators: their names go to apps in the
//! `groups` claim, and a client may be open to members of given groups only.

use super::users::{check_username, AccountError};
use crate::store::{GroupRecord, Store, UserRecord};

/// Checks a group name: the same characters as a username.
pub fn check_name(name: &str) -> Result<(), AccountError> {
    check_username(name).map_err(|_| {
        AccountError::Invalid("a group name is 1 to 64 letters, digits, `.`, `_` or `-`".into())
    })
}

/// Makes a group; `Taken` when one of that name exists.
pub async fn create(
    store: &Store,
    name: &str,
    description: &str,
    now: u64,
) -> Result<GroupRecord, AccountError> {
    check_name(name)?;
    let group = GroupRecord {
        name: name.to_owned(),
        description: description.trim().to_owned(),
        members: Vec::new(),
        created_at: now,
    };
    if store.create_group(&group).await? {
        Ok(group)
    } else {
        Err(AccountError::Taken)
    }
}

/// Makes the group if it does not exist yet (a seed file's groups).
pub async fn ensure(store: &Store, name: &str, now: u64) -> Result<(), AccountError> {
    match create(store, name, "", now).await {
        Ok(_) | Err(AccountError::Taken) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes a group; `NotFound` when there is none.
pub async fn remove(store: &Store, name: &str) -> Result<(), AccountError> {
    if store.remove_group(name).await? {
        Ok(())
    } else {
        Err(AccountError::NotFound)
    }
}

/// Puts a person in a group; `NotFound` when there is no such group.
pub async fn add_member(store: &Store, name: &str, user_id: u64) -> Result<(), AccountError> {
    if store.group(name).await?.is_none() {
        return Err(AccountError::NotFound);
    }
    store
        .update_group(name, |g| {
            let new = !g.members.contains(&user_id);
            if new {
                g.members.push(user_id);
            }
            new
        })
        .await?;
    Ok(())
}

/// Puts the person with this username in a group; answers who it was.
/// `NotFound` when there is no such group; `Invalid` when no such person.
pub async fn add_member_named(
    store: &Store,
    name: &str,
    username: &str,
) -> Result<UserRecord, AccountError> {
    let user = store
        .user_by_name(username.trim())
        .await?
        .ok_or_else(|| AccountError::Invalid("there is no user of that name".into()))?;
    add_member(store, name, user.id).await?;
    Ok(user)
}

/// Takes a person out of a group.
pub async fn remove_member(store: &Store, name: &str, user_id: u64) -> Result<(), AccountError> {
    store
        .update_group(name, |g| {
            let before = g.members.len();
            g.members.retain(|m| *m != user_id);
            g.members.len() != before
        })
        .await?;
    Ok(())
}

/// The names of the groups a person is in, sorted.
pub async fn names_of(store: &Store, user_id: u64) -> Result<Vec<String>, AccountError> {
    let mut names: Vec<String> = store
        .groups()
        .await?
        .into_iter()
        .filter(|g| g.members.contains(&user_id))
        .map(|g| g.name)
        .collect();
    names.sort();
    Ok(names)
}

/// Whether a person is in any of these groups (compared case-insensitively).
pub fn in_any(member_of: &[String], wanted: &[String]) -> bool {
    wanted
        .iter()
        .any(|w| member_of.iter().any(|m| m.eq_ignore_ascii_case(w)))
}

/// Takes a person out of every group (their account is going away).
pub async fn leave_all(store: &Store, user_id: u64) -> Result<(), AccountError> {
    for name in names_of(store, user_id).await? {
        remove_member(store, &name, user_id).await?;
    }
    Ok(())
}
