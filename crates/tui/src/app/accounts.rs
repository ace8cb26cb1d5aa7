//! The account picker (`:accounts`): hundreds of accounts make every pane long, so one
//! account, or one OU's accounts (its sub-OUs' included), can be chosen and the Jobs,
//! Untagged, Events and Spend panes show only theirs. The picker lists "all accounts" first
//! (which clears the choice), then every account known (configured, seen in rows, or failing)
//! with its id, OU path (when discovery placed it), row count and error, then each OU once by
//! its path. `/` filters it; Enter chooses; Esc keeps the current choice. Pane titles say what
//! is chosen.

use std::collections::{BTreeMap, BTreeSet};

use super::{App, InputKind, Overlay, SpendScope};
use sagescope_engine::org::{AccountUnits, UnitPath};

/// What the panes are narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    /// One account, by name.
    Account(String),
    /// Every account under this OU (the path down to it), however deep.
    Unit(UnitPath),
}

/// One line of the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerEntry {
    /// Every account: clears the choice.
    All {
        accounts: usize,
        rows: usize,
    },
    Account(AccountLine),
    /// An OU, by the path down to it; its counts include its sub-OUs'.
    Unit {
        unit: UnitPath,
        accounts: usize,
        rows: usize,
    },
}

/// An account as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLine {
    pub name: String,
    pub id: Option<String>,
    /// Where discovery placed it.
    pub unit: Option<UnitPath>,
    /// Jobs pane rows of this account.
    pub rows: usize,
    /// The last refresh's first error for it, if any.
    pub error: Option<String>,
}

impl PickerEntry {
    /// Whether the picker's filter text matches (case-insensitive, any part).
    fn matches(&self, needle: &str) -> bool {
        let hay = match self {
            PickerEntry::All { .. } => "all accounts".to_string(),
            PickerEntry::Account(a) => format!(
                "{} {} {}",
                a.name,
                a.id.as_deref().unwrap_or_default(),
                a.unit.as_ref().map(unit_text).unwrap_or_default()
            ),
            PickerEntry::Unit { unit, .. } => format!("ou {}", unit_text(unit)),
        };
        hay.to_lowercase().contains(&needle.to_lowercase())
    }
}

/// An OU path as the filter reads it: its label, then its OU's id.
fn unit_text(path: &UnitPath) -> String {
    let id = path.parent().map_or("", |u| u.id.as_str());
    format!("{} {id}", path.label())
}

/// The picker while it is open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picker {
    pub filter: String,
    /// Index into the filtered entries.
    pub cursor: usize,
}

/// The account choice and what the picker needs to know.
#[derive(Debug, Clone, Default)]
pub struct AccountsState {
    pub scope: Option<AccountScope>,
    pub picker: Option<Picker>,
    /// The OU path of each discovered account (by name), from the last live refresh.
    pub units: AccountUnits,
    /// Each account's first error of the last refresh.
    pub errors: BTreeMap<String, String>,
}

impl AccountsState {
    /// What pane titles add while a choice is on: `account: ml-prod`, `OU: ml`.
    pub fn title(&self) -> Option<String> {
        match self.scope.as_ref()? {
            AccountScope::Account(name) => Some(format!("account: {name}")),
            AccountScope::Unit(unit) => Some(format!("OU: {}", unit.label())),
        }
    }

    /// The account names the choice keeps, `None` for every account.
    fn names(&self) -> Option<BTreeSet<String>> {
        match self.scope.as_ref()? {
            AccountScope::Account(name) => Some(BTreeSet::from([name.clone()])),
            AccountScope::Unit(path) => {
                let id = path.parent().map(|u| u.id.as_str());
                Some(sagescope_engine::org::accounts_under(&self.units, |u| {
                    Some(u.id.as_str()) == id
                }))
            }
        }
    }
}

impl App {
    /// `:accounts`: opens the picker on the current choice.
    pub(super) fn open_account_picker(&mut self) {
        let entries = self.picker_entries("");
        let cursor = entries.iter().position(|e| self.is_current(e)).unwrap_or(0);
        self.accounts.picker = Some(Picker {
            filter: String::new(),
            cursor,
        });
        self.open(Overlay::Accounts);
    }

    fn is_current(&self, entry: &PickerEntry) -> bool {
        match (entry, &self.accounts.scope) {
            (PickerEntry::All { .. }, None) => true,
            (PickerEntry::Account(a), Some(AccountScope::Account(name))) => a.name == *name,
            (PickerEntry::Unit { unit, .. }, Some(AccountScope::Unit(chosen))) => {
                unit.parent() == chosen.parent()
            }
            _ => false,
        }
    }

