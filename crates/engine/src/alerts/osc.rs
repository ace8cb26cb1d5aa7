//! The terminal's own alert channels: the bell, and desktop notifications by escape sequence
//! (OSC 9, which iTerm2, WezTerm, Windows Terminal and kitty show; OSC 777 `notify`, which
//! foot, Ghostty, urxvt and VTE terminals show). Both travel over SSH, unlike a local
//! notification daemon.
//!
//! The title and body carry AWS text (job names, failure reasons). Inside an OSC string a BEL
//! or ESC would end the sequence early and let the rest through as terminal commands, so every
//! control character is made visible first ([`sagescope_core::sanitize::cell`]), and OSC 777's field
//! separator `;` is replaced in the title so a name cannot add fields.

/// Rings the terminal bell.
pub const BELL: &str = "\x07";

/// Longest body sent: terminals truncate or drop long OSC strings anyway.
const MAX_BODY: usize = 240;

/// OSC 9 and OSC 777 notifications with `title` and `body`, safe to write to the terminal.
pub fn notification(title: &str, body: &str) -> String {
    let title = sagescope_core::sanitize::cell(title).replace(';', ",");
    let body: String = sagescope_core::sanitize::cell(body)
        .chars()
        .take(MAX_BODY)
        .collect();
    format!("\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payloads between each OSC introducer and its terminator.
    fn payloads(out: &str) -> Vec<&str> {
        out.split("\x1b]")
            .skip(1)
            .map(|p| p.trim_end_matches('\x07'))
            .collect()
    }

    #[test]
    fn plain_text_makes_two_notifications() {
        let out = notification("job_failed", "prod train-1");
        assert_eq!(
            out,
            "\x1b]9;job_failed: prod train-1\x07\x1b]777;notify;job_failed;prod train-1\x07"
        );
    }

    #[test]
    fn aws_text_cannot_end_the_string_or_start_another_sequence() {
        let hostile = "x\x07\x1b]0;pwned\x1b\\\u{9c}\x1b[2J;y";
        let out = notification(hostile, hostile);
        // Exactly the two introducers and two terminators this module writes.
        assert_eq!(out.matches('\x1b').count(), 2, "{out:?}");
        assert_eq!(out.matches('\x07').count(), 2, "{out:?}");
        assert!(!out.contains('\u{9c}'), "C1 string terminator");
        for payload in payloads(&out) {
            assert!(!payload.chars().any(char::is_control), "{payload:?}");
        }
        // The title cannot add OSC 777 fields: `777;notify;<title>;<body>`.
        let osc777 = payloads(&out)[1];
        let title = osc777.split(';').nth(2).unwrap_or_default();
        assert!(title.starts_with('x') && title.contains('␛'), "{osc777:?}");
        assert!(title.ends_with(",y"), "{title:?}");
    }

    #[test]
    fn long_bodies_are_cut() {
        let out = notification("t", &"a".repeat(1000));
        assert!(out.len() < 600, "{}", out.len());
    }
}
