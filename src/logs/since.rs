//! `--since 1h|30m|2d`: how far back logs are read.

use chrono::Duration;

/// A duration written as a number and a unit: `s`, `m`, `h`, `d` or `w` (`90m`, `2d`).
pub fn parse_since(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let amount: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30m, 1h or 2d"))?;
    let duration = match unit {
        "s" => Duration::try_seconds(amount),
        "m" => Duration::try_minutes(amount),
        "h" => Duration::try_hours(amount),
        "d" => Duration::try_days(amount),
        "w" => Duration::try_weeks(amount),
        _ => None,
    };
    duration.ok_or_else(|| {
        format!("`{text}` is not a duration like 30m, 1h or 2d (units: s, m, h, d, w)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_mistakes() {
        assert_eq!(parse_since("30m"), Ok(Duration::minutes(30)));
        assert_eq!(parse_since("1h"), Ok(Duration::hours(1)));
        assert_eq!(parse_since("2d"), Ok(Duration::days(2)));
        assert_eq!(parse_since("45s"), Ok(Duration::seconds(45)));
        assert!(parse_since("1y").is_err());
        assert!(parse_since("h").is_err());
        assert!(parse_since("2").is_err(), "a unit is required");
        assert!(parse_since("-1h").is_err());
    }
}
