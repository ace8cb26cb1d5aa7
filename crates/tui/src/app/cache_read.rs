//! How the App takes in what start-up read from the cache: first the Jobs pane's head
//! ([`Head`]), then everything ([`CacheRead`]).

use sagescope_core::model::{DataSource, View};
use sagescope_engine::cache::Head;
use sagescope_engine::source::CacheRead;

use super::App;

impl App {
    /// Shows the Jobs pane's first cached rows while the rest is read (the title says how many
    /// of how many), unless something fuller arrived first: a refresh's rows or the whole read.
    pub fn take_cache_head(&mut self, head: Head) {
        if self.source == DataSource::Live || self.jobs.as_of.is_some() {
            return;
        }
        let total = head.total;
        self.jobs
            .set_view(View::new(head.as_of, head.rows, Vec::new()), self.now);
        self.jobs.head_of = Some(total);
    }

    /// Shows what start-up read from the cache, unless a refresh already showed something
    /// newer: live rows are never replaced by older cached ones. The errors are kept either way.
    /// Whether the cached views were taken (then what decoding them freed can go back to the
    /// system).
    pub fn take_cache_read(&mut self, read: CacheRead) -> bool {
        for error in read.errors {
            self.push_error(error);
        }
        if self.source == DataSource::Live {
            return false;
        }
        if let Some(timeline) = read.timeline {
            self.load_timeline(timeline);
        }
        self.empty_note = read.empty_note;
        self.jobs.set_prices(sagescope_core::pricing::Prices::new(
            sagescope_core::pricing::PriceTable::embedded().clone(),
            read.prices,
        ));
        if let (Some(costs), Some(snapshot)) = (&read.cur, &read.snapshot) {
            self.jobs.set_measured(costs.measured(&snapshot.jobs.rows));
        }
        match read.snapshot {
            Some(snapshot) => {
                self.load_snapshot(snapshot);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset, TimeZone, Utc};

    use super::*;
    use crate::action::Action;
    use crate::app::{AppInit, Mode};
    use sagescope_core::config::Config;
    use sagescope_core::model::ScopeKey;
    use sagescope_core::model::Snapshot;

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 14, 2, 0)
            .single()
            .expect("valid time")
    }

    /// A live App just started: nothing read from the cache yet.
    fn starting() -> App {
        let utc = FixedOffset::east_opt(0).expect("valid offset");
        let mut app = App::new(AppInit::from_config(
            &Config::default(),
            Mode::Live,
            anchor(),
            utc,
        ));
        app.empty_note = Some("Reading the cache…".into());
        app
    }

    fn cached() -> Snapshot {
        let mut world = sagescope_core::demo::world(anchor());
        world.source = DataSource::Cache;
        world
    }

    #[test]
    fn the_cache_read_fills_the_panes_and_clears_the_reading_note() {
        let mut app = starting();
        let world = cached();
        let jobs = world.jobs.rows.len();
        app.take_cache_read(CacheRead {
            errors: vec!["cache: moved aside a damaged file".into()],
            timeline: Some(Vec::new()),
            snapshot: Some(world),
            empty_note: None,
            prices: Vec::new(),
            cur: None,
        });
        assert_eq!(app.jobs.list.visible_len(), jobs);
        assert!(jobs > 100, "the demo world, not a handful");
        assert_eq!(app.source, DataSource::Cache);
        assert_eq!(app.empty_note, None);
        assert_eq!(
            app.errors.latest().map(|e| e.text.as_str()),
            Some("cache: moved aside a damaged file")
        );
    }

    #[test]
    fn memory_is_handed_back_after_a_view_is_replaced_and_only_then() {
        let release = |commands: &[crate::action::Command]| {
            commands.contains(&crate::action::Command::ReleaseFreeMemory)
        };
        let mut app = starting();
        let read = |snapshot| CacheRead {
            errors: Vec::new(),
            timeline: None,
            snapshot,
            empty_note: None,
            prices: Vec::new(),
            cur: None,
        };
        assert!(
            !release(&app.update(Action::CacheRead(Box::new(read(None))))),
            "an empty cache replaced nothing"
        );
        assert!(release(
            &app.update(Action::CacheRead(Box::new(read(Some(cached())))))
        ));
        let failed = sagescope_engine::source::RefreshOutcome::failed("network is unreachable");
        assert!(
            !release(&app.update(Action::RefreshDone(failed))),
            "a failed refresh keeps the views it had"
        );
        let mut live = cached();
        live.source = DataSource::Live;
        let whole = sagescope_engine::source::RefreshOutcome::from_snapshot(live);
        assert!(release(&app.update(Action::RefreshDone(whole))));
    }

