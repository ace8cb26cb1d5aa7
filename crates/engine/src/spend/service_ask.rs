//! How one question is answered: read the cache (a closure on the store thread), and only if
//! it cannot answer, ask Cost Explorer with nothing locked, then write the answer and its
//! requests (a second closure). The cache thread stays free while Cost Explorer answers, so
//! the status bar's ledger and cached answers never wait on the network.
//!
//! Two asks of the same question do not both pay: the first takes the question's flight, the
//! second waits for it to land and re-checks the cache (`spend::inflight`). A forced
//! ask waiting on a flight takes the landed answer too: it was fetched while it asked.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::super::inflight::Turn;
use super::super::outlook::Month;
use super::super::{
    CostError, CostSource, Forecast, Freshness, SpendAnswer, SpendError, SpendQuery, SpendStore,
    cached, fetch, fetch_pages, forecast, store_answer,
};
use super::{Notes, SpendService, Tally, backoff_note};

impl SpendService {
    /// One question through the cache.
    pub(super) async fn ask(
        &self,
        query: &SpendQuery,
        freshness: Freshness,
        now: DateTime<Utc>,
        notes: Notes<'_>,
        tally: &mut Tally,
    ) -> Result<SpendAnswer, SpendError> {
        let ask = self.ask_for(freshness, now);
        let key = ask.key(query);
        // What a read may serve: after another ask's answer landed, that answer, whatever
        // this ask's freshness.
        let mut serve = freshness;
        let flight = loop {
            let flight = match self.inflight.join(&key) {
                Turn::Ask(flight) => flight,
                Turn::Wait(landing) => {
                    serve = if landing.landed().await {
                        Freshness::AnyAge
                    } else {
                        freshness
                    };
                    continue;
                }
            };
            // Read while holding the flight: an answer that landed before is in the cache.
            let (q, a) = (query.clone(), ask.with(serve));
            if let Some(hit) = self.with_cache(move |cache| cached(cache, &q, &a)).await? {
                tally.full += hit.pages;
                return Ok(hit);
            }
            if freshness == Freshness::AnyAge {
                return Err(SpendError::NotCached);
            }
            break flight;
        };
        let source = self.source(now).await?;
        let on_backoff = |pause: std::time::Duration| notes(backoff_note(pause));
        // The network, with nothing locked.
        let fetched = fetch_pages(source.as_ref(), query, &on_backoff).await;
        match &fetched {
            Ok(got) => {
                tally.made += got.requests;
                tally.full += u32::try_from(got.pages.len()).unwrap_or(u32::MAX).max(1);
            }
            Err(failed) => {
                tally.made += failed.requests;
                tally.full += 1;
            }
        }
        let q = query.clone();
        let written = self
            .store
            .run(move |cache| store_answer(cache, &q, &ask, fetched))
            .await;
        let answer = written.map_err(SpendError::from).and_then(|answer| answer);
        flight.landed(answer.is_ok());
        answer
    }

    /// The rest-of-month forecast for `query`'s scope: one request, cached like answers.
    pub(super) async fn forecast(
        &self,
        query: &SpendQuery,
        month: &Month,
        freshness: Freshness,
        now: DateTime<Utc>,
        notes: Notes<'_>,
        tally: &mut Tally,
    ) -> Result<f64, SpendError> {
        if !month.has_rest() {
            return Ok(0.0);
        }
        let (ttl, key) = (self.ttl, self.ask_for(freshness, now).key(query));
        let mut serve = freshness;
        let flight = loop {
            let flight = match self.inflight.join(&format!("forecast|{key}")) {
                Turn::Ask(flight) => flight,
                Turn::Wait(landing) => {
                    serve = if landing.landed().await {
                        Freshness::AnyAge
                    } else {
                        freshness
                    };
                    continue;
                }
            };
            let k = key.clone();
            let hit = self
                .with_cache(move |cache| forecast::cached(cache, &k, serve, ttl, now))
                .await?;
            if let Some(hit) = hit {
                tally.full += 1;
                return hit;
            }
            if freshness == Freshness::AnyAge {
                return Err(SpendError::NotCached);
            }
            break flight;
        };
        let source = self.source(now).await?;
        let on_backoff = |pause: std::time::Duration| notes(backoff_note(pause));
        let mut requests = 0;
        // The network, with nothing locked.
        let got: Result<Forecast, CostError> = fetch::with_backoff(
            || source.forecast(query, query.start, query.end),
            &mut requests,
            &on_backoff,
        )
        .await;
        tally.made += requests;
        tally.full += 1;
        let kept = got.clone();
        let stored = self
            .with_cache(move |cache| forecast::store(cache, &key, &kept, requests, now))
            .await;
        flight.landed(matches!(stored, Ok(true)));
        stored?;
        got.map(|forecast| forecast.amount)
            .map_err(|error| forecast::failed(error, requests))
    }

    /// Cost Explorer, connecting the spend account on first need (once: concurrent asks wait
    /// for the same connect, which they need anyway; cache reads never do).
    pub(super) async fn source(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Arc<dyn CostSource>, SpendError> {
        let fetcher = match &self.access {
            super::CostAccess::Ready { source, .. } => return Ok(source.clone()),
            super::CostAccess::Offline => return Err(SpendError::NotCached),
            super::CostAccess::Account(fetcher) => fetcher,
        };
        let connect = || async {
            let (source, id) = fetcher
                .cost_explorer(&self.spend_account)
                .await
                .map_err(SpendError::Connect)?;
            let (scope, remembered) = (self.scope.clone(), id.clone());
            let put = self
                .with_cache(move |cache| {
                    SpendStore::new(cache)?.put_caller(&scope, &remembered, now)
                })
                .await;
            if let Err(err) = put {
                tracing::warn!("cannot remember the spend account id: {err}");
            }
            *self
                .caller
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(id);
            Ok::<_, SpendError>(source)
        };
        self.connected.get_or_try_init(connect).await.cloned()
    }
}
