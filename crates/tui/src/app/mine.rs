//! "Mine" (`M`, `:me VALUE`): who I am, whether every pane shows only what is mine, and my
//! month so far for the status bar.
//!
//! Who I am comes from `[me]` in the config, `:me VALUE` typed in this session, or (live,
//! without `[me]`) a guess from the caller identity's ARN (see [`sagescope_core::model::guess_owner`]);
//! [`MineState::how`] says which, so the status bar and help can say where the name came from.
//! Turning mine on filters the Jobs and Untagged panes' rows by [`Me::owns`] and reloads the
//! Spend pane through its usual load with Cost Explorer filtered to me: one question per
//! range, cached like every other.

use super::{App, Pane};
use sagescope_core::model::{DEFAULT_OWNER_KEY, Me};
use sagescope_engine::spend::{MineFilter, MonthOutlook};

/// Who I am and what the status bar knows of my month.
#[derive(Debug, Clone, Default)]
pub struct MineState {
    pub me: Option<Me>,
    /// Where `me` came from: `[me] in the config`, `:me`, `guessed from …`.
    pub how: Option<String>,
    /// `M` is on: every pane shows mine only.
    pub on: bool,
    /// My month to date and forecast, from the mine spend load.
    pub outlook: Option<MonthOutlook>,
}

impl MineState {
    /// What pane titles add while mine is on: `mine: alice`.
    pub fn title(&self) -> Option<String> {
        let me = self.me.as_ref().filter(|_| self.on)?;
        Some(format!("mine: {}", me.label()))
    }

    /// `me: alice · MTD $1,234 · forecast $2,345`, once my month is known.
    pub fn status(&self) -> Option<String> {
        let me = self.me.as_ref()?;
        let outlook = self.outlook.as_ref()?;
        let mut text = format!("me: {} · MTD ${:.0}", me.label(), outlook.month_to_date);
        if let Some(projected) = outlook.projected() {
            text.push_str(&format!(" · forecast ${projected:.0}"));
        }
        Some(text)
    }
}

impl App {
    /// `M`: mine on every pane, or everyone's again.
    pub(super) fn toggle_mine(&mut self) {
        if self.mine.me.is_none() {
            self.notify("who are you? set [me] owner = [\"NAME\"] in the config, or type :me NAME");
            return;
        }
        self.mine.on = !self.mine.on;
        self.apply_mine();
    }

    /// `:me VALUE`: I am this owner tag value for the rest of the session (mine turns on).
    pub(super) fn set_me(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            let text = match (&self.mine.me, &self.mine.how) {
                (Some(me), Some(how)) => format!("me: {} ({how})", me.label()),
                (Some(me), None) => format!("me: {}", me.label()),
                (None, _) => "nobody yet: :me NAME sets who you are".to_string(),
            };
            self.notify(sagescope_core::sanitize::cell(&text).into_owned());
            return;
        }
        let key = self
            .mine
            .me
            .as_ref()
            .map_or(DEFAULT_OWNER_KEY, |m| m.owner_key.as_str());
        self.mine.me = Some(Me::owner(key, value));
        self.mine.how = Some(":me".into());
        self.mine.outlook = None;
        self.mine.on = true;
        self.apply_mine();
    }

    /// Live without `[me]`: a guess from the caller identity, offered until the user says.
    pub fn guess_me(&mut self, owner_key: &str, guess: sagescope_core::model::OwnerGuess) {
        if self.mine.me.is_some() {
            return;
        }
        self.mine.me = Some(guess.me(owner_key));
        self.mine.how = Some(format!("guessed from {}; :me NAME to correct", guess.how));
    }

    /// Applies the current identity and toggle to every pane.
    fn apply_mine(&mut self) {
        let me = self.mine.me.clone().filter(|_| self.mine.on);
        let now = self.now;
        self.jobs.set_mine(me.clone());
        self.findings.set_mine(me.clone());
        let filter = me.as_ref().map(|me| self.mine_filter(me));
        self.spend.set_mine(filter, now);
        self.rank_drill_resources();
        if me.is_none() {
            self.mine.outlook = None;
        }
        // The cursor's window follows its row in the shorter or longer list.
        let page = self.page_rows();
        self.jobs.list.move_by(0, page);
        self.findings.list.move_by(0, page);
    }

    /// Cost Explorer's filter for me, with my Studio profiles' ARNs as seen on resources.
    fn mine_filter(&self, me: &Me) -> MineFilter {
        let tags = self
            .jobs
            .list
            .rows()
            .iter()
            .map(|j| &j.tags)
            .chain(self.findings.list.rows().iter().map(|f| &f.tags));
        MineFilter::new(me, me.profile_arns_in(tags))
    }

    /// Whether the status bar still waits for my month: then the mine overview is loaded
    /// on any pane (the very question the Spend pane asks, so it is asked once).
    pub(super) fn mine_month_wanted(&self) -> bool {
        self.mine.on && self.mine.outlook.is_none() && self.pane != Pane::Spend
    }
}
