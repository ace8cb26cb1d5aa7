//! Making text that came from outside (AWS names, failure reasons, tag keys and values, error
//! messages) safe to put on a terminal.
//!
//! Anyone who can name a job or tag a resource can put escape sequences in those strings; sent
//! raw they could retitle the window, clear the screen or worse. Control characters are shown as
//! their Unicode "control pictures" (ESC becomes `␛`), other invisible format characters that can
//! reorder text (bidi overrides) as `\u{...}`, so the user sees that something odd is there.
//!
//! How many cells such text takes ([`width`], [`cell_width`]) lives here too: the App sizes
//! columns to the data when it arrives and the drawing code lays text out, and both must agree
//! with what [`cell`] will put on screen.

use std::borrow::Cow;

/// Text for a single-line cell: every control character, newlines and tabs included, is made
/// visible.
pub fn cell(text: &str) -> Cow<'_, str> {
    clean(text, false)
}

/// Text for a multi-line block (a detail view): newlines survive, tabs become spaces, every
/// other control character is made visible.
pub fn block(text: &str) -> Cow<'_, str> {
    clean(text, true)
}

/// Display width in terminal cells, of text as given.
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Display width of outside text once made safe by [`cell`], for sizing columns to the data.
pub fn cell_width(text: &str) -> usize {
    width(&cell(text))
}

fn clean(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| needs_escape(c) || c == '\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\t' if keep_newlines => out.push_str("    "),
            '\t' => out.push(' '),
            c if needs_escape(c) => push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether a character must not reach the terminal as itself.
fn needs_escape(c: char) -> bool {
    c.is_control() || is_format_control(c)
}

/// Bidirectional overrides and isolates, and zero-width marks that can disguise text.
fn is_format_control(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn push_visible(out: &mut String, c: char) {
    let code = u32::from(c);
    match code {
        // C0 controls have pictures at U+2400 + code.
        0x00..=0x1F => out.push(char::from_u32(0x2400 + code).unwrap_or('?')),
        0x7F => out.push('\u{2421}'),
        _ => out.push_str(&format!("\\u{{{code:x}}}")),
    }
}

/// Text for a plain line on stderr or stdout (messages, `logs`): newlines and tabs survive,
/// every other control character is made visible. CSV files are not passed through it: they
/// carry the data as received (see `export::cell`).
pub fn plain(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| needs_escape(c) && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) && c != '\n' && c != '\t' {
            push_visible(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Serialised JSON made safe for a terminal without changing what it says: serde_json already
/// writes C0 controls as `\u00XX`, but leaves C1 controls (U+009B is CSI to many terminals) and
/// bidi overrides as themselves. Those can only occur inside strings, where `\uXXXX` means the
/// same character, so a JSON reader gets the exact text back.
///
/// Newlines, carriage returns and tabs are left alone: serde_json escapes them inside strings,
/// so raw ones are the layout of pretty-printed output.
pub fn json(serialised: &str) -> Cow<'_, str> {
    let escaped = |c: char| needs_escape(c) && !matches!(c, '\n' | '\r' | '\t');
    if !serialised.chars().any(escaped) {
        return Cow::Borrowed(serialised);
    }
    let mut out = String::with_capacity(serialised.len() + 8);
    for c in serialised.chars() {
        if escaped(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_keeps_its_layout_and_reads_back_the_same() {
        let value = serde_json::json!({ "rows": [{ "reason": HOSTILE }] });
        let pretty = serde_json::to_string_pretty(&value).expect("serialises");
        let safe = json(&pretty);
        assert!(safe.contains("\n  "), "the layout stays: {safe}");
        assert!(
            !safe.chars().any(|c| c != '\n' && needs_escape(c)),
            "{safe:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_reads_back_the_same() {
        let value = serde_json::json!({ "name": HOSTILE });
        let text = serde_json::to_string(&value).expect("serialises");
        let safe = json(&text);
        assert!(!safe.chars().any(needs_escape), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
    }

    const HOSTILE: &str = "boom\x1b]0;x\x07\x1b[2J\r\nnext\u{202E}gnp.exe\u{9b}";

    #[test]
    fn cells_contain_no_control_characters() {
        let out = cell(HOSTILE);
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        assert!(out.contains('␛'), "ESC is shown, not hidden: {out:?}");
        assert!(out.contains("\\u{202e}"), "{out:?}");
        assert!(out.contains("\\u{9b}"), "C1 CSI is escaped: {out:?}");
    }

    #[test]
    fn blocks_keep_newlines_only() {
        let out = block(HOSTILE);
        assert!(out.contains('\n'));
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    }

    #[test]
    fn plain_text_is_borrowed_untouched() {
        assert!(matches!(cell("ml.p3.2xlarge · ünïcode"), Cow::Borrowed(_)));
        assert!(matches!(plain("a\tb\nc"), Cow::Borrowed(_)));
    }

    #[test]
    fn widths_are_of_what_is_shown() {
        assert_eq!(width("日本"), 4);
        assert_eq!(cell_width("a\x1bb"), 3, "ESC is shown as one cell");
        // A bidi override takes no cell as given, but is shown spelled out.
        assert_eq!(width("a\u{202E}b"), 2);
        assert_eq!(cell_width("a\u{202E}b"), 2 + "\\u{202e}".len());
    }

    #[test]
    fn tabs_become_spaces() {
        assert_eq!(cell("a\tb"), "a b");
        assert_eq!(block("a\tb"), "a    b");
    }
}
