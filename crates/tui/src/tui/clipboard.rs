//! Copying to the clipboard of the terminal the UI runs in, with OSC 52.
//!
//! OSC 52 asks the terminal emulator itself to set its clipboard, so a copy works over SSH and
//! inside tmux (with `set-clipboard on`) where no local clipboard tool could reach the user's
//! desktop. The payload is base64, which also means no byte of the copied text can end the
//! escape sequence early.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The escape sequence that puts `text` on the system clipboard (`c`), as standard base64
/// with padding (RFC 4648 §4).
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_matches_the_rfc_4648_test_vectors() {
        let vectors = [
            ("", "\x1b]52;c;\x07"),
            ("f", "\x1b]52;c;Zg==\x07"),
            ("fo", "\x1b]52;c;Zm8=\x07"),
            ("foo", "\x1b]52;c;Zm9v\x07"),
            ("foob", "\x1b]52;c;Zm9vYg==\x07"),
            ("fooba", "\x1b]52;c;Zm9vYmE=\x07"),
            ("foobar", "\x1b]52;c;Zm9vYmFy\x07"),
        ];
        for (plain, sequence) in vectors {
            assert_eq!(osc52(plain), sequence, "{plain:?}");
        }
    }

    #[test]
    fn the_sequence_carries_the_text_only_as_base64() {
        let sequence = osc52("https://x/#/jobs/a\x07\x1b]0;owned\x07");
        assert!(sequence.starts_with("\x1b]52;c;"));
        assert!(sequence.ends_with('\x07'));
        let payload = &sequence["\x1b]52;c;".len()..sequence.len() - 1];
        assert!(
            payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
            "{payload:?}"
        );
        // "https" in base64
        assert!(payload.starts_with("aHR0cHM6"), "{payload}");
    }
}