    /// The head a whole refresh of `world` writes, read back from a cache.
    fn head_of(world: &Snapshot) -> Head {
        let mut cache = sagescope_engine::cache::Cache::in_memory().expect("in-memory cache");
        cache
            .save_refresh(&sagescope_engine::cache::RefreshRecord {
                jobs: &world.jobs,
                describes: &sagescope_core::model::DescribeCache::new(),
                tags: None,
                metrics: None,
            })
            .expect("saves");
        cache.load_head().expect("reads").expect("written")
    }

    /// The ARNs of the Jobs pane's first `n` rows, as drawn.
    fn first_arns(app: &App, n: usize) -> Vec<String> {
        app.jobs.list.window(0, n).map(|j| j.arn.clone()).collect()
    }

    #[test]
    fn the_head_shows_first_and_the_whole_read_replaces_it_in_the_same_order() {
        let world = cached();
        let total = world.jobs.rows.len();
        let head = head_of(&world);
        let shown = head.rows.len();
        assert!(shown > 20 && shown <= sagescope_engine::cache::HEAD_ROWS);
        let mut app = starting();
        app.take_cache_head(head.clone());
        assert_eq!(app.jobs.list.visible_len(), shown);
        assert_eq!(app.jobs.head_of, Some(total));
        assert_eq!(
            first_arns(&app, shown),
            head.rows.iter().map(|j| j.arn.clone()).collect::<Vec<_>>()
        );
        app.take_cache_read(CacheRead {
            snapshot: Some(world),
            ..CacheRead::default()
        });
        assert_eq!(app.jobs.list.visible_len(), total);
        assert_eq!(app.jobs.head_of, None, "the title counts everything again");
        assert_eq!(
            first_arns(&app, shown),
            head.rows.iter().map(|j| j.arn.clone()).collect::<Vec<_>>(),
            "the rows on screen stay where they were when the rest arrives"
        );
    }

    #[test]
    fn a_head_read_after_live_rows_or_the_whole_cache_is_ignored() {
        let world = cached();
        let head = head_of(&world);
        let mut app = starting();
        let first = world.jobs.rows[0].clone();
        let _ = app.update(Action::ScopeRows {
            scope: ScopeKey::of(&first),
            rows: vec![first],
        });
        app.take_cache_head(head.clone());
        assert_eq!(app.jobs.list.visible_len(), 1, "the live row alone");
        assert_eq!(app.jobs.head_of, None);

        let mut app = starting();
        app.take_cache_read(CacheRead {
            snapshot: Some(world),
            ..CacheRead::default()
        });
        let all = app.jobs.list.visible_len();
        app.take_cache_head(head);
        assert_eq!(app.jobs.list.visible_len(), all);
        assert_eq!(app.jobs.head_of, None);
    }

    #[test]
    fn an_empty_cache_says_why_instead_of_reading() {
        let mut app = starting();
        app.take_cache_read(CacheRead {
            empty_note: Some("No cached snapshot yet in /x/cache.db.".into()),
            ..CacheRead::default()
        });
        assert_eq!(
            app.empty_note.as_deref(),
            Some("No cached snapshot yet in /x/cache.db.")
        );
        assert_eq!(app.jobs.list.visible_len(), 0);
    }

    #[test]
    fn rows_a_refresh_already_showed_are_not_replaced_by_older_cached_ones() {
        let mut app = starting();
        let live = sagescope_core::demo::world(anchor()).jobs.rows;
        let first = live[0].clone();
        let _ = app.update(Action::ScopeRows {
            scope: ScopeKey::of(&first),
            rows: vec![first.clone()],
        });
        app.take_cache_read(CacheRead {
            errors: vec!["cache: a warning".into()],
            snapshot: Some(cached()),
            ..CacheRead::default()
        });
        assert_eq!(app.source, DataSource::Live);
        assert_eq!(app.jobs.list.visible_len(), 1, "only the live scope's row");
        assert_eq!(
            app.errors.latest().map(|e| e.text.as_str()),
            Some("cache: a warning"),
            "the cache's errors are kept all the same"
        );
    }
}
