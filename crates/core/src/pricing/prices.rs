//! The prices sagescope applies: live ones from the AWS Price List API where it has them,
//! the bundled table otherwise, each quote saying which.
//!
//! SageMaker prices an instance type differently per component (a training hour is not a
//! hosting hour), so a quote is asked for the component that bills the resource. The bundled
//! table holds one component only (see `assets/prices.csv`); applying it to another is an
//! approximation the quote owns up to.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::PriceTable;
use crate::model::ResourceKind;

/// The SageMaker pricing components sagescope bills resources by, as the Price List's
/// `component` attribute spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Component {
    Training,
    Processing,
    Hosting,
    Notebook,
    StudioNotebook,
    BatchTransform,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::Training,
        Component::Processing,
        Component::Hosting,
        Component::Notebook,
        Component::StudioNotebook,
        Component::BatchTransform,
    ];

    /// The Price List's `component` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Training => "Training",
            Component::Processing => "Processing",
            Component::Hosting => "Hosting",
            Component::Notebook => "Notebook",
            Component::StudioNotebook => "Studio-Notebook",
            Component::BatchTransform => "Batch Transform",
        }
    }

    /// The component a Price List `component` value names, if sagescope bills by it.
    pub fn parse(value: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.as_str() == value)
    }

    /// The component that bills a resource of `kind`: tuning jobs bill as the training jobs
    /// they start, Studio apps as Studio notebooks. `None` for kinds billed by no instance.
    pub fn of(kind: ResourceKind) -> Option<Component> {
        match kind {
            ResourceKind::Training | ResourceKind::Tuning => Some(Component::Training),
            ResourceKind::Processing => Some(Component::Processing),
            ResourceKind::Transform => Some(Component::BatchTransform),
            ResourceKind::Endpoint => Some(Component::Hosting),
            ResourceKind::Notebook => Some(Component::Notebook),
            ResourceKind::App => Some(Component::StudioNotebook),
            _ => None,
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One on-demand price read from the Price List API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivePrice {
    pub region: String,
    pub instance_type: String,
    pub component: Component,
    pub usd_per_hour: f64,
    /// The offer's `effectiveDate`: since when AWS charges this.
    pub effective: Option<NaiveDate>,
    /// When sagescope read it.
    pub fetched: NaiveDate,
}

/// Where a quoted price came from.
#[derive(Debug, Clone, PartialEq)]
pub enum PriceOrigin {
    /// The Price List API, for exactly the component asked.
    PriceList {
        fetched: NaiveDate,
        effective: Option<NaiveDate>,
    },
    /// The table shipped in the binary, whose one component may not be the one asked.
    Bundled {
        component: String,
        published: NaiveDate,
    },
}

/// A price per instance-hour, with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub usd_per_hour: f64,
    pub origin: PriceOrigin,
}

impl Quote {
    /// `AWS Price List, Training, read 2026-12-02` or `bundled table (Studio-Notebook
    /// component), AWS price of 2026-07-03`: what the detail view says next to `$/h`.
    pub fn describe(&self, asked: Option<Component>) -> String {
        match &self.origin {
            PriceOrigin::PriceList { fetched, effective } => {
                let component = asked.map_or_else(String::new, |c| format!(", {c}"));
                match effective {
                    Some(since) => {
                        format!("AWS Price List{component}, effective {since}, read {fetched}")
                    }
                    None => format!("AWS Price List{component}, read {fetched}"),
                }
            }
            PriceOrigin::Bundled {
                component,
                published,
            } => format!("bundled table ({component} component), AWS price of {published}"),
        }
    }
}

/// Live prices over the bundled table.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    live: HashMap<String, HashMap<String, HashMap<Component, LivePrice>>>,
    bundled: PriceTable,
}

impl Default for Prices {
    fn default() -> Self {
        Prices::bundled_only()
    }
}

impl Prices {
    /// The shipped table alone: offline, or before any live price was read.
    pub fn bundled_only() -> Self {
        Prices::new(PriceTable::embedded().clone(), Vec::new())
    }

    pub fn new(bundled: PriceTable, live: Vec<LivePrice>) -> Self {
        let mut prices = Prices {
            live: HashMap::new(),
            bundled,
        };
        prices.add_live(live);
        prices
    }

