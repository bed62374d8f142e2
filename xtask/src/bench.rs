//! `cargo xtask bench`: run the criterion benches, then print one table of
//! ours against the peer measured in the same run. Ratios, not absolute
//! times: a 2-core shared machine is noisy, a ratio from one run is not.

use crate::cmd::{self, StepFailed, cargo};
use std::collections::BTreeMap;
use std::path::Path;

/// Options of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// Only print the table from the last run's results.
    #[arg(long)]
    no_run: bool,
    /// Passed to criterion as a filter.
    filter: Option<String>,
}

/// A target: `ours / peer` must be at most `goal`.
struct Pair {
    path: &'static str,
    ours: &'static str,
    peer: &'static str,
    goal: f64,
}

/// The targets of the retry and creds issues, by criterion benchmark id.
const PAIRS: &[Pair] = &[];

pub(crate) fn run(root: &Path, args: &BenchArgs) -> miette::Result<()> {
    if !args.no_run {
        let mut c = cargo();
        c.args(["bench", "--workspace"]);
        if let Some(f) = &args.filter {
            c.args(["--", f]);
        }
        cmd::run("bench", root, &mut c)?;
    }
    let estimates = read_estimates(&root.join("target/criterion"))?;
    print_table(&estimates);
    Ok(())
}

/// Mean time in nanoseconds per benchmark id (`group/function[/param]`).
fn read_estimates(dir: &Path) -> Result<BTreeMap<String, f64>, StepFailed> {
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out)?;
    }
    Ok(out)
}

fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, f64>) -> Result<(), StepFailed> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| StepFailed::new("bench", format!("{}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "new") {
                let est = path.join("estimates.json");
                if let Some(ns) = mean_ns(&est) {
                    let id = dir
                        .strip_prefix(base)
                        .map(|p| p.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default();
                    out.insert(id, ns);
                }
            } else if path.file_name().is_some_and(|n| n != "report") {
                walk(base, &path, out)?;
            }
        }
    }
    Ok(())
}

fn mean_ns(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.pointer("/mean/point_estimate")?.as_f64()
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.2} ns")
    }
}

fn print_table(est: &BTreeMap<String, f64>) {
    println!("\n| path | ours | peer | ratio | goal | met |");
    println!("|---|---|---|---|---|---|");
    for p in PAIRS {
        match (est.get(p.ours), est.get(p.peer)) {
            (Some(&o), Some(&q)) if q > 0.0 => {
                let ratio = o / q;
                println!(
                    "| {} | {} | {} | {ratio:.3}× | ≤ {}× | {} |",
                    p.path,
                    fmt_ns(o),
                    fmt_ns(q),
                    p.goal,
                    if ratio <= p.goal { "yes" } else { "NO" }
                );
            }
            _ => println!("| {} | not measured | | | ≤ {}× | |", p.path, p.goal),
        }
    }
    println!("\nall measurements (mean):");
    for (id, ns) in est {
        println!("  {id:<60} {}", fmt_ns(*ns));
    }
}
