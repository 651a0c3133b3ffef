//! The admin pages for a community of thousands: users, applications and
//! groups a hundred at a time with search; groups made on `/admin/groups`
//! reaching the `groups` claim; the second-factor policy select; and the
//! header every signed-in page carries.

use serde_json::{json, Value};

use crate::harness::*;

const CB: &str = "http://127.0.0.1:9600/cb";
/// How many ordinary members the big seed holds, besides the named people.
const CROWD: usize = 5_000;

/// A seed: root (an administrator named "Rosa Admin"), alice (not one),
/// three people each findable one way only, `crowd` more, and a client
/// that asks for the `groups` scope.
pub(crate) fn seed(crowd: usize) -> String {
    let mut users = vec![
        json!({"username": "root", "password": "root-password", "name": "Rosa Admin",
               "email": "root@example.org", "admin": true}),
        json!({"username": "alice", "password": "alice-password", "name": "Alice Liddell",
               "email": "alice@example.org"}),
        json!({"username": "xylophonist", "password": "xylophonist-password"}),
        json!({"username": "pq", "password": "pq-password-1", "name": "Philomena Quartz"}),
        json!({"username": "mailer", "password": "mailer-password",
               "email": "only-one@mail.example"}),
    ];
    users.extend((0..crowd).map(|i| {
        json!({"username": format!("member{i:04}"), "password": "member-password",
               "name": format!("Member Person {i}"), "email": format!("m{i}@example.org")})
    }));
    json!({
        "users": users,
        "clients": [
            {"client_id": "wiki", "client_secret": "wiki-secret", "client_name": "Wiki",
             "redirect_uris": [CB], "grant_types": ["authorization_code"],
             "scope": "openid profile groups"}
        ]
    })
    .to_string()
}

fn small_server() -> TestServer {
    TestServer::start_with(&seed(3), |_| {})
}

/// The usernames listed on a users page, in order.
fn listed(page: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<strong class=\"username\">") {
        rest = &rest[at + "<strong class=\"username\">".len()..];
        names.push(rest[..rest.find('<').unwrap()].to_owned());
    }
    names
}

/// The `href` of the first link with this class.
fn link_with_class(page: &str, class: &str) -> Option<String> {
    elements(page, "a")
        .into_iter()
        .find(|a| a.get("class").map(String::as_str) == Some(class))
        .map(|a| unescape(&a["href"]))
}

/// root's users page for a query string.
fn users_page(server: &TestServer, root: &Browser, query: &str) -> String {
    html_page(root.get(&server.url(&format!("/admin/users{query}"))), 200)
}

#[test]
fn with_five_thousand_people_the_users_page_shows_a_hundred_and_search_finds_one() {
    let server = TestServer::start_with(&seed(CROWD), |_| {});
    let root = Browser::signed_in(&server, "root");
    let all = CROWD + 5;
    let pages = all.div_ceil(100);

    let overview = html_page(root.get(&server.url("/admin")), 200);
    assert!(
        overview.contains(&format!("id=\"user-count\">{all}<")),
        "{overview}"
    );

    let first = users_page(&server, &root, "");
    let names = listed(&first);
    assert_eq!(names.len(), 100, "page 1 lists {} people", names.len());
    assert!(first.len() < 200_000, "the page is {} bytes", first.len());
    let text = visible_text(&first);
    assert!(text.contains(&format!("Page 1 of {pages}")), "{text}");
    assert!(text.contains(&format!("{all} users")), "{text}");
    assert!(link_with_class(&first, "previous").is_none());

    let next = link_with_class(&first, "next").expect("a link to page 2");
    let second = html_page(root.get(&next), 200);
    let second_names = listed(&second);
    assert_eq!(second_names.len(), 100);
    assert!(
        second_names.iter().all(|n| !names.contains(n)),
        "page 2 repeats page 1"
    );
    assert!(visible_text(&second).contains(&format!("Page 2 of {pages}")));
    assert!(link_with_class(&second, "previous").is_some());

    let last = users_page(&server, &root, &format!("?page={pages}"));
    assert_eq!(listed(&last).len(), all - (pages - 1) * 100);
    assert!(link_with_class(&last, "next").is_none());

    for (q, who) in [
        ("xylophon", "xylophonist"),
        ("philomena QUARTZ", "pq"),
        ("only-one@mail", "mailer"),
    ] {
        let page = users_page(&server, &root, &format!("?q={}", q.replace(' ', "+")));
        assert_eq!(listed(&page), vec![who.to_owned()], "searching {q}");
        assert!(visible_text(&page).contains("1 user"), "{q}");
    }

    let page = users_page(&server, &root, "?q=member&page=2");
    assert_eq!(listed(&page).len(), 100);
    assert!(visible_text(&page).contains(&format!("{CROWD} users")));
    let next = link_with_class(&page, "next").unwrap();
    let asked = query_of(&next);
    assert_eq!(
        (asked["q"].as_str(), asked["page"].as_str()),
        ("member", "3"),
        "{next}"
    );

    let none = users_page(&server, &root, "?q=nobody-is-called-this");
    assert!(listed(&none).is_empty());
    assert!(
        visible_text(&none).contains("No user matches “nobody-is-called-this”"),
        "{none}"
    );
    assert!(none.contains("id=\"nothing-found\""));
}