    /// Adds (or replaces) live prices.
    pub fn add_live(&mut self, live: impl IntoIterator<Item = LivePrice>) {
        for price in live {
            self.live
                .entry(price.region.clone())
                .or_default()
                .entry(price.instance_type.clone())
                .or_default()
                .insert(price.component, price);
        }
    }

    /// Whether a live price of any component is known for the instance type in the region.
    pub fn has_live(&self, region: &str, instance_type: &str) -> bool {
        self.live
            .get(region)
            .and_then(|types| types.get(instance_type))
            .is_some_and(|components| !components.is_empty())
    }

    /// The live price of exactly `component`, if read.
    pub fn live(
        &self,
        region: &str,
        instance_type: &str,
        component: Component,
    ) -> Option<&LivePrice> {
        self.live.get(region)?.get(instance_type)?.get(&component)
    }

    /// Every live price known, in no particular order.
    pub fn live_prices(&self) -> impl Iterator<Item = &LivePrice> {
        self.live
            .values()
            .flat_map(|types| types.values())
            .flat_map(|components| components.values())
    }

    /// The price of one instance-hour of `instance_type` in `region` for `component`: the
    /// live price of that component, else the bundled table's (another component, said so).
    pub fn quote(&self, region: &str, instance_type: &str, component: Component) -> Option<Quote> {
        if let Some(live) = self.live(region, instance_type, component) {
            return Some(Quote {
                usd_per_hour: live.usd_per_hour,
                origin: PriceOrigin::PriceList {
                    fetched: live.fetched,
                    effective: live.effective,
                },
            });
        }
        let bundled = self.bundled.price(region, instance_type)?;
        Some(Quote {
            usd_per_hour: bundled.usd_per_hour,
            origin: PriceOrigin::Bundled {
                component: bundled.component.clone(),
                published: bundled.published,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn live(instance_type: &str, component: Component, usd: f64) -> LivePrice {
        LivePrice {
            region: "us-east-1".into(),
            instance_type: instance_type.into(),
            component,
            usd_per_hour: usd,
            effective: Some(day("2026-11-01")),
            fetched: day("2026-12-02"),
        }
    }

    #[test]
    fn each_kind_is_billed_by_its_component() {
        assert_eq!(
            Component::of(ResourceKind::Endpoint),
            Some(Component::Hosting)
        );
        assert_eq!(
            Component::of(ResourceKind::Transform),
            Some(Component::BatchTransform)
        );
        assert_eq!(
            Component::of(ResourceKind::Tuning),
            Some(Component::Training)
        );
        assert_eq!(Component::of(ResourceKind::Model), None);
        for c in Component::ALL {
            assert_eq!(Component::parse(c.as_str()), Some(c));
        }
        assert_eq!(Component::parse("Training-Plan"), None);
    }

    #[test]
    fn the_live_price_of_the_component_wins_and_says_so() {
        let prices = Prices::new(
            PriceTable::embedded().clone(),
            vec![
                live("ml.m5.xlarge", Component::Training, 0.23),
                live("ml.m5.xlarge", Component::Hosting, 0.2304),
            ],
        );
        let hosting = prices
            .quote("us-east-1", "ml.m5.xlarge", Component::Hosting)
            .expect("priced");
        assert_eq!(hosting.usd_per_hour, 0.2304);
        assert_eq!(
            hosting.describe(Some(Component::Hosting)),
            "AWS Price List, Hosting, effective 2026-11-01, read 2026-12-02"
        );
        // No live Processing price: the bundled table's, labelled with its own component.
        let processing = prices
            .quote("us-east-1", "ml.m5.xlarge", Component::Processing)
            .expect("bundled");
        assert_eq!(
            processing.describe(Some(Component::Processing)),
            "bundled table (Studio-Notebook component), AWS price of 2026-07-03"
        );
        assert!(prices.has_live("us-east-1", "ml.m5.xlarge"));
        assert!(!prices.has_live("us-east-1", "ml.p5.48xlarge"));
        assert_eq!(
            prices.quote("us-east-1", "ml.p5.48xlarge", Component::Training),
            None
        );
    }
}
