//! A sortable, filterable list of rows with a cursor: the state behind every table pane.
//!
//! Built for 100,000 rows: each row's lowercase search text is computed once when data arrives,
//! so a filter keystroke is one pass of substring tests (and typing more letters only re-tests
//! the rows still shown). The cursor follows its row by key, not by position, so a refresh or a
//! new filter never moves the user to a different job.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::search::SearchIndex;

/// An extra row predicate (the Jobs pane's quick toggles); `None` keeps every row without
/// touching it, which keeps a filter pass over 100,000 rows inside the search index.
pub type Keep<'a, T> = Option<&'a dyn Fn(&T) -> bool>;

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
    /// Appends the lowercase text of every searchable column as the table shows it
    /// (sanitised), columns separated by [`SEPARATOR`](super::search::SEPARATOR).
    fn write_search_text(&self, out: &mut String);
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
        // Kept in step with `SearchIndex::hits`, which answers the same question in bulk.
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
    search: SearchIndex,
    /// Every row index in sort order.
    order: Vec<u32>,
    /// The rows shown, in sort order.
    visible: Vec<u32>,
    selected: usize,
    offset: usize,
    filter: Filter,
    sort: T::Column,
    descending: bool,
    /// Rows for which this holds are shown before the others, each group in sort order (the
    /// flagged view puts GPU resources first: they burn the most).
    first: Option<fn(&T) -> bool>,
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
            search: SearchIndex::default(),
            order: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            filter: Filter::default(),
            sort,
            descending: sort.descending_first(),
            first: None,
        }
    }

    /// Shows rows for which `first` holds before the others (`None`: sort order only).
    pub fn set_first(&mut self, first: Option<fn(&T) -> bool>, keep: Keep<'_, T>) {
        self.first = first;
        self.refilter(keep);
    }

    /// Replaces the rows (a refresh), keeping sort, filter and the selected row (by key).
    pub fn set_rows(&mut self, rows: Vec<T>, now: DateTime<Utc>, keep: Keep<'_, T>) {
        self.replace_where(|_| true, rows, now, keep);
    }

    /// Replaces the rows that match `replace` with `with` (one scope of a refresh arriving),
    /// keeping sort, filter and the selected row like [`Listing::set_rows`], without copying
    /// the rows that stay.
    pub fn replace_where(
        &mut self,
        replace: impl Fn(&T) -> bool,
        with: Vec<T>,
        now: DateTime<Utc>,
        keep: Keep<'_, T>,
    ) {
        let selected_key = self.selected().map(|row| row.key().to_string());
        let mut rows = std::mem::take(&mut self.rows);
        rows.retain(|row| !replace(row));
        if rows.is_empty() {
            // Everything is replaced (start-up, a whole refresh): take the new rows' own
            // allocation rather than copying 100,000 of them into a second one.
            rows = with;
        } else {
            rows.extend(with);
        }
        self.rows = rows;
        self.reorder(selected_key, now, keep);
    }

    /// Changes a column that is not searched (a cost) in every row in place (their keys
    /// stay), then sorts and filters again, keeping the selected row: a rebuild from clones
    /// would hold every row twice, and the search text, unchanged, is not built again.
    pub fn update_unsearched(
        &mut self,
        change: impl FnMut(&mut T),
        now: DateTime<Utc>,
        keep: Keep<'_, T>,
    ) {
        let selected_key = self.selected().map(|row| row.key().to_string());
        self.rows.iter_mut().for_each(change);
        self.resort_and_find(selected_key, now, keep);
    }

    /// After the rows changed: the search text, the sort, the shown rows, and the cursor back
    /// on the row with `selected_key` when it still shows.
    fn reorder(&mut self, selected_key: Option<String>, now: DateTime<Utc>, keep: Keep<'_, T>) {
        // The old text goes first: at 100,000 rows each is about 10 MB.
        self.search = SearchIndex::default();
        self.search = SearchIndex::build(&self.rows, T::write_search_text);
        self.resort_and_find(selected_key, now, keep);
    }

    /// The sort, the shown rows, and the cursor back on the row with `selected_key`.
    fn resort_and_find(
        &mut self,
        selected_key: Option<String>,
        now: DateTime<Utc>,
        keep: Keep<'_, T>,
    ) {
        self.resort(now);
        self.rebuild_visible(keep);
        let found = selected_key.and_then(|key| {
            self.visible
                .iter()
                .position(|&i| self.rows[i as usize].key() == key)
        });
        self.place_cursor(found);
    }

    /// Applies a new filter text, keeping the selected row when it still shows.
    pub fn set_filter(&mut self, text: &str, keep: Keep<'_, T>) {
        let filter = Filter::new(text);
        if filter == self.filter {
            return;
        }
        let selected = self.selected_row();
        let narrows = filter.narrows(&self.filter);
        self.filter = filter;
        if narrows && self.visible.len() * 4 < self.rows.len() {
            // Few rows left: testing them one by one beats scanning everything.
            let (search, filter) = (&self.search, &self.filter);
            self.visible
                .retain(|&i| filter.matches(search.row(i as usize)));
        } else if narrows {
            let hits = self.search.hits(&self.filter.needle);
            let inverse = self.filter.inverse;
            self.visible.retain(|&i| hits[i as usize] != inverse);
        } else {
            self.rebuild_visible(keep);
        }
        self.reselect(selected);
    }

    /// Re-applies the filter and `keep` (after a quick toggle changed what `keep` says).
    pub fn refilter(&mut self, keep: Keep<'_, T>) {
        let selected = self.selected_row();
        self.rebuild_visible(keep);
        self.reselect(selected);
    }

    /// Sorts by the next column (`s`).
    pub fn sort_next(&mut self, now: DateTime<Utc>, keep: Keep<'_, T>) {
        let all = T::Column::ALL;
        let at = all.iter().position(|c| *c == self.sort).unwrap_or(0);
        self.sort = all[(at + 1) % all.len()];
        self.descending = self.sort.descending_first();
        self.resort_keeping(now, keep);
    }

    /// Sorts by `column`, in its first direction.
    pub fn sort_by(&mut self, column: T::Column, now: DateTime<Utc>, keep: Keep<'_, T>) {
        self.sort = column;
        self.descending = column.descending_first();
        self.resort_keeping(now, keep);
    }

    /// Reverses the sort (`S`).
    pub fn sort_reverse(&mut self, now: DateTime<Utc>, keep: Keep<'_, T>) {
        self.descending = !self.descending;
        self.resort_keeping(now, keep);
    }

    fn resort_keeping(&mut self, now: DateTime<Utc>, keep: Keep<'_, T>) {
        let selected = self.selected_row();
        self.resort(now);
        self.rebuild_visible(keep);
        self.reselect(selected);
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

    fn rebuild_visible(&mut self, keep: Keep<'_, T>) {
        let rows = &self.rows;
        let keep = |i: u32| keep.is_none_or(|keep| keep(&rows[i as usize]));
        self.visible = if self.filter.is_empty() {
            self.order.iter().copied().filter(|&i| keep(i)).collect()
        } else {
            let hits = self.search.hits(&self.filter.needle);
            let inverse = self.filter.inverse;
            self.order
                .iter()
                .copied()
                .filter(|&i| hits[i as usize] != inverse && keep(i))
                .collect()
        };
        if let Some(first) = self.first {
            // A stable partition: each group keeps its sort order.
            let (mut ahead, behind): (Vec<u32>, Vec<u32>) = self
                .visible
                .iter()
                .partition(|&&i| first(&rows[i as usize]));
            ahead.extend(behind);
            self.visible = ahead;
        }
    }

    /// The row (index into `rows`) under the cursor.
    fn selected_row(&self) -> Option<u32> {
        self.visible.get(self.selected).copied()
    }

    /// Puts the cursor back on `row` if it is still shown (rows did not change).
    fn reselect(&mut self, row: Option<u32>) {
        let found = row.and_then(|row| self.visible.iter().position(|&i| i == row));
        self.place_cursor(found);
    }

    /// The cursor at `found`, or where it was (clamped) when its row is gone.
    fn place_cursor(&mut self, found: Option<usize>) {
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
        fn write_search_text(&self, out: &mut String) {
            out.push_str(&self.0.to_lowercase());
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

    #[test]
    fn changing_an_unsearched_column_resorts_and_the_filter_still_finds_rows() {
        let mut list = Listing::new();
        list.set_rows(
            items(&[("alpha", 1), ("alps", 2), ("beta", 3)]),
            Utc::now(),
            None,
        );
        list.set_filter("al", None);
        list.select(1, 10);
        assert_eq!(list.selected().map(|i| i.0.as_str()), Some("alpha"));
        // Sizes turn around: by size, largest first, alpha now leads.
        list.update_unsearched(|i| i.1 = 10 - i.1, Utc::now(), None);
        assert_eq!(names(&list), ["alpha", "alps"]);
        assert_eq!(
            list.selected().map(|i| i.0.as_str()),
            Some("alpha"),
            "the cursor stays on its row"
        );
        list.set_filter("be", None);
        assert_eq!(
            names(&list),
            ["beta"],
            "the search text still matches the rows"
        );
    }

    #[test]
    fn typing_more_letters_narrows_and_backspace_widens_again() {
        let mut list = Listing::new();
        list.set_rows(
            items(&[("Alpha", 1), ("alps", 2), ("beta", 3)]),
            Utc::now(),
            None,
        );
        list.set_filter("al", None);
        assert_eq!(names(&list), ["alps", "Alpha"]);
        list.set_filter("alp", None);
        assert_eq!(names(&list), ["alps", "Alpha"]);
        list.set_filter("alph", None);
        assert_eq!(names(&list), ["Alpha"]);
        list.set_filter("a", None);
        assert_eq!(names(&list), ["beta", "alps", "Alpha"]);
        list.set_filter("!alp", None);
        assert_eq!(names(&list), ["beta"]);
    }

    #[test]
    fn every_filter_path_agrees_with_a_plain_substring_test() {
        let all: Vec<String> = (0..500).map(|n| format!("Job-{n:03}-{}", n % 7)).collect();
        let mut list = Listing::new();
        list.set_rows(
            all.iter().map(|n| Item(n.clone(), 0)).collect(),
            Utc::now(),
            None,
        );
        // Narrowing from many rows (bulk scan), narrowing from few (row by row), widening,
        // inverse, and a needle that would only match across two rows.
        for text in [
            "j", "job-1", "job-12", "job-123", "job-1", "!-3", "", "3-0job",
        ] {
            list.set_filter(text, None);
            let filter = Filter::new(text);
            let mut expected: Vec<String> = all
                .iter()
                .filter(|n| filter.matches(&n.to_lowercase()))
                .cloned()
                .collect();
            expected.sort();
            let mut shown = names(&list);
            shown.sort();
            assert_eq!(shown, expected, "filter {text:?}");
        }
    }

    #[test]
    fn the_cursor_follows_its_row_through_a_refresh() {
        let mut list = Listing::new();
        list.set_rows(items(&[("a", 1), ("b", 2), ("c", 3)]), Utc::now(), None);
        list.select(1, 10);
        assert_eq!(list.selected().map(|i| i.0.as_str()), Some("b"));
        list.set_rows(
            items(&[("a", 1), ("b", 2), ("c", 3), ("d", 9)]),
            Utc::now(),
            None,
        );
        assert_eq!(list.selected().map(|i| i.0.as_str()), Some("b"));
        assert_eq!(list.selected_index(), 2, "d sorts first by size");
    }

    #[test]
    fn window_keeps_the_cursor_visible_without_jumping() {
        let mut list = Listing::new();
        let many: Vec<Item> = (0..100).map(|n| Item(format!("{n:03}"), n)).collect();
        list.set_rows(many, Utc::now(), None);
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
