//! The service's arithmetic of cost: what a first open, a reopen, a drill-down and a forced
//! refresh ask Cost Explorer, against the demo world and a scripted fake.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::TimeZone;
use futures::future::BoxFuture;

use super::*;
use crate::spend::{CostGroup, CostPage, CostPeriod, Forecast, Grouping, RangePreset};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0)
        .single()
        .expect("valid time")
}

fn demo_config() -> Config {
    sagescope_core::demo::config(&Config::default())
}

fn demo_service() -> SpendService {
    let world = sagescope_core::demo::world(now());
    SpendService::demo(&demo_config(), world.spend.rows).expect("in-memory cache")
}

fn request(config: &Config, key: &str, range: RangePreset, target: Target) -> SpendRequest {
    let today = now().date_naive();
    SpendRequest {
        query: SpendQuery::from_config(&config.spend, key, range, today),
        target,
        today,
        force: false,
    }
}

fn quiet(_: String) {}

#[tokio::test]
async fn first_open_pays_once_and_a_reopen_within_the_ttl_pays_nothing() {
    let service = demo_service();
    let config = demo_config();
    let overview = request(
        &config,
        "cost-center",
        RangePreset::Days30,
        Target::Overview,
    );

    let first = service.load(overview.clone(), now(), &quiet).await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    // The 30-day answer covers November so far, so month to date by cost-center is free;
    // the `project` budget needs its own month-to-date question; then one forecast for the
    // scope and one per budget.
    assert_eq!(first.requests, 5);
    assert_eq!(first.full_cost, 5);
    assert_eq!(first.ledger.requests, 5);
    let outlook = first.outlook.as_ref().expect("month outlook");
    assert!(outlook.month_to_date > 0.0);
    assert!(outlook.rest_forecast.is_some_and(|f| f > 0.0));
    assert_eq!(outlook.budgets.len(), 2);
    let llm = &outlook.budgets[0];
    assert_eq!(llm.budget.tag_value, "llm-finetune");
    assert!(llm.month_to_date > 0.0 && llm.projected.is_some());
    let rows = &first.answer.as_ref().expect("rows").rows;
    assert!(rows.iter().any(|r| r.is_untagged()));
    // Month to date from the rows equals the sum of November's rows.
    let november: f64 = rows
        .iter()
        .filter(|r| r.start >= outlook.month.start)
        .map(|r| r.amount)
        .sum();
    assert!((outlook.month_to_date - november).abs() < 1e-6);

    let again = service
        .load(overview.clone(), now() + Duration::hours(2), &quiet)
        .await;
    assert_eq!(again.requests, 0, "within the TTL nothing is asked");
    assert_eq!(
        again.full_cost, 5,
        "the forced-refresh estimate stays known"
    );
    assert_eq!(again.ledger.requests, 5);
    assert_eq!(again.outlook, first.outlook);
    assert!(again.answer.as_ref().is_some_and(|a| a.from_cache));

    let forced = service
        .load(
            SpendRequest {
                force: true,
                ..overview
            },
            now() + Duration::hours(2),
            &quiet,
        )
        .await;
    assert_eq!(
        forced.requests, first.full_cost,
        "the estimate is what it costs"
    );
    assert_eq!(forced.ledger.requests, 10);
}

#[tokio::test]
async fn a_short_range_needs_its_own_month_to_date_question() {
    let service = demo_service();
    let seven = request(
        &demo_config(),
        "cost-center",
        RangePreset::Days7,
        Target::Overview,
    );
    let out = service.load(seven, now(), &quiet).await;
    assert_eq!(out.requests, 6, "main, 2 month-to-date, 3 forecasts");
}