#[test]
fn people_who_are_not_administrators_get_403_on_every_admin_page() {
    let server = small_server();
    let alice = Browser::signed_in(&server, "alice");
    for path in [
        "/admin",
        "/admin/users",
        "/admin/users?q=root",
        "/admin/apps",
        "/admin/groups",
        "/admin/groups/staff",
        "/admin/settings",
        "/admin/audit",
    ] {
        html_page(alice.get(&server.url(path)), 403);
    }
    let csrf = csrf_from(&server, &alice, "/account");
    let response = alice.post_form(
        &server.url("/admin/groups"),
        &[("csrf_token", &csrf), ("name", "sneaky")],
    );
    html_page(response, 403);
    let root = Browser::signed_in(&server, "root");
    let groups = html_page(root.get(&server.url("/admin/groups")), 200);
    assert!(groups.contains("There are no groups yet."), "{groups}");
    assert!(!groups.contains("sneaky"), "{groups}");
}

/// Runs the code flow for `wiki` as `browser`; answers the token response.
fn wiki_tokens(server: &TestServer, browser: &Browser) -> Value {
    let query = [
        ("response_type", "code"),
        ("client_id", "wiki"),
        ("redirect_uri", CB),
        ("scope", "openid groups"),
        ("state", "s1"),
    ];
    let mut response = browser.authorize(server, &query);
    if response.status().as_u16() == 200 {
        response = browser.decide(server, &response.text().unwrap(), "allow");
    }
    let code = query_of(&location(&response))["code"].clone();
    json(
        server.post_basic(
            "/oauth/token",
            "wiki",
            "wiki-secret",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CB),
            ],
        ),
        200,
    )
}

/// The `groups` claim of a new ID token and of UserInfo for alice.
fn alice_groups(server: &TestServer, alice: &Browser) -> (Value, Value) {
    let body = wiki_tokens(server, alice);
    let claims = jwt_claims(body["id_token"].as_str().unwrap());
    let info = userinfo_at(&server.base, body["access_token"].as_str().unwrap());
    (claims["groups"].clone(), info["groups"].clone())
}

