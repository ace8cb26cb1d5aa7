//! The App's side of spend loading: which load is due, forced refreshes behind a yes, the
//! drill-down, and folding outcomes in. Still no I/O here: a load is a [`Command`], its
//! outcome an [`Action`](crate::action::Action).
//!
//! A load is due when the pane shows a question it has not asked yet (first visit, `g`, `a`,
//! a new range, a new day) or when the shown answer has reached `spend.ttl_hours`. Within the
//! TTL the service answers from its cache, so switching back and forth costs nothing.

use super::{App, Overlay, Pane};
use crate::action::Command;
use sagescope_engine::spend::{SpendOutcome, SpendRequest, Target, USD_PER_REQUEST};

use super::spend::DrillView;

impl App {
    /// The overview load due now, if any (only while the Spend pane is shown).
    pub(super) fn spend_due(&mut self) -> Vec<Command> {
        if self.pane != Pane::Spend && !self.mine_month_wanted() {
            return Vec::new();
        }
        self.spend.set_today(self.now.date_naive(), self.now);
        if self.spend.unresolved().is_some() {
            return Vec::new();
        }
        let request = self.spend_request(Target::Overview, false);
        let new_question = self.spend.requested.as_ref() != Some(&request);
        let expired = !self.spend.loading && self.spend.next_auto.is_some_and(|t| self.now >= t);
        if !(new_question || expired) {
            return Vec::new();
        }
        self.spend.requested = Some(request.clone());
        self.spend.loading = true;
        self.spend.next_auto = None;
        vec![Command::LoadSpend(request)]
    }

    fn spend_request(&self, target: Target, force: bool) -> SpendRequest {
        SpendRequest {
            query: self.spend.query(),
            target,
            today: self.spend.today,
            force,
        }
    }

    /// Enter on a spend row: its detail with the drill-down, loaded unless already known.
    pub(super) fn open_spend_drill(&mut self) -> Vec<Command> {
        let Some(line) = self.spend.lines.selected() else {
            return Vec::new();
        };
        let value = (!line.is_untagged()).then(|| line.value.clone());
        self.open(Overlay::Detail);
        let request = self.spend_request(Target::Drill(value), false);
        let known = self
            .spend
            .drill
            .as_ref()
            .is_some_and(|d| d.request == request && (d.loading || d.answer.is_some()));
        if known {
            self.rank_drill_resources();
            return Vec::new();
        }
        self.spend.drill = Some(DrillView {
            request: request.clone(),
            answer: None,
            error: None,
            loading: true,
            full_cost: 0,
            top: Default::default(),
            by_creator: None,
        });
        self.rank_drill_resources();
        vec![Command::LoadSpend(request)]
    }

    /// Ranks the resources behind the drill-down's value by their own cost, from the listed
    /// rows (mine only while `M` is on) and their best costs: again whenever those change.
    pub(super) fn rank_drill_resources(&mut self) {
        let Some(drill) = self.spend.drill.as_mut() else {
            return;
        };
        let Target::Drill(value) = &drill.request.target else {
            return;
        };
        let key = drill.request.query.grouping.key();
        let me = self.mine.me.as_ref().filter(|_| self.mine.on);
        let (health, now) = (&self.jobs.health, self.now);
        let rows = || {
            self.jobs
                .list
                .rows()
                .iter()
                .filter(|job| me.is_none_or(|me| me.owns(&job.tags, job.created_by.as_deref())))
        };
        drill.top = sagescope_engine::spend::top::top_resources(
            rows(),
            |job| health.cost(job, now),
            key,
            value.as_deref(),
        );
        drill.by_creator = value.is_none().then(|| {
            sagescope_engine::spend::top::untagged_by_creator(
                rows(),
                |job| health.cost(job, now),
                key,
                now,
            )
        });
    }

    /// `r` on the Spend pane: say what a forced refresh costs and wait for a yes.
    pub(super) fn ask_spend_refresh(&mut self) {
        if let Some(reason) = &self.refresh_blocked {
            self.notify(reason.clone());
            return;
        }
        if self.spend.unresolved().is_some() {
            self.notify(
                "spend: the chosen accounts' ids are not known yet (r on the Jobs pane refreshes them)",
            );
            return;
        }
        // Unknown costs (nothing asked yet) are estimated at their minimum: one per question.
        let mut estimate = self.spend.full_cost.max(1);
        if let Some(drill) = self.drill_in_view() {
            estimate += drill.full_cost.max(2);
        }
        self.spend.confirm = Some(estimate);
    }