#[tokio::test]
async fn a_drill_down_costs_two_requests_and_names_the_accounts() {
    let service = demo_service();
    let config = demo_config();
    let overview = service
        .load(
            request(
                &config,
                "cost-center",
                RangePreset::Days30,
                Target::Overview,
            ),
            now(),
            &quiet,
        )
        .await;
    let total: f64 = overview
        .answer
        .expect("rows")
        .rows
        .iter()
        .filter(|r| r.group_value == "cc-3300")
        .map(|r| r.amount)
        .sum();
    let drill = request(
        &config,
        "cost-center",
        RangePreset::Days30,
        Target::Drill(Some("cc-3300".into())),
    );
    let out = service.load(drill.clone(), now(), &quiet).await;
    assert_eq!(out.requests, 2);
    let answer = out.drill.expect("drill-down");
    let names: Vec<Option<&str>> = answer
        .by_account
        .iter()
        .map(|s| s.name.as_deref())
        .collect();
    assert_eq!(
        names,
        vec![Some("ml-prod"), Some("ml-dev"), Some("research")]
    );
    let accounts: f64 = answer.by_account.iter().map(|s| s.amount).sum();
    assert!((accounts - total).abs() < 1.0, "{accounts} vs {total}");
    assert!(answer.by_service.len() > 1, "every service is counted");
    assert_eq!(answer.by_service[0].key, "Amazon SageMaker");
    assert!(answer.member_note.is_none(), "the demo asks from the payer");
    let again = service.load(drill, now(), &quiet).await;
    assert_eq!(again.requests, 0);
}

/// A scripted forecast: for the budget's tag value (`None`: the whole scope), the answer.
type ScriptedForecast = (Option<&'static str>, Result<f64, CostError>);

/// Scripted Cost Explorer: fixed spend, forecasts by tag filter, optional refusal.
struct Fake {
    calls: AtomicU32,
    deny_usage: bool,
    accounts: Vec<&'static str>,
    forecasts: Mutex<Vec<ScriptedForecast>>,
}

impl Fake {
    fn new() -> Fake {
        Fake {
            calls: AtomicU32::new(0),
            deny_usage: false,
            accounts: vec!["111111111111"],
            forecasts: Mutex::new(Vec::new()),
        }
    }
}

impl CostSource for Fake {
    fn cost_and_usage<'a>(
        &'a self,
        q: &'a SpendQuery,
        _t: Option<String>,
    ) -> BoxFuture<'a, Result<CostPage, CostError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.deny_usage {
                return Err(CostError::AccessDenied {
                    operation: "GetCostAndUsage",
                    message: "not authorized".into(),
                });
            }
            let keys: Vec<String> = match &q.grouping {
                Grouping::Tag(key) => vec![format!("{key}$vision"), format!("{key}$")],
                Grouping::Service => vec!["Amazon SageMaker".into()],
                Grouping::LinkedAccount => self.accounts.iter().map(|a| a.to_string()).collect(),
                Grouping::Resource => {
                    vec!["arn:aws:sagemaker:us-east-1:111111111111:training-job/a".into()]
                }
            };
            Ok(CostPage {
                periods: vec![CostPeriod {
                    start: q.start,
                    end: q.end,
                    estimated: true,
                    groups: keys
                        .into_iter()
                        .map(|k| CostGroup {
                            keys: vec![k],
                            amount: 100.0,
                            unit: "USD".into(),
                        })
                        .collect(),
                }],
                next_token: None,
            })
        })
    }

    fn forecast<'a>(
        &'a self,
        q: &'a SpendQuery,
        _s: NaiveDate,
        _e: NaiveDate,
    ) -> BoxFuture<'a, Result<Forecast, CostError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let value = q.tag_filter.as_ref().and_then(|f| f.value.as_deref());
            let forecasts = self.forecasts.lock().expect("lock");
            let (_, answer) = forecasts
                .iter()
                .find(|(v, _)| *v == value)
                .expect("a scripted forecast");
            answer.clone().map(|amount| Forecast {
                amount,
                unit: "USD".into(),
            })
        })
    }
}

fn fake_config() -> Config {
    let text = r#"
        [[accounts]]
        name = "dev"
        role_arn = "arn:aws:iam::111111111111:role/R"
        [[accounts]]
        name = "prod"
        role_arn = "arn:aws:iam::222222222222:role/R"
        [spend]
        account = "dev"
        group_by = "project"
        [[budgets]]
        tag_key = "project"
        tag_value = "vision"
        monthly_usd = 150.0
    "#;
    sagescope_core::config::parse(text, std::path::Path::new("t.toml"))
        .expect("valid config")
        .config
}

