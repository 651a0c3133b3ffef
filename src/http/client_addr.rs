//! The client's address, for throttling, logs and (later) the audit trail:
//! the TCP peer, or, only when the peer is a `--trusted-proxy`, the address
//! the proxies name in `Forwarded` (RFC 7239) or `X-Forwarded-For`. From
//! any other peer those headers are ignored, so nobody can choose the
//! address they are counted under. (`X-Forwarded-Proto` is not needed:
//! cookies are `Secure` whenever the issuer is https, which is what a
//! deployment behind a TLS-terminating proxy announces.)

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

use super::state::AppState;

/// Whether `ip` is one of the trusted proxies.
fn trusted(proxies: &[IpNet], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    proxies.iter().any(|net| net.contains(&ip))
}

/// One `for=` value of RFC 7239 §6: an address, maybe quoted, maybe with a
/// port, IPv6 in brackets; `unknown` and obfuscated names are no address.
fn forwarded_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value
        .parse()
        .ok()
        .or_else(|| value.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok()))
}

/// The `for=` addresses of a `Forwarded` header, nearest proxy last.
fn forwarded_chain(values: &[&str]) -> Vec<Option<IpAddr>> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| forwarded_node(value))
                    .flatten()
            })
        })
        .collect()
}

/// Walks a chain from the nearest hop: the first address that is not a
/// trusted proxy is the client; a hop that is no address ends the walk.
fn walk(chain: Vec<Option<IpAddr>>, proxies: &[IpNet], peer: IpAddr) -> IpAddr {
    let mut client = peer;
    for hop in chain.into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !trusted(proxies, ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// The address the request comes from, as item 2 of the deployment rules says.
pub(crate) fn client_ip(state: &AppState, req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let proxies = &state.trusted_proxies;
    if !trusted(proxies, peer) {
        return Some(peer);
    }
    let headers = |name: &str| -> Vec<&str> {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect()
    };
    let forwarded = headers("forwarded");
    let chain = if !forwarded.is_empty() {
        forwarded_chain(&forwarded)
    } else {
        headers("x-forwarded-for")
            .iter()
            .flat_map(|v| v.split(','))
            .map(forwarded_node)
            .collect()
    };
    Some(walk(chain, proxies, peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_nodes_take_every_form_of_rfc_7239() {
        assert_eq!(forwarded_node("192.0.2.60"), Some(ip("192.0.2.60")));
        assert_eq!(
            forwarded_node("\"192.0.2.60:4711\""),
            Some(ip("192.0.2.60"))
        );
        assert_eq!(
            forwarded_node("\"[2001:db8::1]:4711\""),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(forwarded_node("unknown"), None);
        assert_eq!(forwarded_node("_hidden"), None);
        let chain = forwarded_chain(&["for=192.0.2.43, for=\"[2001:db8:cafe::17]\";proto=https"]);
        assert_eq!(
            chain,
            vec![Some(ip("192.0.2.43")), Some(ip("2001:db8:cafe::17"))]
        );
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_nearest() {
        let proxies = nets(&["10.0.0.0/8"]);
        let peer = ip("10.0.0.1");
        // A client may put anything at the far end; only the hops our proxies add count.
        let chain = vec![
            Some(ip("6.6.6.6")),
            Some(ip("198.51.100.7")),
            Some(ip("10.0.0.2")),
        ];
        assert_eq!(walk(chain, &proxies, peer), ip("198.51.100.7"));
        assert_eq!(walk(vec![], &proxies, peer), peer);
        assert_eq!(walk(vec![None], &proxies, peer), peer);
    }

    #[test]
    fn mapped_ipv4_peers_match_ipv4_ranges() {
        assert!(trusted(&nets(&["127.0.0.1/32"]), ip("::ffff:127.0.0.1")));
        assert!(!trusted(&nets(&["127.0.0.1/32"]), ip("127.0.0.2")));
    }
}
