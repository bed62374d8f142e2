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
    /// Only the process-level startup bench (no criterion run).
    #[arg(long)]
    startup_only: bool,
    /// Passed to criterion as a filter.
    filter: Option<String>,
}

/// What a row must meet.
#[derive(Clone, Copy)]
enum Goal {
    /// `ours / peer` at most this.
    Ratio(f64),
    /// `ours` at most this many nanoseconds (no peer).
    AtMostNs(f64),
    /// Shown for context, no target.
    Info,
}

/// A row: ours against the peer measured in the same run.
struct Pair {
    path: &'static str,
    ours: &'static str,
    peer: Option<&'static str>,
    goal: Goal,
}

const fn pair(path: &'static str, ours: &'static str, peer: &'static str, goal: Goal) -> Pair {
    Pair {
        path,
        ours,
        peer: Some(peer),
        goal,
    }
}

/// The targets of the retry and creds issues, by criterion benchmark id.
const PAIRS: &[Pair] = &[
    pair(
        "retry success, blocking / direct call",
        "success_blocking/strands",
        "success_blocking/direct",
        Goal::Ratio(1.2),
    ),
    pair(
        "retry success, blocking / backon",
        "success_blocking/strands",
        "success_blocking/backon",
        Goal::Ratio(0.25),
    ),
    pair(
        "retry success, async / direct call",
        "success_async/strands",
        "success_async/direct",
        Goal::Ratio(1.2),
    ),
    pair(
        "retry success, async / backon",
        "success_async/strands",
        "success_async/backon",
        Goal::Ratio(0.25),
    ),
    pair(
        "5 failures + success, zero sleep / backon",
        "retry_5_failures/strands",
        "retry_5_failures/backon",
        Goal::Ratio(0.5),
    ),
    pair(
        "retry success, async on tokio / direct call",
        "success_async_tokio/strands",
        "success_async_tokio/direct",
        Goal::Ratio(1.2),
    ),
    pair(
        "retry success, async on tokio / backon",
        "success_async_tokio/strands",
        "success_async_tokio/backon",
        Goal::Ratio(0.25),
    ),
    pair(
        "5 failures + success, async on tokio / backon",
        "retry_5_failures_async_tokio/strands",
        "retry_5_failures_async_tokio/backon",
        Goal::Ratio(0.5),
    ),
    pair(
        "breaker closed / recloser",
        "breaker_closed/strands",
        "breaker_closed/recloser",
        Goal::Ratio(0.5),
    ),
    pair(
        "breaker closed / failsafe",
        "breaker_closed/strands",
        "breaker_closed/failsafe",
        Goal::Info,
    ),
    pair(
        "breaker closed, 2 threads / recloser",
        "breaker_closed_2threads/strands",
        "breaker_closed_2threads/recloser",
        Goal::Ratio(0.5),
    ),
    pair(
        "breaker closed, 2 threads / failsafe",
        "breaker_closed_2threads/strands",
        "breaker_closed_2threads/failsafe",
        Goal::Info,
    ),
    pair(
        "breaker open rejection / recloser",
        "breaker_open_rejection/strands",
        "breaker_open_rejection/recloser",
        Goal::Info,
    ),
    pair(
        "get_client::<lambda::Client>() hit / clone of a held client",
        "lambda_client/get_client_cached",
        "lambda_client/clone_held",
        Goal::Ratio(5.0),
    ),
    pair(
        "get_client::<lambda::Client>() hit / Client::new(&conf)",
        "lambda_client/get_client_cached",
        "lambda_client/client_new",
        Goal::Ratio(1.0 / 2000.0),
    ),
    pair(
        "validate_credentials cached / STS round trip to moto",
        "validate_credentials/cached",
        "validate_credentials/sts_round_trip",
        Goal::Ratio(1.0 / 1000.0),
    ),
    pair(
        "one SDK call, manager client with a strategy / plain SDK client, same retry settings",
        "sdk_call/manager_client",
        "sdk_call/plain_sdk_client",
        Goal::Ratio(1.05),
    ),
    pair(
        "handle_exception on a throttled call / SDK DisplayErrorContext",
        "error_path/handle_exception_throttling",
        "error_path/sdk_display_error_context",
        Goal::Info,
    ),
    Pair {
        path: "classify_response on a throttled call (absolute)",
        ours: "error_path/classify_response_throttling",
        peer: None,
        goal: Goal::Info,
    },
    Pair {
        path: "breaker open rejection (absolute)",
        ours: "breaker_open_rejection/strands",
        peer: None,
        goal: Goal::AtMostNs(5.0),
    },
];

