//! Reading what a browser sees: redirects, cookies and pages.

use std::collections::HashMap;

use reqwest::blocking::Response;

/// Answers the `Location` header of a response.
pub(crate) fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location; status {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The query parameters of a URL.
pub(crate) fn query_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap();
    parsed.query_pairs().into_owned().collect()
}

/// The fragment of a URL, decoded as form parameters.
pub(crate) fn fragment_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap();
    url::form_urlencoded::parse(parsed.fragment().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Every `Set-Cookie` header of a response.
pub(crate) fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The `Set-Cookie` line that sets `name`, if any.
pub(crate) fn set_cookie(response: &Response, name: &str) -> Option<String> {
    set_cookies(response)
        .into_iter()
        .find(|line| line.starts_with(&format!("{name}=")))
}

/// The value part of a `Set-Cookie` line (`name=value; ...` answers `value`).
pub(crate) fn cookie_value(line: &str) -> String {
    let pair = line.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.trim().to_owned()
}

/// Whether a `Set-Cookie` line has an attribute, compared without case
/// (`HttpOnly`, `Secure`, `SameSite=Lax`, `Path=/`).
pub(crate) fn has_attribute(line: &str, attribute: &str) -> bool {
    line.split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case(attribute))
}

/// Asserts the status and an HTML content type; answers the body.
pub(crate) fn html_page(response: Response, status: u16) -> String {
    let got = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    assert!(
        content_type.starts_with("text/html"),
        "content type {content_type}; body: {text}"
    );
    text
}

/// Undoes HTML escaping of text and attribute values.
pub(crate) fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The attributes (names lower-cased, values unescaped) of every `<tag …>`
/// start tag in `html`, in order.
pub(crate) fn elements(html: &str, tag: &str) -> Vec<HashMap<String, String>> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{}", tag.to_ascii_lowercase());
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find(&open) {
        let start = from + at + open.len();
        from = start;
        match html[start..].chars().next() {
            Some(c) if c.is_whitespace() || c == '>' || c == '/' => {}
            _ => continue,
        }
        let mut attrs = HashMap::new();
        let bytes = html.as_bytes();
        let mut i = start;
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                break;
            }
            let name_start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let name = html[name_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i];
                    let value_start = i + 1;
                    i = value_start;
                    while i < bytes.len() && bytes[i] != quote {
                        i += 1;
                    }
                    value = unescape(&html[value_start..i]);
                    i += 1;
                } else {
                    let value_start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = unescape(&html[value_start..i]);
                }
            }
            attrs.insert(name, value);
        }
        found.push(attrs);
        from = i.max(start);
    }
    found
}

/// The first `<form>…</form>` whose `action` ends with `action_suffix`.
pub(crate) fn form_with_action<'a>(html: &'a str, action_suffix: &str) -> &'a str {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<form") {
        let start = from + at;
        let end = lower[start..]
            .find("</form>")
            .map_or(html.len(), |e| start + e + "</form>".len());
        let section = &html[start..end];
        let action = elements(section, "form")
            .first()
            .and_then(|a| a.get("action").cloned())
            .unwrap_or_default();
        if action.ends_with(action_suffix) {
            return section;
        }
        from = end;
    }
    panic!("no form with action …{action_suffix} in: {html}");
}

/// The (name, value) pairs of every `<input type="hidden">` in `html`.
pub(crate) fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    elements(html, "input")
        .into_iter()
        .filter(|a| {
            a.get("type")
                .is_some_and(|t| t.eq_ignore_ascii_case("hidden"))
        })
        .filter_map(|a| {
            Some((
                a.get("name")?.clone(),
                a.get("value").cloned().unwrap_or_default(),
            ))
        })
        .collect()
}

/// The value of the hidden input `name`, if the page has one.
pub(crate) fn hidden_value(html: &str, name: &str) -> Option<String> {
    hidden_inputs(html)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// The text of `<code id="code">…</code>` on the out-of-band page.
pub(crate) fn shown_code(html: &str) -> String {
    let at = html
        .find("id=\"code\"")
        .unwrap_or_else(|| panic!("no id=\"code\" in: {html}"));
    let open = at + html[at..].find('>').unwrap() + 1;
    let close = open + html[open..].find("</code>").unwrap();
    unescape(html[open..close].trim())
}