    /// The answer to the forced-refresh question.
    pub(super) fn confirm_spend_refresh(&mut self, yes: bool) -> Vec<Command> {
        if self.spend.confirm.take().is_none() {
            return Vec::new();
        }
        if !yes {
            self.notify("spend refresh cancelled: nothing was asked");
            return Vec::new();
        }
        let mut commands = Vec::new();
        let overview = self.spend_request(Target::Overview, true);
        self.spend.requested = Some(SpendRequest {
            force: false,
            ..overview.clone()
        });
        self.spend.loading = true;
        commands.push(Command::LoadSpend(overview));
        let drill_request = self.drill_in_view().map(|d| d.request.clone());
        if let (Some(request), Some(drill)) = (drill_request, self.spend.drill.as_mut()) {
            drill.loading = true;
            commands.push(Command::LoadSpend(SpendRequest {
                force: true,
                ..request
            }));
        }
        commands
    }

    /// The drill-down on screen, if the spend detail is open on it.
    fn drill_in_view(&self) -> Option<&DrillView> {
        if self.pane != Pane::Spend || self.overlay != Some(Overlay::Detail) {
            return None;
        }
        let value = self
            .spend
            .lines
            .selected()
            .map(|l| (!l.is_untagged()).then(|| l.value.clone()))?;
        self.spend
            .drill
            .as_ref()
            .filter(|d| d.request.target == Target::Drill(value.clone()))
    }

    /// Folds a finished load in. Outcomes for questions the pane has moved on from only update
    /// the ledger (their answers are cached for when the user comes back).
    pub(super) fn apply_spend(&mut self, outcome: SpendOutcome) {
        let now = self.now;
        self.spend.ledger = Some(outcome.ledger);
        for error in &outcome.errors {
            self.errors.push(now, format!("spend: {error}"));
        }
        if !outcome.errors.is_empty() {
            self.errors_from_last_refresh = outcome.errors.len();
        }
        if outcome.requests > 0 {
            self.notify(format!(
                "spend: {} Cost Explorer request{} (USD {:.2})",
                outcome.requests,
                if outcome.requests == 1 { "" } else { "s" },
                f64::from(outcome.requests) * USD_PER_REQUEST
            ));
        }
        let request = SpendRequest {
            force: false,
            ..outcome.request
        };
        match &request.target {
            Target::Overview => {
                if self.spend.requested.as_ref() != Some(&request) {
                    return;
                }
                let spend = &mut self.spend;
                spend.loading = false;
                spend.full_cost = outcome.full_cost;
                match outcome.answer {
                    Some(answer) => {
                        spend.error = None;
                        spend.hint = answer.hint.clone();
                        spend.from_cache = answer.from_cache;
                        spend.as_of = Some(answer.fetched_at);
                        let due = answer.fetched_at + spend.ttl;
                        // An answer already past the TTL (offline) is not asked again by itself.
                        spend.next_auto = (due > now).then_some(due);
                        if request.query.mine.is_some() {
                            self.mine.outlook = outcome.outlook.clone();
                        }
                        spend.outlook = outcome.outlook;
                        spend.set_answer(request.query.grouping.key(), answer.rows, now);
                    }
                    None => spend.error = outcome.errors.first().cloned(),
                }
            }
            Target::Drill(_) => {
                if let Some(drill) = self.spend.drill.as_mut()
                    && drill.request == request
                {
                    drill.loading = false;
                    drill.full_cost = outcome.full_cost;
                    drill.error = outcome.errors.first().cloned();
                    if outcome.drill.is_some() {
                        drill.answer = outcome.drill;
                    }
                }
            }
        }
    }

    /// Shows the Untagged pane filtered to the resources missing tag `key`: where the untagged
    /// share of spend grouped by `key` comes from.
    pub fn show_untagged_missing(&mut self, key: &str) {
        self.show_pane(Pane::Untagged);
        self.findings.set_without_key(Some(key.to_string()));
    }

    /// `u` in the drill-down of the `(untagged)` spend row.
    pub(super) fn jump_from_untagged_spend(&mut self) {
        let untagged_open = self.pane == Pane::Spend
            && self.overlay == Some(Overlay::Detail)
            && self.spend.lines.selected().is_some_and(|l| l.is_untagged());
        if untagged_open {
            let key = self.spend.key().to_string();
            self.show_untagged_missing(&key);
        }
    }
}
