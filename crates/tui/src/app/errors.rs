//! A bounded history of errors, so the status bar can show the latest and a view can list the
//! rest. A failure that repeats on every refresh (an account without access) is counted on one
//! entry instead of pushing everything else out.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

/// How many distinct errors are kept.
pub const ERROR_HISTORY: usize = 200;

/// One error message and when it was seen. The text came from outside: sanitise on display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub text: String,
    /// How many times in a row it was reported.
    pub count: usize,
}

/// Oldest first.
#[derive(Debug, Clone, Default)]
pub struct ErrorLog {
    entries: VecDeque<ErrorEntry>,
}

impl ErrorLog {
    pub fn push(&mut self, at: DateTime<Utc>, text: impl Into<String>) {
        let text = text.into();
        if let Some(last) = self.entries.back_mut()
            && last.text == text
        {
            last.count += 1;
            last.last_seen = at;
            return;
        }
        if self.entries.len() == ERROR_HISTORY {
            self.entries.pop_front();
        }
        self.entries.push_back(ErrorEntry {
            first_seen: at,
            last_seen: at,
            text,
            count: 1,
        });
    }

    pub fn latest(&self) -> Option<&ErrorEntry> {
        self.entries.back()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Newest first, as the error view lists them.
    pub fn newest_first(&self) -> impl Iterator<Item = &ErrorEntry> {
        self.entries.iter().rev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_counted_and_history_is_bounded() {
        let now = Utc::now();
        let mut log = ErrorLog::default();
        log.push(now, "a");
        log.push(now, "a");
        log.push(now, "b");
        assert_eq!(log.len(), 2);
        assert_eq!(log.newest_first().nth(1).map(|e| e.count), Some(2));
        for n in 0..ERROR_HISTORY + 5 {
            log.push(now, n.to_string());
        }
        assert_eq!(log.len(), ERROR_HISTORY);
        assert_eq!(
            log.latest().map(|e| e.text.as_str()),
            Some((ERROR_HISTORY + 4).to_string().as_str())
        );
    }
}
