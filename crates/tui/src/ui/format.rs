//! How times, durations, money and long text are written in cells.

use chrono::{DateTime, FixedOffset, Utc};
use unicode_width::UnicodeWidthChar;

/// `just now`, `3 min ago`, `2 h ago`, `4 d ago`.
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let minutes = (now - then).num_minutes();
    match minutes {
        i64::MIN..=0 => "just now".into(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} d ago", minutes / 1440),
    }
}

/// A compact age for the `started` column: `5m ago`, `3h ago`, `12d ago`.
pub fn short_age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let minutes = (now - then).num_minutes().max(0);
    match minutes {
        0..=59 => format!("{minutes}m ago"),
        60..=2879 => format!("{}h ago", minutes / 60),
        _ => format!("{}d ago", minutes / 1440),
    }
}

/// `42s`, `47m`, `3h 05m`, `2d 04h`.
pub fn duration(d: chrono::Duration) -> String {
    let seconds = d.num_seconds().max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    if seconds < 60 {
        format!("{seconds}s")
    } else if seconds < 3600 {
        format!("{minutes}m")
    } else if days == 0 {
        format!("{hours}h {minutes:02}m")
    } else {
        format!("{days}d {hours:02}h")
    }
}

/// `14:02` today, `11-18 14:02` on another day, in the display offset.
pub fn clock(now: DateTime<Utc>, t: DateTime<Utc>, tz: FixedOffset) -> String {
    let (t, today) = (t.with_timezone(&tz), now.with_timezone(&tz).date_naive());
    if t.date_naive() == today {
        t.format("%H:%M").to_string()
    } else {
        t.format("%m-%d %H:%M").to_string()
    }
}

/// A full timestamp for the detail view: `2026-11-20 14:02:00 +00:00`.
pub fn timestamp(t: DateTime<Utc>, tz: FixedOffset) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

/// `$61,234`, `$95.40`, or `1,234 EUR` for other units.
pub fn money(amount: f64, unit: &str) -> String {
    let number = if amount.abs() >= 1000.0 {
        grouped(amount.round())
    } else {
        format!("{amount:.2}")
    };
    if unit == "USD" {
        format!("${number}")
    } else {
        format!("{number} {unit}")
    }
}

/// `$1.2k`, `$950`: for chart axes.
pub fn money_short(amount: f64, unit: &str) -> String {
    let number = if amount >= 1_000_000.0 {
        format!("{:.1}M", amount / 1_000_000.0)
    } else if amount >= 1000.0 {
        format!("{:.1}k", amount / 1000.0)
    } else {
        format!("{amount:.0}")
    };
    if unit == "USD" {
        format!("${number}")
    } else {
        number
    }
}

/// A count with thousands separators: `100,000`.
pub fn count(n: usize) -> String {
    grouped(n as f64)
}

fn grouped(amount: f64) -> String {
    let digits = format!("{:.0}", amount.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12.3%`.
pub fn share(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// Display width in terminal cells (defined beside `sanitize::cell`, which the App uses too).
pub use sagescope_core::sanitize::width;

/// Cuts `text` to `max` cells, ending in `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Wraps text at word boundaries to lines of at most `max` cells; words longer than a line
/// are split. Newlines in the text start new lines.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ') {
            let mut word_width = width(word);
            let gap = usize::from(used > 0);
            if used + gap + word_width > max && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            } else if used > 0 {
                line.push(' ');
                used += 1;
            }
            let mut rest = word;
            while word_width > max - used {
                let mut taken = 0;
                let split = rest
                    .char_indices()
                    .find(|(_, c)| {
                        taken += c.width().unwrap_or(0);
                        taken > max - used
                    })
                    .map_or(rest.len(), |(i, _)| i);
                // A character wider than the whole line still has to go somewhere.
                let split = if split == 0 {
                    rest.chars().next().map_or(rest.len(), char::len_utf8)
                } else {
                    split
                };
                line.push_str(&rest[..split]);
                lines.push(std::mem::take(&mut line));
                rest = &rest[split..];
                used = 0;
                word_width = width(rest);
            }
            line.push_str(rest);
            used += word_width;
        }
        lines.push(line);
    }
    lines
}

/// A one-line sparkline of `values`, `cells` wide: days are summed into buckets when there
/// are more days than cells. Scaled to the series' own maximum, so it shows shape.
pub fn sparkline(values: &[f64], cells: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() || cells == 0 {
        return String::new();
    }
    let buckets: Vec<f64> = if values.len() <= cells {
        values.to_vec()
    } else {
        (0..cells)
            .map(|b| {
                let (from, to) = (b * values.len() / cells, (b + 1) * values.len() / cells);
                values[from..to.max(from + 1)].iter().sum()
            })
            .collect()
    };
    let max = buckets.iter().copied().fold(0.0_f64, f64::max);
    buckets
        .iter()
        .map(|v| {
            if max <= 0.0 {
                ' '
            } else {
                let level = ((v / max) * 7.0).round().clamp(0.0, 7.0) as usize;
                BARS[level]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn durations_and_ages_read_naturally() {
        assert_eq!(duration(chrono::Duration::seconds(42)), "42s");
        assert_eq!(duration(chrono::Duration::minutes(47)), "47m");
        assert_eq!(duration(chrono::Duration::minutes(185)), "3h 05m");
        assert_eq!(duration(chrono::Duration::hours(52)), "2d 04h");
        let now = Utc
            .with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(age(now, now - chrono::Duration::minutes(3)), "3 min ago");
        assert_eq!(age(now, now), "just now");
        assert_eq!(short_age(now, now - chrono::Duration::hours(30)), "30h ago");
    }

    #[test]
    fn money_is_grouped_and_rounded() {
        assert_eq!(money(61234.4, "USD"), "$61,234");
        assert_eq!(money(95.4, "USD"), "$95.40");
        assert_eq!(money(1_234_567.0, "EUR"), "1,234,567 EUR");
        assert_eq!(money_short(1250.0, "USD"), "$1.2k");
    }

    #[test]
    fn truncation_marks_the_cut_and_respects_wide_characters() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(width(&truncate("日本語のテキスト", 5)), 5);
    }

    #[test]
    fn wrapping_keeps_words_and_splits_long_ones() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
    }

    #[test]
    fn sparkline_buckets_long_series() {
        assert_eq!(sparkline(&[0.0, 1.0], 2), "▁█");
        assert_eq!(sparkline(&[1.0; 30], 10).chars().count(), 10);
    }
}
