//! `cargo xtask`: the project's own commands, in Rust, so they run the same
//! on every machine (the rust-analyzer pattern).
//!
//! - `cargo xtask ci`: the one check. Everything CI runs, in order, failing
//!   fast with one line that says which step failed.
//! - `cargo xtask demo`: the facade's examples against a moto_server it starts.
//! - `cargo xtask bench`: the criterion benches, printed as a ratio table.

mod bench;
mod ci;
mod cmd;
mod demo;
mod explain;
mod fleet;
mod install;
mod plot;
mod rust_version;
mod startup;
mod tidy;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "strands project tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// fmt, clippy, tidy, tests (moto installed on demand), doc tests, bench build.
    Ci,
    /// Start moto_server and run the facade's examples against it.
    Demo,
    /// Run the criterion benches and print ours/peer ratios against the goals.
    Bench(bench::BenchArgs),
    /// Install `moto[server]` into target/moto-venv (ci and demo do this on demand).
    InstallMoto,
    /// Print the explanation of a diagnostic code (like `rustc --explain`).
    Explain {
        /// e.g. strands::network::circuit_open
        code: String,
    },
}

fn main() -> miette::Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.task {
        Task::Ci => ci::run(&root),
        Task::Demo => demo::run(&root),
        Task::Bench(args) => bench::run(&root, &args),
        Task::InstallMoto => Ok(install::ensure_moto(&root).map(|_| ())?),
        Task::Explain { code } => explain::run(&root, &code),
    }
}

/// xtask lives one level below the workspace root.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}
