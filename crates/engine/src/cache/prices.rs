//! Live prices read from the AWS Price List, and when each (region, instance type) was last
//! asked, so a refresh asks only for what is new or older than a week.

use chrono::NaiveDate;
use rusqlite::params;

use super::{Cache, CacheError};
use sagescope_core::pricing::live::Asked;
use sagescope_core::pricing::{Component, LivePrice};

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS price_asks (
         region        TEXT NOT NULL,
         instance_type TEXT NOT NULL,
         asked         TEXT NOT NULL,
         PRIMARY KEY (region, instance_type)
     );
     CREATE TABLE IF NOT EXISTS live_prices (
         region        TEXT NOT NULL,
         instance_type TEXT NOT NULL,
         component     TEXT NOT NULL,
         usd_per_hour  REAL NOT NULL,
         effective     TEXT,
         fetched       TEXT NOT NULL,
         PRIMARY KEY (region, instance_type, component)
     );";

impl Cache {
    /// Every live price kept, and when each (region, instance type) was last asked. Rows an
    /// older or newer build wrote unreadably are skipped (they are only a saving).
    pub fn load_prices(&self) -> Result<(Vec<LivePrice>, Asked), CacheError> {
        let conn = self.connection();
        let mut statement = conn.prepare(
            "SELECT region, instance_type, component, usd_per_hour, effective, fetched
             FROM live_prices",
        )?;
        let prices = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, f64>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, String>(5)?,
                ))
            })?
            .filter_map(Result::ok)
            .filter_map(
                |(region, instance_type, component, usd, effective, fetched)| {
                    Some(LivePrice {
                        region,
                        instance_type,
                        component: Component::parse(&component)?,
                        usd_per_hour: usd,
                        effective: effective.and_then(|d| d.parse().ok()),
                        fetched: fetched.parse().ok()?,
                    })
                },
            )
            .collect();
        let mut statement = conn.prepare("SELECT region, instance_type, asked FROM price_asks")?;
        let asked = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .filter_map(Result::ok)
            .filter_map(|(region, instance_type, asked)| {
                Some(((region, instance_type), asked.parse().ok()?))
            })
            .collect();
        Ok((prices, asked))
    }

    /// Records what one read of the Price List answered: each pair in `asked` was asked on
    /// `today`, and its prices replace the ones kept (a component AWS no longer lists goes).
    pub fn save_prices(
        &mut self,
        asked: &[(String, String)],
        prices: &[LivePrice],
        today: NaiveDate,
    ) -> Result<(), CacheError> {
        let tx = self.conn.transaction()?;
        for (region, instance_type) in asked {
            tx.execute(
                "DELETE FROM live_prices WHERE region = ?1 AND instance_type = ?2",
                params![region, instance_type],
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO price_asks (region, instance_type, asked)
                 VALUES (?1, ?2, ?3)",
                params![region, instance_type, today.to_string()],
            )?;
        }
        for p in prices {
            tx.execute(
                "INSERT OR REPLACE INTO live_prices
                 (region, instance_type, component, usd_per_hour, effective, fetched)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    p.region,
                    p.instance_type,
                    p.component.as_str(),
                    p.usd_per_hour,
                    p.effective.map(|d| d.to_string()),
                    p.fetched.to_string()
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_asks_round_trip_and_a_new_answer_replaces_the_old() {
        let mut cache = Cache::in_memory().expect("cache");
        let day = |d: &str| -> NaiveDate { d.parse().expect("date") };
        let price = |component, usd| LivePrice {
            region: "us-east-1".into(),
            instance_type: "ml.g6.xlarge".into(),
            component,
            usd_per_hour: usd,
            effective: Some(day("2026-11-01")),
            fetched: day("2026-12-01"),
        };
        let pair = ("us-east-1".to_string(), "ml.g6.xlarge".to_string());
        let asked = [pair.clone()];
        cache
            .save_prices(
                &asked,
                &[
                    price(Component::Training, 1.0),
                    price(Component::Hosting, 1.2),
                ],
                day("2026-12-01"),
            )
            .expect("saved");
        let (prices, when) = cache.load_prices().expect("loaded");
        assert_eq!(prices.len(), 2);
        assert_eq!(when.get(&pair), Some(&day("2026-12-01")));
        // Asked again a week later: only Training is still listed.
        cache
            .save_prices(
                &asked,
                &[price(Component::Training, 0.9)],
                day("2026-12-08"),
            )
            .expect("saved");
        let (prices, when) = cache.load_prices().expect("loaded");
        assert_eq!(prices, vec![price(Component::Training, 0.9)]);
        assert_eq!(when.get(&pair), Some(&day("2026-12-08")));
    }
}
