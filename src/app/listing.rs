//! A sortable, filterable list of rows with a cursor: the state behind every table pane.
//!
//! Built for 100,000 rows: each row's lowercase search text is computed once when data arrives,
//! so a filter keystroke is one pass of substring tests (and typing more letters only re-tests
//! the rows still shown). The cursor follows its row by key, not by position, so a refresh or a
//! new filter never moves the user to a different job.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

/// A column a pane can sort by.
pub trait SortColumn: Copy + Eq + std::fmt::Debug + 'static {
    /// The columns in the order `s` cycles through them; the first is the default.
    const ALL: &'static [Self];
    fn label(self) -> &'static str;
    /// Whether the column first sorts largest or newest first (totals, start times).
    fn descending_first(self) -> bool;
}

/// A row type a [`Listing`] can hold.
pub trait Listed {
    type Column: SortColumn;
    /// Stable identity (an ARN, a tag value) the cursor follows across refreshes.
    fn key(&self) -> &str;
    /// Lowercase text of every searchable column as the table shows it (sanitised).
    fn search_text(&self) -> String;
    /// Ascending order by `column`; `now` is for columns that depend on time (durations).
    fn compare(&self, other: &Self, column: Self::Column, now: DateTime<Utc>) -> Ordering;
}

/// The `/` filter: case-insensitive substring; a leading `!` keeps the rows that do not match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    text: String,
    needle: String,
    inverse: bool,
}

impl Filter {
    pub fn new(text: &str) -> Filter {
        let (inverse, rest) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Filter {
            text: text.to_string(),
            needle: rest.to_lowercase(),
            inverse,
        }
    }

    /// What the user typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the filter lets every row through.
    pub fn is_empty(&self) -> bool {
        self.needle.is_empty()
    }

    fn matches(&self, haystack: &str) -> bool {
        self.needle.is_empty() || haystack.contains(self.needle.as_str()) != self.inverse
    }

    /// Whether every row this filter keeps was also kept by `previous` (typing more letters).
    fn narrows(&self, previous: &Filter) -> bool {
        previous.is_empty()
            || (!self.inverse && !previous.inverse && self.needle.contains(&previous.needle))
    }
}

/// Rows, their order, the rows shown and the cursor.
#[derive(Debug, Clone)]
pub struct Listing<T: Listed> {
    rows: Vec<T>,
    search: Vec<Box<str>>,
    /// Every row index in sort order.
    order: Vec<u32>,
    /// The rows shown, in sort order.
    visible: Vec<u32>,
    selected: usize,
    offset: usize,
    filter: Filter,
    sort: T::Column,
    descending: bool,
}

impl<T: Listed> Default for Listing<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Listed> Listing<T> {
    pub fn new() -> Self {
        let sort = T::Column::ALL[0];
        Listing {
            rows: Vec::new(),
            search: Vec::new(),
            order: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            filter: Filter::default(),
            sort,
            descending: sort.descending_first(),
        }
    }

    /// Replaces the rows (a refresh), keeping sort, filter and the selected row.
    pub fn set_rows(&mut self, rows: Vec<T>, now: DateTime<Utc>, keep: &dyn Fn(&T) -> bool) {
        let selected_key = self.selected_key();
        self.search = rows
            .iter()
            .map(|r| r.search_text().into_boxed_str())
            .collect();
        self.rows = rows;
        self.resort(now);
        self.rebuild_visible(keep);
        self.reselect(selected_key.as_deref());
    }

    /// Applies a new filter text, keeping the selected row when it still shows.
    pub fn set_filter(&mut self, text: &str, keep: &dyn Fn(&T) -> bool) {
        let filter = Filter::new(text);
        if filter == self.filter {
            return;
        }
        let selected_key = self.selected_key();
        let narrows = filter.narrows(&self.filter);
        self.filter = filter;
        if narrows {
            let (search, filter) = (&self.search, &self.filter);
            self.visible
                .retain(|&i| filter.matches(&search[i as usize]));
        } else {
            self.rebuild_visible(keep);
        }
        self.reselect(selected_key.as_deref());
    }

    /// Re-applies the filter and `keep` (after a quick toggle changed what `keep` says).
    pub fn refilter(&mut self, keep: &dyn Fn(&T) -> bool) {
        let selected_key = self.selected_key();
        self.rebuild_visible(keep);
        self.reselect(selected_key.as_deref());
    }

    /// Sorts by the next column (`s`).
    pub fn sort_next(&mut self, now: DateTime<Utc>, keep: &dyn Fn(&T) -> bool) {
        let all = T::Column::ALL;
        let at = all.iter().position(|c| *c == self.sort).unwrap_or(0);
        self.sort = all[(at + 1) % all.len()];
        self.descending = self.sort.descending_first();
        self.resort_keeping(now, keep);
    }

    /// Reverses the sort (`S`).
    pub fn sort_reverse(&mut self, now: DateTime<Utc>, keep: &dyn Fn(&T) -> bool) {
        self.descending = !self.descending;
        self.resort_keeping(now, keep);
    }

    fn resort_keeping(&mut self, now: DateTime<Utc>, keep: &dyn Fn(&T) -> bool) {
        let selected_key = self.selected_key();
        self.resort(now);
        self.rebuild_visible(keep);
        self.reselect(selected_key.as_deref());
    }