    /// The picker's lines for `filter`: all accounts, each account by name, each OU by path
    /// (counting the accounts of its whole subtree).
    pub fn picker_entries(&self, filter: &str) -> Vec<PickerEntry> {
        let mut lines: BTreeMap<String, AccountLine> = BTreeMap::new();
        let line = |name: &str| -> AccountLine {
            AccountLine {
                name: name.to_string(),
                id: self.accounts.units.get(name).map(|p| p.id.clone()),
                unit: self.accounts.units.get(name).map(|p| p.path.clone()),
                rows: 0,
                error: self.accounts.errors.get(name).cloned(),
            }
        };
        for account in &self.findings.accounts {
            let entry = lines
                .entry(account.name.clone())
                .or_insert_with(|| line(&account.name));
            if let Some(id) = account.account_id_hint() {
                entry.id = Some(id.to_string());
            }
        }
        for name in self
            .accounts
            .units
            .keys()
            .chain(self.accounts.errors.keys())
        {
            if !lines.contains_key(name) {
                lines.insert(name.clone(), line(name));
            }
        }
        for job in self.jobs.list.rows() {
            let entry = lines
                .entry(job.account_name.to_string())
                .or_insert_with(|| line(&job.account_name));
            entry.rows += 1;
            entry.id.get_or_insert_with(|| job.account_id.to_string());
        }
        let mut units: BTreeMap<String, (UnitPath, usize, usize)> = BTreeMap::new();
        for account in lines.values() {
            for unit in account.unit.iter().flat_map(UnitPath::prefixes) {
                let id = unit.parent().map(|u| u.id.clone()).unwrap_or_default();
                let slot = units.entry(id).or_insert_with(|| (unit, 0, 0));
                slot.1 += 1;
                slot.2 += account.rows;
            }
        }
        let all = PickerEntry::All {
            accounts: lines.len(),
            rows: self.jobs.list.rows().len(),
        };
        let mut units: Vec<PickerEntry> = units
            .into_values()
            .map(|(unit, accounts, rows)| PickerEntry::Unit {
                unit,
                accounts,
                rows,
            })
            .collect();
        units.sort_by(|a, b| match (a, b) {
            (PickerEntry::Unit { unit: x, .. }, PickerEntry::Unit { unit: y, .. }) => {
                x.label().cmp(&y.label()).then_with(|| x.cmp(y))
            }
            _ => std::cmp::Ordering::Equal,
        });
        std::iter::once(all)
            .chain(lines.into_values().map(PickerEntry::Account))
            .chain(units)
            .filter(|e| filter.is_empty() || e.matches(filter))
            .collect()
    }

    /// The picker's entries as filtered now.
    pub fn picker_shown(&self) -> Vec<PickerEntry> {
        let filter = self
            .accounts
            .picker
            .as_ref()
            .map(|p| p.filter.clone())
            .unwrap_or_default();
        self.picker_entries(&filter)
    }

    /// Moves the picker's cursor, staying on its entries.
    pub(super) fn picker_move(&mut self, to: impl FnOnce(usize) -> usize) {
        let len = self.picker_shown().len();
        if let Some(picker) = &mut self.accounts.picker {
            picker.cursor = to(picker.cursor).min(len.saturating_sub(1));
        }
    }

    /// `/` typing in the picker.
    pub(super) fn picker_filter(&mut self, text: &str) {
        if let Some(picker) = &mut self.accounts.picker {
            picker.filter = text.to_string();
            picker.cursor = 0;
        }
    }

    /// Enter in the picker: the entry under the cursor becomes the choice.
    pub(super) fn picker_choose(&mut self) {
        let Some(picker) = &self.accounts.picker else {
            return;
        };
        let Some(entry) = self.picker_shown().into_iter().nth(picker.cursor) else {
            return;
        };
        self.accounts.scope = match entry {
            PickerEntry::All { .. } => None,
            PickerEntry::Account(a) => Some(AccountScope::Account(a.name)),
            PickerEntry::Unit { unit, .. } => Some(AccountScope::Unit(unit)),
        };
        self.accounts.picker = None;
        self.overlay = None;
        self.apply_account_scope();
    }

    /// Narrows the Jobs, Untagged, Events and Spend panes to the chosen accounts (again after
    /// a refresh, which may have placed accounts in OUs anew or told their ids).
    pub(super) fn apply_account_scope(&mut self) {
        let names = self.accounts.names();
        let spend = names.as_ref().map(|names| SpendScope {
            ids: self.account_ids(names),
        });
        self.spend.set_scope(spend, self.now);
        self.jobs.set_accounts(names.clone());
        self.findings.set_accounts(names.clone());
        self.events.set_accounts(names);
        let page = self.page_rows();
        self.jobs.list.move_by(0, page);
        self.findings.list.move_by(0, page);
        self.events.list.move_by(0, page);
    }

    /// The ids of the accounts `names`, sorted, from the config's roles, the discovery and the
    /// rows; `Err` lists the names whose id none of them tells (an `[[accounts]]` entry with a
    /// profile and no rows yet).
    fn account_ids(&self, names: &BTreeSet<String>) -> Result<Vec<String>, Vec<String>> {
        let mut ids: BTreeMap<&str, String> = BTreeMap::new();
        for account in &self.findings.accounts {
            if let (Some(name), Some(id)) = (names.get(&account.name), account.account_id_hint()) {
                ids.insert(name, id.to_string());
            }
        }
        for (name, placed) in &self.accounts.units {
            if let Some(name) = names.get(name) {
                ids.entry(name).or_insert_with(|| placed.id.clone());
            }
        }
        if ids.len() < names.len() {
            for job in self.jobs.list.rows() {
                if let Some(name) = names.get(job.account_name.as_str())
                    && !job.account_id.is_empty()
                {
                    ids.entry(name)
                        .or_insert_with(|| job.account_id.to_string());
                }
            }
        }
        let missing: Vec<String> = names
            .iter()
            .filter(|name| !ids.contains_key(name.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() || names.is_empty() {
            return Err(missing);
        }
        let mut ids: Vec<String> = ids.into_values().collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// What the Jobs, Untagged and Spend titles add: `mine: alice`, `account: ml-prod`, both.
    pub fn narrowed_title(&self) -> Option<String> {
        let parts: Vec<String> = [self.mine.title(), self.accounts.title()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// Whether the picker is what keys go to.
    pub(super) fn picker_open(&self) -> bool {
        self.overlay == Some(Overlay::Accounts)
            && self
                .input
                .as_ref()
                .is_none_or(|i| i.kind == InputKind::Filter)
    }
}
