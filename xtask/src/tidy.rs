//! The invariants a reviewer should never have to check by eye, checked from
//! `cargo metadata` (the rust-analyzer `tidy.rs` pattern). Runs as a ci step
//! and as a `#[test]`.
//!
//! The layering (ARCHITECTURE.md): retry ← errors ← creds ← facade; only
//! strands-creds talks to AWS; strands-retry needs neither the AWS SDK nor,
//! unless its `tokio` feature is on, an async runtime; xtask and the testkit
//! are never normal dependencies of a library.

use crate::cmd::StepFailed;
use cargo_metadata::{DependencyKind, MetadataCommand};
use std::path::Path;

/// One library's allowed normal dependencies among workspace crates, and
/// the external crates it must never name.
struct Rule {
    package: &'static str,
    workspace_deps: &'static [&'static str],
    forbidden: &'static [&'static str],
    /// Deps that must be optional (behind a feature).
    optional_only: &'static [&'static str],
}

const RULES: &[Rule] = &[
    Rule {
        package: "strands-retry",
        workspace_deps: &["strands-retry-macros"],
        forbidden: &["aws-"],
        optional_only: &["tokio"],
    },
    Rule {
        package: "strands-retry-macros",
        workspace_deps: &[],
        forbidden: &["aws-", "tokio"],
        optional_only: &[],
    },
    Rule {
        package: "strands-errors",
        workspace_deps: &["strands-retry"],
        forbidden: &["aws-config", "aws-sdk-"],
        optional_only: &[],
    },
    Rule {
        package: "strands-creds",
        workspace_deps: &["strands-retry", "strands-errors"],
        forbidden: &[],
        optional_only: &[],
    },
    Rule {
        package: "strands-deploy-utils",
        workspace_deps: &["strands-retry", "strands-errors", "strands-creds"],
        // Re-exports only: no third-party dependency of its own.
        forbidden: &[""],
        optional_only: &[],
    },
];

/// What tidy needs of a package, decoupled from cargo_metadata so the rules
/// can be tested on packages that break them.
#[derive(Debug, Clone)]
pub(crate) struct Pkg {
    pub(crate) name: String,
    pub(crate) deps: Vec<Dep>,
    pub(crate) manifest: String,
    pub(crate) root_source: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Dep {
    pub(crate) name: String,
    pub(crate) normal: bool,
    pub(crate) optional: bool,
}

/// Every violation, one line each.
pub(crate) fn violations(pkgs: &[Pkg]) -> Vec<String> {
    let workspace: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
    let mut out = Vec::new();
    for pkg in pkgs {
        let normal = pkg.deps.iter().filter(|d| d.normal);
        if let Some(rule) = RULES.iter().find(|r| r.package == pkg.name) {
            for dep in normal {
                let is_ws = workspace.contains(&dep.name.as_str());
                if is_ws && !rule.workspace_deps.contains(&dep.name.as_str()) {
                    out.push(format!("{} must not depend on {}", pkg.name, dep.name));
                }
                if !is_ws && rule.forbidden.iter().any(|f| dep.name.starts_with(f)) {
                    out.push(format!("{} must not depend on {}", pkg.name, dep.name));
                }
                if rule.optional_only.contains(&dep.name.as_str()) && !dep.optional {
                    out.push(format!(
                        "{} may depend on {} only behind a feature",
                        pkg.name, dep.name
                    ));
                }
            }
        } else {
            for dep in normal.filter(|d| d.name == "xtask") {
                out.push(format!("{} must not depend on {}", pkg.name, dep.name));
            }
        }
        if pkg.name != "xtask" {
            for dep in pkg
                .deps
                .iter()
                .filter(|d| d.normal && d.name == "strands-testkit")
            {
                out.push(format!(
                    "{} may use {} only as a dev-dependency",
                    pkg.name, dep.name
                ));
            }
        }
        if pkg.deps.iter().any(|d| d.name == "xtask") {
            out.push(format!("{} must not depend on xtask", pkg.name));
        }
        if !pkg.manifest.contains("[lints]\nworkspace = true") {
            out.push(format!("{} does not use the workspace lints", pkg.name));
        }
        match &pkg.root_source {
            Some(src) if src.trim_start().starts_with("//!") => {}
            _ => out.push(format!(
                "{}: the crate root must open with a `//!` doc saying its one job",
                pkg.name
            )),
        }
    }
    out
}

/// Read the workspace with `cargo metadata --no-deps`.
pub(crate) fn load(root: &Path) -> Result<Vec<Pkg>, StepFailed> {
    let meta = MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|e| StepFailed::new("tidy", format!("cargo metadata: {e}")))?;
    let mut pkgs = Vec::new();
    for p in meta.workspace_packages() {
        let manifest = std::fs::read_to_string(&p.manifest_path).unwrap_or_default();
        let root_source = p
            .targets
            .iter()
            .find(|t| t.is_lib() || t.is_proc_macro() || t.is_bin())
            .and_then(|t| std::fs::read_to_string(&t.src_path).ok());
        pkgs.push(Pkg {
            name: p.name.to_string(),
            deps: p
                .dependencies
                .iter()
                .map(|d| Dep {
                    name: d.name.clone(),
                    normal: d.kind == DependencyKind::Normal,
                    optional: d.optional,
                })
                .collect(),
            manifest: manifest.replace("\r\n", "\n"),
            root_source,
        });
    }
    Ok(pkgs)
}

