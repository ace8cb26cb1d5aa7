//! What the bundled price list (`crates/core/assets/prices.csv`) charges for the instance
//! types the test worlds run, as literals: the tests' expected dollars must not come from the
//! code under test (`sagescope::pricing`), so a change to the table, or to how it is read,
//! fails a test.

/// (region, instance type, USD per instance-hour), copied from
/// `crates/core/assets/prices.csv`. The worlds' other types (ml.trn1.32xlarge, ml.r5.2xlarge,
/// ml.inf1.xlarge) have no bundled price; nor do other regions.
const LIST: &[(&str, &str, f64)] = &[
    ("us-east-1", "ml.t3.medium", 0.05),
    ("us-east-1", "ml.t3.large", 0.1),
    ("us-east-1", "ml.m5.large", 0.115),
    ("us-east-1", "ml.m5.xlarge", 0.23),
    ("us-east-1", "ml.m5.2xlarge", 0.461),
    ("us-east-1", "ml.m5.4xlarge", 0.922),
    ("us-east-1", "ml.c5.large", 0.102),
    ("us-east-1", "ml.c5.xlarge", 0.204),
    ("us-east-1", "ml.c5.2xlarge", 0.408),
    ("us-east-1", "ml.c5.4xlarge", 0.816),
    ("us-east-1", "ml.g4dn.xlarge", 0.7364),
    ("us-east-1", "ml.g4dn.2xlarge", 0.94),
    ("us-east-1", "ml.g5.2xlarge", 1.52),
    ("us-east-1", "ml.g5.12xlarge", 7.09),
    ("us-east-1", "ml.p3.2xlarge", 3.825),
    ("us-east-1", "ml.p3.16xlarge", 28.152),
    ("us-east-1", "ml.p4d.24xlarge", 25.2512883),
    ("eu-west-1", "ml.t3.medium", 0.055),
    ("eu-west-1", "ml.t3.large", 0.109),
    ("eu-west-1", "ml.m5.large", 0.128),
    ("eu-west-1", "ml.m5.xlarge", 0.257),
    ("eu-west-1", "ml.m5.2xlarge", 0.514),
    ("eu-west-1", "ml.m5.4xlarge", 1.027),
    ("eu-west-1", "ml.c5.large", 0.115),
    ("eu-west-1", "ml.c5.xlarge", 0.23),
    ("eu-west-1", "ml.c5.2xlarge", 0.461),
    ("eu-west-1", "ml.c5.4xlarge", 0.922),
    ("eu-west-1", "ml.g4dn.xlarge", 0.8218),
    ("eu-west-1", "ml.g4dn.2xlarge", 1.047),
    ("eu-west-1", "ml.g5.2xlarge", 1.69),
    ("eu-west-1", "ml.g5.12xlarge", 7.92),
    ("eu-west-1", "ml.p3.2xlarge", 4.131),
    ("eu-west-1", "ml.p3.16xlarge", 30.406),
    ("eu-west-1", "ml.p4d.24xlarge", 27.2730435),
];

/// The bundled price of one instance-hour of `instance_type` in `region`, if it has one.
pub fn list_price(region: &str, instance_type: &str) -> Option<f64> {
    LIST.iter()
        .find(|(r, t, _)| *r == region && *t == instance_type)
        .map(|(_, _, usd)| *usd)
}

/// As [`list_price`], for a type the test knows is priced.
pub fn priced(region: &str, instance_type: &str) -> f64 {
    list_price(region, instance_type)
        .unwrap_or_else(|| panic!("{instance_type} has a bundled price in {region}"))
}

/// `usd` rounded to the cent, as `export` writes money.
pub fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}