#[test]
fn groups_made_on_the_admin_pages_reach_the_id_token_and_userinfo() {
    let server = small_server();
    let root = Browser::signed_in(&server, "root");
    let alice = Browser::signed_in(&server, "alice");
    assert_eq!(alice_groups(&server, &alice), (json!([]), json!([])));

    let made = admin_post(
        &server,
        &root,
        "/admin/groups",
        &[
            ("name", "wiki-editors"),
            ("description", "May edit the wiki"),
        ],
    );
    assert_done(&server, &made);
    assert!(location(&made).starts_with(&server.url("/admin/groups/wiki-editors?done=")));
    let again = admin_post(&server, &root, "/admin/groups", &[("name", "Wiki-Editors")]);
    assert!(html_page(again, 400).contains("a group of that name exists"));
    let bad = admin_post(&server, &root, "/admin/groups", &[("name", "no spaces")]);
    assert!(html_page(bad, 400).contains("a group name is"));

    let added = admin_post(
        &server,
        &root,
        "/admin/groups/wiki-editors/members",
        &[("username", "alice")],
    );
    assert_done(&server, &added);
    let unknown = admin_post(
        &server,
        &root,
        "/admin/groups/wiki-editors/members",
        &[("username", "nobody-here")],
    );
    assert!(html_page(unknown, 400).contains("there is no user of that name"));

    let group = html_page(root.get(&server.url("/admin/groups/wiki-editors")), 200);
    assert_eq!(listed(&group), vec!["alice".to_owned()], "{group}");
    let list = html_page(root.get(&server.url("/admin/groups")), 200);
    let row = row_with(&list, "wiki-editors");
    assert!(visible_text(row).contains("1 member"), "{row}");
    assert!(row.contains("May edit the wiki"), "{row}");
    let found = html_page(root.get(&server.url("/admin/groups?q=EDITORS")), 200);
    assert!(found.contains("wiki-editors"));
    let missed = html_page(root.get(&server.url("/admin/groups?q=gardeners")), 200);
    assert!(missed.contains("No group matches"), "{missed}");

    assert_eq!(
        alice_groups(&server, &alice),
        (json!(["wiki-editors"]), json!(["wiki-editors"]))
    );

    let alice_id = hidden_value(&group, "user_id").expect("a remove form for alice");
    let removed = admin_post(
        &server,
        &root,
        "/admin/groups/wiki-editors/members/remove",
        &[("user_id", &alice_id)],
    );
    assert_done(&server, &removed);
    assert_eq!(alice_groups(&server, &alice), (json!([]), json!([])));

    let deleted = admin_post(&server, &root, "/admin/groups/wiki-editors/delete", &[]);
    assert_done(&server, &deleted);
    html_page(root.get(&server.url("/admin/groups/wiki-editors")), 404);
    let audit = html_page(root.get(&server.url("/admin/audit?who=wiki-editors")), 200);
    for event in [
        "admin_group_created",
        "admin_group_member_added",
        "admin_group_member_removed",
        "admin_group_deleted",
    ] {
        assert!(audit.contains(event), "no {event} in the audit trail");
    }
}

#[test]
fn the_policy_select_shows_the_policy_and_sends_people_without_a_factor_to_enrol() {
    let server = small_server();
    let root = Browser::signed_in(&server, "root");
    let selected = |page: &str| {
        let select = &page[page.find("name=\"second_factor\"").expect("the select")..];
        let select = &select[..select.find("</select>").unwrap()];
        elements(select, "option")
            .into_iter()
            .find(|o| o.contains_key("selected"))
            .map(|o| o["value"].clone())
    };
    let page = html_page(root.get(&server.url("/admin/settings")), 200);
    assert_eq!(selected(&page).as_deref(), Some("optional"));
    Browser::new().login(&server, "alice", "alice-password");

    let saved = admin_post(
        &server,
        &root,
        "/admin/settings",
        &[
            ("signup", "closed"),
            ("registration", "token"),
            ("second_factor", "everyone"),
        ],
    );
    assert_done(&server, &saved);
    let page = html_page(root.get(&server.url("/admin/settings")), 200);
    assert_eq!(selected(&page).as_deref(), Some("everyone"));

    let alice = Browser::new();
    let response = alice.send_password(&server, "alice", "alice-password");
    let to = location(&response);
    assert!(
        to.starts_with(&server.url("/account/security?enrol=1")),
        "{to}"
    );
    let bad = admin_post(
        &server,
        &root,
        "/admin/settings",
        &[
            ("signup", "closed"),
            ("registration", "token"),
            ("second_factor", "sometimes"),
        ],
    );
    html_page(bad, 400);
    let page = html_page(root.get(&server.url("/admin/settings")), 200);
    assert_eq!(selected(&page).as_deref(), Some("everyone"));
}

