//! One error design: every crate lists the codes it defines in the same
//! way (`codes()`, made from each crate's one table), and
//! no condition is defined twice across the workspace, under one code or
//! under two (an open breaker is `strands::network::circuit_open`,
//! whichever crate reports it). Every code has its one page.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

#[test]
fn no_code_or_condition_is_defined_twice() {
    let crates: [(&str, Vec<String>); 3] = [
        (
            "strands-retry",
            strands_deploy_utils::strands_retry::codes(),
        ),
        (
            "strands-errors",
            strands_deploy_utils::strands_errors::codes(),
        ),
        (
            "strands-creds",
            strands_deploy_utils::strands_creds::codes(),
        ),
    ];
    let mut by_code: BTreeMap<&str, &str> = BTreeMap::new();
    let mut by_condition: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for (krate, codes) in &crates {
        assert!(!codes.is_empty(), "{krate} lists no codes");
        for code in codes {
            assert!(code.starts_with("strands::"), "{krate}: {code}");
            if let Some(other) = by_code.insert(code, krate) {
                panic!("{code} is defined by {other} and by {krate}");
            }
            // The condition is the last segment: `circuit_open` defined by
            // two crates (under two categories) is one condition with two
            // codes. Within strands-errors' table, one AWS code told apart
            // by message (`ResourceConflictException`: exists / update in
            // progress) is two conditions, each with its row and page.
            let condition = code.rsplit("::").next().unwrap();
            let is_category = code.matches("::").count() == 1;
            if !is_category
                && let Some((other, prev)) = by_condition.insert(condition, (krate, code))
                && other != *krate
            {
                panic!(
                    "the condition `{condition}` is defined by {other} ({prev}) and by {krate} ({code})"
                );
            }
        }
    }
    let missing = strands_testkit::codes_without_explanation(by_code.keys());
    assert!(missing.is_empty(), "no page for {missing:?}");
    assert!(by_code.contains_key("strands::network::circuit_open"));
}
