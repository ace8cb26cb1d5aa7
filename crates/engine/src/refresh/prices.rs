//! The refresh's price step: live prices for the instance types the jobs run on, read from
//! the Price List with the first account's credentials when the cache has none younger than
//! [`live::MAX_AGE_DAYS`], kept in the cache, and merged with those already kept.

use chrono::Utc;

use crate::fetch::JobFetcher;
use crate::store::Store;
use sagescope_core::model::Job;
use sagescope_core::pricing::{LivePrice, live};

/// What the price step produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PricesFetch {
    /// Every live price known after the step (kept and new).
    pub prices: Vec<LivePrice>,
    /// `GetProducts` requests made.
    pub requests: usize,
    /// Why some prices could not be read (the bundled table stands in for them).
    pub error: Option<String>,
}

/// Reads what is missing and returns every live price known (see the module docs).
pub async fn refresh(fetcher: &JobFetcher, store: &Store, jobs: &[Job]) -> PricesFetch {
    let today = Utc::now().date_naive();
    let (mut kept, asked) = match store.run(|cache| cache.load_prices()).await {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(err)) => {
            tracing::warn!("cannot read the kept prices: {err}");
            Default::default()
        }
        Err(err) => {
            tracing::warn!("cannot read the kept prices: {err}");
            Default::default()
        }
    };
    let wanted = live::wanted(jobs.iter(), &asked, today);
    let mut fetch = PricesFetch::default();
    if wanted.is_empty() {
        fetch.prices = kept;
        return fetch;
    }
    let Some(account) = fetcher.accounts().into_iter().next() else {
        fetch.prices = kept;
        return fetch;
    };
    let source = match fetcher.account_link(&account.name).await {
        Ok(link) => link.price_source(),
        Err(err) => {
            fetch.error = Some(format!("prices: {err}"));
            None
        }
    };
    let Some(source) = source else {
        fetch.prices = kept;
        return fetch;
    };
    let read = live::read(source.as_ref(), &wanted, today).await;
    tracing::info!(
        asked = read.asked.len(),
        prices = read.prices.len(),
        requests = read.requests,
        "Price List read"
    );
    fetch.requests = read.requests;
    fetch.error = read.error.map(|e| e.to_string());
    let (asked_now, new) = (read.asked.clone(), read.prices.clone());
    if let Err(err) = store
        .run(move |cache| cache.save_prices(&asked_now, &new, today))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
    {
        tracing::warn!("cannot keep the prices read: {err}");
    }
    kept.retain(|p| {
        !read
            .asked
            .iter()
            .any(|(r, t)| *r == p.region && *t == p.instance_type)
    });
    kept.extend(read.prices);
    fetch.prices = kept;
    fetch
}

/// The live prices kept in the cache (none when it cannot be read: the bundled table stands).
pub fn kept(cache: &crate::cache::Cache) -> Vec<LivePrice> {
    cache
        .load_prices()
        .map(|(prices, _)| prices)
        .unwrap_or_else(|err| {
            tracing::warn!("cannot read the kept prices: {err}");
            Vec::new()
        })
}
