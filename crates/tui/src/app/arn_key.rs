//! A resource's 64-bit key in the App's per-resource maps.
//!
//! Maps over a third of 100,000 rows (their burn and flags) or over their tag findings (the
//! costs joined to them) would otherwise copy each ARN, about 120 bytes apiece. The key is the
//! ARN's SipHash with fixed keys, so it is the same in every run. Two ARNs of one session
//! sharing a key, odds about 1 in 10^9 at 100,000 resources, would at worst show one row the
//! other's badge or cost.

use std::hash::Hasher;

pub(super) fn arn_key(arn: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(arn.as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_every_byte_and_only_on_the_arn() {
        let a = "arn:aws:sagemaker:us-east-1:111111111111:training-job/train-0001";
        let b = "arn:aws:sagemaker:us-east-1:111111111111:training-job/train-0002";
        let copy = String::from(a);
        assert_eq!(
            arn_key(a),
            arn_key(&copy),
            "the same text, another allocation"
        );
        assert_ne!(arn_key(a), arn_key(b));
        assert_ne!(arn_key(a), arn_key(&a.to_uppercase()));
    }
}
