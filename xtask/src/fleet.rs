//! The fleet simulation's charts. The simulation itself is an example of
//! strands-retry (`strands-retry/examples/fleet.rs`), where a reader of the
//! retry crate finds it and where it steps the library's own decision
//! (`RetryStrategy::attempts`); xtask runs it in release and draws the CSV
//! it writes, keeping plotters out of the library's dependencies.

use crate::cmd::{self, StepFailed, cargo};
use crate::plot;
use std::path::Path;

/// Run the simulation (it prints its tables), then draw its CSVs; returns
/// the tables as printed.
pub(crate) fn report(root: &Path) -> Result<String, StepFailed> {
    let dir = root.join("target/fleet");
    let mut c = cargo();
    c.args([
        "run",
        "--release",
        "-q",
        "-p",
        "strands-retry",
        "--example",
        "fleet",
        "--",
    ])
    .arg(&dir);
    let tables = cmd::run_captured("fleet", root, &mut c)?;
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path)
            .map_err(|e| StepFailed::new("fleet", format!("{}: {e}", path.display())))
    };
    let outage = parse_outage(&read("outage_calls_per_second.csv")?)?;
    let series: Vec<plot::Series<'_>> = outage
        .iter()
        .map(|(name, per_second)| plot::Series { name, per_second })
        .collect();
    let charts = [
        (
            "outage_calls_per_second.png",
            plot::Chart {
                title: "(a) calls per second: 10 min outage, then 2 min healthy (log scale, 0 drawn at 1)",
                seconds: 0..720,
                shade: Some(0..600),
                scale: plot::Scale::Log,
                series: &series,
            },
        ),
        (
            "outage_recovery.png",
            plot::Chart {
                title: "(a) the last minute of the outage and the recovery",
                seconds: 540..720,
                shade: Some(540..600),
                scale: plot::Scale::Linear,
                series: &series,
            },
        ),
    ];
    for (file, chart) in &charts {
        let path = dir.join(file);
        plot::write_png(&path, chart)
            .map_err(|e| StepFailed::new("fleet", format!("{}: {e}", path.display())))?;
        println!("plot: {}", path.display());
    }
    let points = parse_points(&read("breaker_tradeoff.csv")?)?;
    let dots: Vec<plot::Dot<'_>> = points
        .iter()
        .map(|(label, x, y)| plot::Dot {
            label,
            x: *x,
            y: *y,
        })
        .collect();
    let path = dir.join("breaker_tradeoff.png");
    plot::write_scatter(
        &path,
        &plot::Scatter {
            title: "(a') outage load against recovery, per breaker open period (fixed, or start->cap)",
            x_desc: "calls during the outage / a no-retry fleet's (log)",
            y_desc: "seconds after recovery until 99 % succeed",
            dots: &dots,
            goal: (0.1, 15.0),
        },
    )
    .map_err(|e| StepFailed::new("fleet", format!("{}: {e}", path.display())))?;
    println!("plot: {}", path.display());
    Ok(tables)
}

/// One CSV line's fields; a field may be quoted (`"a, b"`).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    out.push(cur);
    out
}

fn bad(what: &str) -> StepFailed {
    StepFailed::new(
        "fleet",
        format!("the simulation's CSV is malformed: {what}"),
    )
}

/// `second,"policy",...` then one row per second: each policy's calls.
fn parse_outage(text: &str) -> Result<Vec<(String, Vec<u64>)>, StepFailed> {
    let mut lines = text.lines();
    let header = fields(lines.next().ok_or_else(|| bad("empty"))?);
    let mut out: Vec<(String, Vec<u64>)> = header
        .into_iter()
        .skip(1)
        .map(|n| (n, Vec::new()))
        .collect();
    for line in lines {
        for (col, v) in out.iter_mut().zip(fields(line).into_iter().skip(1)) {
            col.1.push(v.parse().map_err(|_| bad(line))?);
        }
    }
    Ok(out)
}

/// `label,load,recovered_s` rows.
fn parse_points(text: &str) -> Result<Vec<(String, f64, f64)>, StepFailed> {
    text.lines()
        .skip(1)
        .map(|line| match fields(line).as_slice() {
            [label, x, y] => Ok((
                label.clone(),
                x.parse().map_err(|_| bad(line))?,
                y.parse().map_err(|_| bad(line))?,
            )),
            _ => Err(bad(line)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_reader_keeps_quoted_commas() {
        let t = "second,\"no retry\",\"Python module (5, Proportional 0.1)\"\n0,3,4\n1,5,6\n";
        let cols = parse_outage(t).unwrap();
        assert_eq!(cols[1].0, "Python module (5, Proportional 0.1)");
        assert_eq!(cols[0].1, [3, 5]);
        assert_eq!(cols[1].1, [4, 6]);
        let pts = parse_points("label,load,recovered_s\n2->10 s,0.097,11\n").unwrap();
        assert_eq!(pts, [("2->10 s".to_owned(), 0.097, 11.0)]);
        assert!(parse_points("label,load,recovered_s\nx,y\n").is_err());
    }
}