fn fake_service(fake: Fake) -> SpendService {
    SpendService::new(
        &fake_config(),
        Store::in_memory().expect("store"),
        CostAccess::Ready {
            source: Arc::new(fake),
            caller_id: Some("111111111111".into()),
        },
    )
}

#[tokio::test]
async fn a_forecast_crossing_the_budget_warns() {
    let fake = Fake::new();
    *fake.forecasts.lock().expect("lock") = vec![(None, Ok(400.0)), (Some("vision"), Ok(60.0))];
    let service = fake_service(fake);
    let out = service
        .load(
            request(
                &fake_config(),
                "project",
                RangePreset::Days30,
                Target::Overview,
            ),
            now(),
            &quiet,
        )
        .await;
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let outlook = out.outlook.expect("outlook");
    // The fake answers one period of 100 per value over the whole range, which starts
    // before November, so month to date is asked on its own: 100 tagged + 100 untagged.
    assert_eq!(outlook.month_to_date, 200.0);
    assert_eq!(outlook.rest_forecast, Some(400.0));
    assert_eq!(outlook.projected(), Some(600.0));
    let budget = &outlook.budgets[0];
    assert_eq!(budget.month_to_date, 100.0);
    assert_eq!(budget.projected, Some(160.0));
    assert!(budget.over, "100 spent + 60 forecast crosses 150");
    assert!((budget.pct_used - 66.666).abs() < 0.01);
}

#[tokio::test]
async fn too_little_history_for_a_forecast_is_a_note_not_an_error() {
    let fake = Fake::new();
    *fake.forecasts.lock().expect("lock") = vec![
        (None, Err(CostError::DataUnavailable("insufficient".into()))),
        (
            Some("vision"),
            Err(CostError::DataUnavailable("insufficient".into())),
        ),
    ];
    let service = fake_service(fake);
    let out = service
        .load(
            request(
                &fake_config(),
                "project",
                RangePreset::Days30,
                Target::Overview,
            ),
            now(),
            &quiet,
        )
        .await;
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let outlook = out.outlook.expect("outlook");
    assert_eq!(outlook.rest_forecast, None);
    assert!(outlook.forecast_note.is_some_and(|n| n.contains("history")));
    assert!(!outlook.budgets[0].over, "no forecast, spend under budget");
}

#[tokio::test]
async fn access_denied_is_an_error_naming_the_permission_and_still_counted() {
    let fake = Fake {
        deny_usage: true,
        ..Fake::new()
    };
    let service = fake_service(fake);
    let out = service
        .load(
            request(
                &fake_config(),
                "project",
                RangePreset::Days30,
                Target::Overview,
            ),
            now(),
            &quiet,
        )
        .await;
    assert!(out.answer.is_none() && out.outlook.is_none());
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert!(
        out.errors[0].contains("ce:GetCostAndUsage"),
        "{}",
        out.errors[0]
    );
    assert!(
        out.errors[0].contains("`dev`"),
        "names the account: {}",
        out.errors[0]
    );
    assert_eq!(out.ledger.requests, 1, "a refused request is still counted");
}

#[tokio::test]
async fn a_member_account_seeing_only_itself_says_so() {
    let service = fake_service(Fake::new());
    let out = service
        .load(
            request(
                &fake_config(),
                "project",
                RangePreset::Days30,
                Target::Drill(Some("vision".into())),
            ),
            now(),
            &quiet,
        )
        .await;
    let drill = out.drill.expect("drill-down");
    assert_eq!(drill.by_account[0].name.as_deref(), Some("dev"));
    let note = drill.member_note.expect("member note");
    assert!(note.contains("spend.account"), "{note}");
}

#[tokio::test]
async fn offline_serves_old_answers_and_never_asks() {
    let fake_calls;
    let cache = {
        let fake = Fake::new();
        *fake.forecasts.lock().expect("lock") = vec![(None, Ok(1.0)), (Some("vision"), Ok(1.0))];
        let service = fake_service(fake);
        let req = request(
            &fake_config(),
            "project",
            RangePreset::Days30,
            Target::Overview,
        );
        let out = service.load(req, now(), &quiet).await;
        fake_calls = out.requests;
        service.store.clone()
    };
    assert!(fake_calls > 0);
    let offline = SpendService::new(&fake_config(), cache, CostAccess::Offline);
    let req = request(
        &fake_config(),
        "project",
        RangePreset::Days30,
        Target::Overview,
    );
    let out = offline.load(req, now() + Duration::days(3), &quiet).await;
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.requests, 0);
    assert!(out.outlook.is_some_and(|o| o.rest_forecast == Some(1.0)));
    let other = request(
        &fake_config(),
        "owner",
        RangePreset::Days30,
        Target::Overview,
    );
    let missing = offline.load(other, now(), &quiet).await;
    assert!(
        missing.errors[0].contains("offline"),
        "{:?}",
        missing.errors
    );
}

