use std::fmt;
use std::path::{Path, PathBuf};

/// Why a config file could not be used. Every variant says which file and how to fix it;
/// the CLI prints it and exits 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{location}: {message}{}", hint.as_deref().map(|h| format!("\n  fix: {h}")).unwrap_or_default())]
    Invalid {
        location: Location,
        message: String,
        hint: Option<String>,
    },
}

/// A place in a config file, printed as `file:line:col` so editors can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// Turns a byte offset into a 1-based line and column (columns count characters).
    pub fn at_offset(path: &Path, text: &str, offset: usize) -> Location {
        // A byte offset inside a character (from a parser counting bytes) means that
        // character: step back to where it starts.
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Location {
            path: path.to_path_buf(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_one_based_line_and_column() {
        let text = "a = 1\nbé = 2\n";
        let path = Path::new("c.toml");
        assert_eq!(Location::at_offset(path, text, 0).to_string(), "c.toml:1:1");
        let offset = text
            .find('=')
            .map(|_| text.rfind('=').unwrap_or(0))
            .unwrap_or(0);
        let loc = Location::at_offset(path, text, offset);
        assert_eq!(
            (loc.line, loc.column),
            (2, 4),
            "columns count characters, not bytes"
        );
    }

    #[test]
    fn an_offset_inside_a_character_points_at_that_character() {
        let text = "a = 1\nbé = 2\n";
        // Byte 8 is the second byte of `é` (line 2, column 2).
        assert_eq!(
            Location::at_offset(Path::new("c.toml"), text, 8).to_string(),
            "c.toml:2:2"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_offset_is_a_place_in_the_text(text in "\\PC{0,30}(\n\\PC{0,10}){0,4}", offset in 0usize..200) {
            let at = Location::at_offset(Path::new("c.toml"), &text, offset);
            proptest::prop_assert!(at.line >= 1 && at.line <= text.matches('\n').count() + 1);
            let line = text.split('\n').nth(at.line - 1).expect("that line exists");
            proptest::prop_assert!(at.column >= 1 && at.column <= line.chars().count() + 1);
        }
    }
}