    fn resort(&mut self, now: DateTime<Utc>) {
        let rows = &self.rows;
        let (column, descending) = (self.sort, self.descending);
        let mut order: Vec<u32> = (0..u32::try_from(rows.len()).unwrap_or(u32::MAX)).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&rows[a as usize], &rows[b as usize]);
            let by_column = a.compare(b, column, now);
            let by_column = if descending {
                by_column.reverse()
            } else {
                by_column
            };
            by_column.then_with(|| a.key().cmp(b.key()))
        });
        self.order = order;
    }

    fn rebuild_visible(&mut self, keep: &dyn Fn(&T) -> bool) {
        let (rows, search, filter) = (&self.rows, &self.search, &self.filter);
        self.visible = self
            .order
            .iter()
            .copied()
            .filter(|&i| filter.matches(&search[i as usize]) && keep(&rows[i as usize]))
            .collect();
    }

    fn selected_key(&self) -> Option<String> {
        self.selected().map(|row| row.key().to_string())
    }

    fn reselect(&mut self, key: Option<&str>) {
        let found = key.and_then(|key| {
            self.visible
                .iter()
                .position(|&i| self.rows[i as usize].key() == key)
        });
        self.selected = match found {
            Some(at) => at,
            None => self.selected.min(self.visible.len().saturating_sub(1)),
        };
    }

    /// Moves the cursor by `delta` rows, keeping it inside a window of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let last = self.visible.len().saturating_sub(1);
        let target = self.selected.saturating_add_signed(delta).min(last);
        self.select(target, page);
    }

    /// Puts the cursor on row `index` of the shown rows.
    pub fn select(&mut self, index: usize, page: usize) {
        self.selected = index.min(self.visible.len().saturating_sub(1));
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
    }

    /// The first shown row of a window `height` rows tall that contains the cursor, starting
    /// from where the window last was, so the view does not jump while moving.
    pub fn window_start(&self, height: usize) -> usize {
        let height = height.max(1);
        let low = (self.selected + 1).saturating_sub(height);
        let high = self.selected;
        let max_start = self.visible.len().saturating_sub(height);
        self.offset.clamp(low, high).min(max_start.max(low))
    }

    /// The shown rows `start..start+len` (fewer at the end).
    pub fn window(&self, start: usize, len: usize) -> impl Iterator<Item = &T> + '_ {
        self.visible
            .iter()
            .skip(start)
            .take(len)
            .map(|&i| &self.rows[i as usize])
    }

    /// The row under the cursor.
    pub fn selected(&self) -> Option<&T> {
        self.visible
            .get(self.selected)
            .map(|&i| &self.rows[i as usize])
    }

    pub fn selected_index(&self) -> usize {
        self.selected
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    /// Every row, shown or not, in arrival order.
    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn sort_column(&self) -> T::Column {
        self.sort
    }

    pub fn sort_descending(&self) -> bool {
        self.descending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Col {
        Size,
        Name,
    }

    impl SortColumn for Col {
        const ALL: &'static [Col] = &[Col::Size, Col::Name];
        fn label(self) -> &'static str {
            match self {
                Col::Size => "size",
                Col::Name => "name",
            }
        }
        fn descending_first(self) -> bool {
            self == Col::Size
        }
    }

    #[derive(Debug, Clone)]
    struct Item(String, u32);

    impl Listed for Item {
        type Column = Col;
        fn key(&self) -> &str {
            &self.0
        }
        fn search_text(&self) -> String {
            self.0.to_lowercase()
        }
        fn compare(&self, other: &Self, column: Col, _now: DateTime<Utc>) -> Ordering {
            match column {
                Col::Size => self.1.cmp(&other.1),
                Col::Name => self.0.cmp(&other.0),
            }
        }
    }

    fn items(names: &[(&str, u32)]) -> Vec<Item> {
        names.iter().map(|(n, s)| Item(n.to_string(), *s)).collect()
    }

    fn names(list: &Listing<Item>) -> Vec<String> {
        list.window(0, usize::MAX).map(|i| i.0.clone()).collect()
    }

    fn all(_: &Item) -> bool {
        true
    }

    #[test]
    fn typing_more_letters_narrows_and_backspace_widens_again() {
        let mut list = Listing::new();
        list.set_rows(
            items(&[("Alpha", 1), ("alps", 2), ("beta", 3)]),
            Utc::now(),
            &all,
        );
        list.set_filter("al", &all);
        assert_eq!(names(&list), ["alps", "Alpha"]);
        list.set_filter("alp", &all);
        assert_eq!(names(&list), ["alps", "Alpha"]);
        list.set_filter("alph", &all);
        assert_eq!(names(&list), ["Alpha"]);
        list.set_filter("a", &all);
        assert_eq!(names(&list), ["beta", "alps", "Alpha"]);
        list.set_filter("!alp", &all);
        assert_eq!(names(&list), ["beta"]);
    }

    #[test]
    fn the_cursor_follows_its_row_through_a_refresh() {
        let mut list = Listing::new();
        list.set_rows(items(&[("a", 1), ("b", 2), ("c", 3)]), Utc::now(), &all);
        list.select(1, 10);
        assert_eq!(list.selected().map(|i| i.0.as_str()), Some("b"));
        list.set_rows(
            items(&[("a", 1), ("b", 2), ("c", 3), ("d", 9)]),
            Utc::now(),
            &all,
        );
        assert_eq!(list.selected().map(|i| i.0.as_str()), Some("b"));
        assert_eq!(list.selected_index(), 2, "d sorts first by size");
    }

    #[test]
    fn window_keeps_the_cursor_visible_without_jumping() {
        let mut list = Listing::new();
        let many: Vec<Item> = (0..100).map(|n| Item(format!("{n:03}"), n)).collect();
        list.set_rows(many, Utc::now(), &all);
        list.move_by(15, 10);
        assert_eq!(list.window_start(10), 6);
        list.move_by(-3, 10);
        assert_eq!(
            list.window_start(10),
            6,
            "moving inside the window keeps it"
        );
        list.select(99, 10);
        assert_eq!(list.window_start(10), 90);
        assert_eq!(
            list.window_start(30),
            70,
            "a taller window shows more above"
        );
    }
}