/// Every request answers one day of spend, all of it untagged, and is counted.
struct Untagged(AtomicU32);

impl CostSource for Untagged {
    fn cost_and_usage<'a>(
        &'a self,
        q: &'a SpendQuery,
        _t: Option<String>,
    ) -> BoxFuture<'a, Result<CostPage, CostError>> {
        Box::pin(async move {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(CostPage {
                periods: vec![CostPeriod {
                    start: q.start,
                    end: q.start + Duration::days(1),
                    estimated: false,
                    groups: vec![CostGroup {
                        keys: vec![format!("{}$", q.grouping.key())],
                        amount: 4.0,
                        unit: "USD".into(),
                    }],
                }],
                next_token: None,
            })
        })
    }

    fn forecast<'a>(
        &'a self,
        _q: &'a SpendQuery,
        _s: NaiveDate,
        _e: NaiveDate,
    ) -> BoxFuture<'a, Result<Forecast, CostError>> {
        Box::pin(async {
            Ok(Forecast {
                amount: 1.0,
                unit: "USD".into(),
            })
        })
    }
}

/// The CLI's one-question path: within the TTL the cache answers for free, past it or when
/// forced Cost Explorer is asked (and counted) again; offline serves any age; and answers
/// never leak to another `spend.account`.
#[tokio::test]
async fn answers_are_reused_within_the_ttl_served_offline_and_kept_per_spend_account() {
    let source = Arc::new(Untagged(AtomicU32::new(0)));
    let config = fake_config();
    let service = SpendService::new(
        &config,
        Store::in_memory().expect("store"),
        CostAccess::Ready {
            source: source.clone(),
            caller_id: Some("111111111111".into()),
        },
    );
    let today = NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
    let query = SpendQuery::from_config(&config.spend, "project", RangePreset::Days7, today);
    // Early in a UTC day, so every request below lands in the same ledger day.
    let start = Utc
        .with_ymd_and_hms(2026, 3, 15, 0, 30, 0)
        .single()
        .expect("valid time");

    let first = service
        .answer(&query, false, start, &quiet)
        .await
        .expect("answers");
    assert!(!first.from_cache);
    assert_eq!((first.requests, first.pages), (1, 1));
    assert!(first.hint.is_some(), "all-untagged spend explains itself");

    let later = start + Duration::hours(1);
    let second = service
        .answer(&query, false, later, &quiet)
        .await
        .expect("answers");
    assert!(second.from_cache);
    assert_eq!(second.requests, 0);
    assert_eq!(second.rows, first.rows);
    assert_eq!(
        second.fetched_at, start,
        "the age is the answer's, not the read's"
    );
    assert_eq!(source.0.load(Ordering::SeqCst), 1, "no second request");

    let stale = start + Duration::hours(9);
    let refetched = service
        .answer(&query, false, stale, &quiet)
        .await
        .expect("answers");
    assert!(!refetched.from_cache, "past the TTL it asks again");
    let forced = service
        .answer(&query, true, stale, &quiet)
        .await
        .expect("answers");
    assert!(!forced.from_cache, "forced, it asks whatever is cached");
    assert_eq!(source.0.load(Ordering::SeqCst), 3);
    assert_eq!(service.ledger(stale).await.requests, 3);
    assert_eq!(service.cached_cost(&query, stale).await, Some(1));

    let cache = service.store.clone();
    let offline = SpendService::new(&config, cache, CostAccess::Offline);
    let old = offline
        .answer(&query, false, stale + Duration::days(30), &quiet)
        .await
        .expect("offline serves any age");
    assert!(old.from_cache);
    assert_eq!(old.fetched_at, stale);

    let mut payer = config.clone();
    payer.spend.account = Some("prod".into());
    let other = SpendService::new(&payer, offline.store.clone(), CostAccess::Offline);
    let err = other
        .answer(&query, false, stale, &quiet)
        .await
        .expect_err("another spend.account's answers are never served");
    assert!(matches!(err, SpendError::NotCached), "{err}");
    assert_eq!(source.0.load(Ordering::SeqCst), 3, "offline asks nothing");
}

