//! The frame every page shares.

use maud::{html, Markup, DOCTYPE};

/// Wraps a page body with the document head and the site header.
pub fn layout(title: &str, body: Markup) -> Markup {
    document(
        title,
        html! { header.site { a href="/" { "Gatehouse" } } },
        body,
    )
}

/// Who is signed in, for the header of the pages they see.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    /// The issuer, for links and the sign-out form.
    pub issuer: &'a str,
    /// The person's name, or their username when they gave none.
    pub name: &'a str,
    /// Whether to link to the admin pages.
    pub admin: bool,
    /// The CSRF token of the sign-out form.
    pub csrf: &'a str,
}

/// The site header of a signed-in person: their name, their pages, the
/// admin pages for administrators, and a sign-out button.
fn signed_in_header(header: &Header<'_>) -> Markup {
    let link = |segments: &[&str]| url_at(header.issuer, segments);
    html! {
        header.site.signed-in {
            a href=(link(&[])) { "Gatehouse" }
            nav #account-nav aria-label="Your account" {
                span #signed-in-as { (header.name) }
                a #nav-account href=(link(&["account"])) { "Account" }
                a #nav-security href=(link(&["account", "security"])) { "Security" }
                a #nav-apps href={ (link(&["account"])) "#apps" } { "Applications" }
                a #nav-developer href=(link(&["developer", "apps"])) { "Developer" }
                @if header.admin {
                    a #nav-admin href=(link(&["admin"])) { "Administration" }
                }
                form.inline #sign-out method="post" action=(link(&["logout"])) {
                    (csrf_field(header.csrf))
                    button.secondary type="submit" { "Sign out" }
                }
            }
        }
    }
}

/// Like [`layout`], with the header of a signed-in person.
pub fn layout_signed_in(title: &str, header: &Header<'_>, body: Markup) -> Markup {
    document(title, signed_in_header(header), body)
}

/// [`layout`] or [`layout_signed_in`], as the page has a header or not.
pub fn layout_for(title: &str, header: Option<&Header<'_>>, body: Markup) -> Markup {
    match header {
        Some(header) => layout_signed_in(title, header, body),
        None => layout(title, body),
    }
}

/// The document around a page: head, the given site header, the body.
fn document(title: &str, site_header: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Gatehouse" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                (site_header)
                main { (body) }
            }
        }
    }
}

/// Like `layout`, for the few pages that run a script of ours (served
/// from `/static`; such pages get a Content-Security-Policy that allows
/// `script-src 'self'`, every other page allows no script at all).
pub fn layout_with_script(title: &str, script: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Gatehouse" }
                link rel="stylesheet" href="/static/style.css";
                script src=(script) defer {}
            }
            body {
                header.site { a href="/" { "Gatehouse" } }
                main { (body) }
            }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

/// An absolute URL on this server: the issuer, then each path segment
/// percent-encoded (an id never changes the path's shape).
pub fn url_at(issuer: &str, segments: &[&str]) -> String {
    match url::Url::parse(issuer) {
        Ok(mut url) => {
            if let Ok(mut path) = url.path_segments_mut() {
                path.pop_if_empty().extend(segments);
            }
            url.into()
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod url_tests {
    use super::url_at;

    #[test]
    fn segments_are_encoded_one_by_one() {
        assert_eq!(
            url_at("https://id.example", &["admin", "apps", "a b/c?d", "flags"]),
            "https://id.example/admin/apps/a%20b%2Fc%3Fd/flags"
        );
        assert_eq!(
            url_at("https://id.example/sso", &["developer", "apps"]),
            "https://id.example/sso/developer/apps"
        );
    }
}
