//! Showing Unix times: `YYYY-MM-DD HH:MM UTC` to people, RFC 3339 to programs.

/// Formats Unix seconds as a UTC date and time.
pub(super) fn utc(seconds: u64) -> String {
    let (date, h, m, _) = civil(seconds);
    format!("{date} {h:02}:{m:02} UTC")
}

/// Formats Unix seconds as RFC 3339 (`2026-11-23T15:03:16.000Z`), as JSON APIs expect.
pub fn rfc3339(seconds: u64) -> String {
    let (date, h, m, s) = civil(seconds);
    format!("{date}T{h:02}:{m:02}:{s:02}.000Z")
}

/// Formats Unix seconds as RFC 3339 without fractions (`2011-06-11T18:30:22Z`),
/// as Piictu's document shows them.
pub fn rfc3339_seconds(seconds: u64) -> String {
    let (date, h, m, s) = civil(seconds);
    format!("{date}T{h:02}:{m:02}:{s:02}Z")
}

/// The date (`YYYY-MM-DD`), hour, minute and second of Unix seconds, in UTC.
fn civil(seconds: u64) -> (String, u64, u64, u64) {
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_format() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_795_446_196), "2026-11-23 15:03 UTC");
        assert_eq!(rfc3339(1_795_446_196), "2026-11-23T15:03:16.000Z");
    }
}
