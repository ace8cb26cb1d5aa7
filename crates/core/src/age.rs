//! `--since 30m|12h|7d|2w`: how far back, as people write it. One parser for every command
//! that takes an age (`export events`, `logs`), so they accept the same spellings and refuse
//! the same mistakes.
//!
//! Both steps are total: a number too large for a duration, or an age reaching before the
//! earliest time chrono can represent, is an [`AgeError`] (a usage error, exit 2), never an
//! arithmetic panic.

use chrono::{DateTime, TimeDelta, Utc};

/// Why an age cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgeError {
    #[error("`{0}` is not an age like 30m, 12h or 7d (a whole number and a unit: s, m, h, d, w)")]
    NotAnAge(String),
    #[error("`{0}` is too far back: an age must stay within a few hundred thousand years")]
    TooFarBack(String),
}

/// An age as the user wrote it, and the duration it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Age {
    text: String,
    delta: TimeDelta,
}

impl Age {
    /// The duration, e.g. seven days for `7d`.
    pub fn delta(&self) -> TimeDelta {
        self.delta
    }

    /// The moment this age before `now`, or [`AgeError::TooFarBack`] when that is before
    /// the earliest time representable.
    pub fn before(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, AgeError> {
        now.checked_sub_signed(self.delta)
            .ok_or_else(|| AgeError::TooFarBack(self.text.clone()))
    }
}

impl std::str::FromStr for Age {
    type Err = AgeError;

    /// A whole number and a unit: `s`, `m`, `h`, `d` or `w` (`90s`, `30m`, `12h`, `7d`,
    /// `2w`). Surrounding whitespace is ignored; signs, fractions and a missing unit are
    /// refused.
    fn from_str(text: &str) -> Result<Self, AgeError> {
        let text = text.trim().to_string();
        let not_an_age = || AgeError::NotAnAge(text.clone());
        // Splitting at the first non-digit keeps the cut on a char boundary: digits are ASCII.
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        if number.is_empty() {
            return Err(not_an_age());
        }
        let try_unit: fn(i64) -> Option<TimeDelta> = match unit {
            "s" => TimeDelta::try_seconds,
            "m" => TimeDelta::try_minutes,
            "h" => TimeDelta::try_hours,
            "d" => TimeDelta::try_days,
            "w" => TimeDelta::try_weeks,
            _ => return Err(not_an_age()),
        };
        // Only digits are left, so a failed parse is a number beyond i64: too far back.
        let too_far = || AgeError::TooFarBack(text.clone());
        let amount: i64 = number.parse().map_err(|_| too_far())?;
        let delta = try_unit(amount).ok_or_else(too_far)?;
        Ok(Age { text, delta })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<TimeDelta, AgeError> {
        text.parse::<Age>().map(|age| age.delta())
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("fixed date")
            .with_timezone(&Utc)
    }

    #[test]
    fn ages_read_like_people_write_them() {
        assert_eq!(parse("45s"), Ok(TimeDelta::seconds(45)));
        assert_eq!(parse("30m"), Ok(TimeDelta::minutes(30)));
        assert_eq!(parse("12h"), Ok(TimeDelta::hours(12)));
        assert_eq!(parse("7d"), Ok(TimeDelta::days(7)));
        assert_eq!(parse("2w"), Ok(TimeDelta::days(14)));
        assert_eq!(parse(" 1h "), Ok(TimeDelta::hours(1)));
        for bad in [
            "", "d", "7", "7y", "-1d", "+1d", "x7d", "1.5h", "1 h", "1H", "7dd", "\u{663}d",
        ] {
            assert!(
                matches!(parse(bad), Err(AgeError::NotAnAge(_))),
                "{bad}: {:?}",
                parse(bad)
            );
        }
    }

    #[test]
    fn since_of_99999999999999_days_is_an_error_not_a_panic() {
        // `export --since` used to call `Duration::days`, which panics past i64 milliseconds.
        assert_eq!(
            parse("99999999999999d"),
            Err(AgeError::TooFarBack("99999999999999d".into()))
        );
        assert!(matches!(
            parse("99999999999999999999999s"),
            Err(AgeError::TooFarBack(_))
        ));
    }

    #[test]
    fn an_age_before_the_earliest_date_is_an_error_not_a_panic() {
        // 100 million days is a valid duration but reaches before year -262143: `now - age`
        // used to panic in chrono's `Sub` (export events, logs).
        let age: Age = "100000000d".parse().expect("a representable duration");
        let now = utc("2026-12-07T00:00:00Z");
        assert_eq!(
            age.before(now),
            Err(AgeError::TooFarBack("100000000d".into()))
        );
        let week: Age = "7d".parse().expect("an age");
        assert_eq!(week.before(now), Ok(utc("2026-11-30T00:00:00Z")));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in "\\PC*") {
            let _ = parse(&text);
        }

        #[test]
        fn digits_and_a_unit_never_panic(number in "[0-9]{0,30}", unit in "[smhdwx]?") {
            let _ = parse(&format!("{number}{unit}"));
        }

        #[test]
        fn days_and_hours_parse_to_exactly_that_many(n in 0i64..=106_751_991_167) {
            // 106,751,991,167 days is the last whole day count within i64 milliseconds,
            // chrono's bound on a duration.
            prop_assert_eq!(parse(&format!("{n}d")).map(|d| d.num_days()), Ok(n));
            prop_assert_eq!(parse(&format!("{n}h")).map(|d| d.num_hours()), Ok(n));
            prop_assert_eq!(parse(&format!("{n}m")).map(|d| d.num_minutes()), Ok(n));
        }

        #[test]
        fn days_beyond_the_range_of_a_duration_are_errors(n in 106_751_991_168i64..) {
            prop_assert_eq!(
                parse(&format!("{n}d")),
                Err(AgeError::TooFarBack(format!("{n}d")))
            );
        }

        #[test]
        fn the_moment_before_now_is_total(
            n in 0i64..=106_751_991_167,
            secs in -8_000_000_000_000i64..8_000_000_000_000,
        ) {
            let Some(now) = DateTime::from_timestamp(secs, 0) else {
                return Ok(());
            };
            let age: Age = format!("{n}d").parse().expect("in range");
            match age.before(now) {
                Ok(then) => prop_assert_eq!(now - then, TimeDelta::days(n)),
                Err(e) => {
                    prop_assert!(secs - n * 86_400 < DateTime::<Utc>::MIN_UTC.timestamp());
                    prop_assert_eq!(e, AgeError::TooFarBack(format!("{n}d")));
                }
            }
        }
    }
}