#[test]
fn the_header_shows_the_name_and_the_admin_link_only_to_administrators() {
    let server = small_server();
    let root = Browser::signed_in(&server, "root");
    let alice = Browser::signed_in(&server, "alice");
    let xylo = Browser::signed_in(&server, "xylophonist");
    let pages = ["/", "/account", "/account/security", "/developer/apps"];
    for path in pages {
        let page = html_page(root.get(&server.url(path)), 200);
        let header = &page[page.find("<header").unwrap()..page.find("</header>").unwrap()];
        assert!(header.contains("Rosa Admin"), "{path}: {header}");
        for link in [
            "/account",
            "/account/security",
            "/account#apps",
            "/developer/apps",
            "/admin",
        ] {
            assert!(
                header.contains(&format!("href=\"{}\"", server.url(link))),
                "{path}: no {link} in {header}"
            );
        }
        let page = html_page(alice.get(&server.url(path)), 200);
        let header = &page[page.find("<header").unwrap()..page.find("</header>").unwrap()];
        assert!(header.contains("Alice Liddell"), "{path}: {header}");
        form_with_action(header, "/logout");
        assert!(
            !header.contains(&format!("href=\"{}\"", server.url("/admin"))),
            "{path}: alice sees the admin link: {header}"
        );
    }
    // Without a name, the username.
    let page = html_page(xylo.get(&server.url("/account")), 200);
    assert!(page.contains("id=\"signed-in-as\">xylophonist<"), "{page}");
    // The admin pages and the consent page carry it too.
    for path in [
        "/admin",
        "/admin/users",
        "/admin/groups",
        "/admin/settings",
        "/admin/audit",
    ] {
        let page = html_page(root.get(&server.url(path)), 200);
        assert!(page.contains("id=\"signed-in-as\">Rosa Admin<"), "{path}");
    }
    let consent = html_page(
        alice.authorize(
            &server,
            &[
                ("response_type", "code"),
                ("client_id", "wiki"),
                ("redirect_uri", CB),
                ("scope", "openid"),
                ("state", "s1"),
            ],
        ),
        200,
    );
    assert!(
        consent.contains("id=\"signed-in-as\">Alice Liddell<"),
        "{consent}"
    );
    // Nobody signed in: no header of a person.
    let page = html_page(Browser::new().get(&server.url("/")), 200);
    assert!(!page.contains("signed-in-as"), "{page}");
    let page = html_page(Browser::new().get(&server.url("/login")), 200);
    assert!(!page.contains("signed-in-as"), "{page}");
}

#[test]
fn signing_out_from_the_header_ends_the_session() {
    let server = small_server();
    let alice = Browser::signed_in(&server, "alice");
    let page = html_page(alice.get(&server.url("/account/security")), 200);
    let header = &page[page.find("<header").unwrap()..page.find("</header>").unwrap()];
    let form = form_with_action(header, "/logout");
    let csrf = hidden_value(form, "csrf_token").expect("the sign-out form's CSRF field");
    let response = alice.post_form(&server.url("/logout"), &[("csrf_token", &csrf)]);
    assert_eq!(
        response.status().as_u16(),
        303,
        "{}",
        response.text().unwrap()
    );
    let response = alice.get(&server.url("/account"));
    assert_eq!(response.status().as_u16(), 302);
    assert!(location(&response).starts_with(&server.url("/login")));
    // Without the token the header's form changes nothing.
    let bob = Browser::signed_in(&server, "root");
    html_page(
        bob.post_form(&server.url("/logout"), &[("csrf_token", "x")]),
        403,
    );
    assert_eq!(bob.get(&server.url("/account")).status().as_u16(), 200);
}

#[test]
fn odd_page_numbers_and_searches_show_a_page_and_never_fail() {
    let server = small_server();
    let root = Browser::signed_in(&server, "root");
    for query in [
        "?page=abc",
        "?page=0",
        "?page=-1",
        "?page=18446744073709551615",
        "?page=99999999999999999999999",
        "?q=%00%FF&page=2",
        "?q=<script>",
    ] {
        for list in ["users", "apps", "groups"] {
            let page = html_page(root.get(&server.url(&format!("/admin/{list}{query}"))), 200);
            assert!(!page.contains("<script>"), "{list}{query}");
        }
    }
    let page = users_page(&server, &root, "?page=7");
    assert!(visible_text(&page).contains("Page 1 of 1"), "{page}");
    assert_eq!(listed(&page).len(), 8);
}