/// Answers at once, except when armed: then the next request says it has started and waits
/// for the test to let it answer (with a refusal if `deny` is set).
struct Gated {
    calls: AtomicU32,
    gate: Mutex<Option<Gate>>,
}

struct Gate {
    entered: tokio::sync::oneshot::Sender<()>,
    release: tokio::sync::oneshot::Receiver<()>,
    deny: bool,
}

/// The test's side of an armed gate.
struct Armed {
    entered: tokio::sync::oneshot::Receiver<()>,
    release: tokio::sync::oneshot::Sender<()>,
}

impl Gated {
    fn new() -> Gated {
        Gated {
            calls: AtomicU32::new(0),
            gate: Mutex::new(None),
        }
    }

    fn arm(&self, deny: bool) -> Armed {
        let (entered_tx, entered) = tokio::sync::oneshot::channel();
        let (release, release_rx) = tokio::sync::oneshot::channel();
        *self.gate.lock().expect("lock") = Some(Gate {
            entered: entered_tx,
            release: release_rx,
            deny,
        });
        Armed { entered, release }
    }
}

impl CostSource for Gated {
    fn cost_and_usage<'a>(
        &'a self,
        q: &'a SpendQuery,
        _t: Option<String>,
    ) -> BoxFuture<'a, Result<CostPage, CostError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let gate = self.gate.lock().expect("lock").take();
            if let Some(gate) = gate {
                let _ = gate.entered.send(());
                let _ = gate.release.await;
                if gate.deny {
                    return Err(CostError::AccessDenied {
                        operation: "GetCostAndUsage",
                        message: "not authorized".into(),
                    });
                }
            }
            Ok(CostPage {
                periods: vec![CostPeriod {
                    start: q.start,
                    end: q.end,
                    estimated: false,
                    groups: vec![CostGroup {
                        keys: vec![format!("{}$vision", q.grouping.key())],
                        amount: 7.0,
                        unit: "USD".into(),
                    }],
                }],
                next_token: None,
            })
        })
    }

    fn forecast<'a>(
        &'a self,
        _q: &'a SpendQuery,
        _s: NaiveDate,
        _e: NaiveDate,
    ) -> BoxFuture<'a, Result<Forecast, CostError>> {
        Box::pin(async {
            Ok(Forecast {
                amount: 1.0,
                unit: "USD".into(),
            })
        })
    }
}

fn gated_service(source: Arc<Gated>) -> Arc<SpendService> {
    Arc::new(SpendService::new(
        &fake_config(),
        Store::in_memory().expect("store"),
        CostAccess::Ready {
            source,
            caller_id: Some("111111111111".into()),
        },
    ))
}

fn gated_query(key: &str) -> SpendQuery {
    let today = NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
    SpendQuery::from_config(&fake_config().spend, key, RangePreset::Days7, today)
}

fn gated_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 15, 1, 0, 0)
        .single()
        .expect("valid time")
}

/// Long enough for any cache read; a read stuck behind the network would never finish.
const PROMPT: std::time::Duration = std::time::Duration::from_secs(5);

