//! Every row's search text in one buffer, so a filter keystroke over 100,000 rows is a single
//! fast substring scan of contiguous memory instead of 100,000 separate small searches.

/// Rows' lowercase search texts back to back, each followed by a newline (which sanitised
/// text never contains), so a match can never span two rows.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    text: String,
    /// Byte offset of each row's terminating newline.
    ends: Vec<usize>,
}

impl SearchIndex {
    pub fn build(texts: impl Iterator<Item = String>) -> Self {
        let mut index = SearchIndex::default();
        for text in texts {
            if text.contains('\n') {
                index.text.push_str(&text.replace('\n', " "));
            } else {
                index.text.push_str(&text);
            }
            index.ends.push(index.text.len());
            index.text.push('\n');
        }
        index
    }

    /// The search text of row `row`.
    pub fn row(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] + 1 };
        &self.text[start..self.ends[row]]
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
            while self.ends[row] < at {
                row += 1;
            }
            hit[row] = true;
            from = self.ends[row] + 1;
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
        let index = SearchIndex::build(["abc", "cde", "", "xab"].map(String::from).into_iter());
        assert_eq!(index.hits("ab"), [true, false, false, true]);
        assert_eq!(index.hits("c"), [true, true, false, false]);
        assert_eq!(index.hits("cc"), [false; 4], "abc + cde do not join");
        assert_eq!(index.row(1), "cde");
        assert_eq!(index.row(2), "");
    }
}
