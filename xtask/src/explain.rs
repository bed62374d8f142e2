//! `cargo xtask explain CODE`: the long explanation of a diagnostic code,
//! as `rustc --explain` does. One markdown file per code under
//! `docs/diagnostics/`, named with `::` replaced by `--`. Each library's
//! tests check that every code it can emit has its page
//! (`strands_testkit::codes_without_explanation`), so the pages are the
//! list of codes here, and xtask needs none of the libraries.

use crate::cmd::StepFailed;
use std::path::{Path, PathBuf};

fn docs_dir(root: &Path) -> PathBuf {
    root.join("docs/diagnostics")
}

/// Every code that has an explanation page.
fn known_codes(root: &Path) -> Vec<String> {
    let mut codes: Vec<String> = std::fs::read_dir(docs_dir(root))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".md").map(|c| c.replace("--", "::"))
        })
        .collect();
    codes.sort();
    codes
}

pub(crate) fn run(root: &Path, code: &str) -> miette::Result<()> {
    let code = code.trim();
    let path = docs_dir(root).join(format!("{}.md", code.replace("::", "--")));
    if let Ok(text) = std::fs::read_to_string(&path) {
        println!("{text}");
        return Ok(());
    }
    Err(StepFailed::new(
        "explain",
        format!(
            "no explanation for `{code}`; did you mean one of: {}",
            nearest(&known_codes(root), code).join(", ")
        ),
    )
    .into())
}

/// The codes that share the longest known prefix with `code`
/// (`strands::permission::…`), not all hundred; with none, the categories.
fn nearest(all: &[String], code: &str) -> Vec<String> {
    let mut prefix = code;
    loop {
        let near: Vec<String> = all
            .iter()
            .filter(|c| c.starts_with(prefix))
            .cloned()
            .collect();
        if !near.is_empty() {
            return near;
        }
        match prefix.rfind("::") {
            Some(i) => prefix = &prefix[..i],
            None => {
                return all
                    .iter()
                    .filter(|c| c.matches("::").count() == 1)
                    .cloned()
                    .collect();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_offers_its_neighbours_and_a_stranger_the_categories() {
        let all: Vec<String> = [
            "strands::network",
            "strands::network::circuit_open",
            "strands::permission",
            "strands::permission::access_denied",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            nearest(&all, "strands::permission::acess_denied"),
            ["strands::permission", "strands::permission::access_denied"]
        );
        assert_eq!(
            nearest(&all, "nothing"),
            ["strands::network", "strands::permission"]
        );
        let root = crate::workspace_root();
        assert!(known_codes(&root).contains(&"strands::network::circuit_open".to_owned()));
    }
}
