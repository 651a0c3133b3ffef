//! An administrator in Chromium: signs in, searches the users, goes to the
//! second page, makes a group and puts a person in it.

use crate::harness::*;

use super::sign_in_here;

#[test]
fn an_administrator_searches_people_pages_through_them_and_fills_a_group() {
    let server = TestServer::start_with(&crate::admin_pages::seed(250), |_| {});
    let root = Chrome::start("admin-search");
    root.go(&server.url("/admin/users"));
    sign_in_here(&root, "root");
    root.arrives_at(&server.url("/admin/users"));
    root.sees("Page 1 of 3");
    root.sees("255 users");
    assert!(root.text_of("#signed-in-as").contains("Rosa Admin"));
    root.shot("users");

    root.fill("q", "Philomena");
    root.press("Search");
    root.arrives_at(&server.url("/admin/users?q=Philomena"));
    root.sees("1 user");
    assert!(root.text_of("#users").contains("pq"));
    assert!(!root.text_of("#users").contains("member0001"));
    root.shot("found");

    root.fill("q", "");
    root.press("Search");
    root.sees("Page 1 of 3");
    root.click("a.next");
    root.arrives_at(&server.url("/admin/users?"));
    root.sees("Page 2 of 3");
    let second = root.text_of("#users");
    assert!(second.contains("member0095"), "{second}");
    assert!(!second.contains("alice"), "{second}");
    root.shot("page-2");

    root.click("nav.admin a[href$=\"/admin/groups\"]");
    root.arrives_at(&server.url("/admin/groups"));
    root.sees("There are no groups yet.");
    root.fill("name", "gardeners");
    root.fill("description", "Keep the garden");
    root.press("Create group");
    root.arrives_at(&server.url("/admin/groups/gardeners?done="));
    root.sees("Nobody is in this group yet.");
    root.fill("username", "alice");
    root.press("Add member");
    root.arrives_at(&server.url("/admin/groups/gardeners?done="));
    assert!(root.text_of("#members").contains("alice"));
    root.shot("group");

    root.click("nav.admin a[href$=\"/admin/groups\"]");
    root.sees("1 member");
    root.shot("groups");
}
