//! Every row's search text in one buffer, so a filter keystroke over 100,000 rows is a single
//! fast substring scan of contiguous memory instead of 100,000 separate small searches.

/// Between the columns of one row's text, so a needle cannot match across two columns.
pub const SEPARATOR: char = '\u{1f}';

/// Appends `text` in lower case without allocating (ASCII, the usual case, byte by byte).
pub fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&text.to_lowercase());
    }
}

/// Rows' lowercase search texts back to back, each followed by a newline (which sanitised
/// text never contains), so a match can never span two rows.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    text: String,
    /// Byte offset of each row's terminating newline; 32 bits, since the text of even a
    /// million rows is far below 4 GB.
    ends: Vec<u32>,
}

impl SearchIndex {
    /// Builds the index from each row's text, written straight into the shared buffer.
    pub fn build<T>(rows: &[T], write: impl Fn(&T, &mut String)) -> Self {
        let mut index = SearchIndex {
            text: String::with_capacity(rows.len() * 96),
            ends: Vec::with_capacity(rows.len()),
        };
        for row in rows {
            let start = index.text.len();
            write(row, &mut index.text);
            if index.text[start..].contains('\n') {
                let cleaned = index.text[start..].replace('\n', " ");
                index.text.truncate(start);
                index.text.push_str(&cleaned);
            }
            index
                .ends
                .push(u32::try_from(index.text.len()).unwrap_or(u32::MAX));
            index.text.push('\n');
        }
        index
    }

    /// The search text of row `row`.
    pub fn row(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.end(row - 1) + 1 };
        &self.text[start..self.end(row)]
    }

    /// The byte offset of row `row`'s terminating newline.
    fn end(&self, row: usize) -> usize {
        self.ends[row] as usize
    }

    /// Which rows contain `needle` (lowercase, non-empty).
    pub fn hits(&self, needle: &str) -> Vec<bool> {
        let mut hit = vec![false; self.ends.len()];
        if needle.contains('\n') {
            return hit;
        }
        let mut chars = needle.chars();
        match (chars.next(), chars.next()) {
            // One character: the char searcher runs on memchr, much faster per match.
            (Some(c), None) => self.mark(&mut hit, |from| self.text[from..].find(c)),
            _ => self.mark(&mut hit, |from| self.text[from..].find(needle)),
        }
        hit
    }

    /// Marks each row `find` finds a match in, then jumps to the next row.
    fn mark(&self, hit: &mut [bool], find: impl Fn(usize) -> Option<usize>) {
        let (mut from, mut row) = (0, 0);
        while let Some(found) = find(from) {
            let at = from + found;
            // Matches only move forward, so the row does too.
            while self.end(row) < at {
                row += 1;
            }
            hit[row] = true;
            from = self.end(row) + 1;
            if from >= self.text.len() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_are_per_row_and_never_span_rows() {
        let index = SearchIndex::build(&["abc", "cde", "", "x\nab"], |row, out| out.push_str(row));
        assert_eq!(index.hits("ab"), [true, false, false, true]);
        assert_eq!(index.hits("c"), [true, true, false, false]);
        assert_eq!(index.hits("cc"), [false; 4], "abc + cde do not join");
        assert_eq!(index.row(1), "cde");
        assert_eq!(index.row(2), "");
        assert_eq!(index.row(3), "x ab", "a newline in a row would split it");
    }
}