pub(crate) fn run(root: &Path, args: &BenchArgs) -> miette::Result<()> {
    if args.startup_only {
        let rows = crate::startup::run(root)?;
        let _ = crate::startup::print(&rows);
        return Ok(());
    }
    if !args.no_run {
        let mut c = cargo();
        c.args(["bench", "--workspace"]);
        if let Some(f) = &args.filter {
            c.args(["--", f]);
        }
        cmd::run("bench", root, &mut c)?;
    }
    let estimates = read_estimates(&root.join("target/criterion"))?;
    let table = print_table(&estimates);
    let startup = if args.no_run {
        String::new()
    } else {
        let rows = crate::startup::run(root)?;
        crate::startup::print(&rows)
    };
    let fleet = crate::fleet::report(root)?;
    if args.filter.is_none() {
        write_benchmarks(root, &table, &startup, &fleet)?;
    }
    Ok(())
}

/// `docs/BENCHMARKS.md`: the last full run's tables, with the machine and
/// toolchain they were measured on. Ratios, not absolute times, are the
/// point: peers run in the same process, in the same minute.
fn write_benchmarks(
    root: &Path,
    table: &str,
    startup: &str,
    fleet: &str,
) -> Result<(), StepFailed> {
    let probe = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let doc = format!(
        "# Benchmarks\n\n\
Written by `cargo xtask bench` on {date}; {rustc}; {cpus} CPUs ({cpu}); {os}.\n\
Every row runs strands and its peer (backon, recloser, failsafe, plain aws-config or a plain SDK\n\
client) in the same run; read the ratios, not the absolute times, which move with the machine.\n\
The goals are the project's own targets; a `NO` is a miss, kept in the table.\n\n\
## Retry, breaker, clients and errors (criterion, mean)\n\n{table}\n\
## Start to first identity\n\n{startup}\n\
## Fleet simulation\n\n\
Deterministic (virtual time, seeded), from `strands-retry/examples/fleet.rs`; the charts are in\n\
`target/fleet/` after a run.\n\n```text\n{fleet}```\n",
        date = probe("date", &["-u", "+%Y-%m-%d"]),
        rustc = probe("rustc", &["--version"]),
        cpus = std::thread::available_parallelism().map_or(0, usize::from),
        cpu = probe(
            "sh",
            &["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]
        ),
        os = probe("uname", &["-sr"]),
    );
    // Paths relative to the workspace: the file is read in the repository.
    let doc = doc.replace(&format!("{}/", root.display()), "");
    let path = root.join("docs/BENCHMARKS.md");
    std::fs::write(&path, doc)
        .map_err(|e| StepFailed::new("bench", format!("{}: {e}", path.display())))?;
    println!("xtask: wrote {}", path.display());
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

/// The ratio table in markdown (printed, and kept for `docs/BENCHMARKS.md`),
/// then every measurement.
fn print_table(est: &BTreeMap<String, f64>) -> String {
    use std::fmt::Write as _;
    let mut t =
        String::from("| path | ours | peer | ratio | goal | met |\n|---|---|---|---|---|---|\n");
    for p in PAIRS {
        let ours = est.get(p.ours).copied();
        let peer = p.peer.and_then(|id| est.get(id).copied());
        let goal = match p.goal {
            Goal::Ratio(g) => format!("≤ {}", fmt_ratio(g)),
            Goal::AtMostNs(ns) => format!("≤ {ns} ns"),
            Goal::Info => "—".to_owned(),
        };
        let Some(o) = ours else {
            let _ = writeln!(t, "| {} | not measured | | | {goal} | |", p.path);
            continue;
        };
        let ratio = peer.filter(|q| *q > 0.0).map(|q| o / q);
        let met = match (p.goal, ratio) {
            (Goal::Ratio(g), Some(r)) => {
                if r <= g {
                    "yes"
                } else {
                    "NO"
                }
            }
            (Goal::AtMostNs(ns), _) => {
                if o <= ns {
                    "yes"
                } else {
                    "NO"
                }
            }
            _ => "",
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {goal} | {met} |",
            p.path,
            fmt_ns(o),
            peer.map(fmt_ns).unwrap_or_default(),
            ratio.map(fmt_ratio).unwrap_or_default(),
        );
    }
    println!("\n{t}");
    println!("all measurements (mean):");
    for (id, ns) in est {
        println!("  {id:<60} {}", fmt_ns(*ns));
    }
    t
}

/// `0.27×`, or `1/2600×` for the tiny ratios of a cache against what it
/// saves.
fn fmt_ratio(r: f64) -> String {
    if r > 0.0 && r < 0.01 {
        format!("1/{:.0}×", 1.0 / r)
    } else {
        format!("{r:.3}×")
    }
}
