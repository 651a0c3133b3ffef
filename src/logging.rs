//! Where log lines go and how they look: text (env_logger's own) or JSON,
//! one object a line with `time`, `level`, `target`, `message` and the
//! record's fields. The level comes from `RUST_LOG` (default `info`).

use std::io::Write;

use serde_json::{Map, Value};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object a line, for log collectors.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("`{other}`: use text or json")),
        }
    }
}

/// Collects a record's key-values into a JSON object.
struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> log::kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(n) = value.to_i64() {
            Value::from(n)
        } else if let Some(n) = value.to_f64() {
            Value::from(n)
        } else if let Some(b) = value.to_bool() {
            Value::from(b)
        } else {
            Value::from(value.to_string())
        };
        self.0.insert(key.as_str().to_owned(), json);
        Ok(())
    }
}

/// One JSON log line for a record at Unix time `now` (milliseconds).
fn json_line(record: &log::Record<'_>, now_ms: u128) -> String {
    let seconds = u64::try_from(now_ms / 1000).unwrap_or(0);
    let time = crate::pages::rfc3339(seconds).replace(".000Z", &format!(".{:03}Z", now_ms % 1000));
    let mut object = Map::new();
    object.insert("time".into(), Value::from(time));
    object.insert("level".into(), Value::from(record.level().as_str()));
    object.insert("target".into(), Value::from(record.target()));
    object.insert("message".into(), Value::from(record.args().to_string()));
    // A field never replaces the line's own time, level, target or message.
    let mut fields = Map::new();
    let _ = record.key_values().visit(&mut Fields(&mut fields));
    for (key, value) in fields {
        object.entry(key).or_insert(value);
    }
    Value::Object(object).to_string()
}

/// Starts logging to stderr in `format`.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if format == LogFormat::Json {
        builder.format(|buf, record| {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            writeln!(buf, "{}", json_line(record, now_ms))
        });
    }
    builder.init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_carries_the_message_and_the_fields() {
        let kvs: &[(&str, log::kv::Value<'_>)] = &[
            ("status", log::kv::Value::from(200u16)),
            ("path", log::kv::Value::from("/oauth/token")),
        ];
        let line = json_line(
            &log::Record::builder()
                .args(format_args!("POST /oauth/token 200"))
                .level(log::Level::Info)
                .target("gatehouse::request")
                .key_values(&kvs)
                .build(),
            1_700_000_000_123,
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["time"], "2023-11-14T22:13:20.123Z");
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["status"], 200);
        assert_eq!(v["path"], "/oauth/token");
        assert_eq!(v["message"], "POST /oauth/token 200");
    }
}
