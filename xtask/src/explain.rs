//! `cargo xtask explain CODE`: the long explanation of a diagnostic code,
//! as `rustc --explain` does. One markdown file per code under
//! `docs/diagnostics/`, named with `::` replaced by `--`; tidy fails when a
//! code has none.

use crate::cmd::StepFailed;
use std::path::{Path, PathBuf};

/// Every diagnostic code the libraries can emit.
fn all_codes() -> impl Iterator<Item = String> {
    strands_retry::CODES
        .iter()
        .map(|c| (*c).to_owned())
        .chain(strands_errors::all_codes())
        .chain(strands_creds::CODES.iter().map(|c| (*c).to_owned()))
}

fn doc_path(root: &Path, code: &str) -> PathBuf {
    root.join("docs/diagnostics")
        .join(format!("{}.md", code.replace("::", "--")))
}

pub(crate) fn run(root: &Path, code: &str) -> miette::Result<()> {
    let path = doc_path(root, code.trim());
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            println!("{text}");
            Ok(())
        }
        Err(_) => {
            // Offer the codes that share the longest known prefix
            // (`strands::permission::…`), not all ninety.
            let code = code.trim();
            let mut prefix = code;
            let near: Vec<String> = loop {
                let near: Vec<String> = all_codes().filter(|c| c.starts_with(prefix)).collect();
                match prefix.rfind("::") {
                    _ if !near.is_empty() => break near,
                    Some(i) => prefix = &prefix[..i],
                    None => {
                        break all_codes()
                            .filter(|c| c.matches("::").count() == 1)
                            .collect();
                    }
                }
            };
            Err(StepFailed::new(
                "explain",
                format!(
                    "no explanation for `{code}`; did you mean one of: {}",
                    near.join(", ")
                ),
            )
            .into())
        }
    }
}

/// Codes without an explanation file.
pub(crate) fn missing_docs(root: &Path) -> Vec<String> {
    all_codes()
        .filter(|c| !doc_path(root, c).exists())
        .map(|c| format!("diagnostic code {c} has no docs/diagnostics explanation"))
        .collect()
}
