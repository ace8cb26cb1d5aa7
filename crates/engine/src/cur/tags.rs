//! How CUR 2.0 spells a tag key inside its `resource_tags` map.
//!
//! A user-defined cost allocation tag `cost-center` appears as `user_cost_center`; an
//! AWS-generated one such as `aws:createdBy` as `aws_created_by`. The key is normalised the
//! way the CUR names its Athena columns: a word boundary inside CamelCase becomes `_`, letters
//! are lower-cased, every other character that is not a letter or digit becomes `_`, and runs
//! of `_` collapse into one. Two keys differing only in case (`CostCenter`, `costcenter`)
//! therefore stay two keys only if the boundary rule tells them apart.

/// The `resource_tags` key under which CUR 2.0 holds the tag `key` (as written in the
/// config, e.g. `cost-center`).
pub fn cur_tag_key(key: &str) -> String {
    let (prefix, name) = match key.strip_prefix("aws:") {
        Some(rest) => ("aws", rest),
        None => ("user", key),
    };
    let mut out = String::from(prefix);
    out.push('_');
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.push('_');
        }
        previous = Some(c);
    }
    let mut collapsed = String::with_capacity(out.len());
    for c in out.chars() {
        if !(c == '_' && collapsed.ends_with('_')) {
            collapsed.push(c);
        }
    }
    while collapsed.len() > prefix.len() + 1 && collapsed.ends_with('_') {
        collapsed.pop();
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_map_to_cur_2_resource_tag_keys() {
        for (key, cur) in [
            ("cost-center", "user_cost_center"),
            ("CostCenter", "user_cost_center"),
            ("costcenter", "user_costcenter"),
            ("team:ml", "user_team_ml"),
            ("project", "user_project"),
            ("Owner", "user_owner"),
            ("aws:createdBy", "aws_created_by"),
            ("env.stage 2", "user_env_stage_2"),
            ("a--b__c", "user_a_b_c"),
            ("trailing-", "user_trailing"),
        ] {
            assert_eq!(cur_tag_key(key), cur, "{key}");
        }
    }
}
