//! What `/metrics` reports, in the Prometheus text format through the
//! Prometheus project's `prometheus-client`: requests by route and status,
//! their latency, tokens issued by grant type, introspections, revocations,
//! sign-ins by outcome, throttled attempts, records per kind, the store's
//! size on disk, and the sweeper's runs and removals. Updating a metric is
//! a few atomic operations; nothing here is ever on a request's critical
//! path beyond that.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Labels of one metric: name, value pairs.
type Labels = Vec<(&'static str, String)>;

fn histogram() -> Histogram {
    // 0.25 ms up to about 4 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

/// Every metric the server keeps, and the registry that names them.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram, fn() -> Histogram>,
    tokens: Family<Labels, Counter>,
    /// The series of `tokens` for each grant the server knows, looked up
    /// without an allocation or a lock on the token path.
    token_series: Vec<(&'static str, Counter)>,
    introspections: Counter,
    revocations: Counter,
    sign_ins: Family<Labels, Counter>,
    throttled: Counter,
    records: Family<Labels, Gauge>,
    store_bytes: Gauge,
    sweeps: Counter,
    swept: Counter,
    certificate_expiry: Gauge,
    /// The TLS certificate's notAfter (Unix seconds); 0: no certificate.
    not_after: std::sync::atomic::AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh set of metrics, registered under the `gatehouse` prefix.
    pub fn new() -> Self {
        Self::with_grants(&[])
    }

    /// The same, with a ready series for each of these grant types, so that
    /// counting an issued token costs one atomic add.
    pub fn with_grants(grants: &[&'static str]) -> Self {
        let mut registry = Registry::with_prefix("gatehouse");
        let m = Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(histogram),
            tokens: Family::default(),
            token_series: Vec::new(),
            introspections: Counter::default(),
            revocations: Counter::default(),
            sign_ins: Family::default(),
            throttled: Counter::default(),
            records: Family::default(),
            store_bytes: Gauge::default(),
            sweeps: Counter::default(),
            swept: Counter::default(),
            certificate_expiry: Gauge::default(),
            not_after: std::sync::atomic::AtomicI64::new(0),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            m.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            m.latency.clone(),
        );
        registry.register(
            "tokens_issued",
            "Access tokens issued, by grant type",
            m.tokens.clone(),
        );
        registry.register(
            "introspections",
            "Token introspection requests",
            m.introspections.clone(),
        );
        registry.register(
            "revocations",
            "Token revocation requests",
            m.revocations.clone(),
        );
        registry.register(
            "sign_ins",
            "Password checks, by outcome",
            m.sign_ins.clone(),
        );
        registry.register(
            "throttled",
            "Sign-in attempts refused while locked",
            m.throttled.clone(),
        );
        registry.register("records", "Stored records, by kind", m.records.clone());
        registry.register(
            "store_size_bytes",
            "The database's size on disk",
            m.store_bytes.clone(),
        );
        registry.register("sweeps", "Runs of the expiry sweeper", m.sweeps.clone());
        registry.register(
            "swept_records",
            "Expired records the sweeper removed",
            m.swept.clone(),
        );
        registry.register(
            "tls_certificate_expiry_seconds",
            "Seconds until the TLS certificate expires (absent without TLS)",
            m.certificate_expiry.clone(),
        );
        let token_series = grants
            .iter()
            .map(|grant| {
                let series = m
                    .tokens
                    .get_or_create(&vec![("grant_type", (*grant).to_owned())]);
                (*grant, series.clone())
            })
            .collect();
        Metrics {
            registry,
            token_series,
            ..m
        }
    }

    /// A request was answered: its route pattern, status and time in seconds.
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        let route = vec![("route", route.to_owned())];
        self.latency.get_or_create(&route).observe(seconds);
        let mut labels = route;
        labels.push(("status", status.to_string()));
        self.requests.get_or_create(&labels).inc();
    }

    /// An access token was issued through `grant`.
    pub fn token_issued(&self, grant: &str) {
        match self.token_series.iter().find(|(name, _)| *name == grant) {
            Some((_, series)) => {
                series.inc();
            }
            None => {
                self.tokens
                    .get_or_create(&vec![("grant_type", grant.to_owned())])
                    .inc();
            }
        }
    }

    /// A client asked what a token is.
    pub fn introspection(&self) {
        self.introspections.inc();
    }

    /// A client revoked a token.
    pub fn revocation(&self) {
        self.revocations.inc();
    }

    /// A password was checked: right (`true`) or wrong.
    pub fn sign_in(&self, success: bool) {
        let outcome = if success { "success" } else { "failure" };
        self.sign_ins
            .get_or_create(&vec![("outcome", outcome.to_owned())])
            .inc();
    }

    /// An attempt was refused because its account or address is locked.
    pub fn throttled(&self) {
        self.throttled.inc();
    }

    /// The sweeper ran and removed `removed` records.
    pub fn swept(&self, removed: usize) {
        self.sweeps.inc();
        self.swept
            .inc_by(u64::try_from(removed).unwrap_or(u64::MAX));
    }

    /// The TLS certificate in use expires at `not_after` (Unix seconds).
    pub fn certificate_loaded(&self, not_after: i64) {
        self.not_after
            .store(not_after, std::sync::atomic::Ordering::Relaxed);
    }

    /// The text exposition at Unix time `now`, with the store's figures.
    pub fn render(&self, records: &[(&'static str, usize)], store_bytes: u64, now: u64) -> String {
        let not_after = self.not_after.load(std::sync::atomic::Ordering::Relaxed);
        if not_after > 0 {
            self.certificate_expiry
                .set(not_after - i64::try_from(now).unwrap_or(i64::MAX));
        }
        for (kind, count) in records {
            self.records
                .get_or_create(&vec![("kind", (*kind).to_owned())])
                .set(i64::try_from(*count).unwrap_or(i64::MAX));
        }
        self.store_bytes
            .set(i64::try_from(store_bytes).unwrap_or(i64::MAX));
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_metric_and_counts_what_happened() {
        let m = Metrics::with_grants(&["client_credentials"]);
        m.request("/oauth/token", 200, 0.001);
        m.token_issued("client_credentials");
        m.token_issued("implicit");
        m.sign_in(false);
        m.swept(3);
        m.certificate_loaded(1_000);
        let text = m.render(&[("tokens", 7)], 4096, 400);
        for line in [
            "gatehouse_http_requests_total{route=\"/oauth/token\",status=\"200\"} 1",
            "gatehouse_tokens_issued_total{grant_type=\"client_credentials\"} 1",
            "gatehouse_tokens_issued_total{grant_type=\"implicit\"} 1",
            "gatehouse_sign_ins_total{outcome=\"failure\"} 1",
            "gatehouse_swept_records_total 3",
            "gatehouse_records{kind=\"tokens\"} 7",
            "gatehouse_store_size_bytes 4096",
            "gatehouse_tls_certificate_expiry_seconds 600",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(text.contains("gatehouse_http_request_duration_seconds_bucket{"));
        assert!(text.ends_with("# EOF\n"));
    }
}