/// The issue's rule: no lock is held while Cost Explorer answers. With a request stuck on the
/// network, the ledger, a cached answer and a cost estimate still come back at once (they used
/// to wait on the cache lock the fetch held, for as long as Cost Explorer took).
#[tokio::test]
async fn cache_reads_go_on_while_cost_explorer_answers() {
    let source = Arc::new(Gated::new());
    let service = gated_service(source.clone());
    let cached_query = gated_query("owner");
    service
        .answer(&cached_query, false, gated_now(), &quiet)
        .await
        .expect("primes the cache");

    let armed = source.arm(false);
    let asking = tokio::spawn({
        let service = service.clone();
        async move {
            service
                .answer(&gated_query("project"), false, gated_now(), &quiet)
                .await
        }
    });
    tokio::time::timeout(PROMPT, armed.entered)
        .await
        .expect("the request starts")
        .expect("the gate says so");

    let ledger = tokio::time::timeout(PROMPT, service.ledger(gated_now()))
        .await
        .expect("the ledger does not wait for Cost Explorer");
    assert_eq!(
        ledger.requests, 1,
        "the request under way is counted when it ends"
    );
    let hit = tokio::time::timeout(
        PROMPT,
        service.answer(&cached_query, false, gated_now(), &quiet),
    )
    .await
    .expect("a cached answer does not wait for Cost Explorer")
    .expect("answers");
    assert!(hit.from_cache);
    let estimate = tokio::time::timeout(PROMPT, service.cached_cost(&cached_query, gated_now()))
        .await
        .expect("an estimate does not wait for Cost Explorer");
    assert_eq!(estimate, Some(1));

    armed.release.send(()).expect("the request waits");
    let answered = asking.await.expect("no panic").expect("answers");
    assert!(!answered.from_cache);
    assert_eq!(service.ledger(gated_now()).await.requests, 2);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

/// Lets the other tasks of this (single-threaded) test runtime run until one ask waits on
/// another's flight, and fails if none does: the order is checked, not assumed after a sleep.
async fn second_ask_waits(service: &SpendService) {
    for _ in 0..100 {
        if service.inflight.waiting() == 1 {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!(
        "no ask waits on the flight (waiting: {})",
        service.inflight.waiting()
    );
}

/// Two asks of one question at once pay once: the second waits for the first's answer to land
/// in the cache and reads it there.
#[tokio::test]
async fn the_same_question_asked_twice_at_once_costs_one_request() {
    let source = Arc::new(Gated::new());
    let service = gated_service(source.clone());
    let armed = source.arm(false);
    let ask = |service: Arc<SpendService>| {
        tokio::spawn(async move {
            service
                .answer(&gated_query("project"), false, gated_now(), &quiet)
                .await
        })
    };
    let first = ask(service.clone());
    armed.entered.await.expect("the first request starts");
    let second = ask(service.clone());
    // The second ask waits on the first's flight before the first answer lands.
    second_ask_waits(&service).await;
    armed.release.send(()).expect("the request waits");

    let first = first.await.expect("no panic").expect("answers");
    let second = second.await.expect("no panic").expect("answers");
    assert!(!first.from_cache);
    assert!(second.from_cache, "the second read the first's answer");
    assert_eq!(second.requests, 0);
    assert_eq!(second.rows, first.rows);
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    assert_eq!(service.ledger(gated_now()).await.requests, 1);
}

/// When the first ask fails, the one waiting on it asks for itself; both requests are counted.
#[tokio::test]
async fn a_failed_ask_lets_the_waiting_one_ask_for_itself() {
    let source = Arc::new(Gated::new());
    let service = gated_service(source.clone());
    let armed = source.arm(true);
    let ask = |service: Arc<SpendService>| {
        tokio::spawn(async move {
            service
                .answer(&gated_query("project"), false, gated_now(), &quiet)
                .await
        })
    };
    let first = ask(service.clone());
    armed.entered.await.expect("the first request starts");
    let second = ask(service.clone());
    second_ask_waits(&service).await;
    armed.release.send(()).expect("the request waits");

    let first = first.await.expect("no panic");
    assert!(matches!(first, Err(SpendError::Cost(_))), "{first:?}");
    let second = tokio::time::timeout(PROMPT, second)
        .await
        .expect("the waiting ask does not hang")
        .expect("no panic")
        .expect("answers");
    assert!(!second.from_cache);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        service.ledger(gated_now()).await.requests,
        2,
        "the refused request is counted too"
    );
}

#[tokio::test]
async fn my_overview_shows_only_my_owner_budgets_and_asks_nothing_for_the_others() {
    let mut config = demo_config();
    config.budgets.push(Budget {
        tag_key: "owner".into(),
        tag_value: "alice".into(),
        monthly_usd: 6_000.0,
    });
    config.budgets.push(Budget {
        tag_key: "owner".into(),
        tag_value: "bob".into(),
        monthly_usd: 6_000.0,
    });
    let world = sagescope_core::demo::world(now());
    let service = SpendService::demo(&config, world.spend.rows).expect("in-memory cache");
    let mut overview = request(&config, "project", RangePreset::Days30, Target::Overview);
    let me = sagescope_core::model::Me::owner("owner", "alice");
    overview.query.mine = Some(crate::spend::MineFilter::new(&me, Vec::new()));
    let mine = service.load(overview, now(), &quiet).await;
    assert!(mine.errors.is_empty(), "{:?}", mine.errors);
    let outlook = mine.outlook.expect("my month");
    let shown: Vec<(&str, &str)> = outlook
        .budgets
        .iter()
        .map(|b| (b.budget.tag_key.as_str(), b.budget.tag_value.as_str()))
        .collect();
    assert_eq!(shown, vec![("owner", "alice")]);
    // The answer (project, covering the month so far), my month to date by owner, the
    // forecast and alice's budget forecast: the team's budgets cost nothing here.
    assert_eq!(mine.requests, 4);
}

/// The CUR's answer to a tag grouping: one row of 42 USD for `cur-value`.
struct FromCur;

impl crate::spend::TagSpendSource for FromCur {
    fn answer<'a>(
        &'a self,
        query: &'a SpendQuery,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Option<Result<SpendAnswer, String>>> {
        Box::pin(async move {
            query.mine.is_none().then(|| {
                Ok(SpendAnswer {
                    rows: vec![sagescope_core::model::SpendRow {
                        start: query.start,
                        end: query.end,
                        group_key: query.grouping.key().to_string(),
                        group_value: "cur-value".into(),
                        amount: 42.0,
                        unit: "USD".into(),
                        estimated: false,
                    }],
                    requests: 0,
                    pages: 0,
                    fetched_at: now,
                    from_cache: false,
                    hint: None,
                })
            })
        })
    }
}

#[tokio::test]
async fn spend_from_the_cur_answers_the_panes_grouping_without_asking_cost_explorer_for_it() {
    let scripted = || {
        let fake = Fake::new();
        *fake.forecasts.lock().expect("lock") = vec![(None, Ok(400.0)), (Some("vision"), Ok(60.0))];
        fake
    };
    let fake = Arc::new(scripted());
    let service = SpendService::new(
        &fake_config(),
        Store::in_memory().expect("store"),
        CostAccess::Ready {
            source: fake.clone(),
            caller_id: Some("111111111111".into()),
        },
    )
    .with_tag_spend(Arc::new(FromCur));
    let config = fake_config();
    let overview = request(&config, "team", RangePreset::Days7, Target::Overview);
    let out = service.load(overview.clone(), now(), &quiet).await;
    let rows = &out.answer.as_ref().expect("rows").rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].group_value, "cur-value");
    let asked = fake.calls.load(Ordering::SeqCst);
    // Only what the CUR does not answer went to Cost Explorer (the month outlook's own
    // questions); the grouping itself did not.
    assert_eq!(out.requests, asked, "{:?}", out.errors);
    let without = fake_service(scripted());
    let plain = without.load(overview, now(), &quiet).await;
    assert_eq!(
        plain.requests,
        asked + 1,
        "Cost Explorer alone asks the grouping too"
    );
}

#[tokio::test]
async fn a_me_of_principals_only_is_no_spend_and_asks_nothing_not_everyones() {
    let config = demo_config();
    let service = demo_service();
    let mut overview = request(&config, "project", RangePreset::Days30, Target::Overview);
    let me = sagescope_core::model::Me {
        owner_key: "owner".into(),
        owners: Vec::new(),
        studio_user_profiles: Vec::new(),
        principals: vec!["alice@example.com".into()],
    };
    overview.query.mine = Some(crate::spend::MineFilter::new(&me, Vec::new()));
    let mine = service.load(overview, now(), &quiet).await;
    assert_eq!(mine.requests, 0);
    assert!(mine.answer.is_none(), "no rows are mine");
    assert!(
        mine.errors.iter().any(|e| e.contains("principals")),
        "{:?}",
        mine.errors
    );
}