/// The ci step.
pub(crate) fn check(root: &Path) -> Result<(), StepFailed> {
    let pkgs = load(root)?;
    let found = violations(&pkgs);
    for v in &found {
        println!("tidy: {v}");
    }
    if found.is_empty() {
        println!("tidy: layering holds for {} packages", pkgs.len());
        Ok(())
    } else {
        Err(StepFailed::new(
            "tidy",
            format!("{} violation(s), listed above", found.len()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_the_workspace_holds_its_invariants() {
        let root = crate::workspace_root();
        let pkgs = load(&root).unwrap();
        assert!(pkgs.len() >= 6, "found only {} packages", pkgs.len());
        assert_eq!(violations(&pkgs), Vec::<String>::new());
    }

    fn pkg(name: &str, deps: &[(&str, bool, bool)]) -> Pkg {
        Pkg {
            name: name.into(),
            deps: deps
                .iter()
                .map(|&(n, normal, optional)| Dep {
                    name: n.into(),
                    normal,
                    optional,
                })
                .collect(),
            manifest: "[lints]\nworkspace = true\n".into(),
            root_source: Some("//! one job\n".into()),
        }
    }

    #[test]
    fn tidy_catches_each_kind_of_violation() {
        let ws = [
            pkg(
                "strands-retry",
                &[("aws-smithy-types", true, false), ("tokio", true, false)],
            ),
            pkg(
                "strands-errors",
                &[("strands-creds", true, false), ("aws-sdk-sts", true, false)],
            ),
            pkg("strands-creds", &[("strands-testkit", true, false)]),
            pkg("strands-deploy-utils", &[("serde", true, false)]),
            pkg("strands-testkit", &[("xtask", false, false)]),
            Pkg {
                manifest: String::new(),
                root_source: Some("fn main() {}".into()),
                ..pkg("xtask", &[])
            },
        ];
        let v = violations(&ws);
        let expect = [
            "strands-retry must not depend on aws-smithy-types",
            "strands-retry may depend on tokio only behind a feature",
            "strands-errors must not depend on strands-creds",
            "strands-errors must not depend on aws-sdk-sts",
            "strands-creds must not depend on strands-testkit",
            "strands-creds may use strands-testkit only as a dev-dependency",
            "strands-deploy-utils must not depend on serde",
            "strands-testkit must not depend on xtask",
            "xtask does not use the workspace lints",
            "xtask: the crate root must open with a `//!` doc saying its one job",
        ];
        for e in expect {
            assert!(v.iter().any(|x| x == e), "missing {e:?} in {v:#?}");
        }
        assert_eq!(v.len(), expect.len(), "{v:#?}");
    }

    #[test]
    fn tidy_accepts_tokio_behind_a_feature() {
        let ws = [pkg("strands-retry", &[("tokio", true, true)])];
        assert!(violations(&ws).is_empty());
    }
}
