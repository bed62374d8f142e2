//! The fleet simulation: what retry policies do to a service in trouble.
//! Deterministic and in virtual time: nothing sleeps, every random draw is
//! seeded, and events run in time order from a heap. Every retry decision
//! is the library's own: each client holds a `RetryStrategy` (with its
//! budget) and steps it with `RetryStrategy::attempts()`, the decision step
//! `execute_with_retry` takes; a breaker per client runs on a
//! `ManualClock`. Only the service is a model.
//!
//! (a) 1000 clients, 1 request/s each (jittered), 10 minutes of total
//!     outage then 2 minutes of health.
//! (b) 10 minutes where the service has capacity for half the base load:
//!     a token bucket of 500 calls/s, the rest throttled. Run with free
//!     rejections and with rejections that cost the service a share of a
//!     served call: the difference is the point. With free rejections the
//!     window caps everyone at 50 % and retries only move who succeeds;
//!     once rejecting costs anything, extra calls eat the capacity.
//! (c) Brooker's contended write: N clients write once to an optimistic
//!     store; an attempt succeeds if no other attempt overlaps its 5 ms.
//!
//! ```sh
//! cargo run --release -p strands-retry --example fleet [-- OUT_DIR]
//! ```
//!
//! It prints the tables and writes (a)'s calls per second per policy and
//! the breaker sweep as CSV under `OUT_DIR` (default `target/fleet`);
//! `cargo xtask bench` runs it and draws the CSVs as PNG charts.

use rand::rngs::SmallRng;
use rand::{RngExt as _, SeedableRng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::time::Duration;
use strands_retry::{
    Attempts, CircuitBreaker, Jitter, KeyedBreakers, ManualClock, RandomSource, RetryBehavior,
    RetryBudget, RetryDecision, RetryKind, RetryStrategy, Retryable,
};

const SEED: u64 = 0x5752_414e_4453; // "STRANDS"

/// A breaker's open period: `start_s`, doubled per failed trial up to
/// `max_s` (equal: fixed), stretched by up to 20 % per open (jitter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Open {
    start_s: u64,
    max_s: u64,
}

/// The Python module's breaker: 60 s open, fixed.
const PYTHON_OPEN: Open = Open {
    start_s: 60,
    max_s: 60,
};

/// The open period the sweep chose (see `sweep`), which is the library's
/// default: 2 s doubling to 10 s. A blip is probed again in 2 s; a long
/// outage costs one probe per client every 10-12 s.
const RECOMMENDED_OPEN: Open = Open {
    start_s: 2, /* CircuitBreaker::builder()'s default */
    max_s: 10,  /* and its default maximum */
};

/// The retry policies compared in (a) and (b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    NoRetry,
    /// The Python module's: 5 retries, 1 s, 60 s, ×2, Proportional(0.1).
    Naive,
    /// The AWS SDKs' standard mode, retry behavior 2.0: 3 attempts, Full
    /// jitter 1 s / 20 s, a 500-token bucket per client, 5 a retry.
    Sdk,
    /// The same under retry behavior 2.1: 50 ms base for transient
    /// errors, 14 tokens a transient retry, 5 a throttling one.
    Sdk21,
    /// strands' defaults with `RetryBudget::standard()` per client.
    Strands,
    /// The same plus a breaker per client (5 failures, open as given).
    StrandsBreaker(Open),
}

impl Policy {
    /// The rows of (a) and (b): the peers, the Python module's breaker and the
    /// recommended one.
    const ALL: [Self; 7] = [
        Self::NoRetry,
        Self::Naive,
        Self::Sdk,
        Self::Sdk21,
        Self::Strands,
        Self::StrandsBreaker(PYTHON_OPEN),
        Self::StrandsBreaker(RECOMMENDED_OPEN),
    ];

    fn name(self) -> String {
        match self {
            Self::NoRetry => "no retry".to_owned(),
            Self::Naive => "Python module (5, Proportional 0.1)".to_owned(),
            Self::Sdk => "AWS SDK standard, behavior 2.0".to_owned(),
            Self::Sdk21 => "AWS SDK standard, behavior 2.1".to_owned(),
            Self::Strands => "strands + budget".to_owned(),
            Self::StrandsBreaker(o) if o.start_s == o.max_s => {
                format!("strands + budget + breaker ({} s open)", o.start_s)
            }
            Self::StrandsBreaker(o) => format!(
                "strands + budget + breaker ({} s open, doubling to {} s)",
                o.start_s, o.max_s
            ),
        }
    }

    /// A label short enough for a point on a chart.
    fn short_name(self) -> String {
        match self {
            Self::Sdk => "SDK 2.0".to_owned(),
            Self::Sdk21 => "SDK 2.1".to_owned(),
            Self::StrandsBreaker(o) if o.start_s == o.max_s => format!("{} s", o.start_s),
            Self::StrandsBreaker(o) => format!("{}->{} s", o.start_s, o.max_s),
            other => other.name(),
        }
    }

    /// Client `c`'s strategy: its own budget, its own seeded jitter.
    fn strategy(self, c: u32) -> RetryStrategy {
        let b = match self {
            Self::NoRetry => RetryStrategy::builder().max_retries(0),
            Self::Naive => RetryStrategy::builder().jitter(Jitter::Proportional(0.1)),
            Self::Sdk => RetryStrategy::aws_standard(RetryBehavior::V2_0),
            Self::Sdk21 => RetryStrategy::aws_standard(RetryBehavior::V2_1),
            Self::Strands | Self::StrandsBreaker(_) => {
                RetryStrategy::builder().budget(RetryBudget::standard())
            }
        };
        b.random_source(RandomSource::seeded(SEED ^ u64::from(c)))
            .build()
            .unwrap_or_default()
    }

    fn open(self) -> Option<Open> {
        match self {
            Self::StrandsBreaker(o) => Some(o),
            _ => None,
        }
    }
}

/// What the service does to one call.
#[derive(Debug, Clone, Copy)]
enum Service {
    /// Fails every call before `until_ms`.
    Outage { until_ms: u64 },
    /// Before `until_ms`, a token bucket of `per_sec` calls per second
    /// (burst of a tenth of a second) serves calls; a call finding no token
    /// is throttled. A throttled call still costs the service
    /// `reject_cost` of a served one (the connection, TLS, auth and parsing
    /// come before the throttle): 0.0 makes rejection free.
    Capacity {
        per_sec: u32,
        until_ms: u64,
        reject_cost: f64,
    },
}

/// The service's side of [`Service::Capacity`]: tokens refill continuously,
/// a served call takes one, a throttled call takes `reject_cost`. The debt
/// rejections run up is bounded by one second of capacity: a service
/// sheds, it does not stay in debt for minutes.
struct Throttle {
    tokens: f64,
    last_ms: u64,
    per_ms: f64,
    burst: f64,
    reject_cost: f64,
}

impl Throttle {
    fn new(per_sec: u32, reject_cost: f64) -> Self {
        let burst = f64::from(per_sec) / 10.0;
        Self {
            tokens: burst,
            last_ms: 0,
            per_ms: f64::from(per_sec) / 1000.0,
            burst,
            reject_cost,
        }
    }

    fn admit(&mut self, t: u64) -> bool {
        let floor = -self.per_ms * 1000.0;
        self.tokens =
            (self.tokens + t.saturating_sub(self.last_ms) as f64 * self.per_ms).min(self.burst);
        self.last_ms = t;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.tokens = (self.tokens - self.reject_cost).max(floor);
            false
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    NewRequest,
    /// A retry of request `req`.
    Attempt {
        req: u32,
    },
}

struct Client {
    strategy: RetryStrategy,
    breaker: Option<CircuitBreaker>,
}

/// What the service answered: a 5xx in an outage, a throttle when out of
/// capacity, a conflict in the contended write.
#[derive(Debug)]
struct ServiceFailure(RetryKind);

impl std::fmt::Display for ServiceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "simulated {} failure", self.0)
    }
}
impl std::error::Error for ServiceFailure {}
impl Retryable for ServiceFailure {
    fn retry_kind(&self) -> RetryKind {
        self.0
    }
}

/// Per-second counters of one run.
#[derive(Debug, Clone, Default)]
struct Run {
    /// Calls that reached the service, per second.
    calls: Vec<u64>,
    /// Requests started per second, and how many of them succeeded.
    started: Vec<u64>,
    succeeded: Vec<u64>,
}

impl Run {
    fn sized(secs: usize) -> Self {
        Self {
            calls: vec![0; secs],
            started: vec![0; secs],
            succeeded: vec![0; secs],
        }
    }
    fn calls_between(&self, from: usize, to: usize) -> u64 {
        self.calls[from..to.min(self.calls.len())].iter().sum()
    }
    fn peak_between(&self, from: usize, to: usize) -> u64 {
        self.calls[from..to.min(self.calls.len())]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
    }
    /// Seconds after `from` until requests started in a second succeed at
    /// `ratio` or better.
    fn recovered_after(&self, from: usize, ratio: f64) -> Option<usize> {
        (from..self.started.len())
            .find(|&s| {
                self.started[s] > 0 && self.succeeded[s] as f64 >= ratio * self.started[s] as f64
            })
            .map(|s| s - from)
    }
    fn success_rate(&self, to: usize) -> f64 {
        let st: u64 = self.started[..to].iter().sum();
        let ok: u64 = self.succeeded[..to].iter().sum();
        ok as f64 / st.max(1) as f64
    }
}

/// Simulate `clients` clients for `secs` seconds under `service`.
fn simulate(policy: Policy, service: Service, clients: u32, secs: u64) -> Run {
    let mut rng = SmallRng::seed_from_u64(SEED);
    let clock = ManualClock::new();
    let fleet: Vec<Client> = (0..clients)
        .map(|c| Client {
            strategy: policy.strategy(c),
            breaker: policy.open().map(|o| {
                CircuitBreaker::builder()
                    .failure_threshold(5)
                    .recovery_timeout(Duration::from_secs(o.start_s))
                    .max_recovery_timeout(Duration::from_secs(o.max_s))
                    .recovery_jitter(0.2) /* the builder's default */
                    .random_source(RandomSource::seeded(SEED ^ u64::from(c)))
                    .clock(clock.clone())
                    .build()
                    .unwrap_or_else(|_| CircuitBreaker::new(5, Duration::from_secs(60)))
            }),
        })
        .collect();
    let failure = ServiceFailure(match service {
        Service::Outage { .. } => RetryKind::Transient,
        Service::Capacity { .. } => RetryKind::Throttling,
    });
    let end_ms = secs * 1000;
    let mut run = Run::sized(secs as usize + 120);
    let mut throttle = match service {
        Service::Capacity {
            per_sec,
            reject_cost,
            ..
        } => Some(Throttle::new(per_sec, reject_cost)),
        Service::Outage { .. } => None,
    };
    // Per request: its start and, while it is in flight, its attempts.
    let mut req_start: Vec<u64> = Vec::new();
    let mut in_flight: Vec<Option<Attempts>> = Vec::new();
    let mut heap = BinaryHeap::new();
    for c in 0..clients {
        let t = (rng.random::<f64>() * 1000.0) as u64;
        heap.push(Reverse((t, c, Kind::NewRequest)));
    }
    while let Some(Reverse((t, c, kind))) = heap.pop() {
        if t >= end_ms + 120_000 {
            break;
        }
        clock.set(Duration::from_millis(t));
        let client = &fleet[c as usize];
        let req = match kind {
            Kind::NewRequest => {
                if t >= end_ms {
                    continue;
                }
                // Next request in ~1 s (±10 %).
                let next = t + 900 + (rng.random::<f64>() * 200.0) as u64;
                heap.push(Reverse((next, c, Kind::NewRequest)));
                req_start.push(t);
                in_flight.push(Some(client.strategy.attempts()));
                run.started[(t / 1000) as usize] += 1;
                req_start.len() - 1
            }
            Kind::Attempt { req } => req as usize,
        };
        let start_sec = (req_start[req] / 1000) as usize;
        // The breaker decides whether the call is sent at all.
        let permit = match &client.breaker {
            Some(b) => match b.try_acquire() {
                Ok(p) => Some(p),
                Err(_) => {
                    // Rejected locally: the request fails fast.
                    in_flight[req] = None;
                    continue;
                }
            },
            None => None,
        };
        let sec = (t / 1000) as usize;
        if sec < run.calls.len() {
            run.calls[sec] += 1;
        }
        let ok = match service {
            Service::Outage { until_ms } => t >= until_ms,
            Service::Capacity { until_ms, .. } => {
                t >= until_ms || throttle.as_mut().is_some_and(|th| th.admit(t))
            }
        };
        if let Some(p) = permit {
            p.record(!ok);
        }
        // The request's attempts leave the table while it is decided, and
        // go back only with a retry scheduled.
        let Some(mut attempts) = in_flight[req].take() else {
            continue;
        };
        if ok {
            run.succeeded[start_sec] += 1;
            attempts.on_success();
            continue;
        }
        // The library's own decision: retries left, backoff, budget.
        if let RetryDecision::Retry(d) = attempts.on_error(&failure) {
            heap.push(Reverse((
                t + (d.as_millis() as u64).max(1),
                c,
                Kind::Attempt { req: req as u32 },
            )));
            in_flight[req] = Some(attempts);
        }
    }
    run
}

/// (a): the outage table rows, one per policy.
struct OutageRow {
    policy: Policy,
    outage_calls_vs_no_retry: f64,
    peak_after_vs_steady: f64,
    recovered_after_s: Option<usize>,
    per_second: Vec<u64>,
}

fn outage(clients: u32) -> Vec<OutageRow> {
    let service = Service::Outage { until_ms: 600_000 };
    let runs: Vec<(Policy, Run)> = Policy::ALL
        .iter()
        .map(|p| (*p, simulate(*p, service, clients, 720)))
        .collect();
    let base = runs[0].1.calls_between(0, 600).max(1) as f64;
    runs.into_iter()
        .map(|(policy, run)| OutageRow {
            policy,
            outage_calls_vs_no_retry: run.calls_between(0, 600) as f64 / base,
            peak_after_vs_steady: run.peak_between(600, 660) as f64 / f64::from(clients),
            recovered_after_s: run.recovered_after(600, 0.99),
            per_second: run.calls[..720].to_vec(),
        })
        .collect()
}

/// The open periods the sweep tries: fixed ones, and ones that start
/// short and double per failed trial.
const SWEEP: [Open; 12] = [
    Open {
        start_s: 5,
        max_s: 5,
    },
    Open {
        start_s: 10,
        max_s: 10,
    },
    Open {
        start_s: 15,
        max_s: 15,
    },
    Open {
        start_s: 20,
        max_s: 20,
    },
    Open {
        start_s: 30,
        max_s: 30,
    },
    Open {
        start_s: 60,
        max_s: 60,
    },
    Open {
        start_s: 1,
        max_s: 5,
    },
    Open {
        start_s: 1,
        max_s: 10,
    },
    Open {
        start_s: 2,
        max_s: 10,
    },
    Open {
        start_s: 2,
        max_s: 15,
    },
    Open {
        start_s: 2,
        max_s: 30,
    },
    Open {
        start_s: 5,
        max_s: 60,
    },
];

/// One point of the trade-off: a policy's load during the outage (vs no
/// retry) and the seconds after recovery until 99 % of requests succeed.
struct Point {
    policy: Policy,
    load: f64,
    recovered_s: Option<usize>,
}

/// (a)'s outage under every open period of [`SWEEP`], and the SDK rows
/// for comparison.
fn sweep(clients: u32) -> Vec<Point> {
    let service = Service::Outage { until_ms: 600_000 };
    let base = simulate(Policy::NoRetry, service, clients, 720)
        .calls_between(0, 600)
        .max(1) as f64;
    [Policy::Sdk, Policy::Sdk21]
        .into_iter()
        .chain(SWEEP.map(Policy::StrandsBreaker))
        .map(|policy| {
            let run = simulate(policy, service, clients, 720);
            Point {
                policy,
                load: run.calls_between(0, 600) as f64 / base,
                recovered_s: run.recovered_after(600, 0.99),
            }
        })
        .collect()
}

/// The issue's goal for a 10-minute outage: at most 0.1× the calls of a
/// no-retry fleet, and 99 % succeeding within 15 s of recovery.
fn meets_goal(p: &Point) -> bool {
    p.load <= 0.1 && p.recovered_s.is_some_and(|s| s <= 15)
}

/// The rejection costs (b) is run at: free, then 2, 5 and 10 % of a served
/// call. Free is the textbook throttle; the others are the real one (the
/// SRE book's "Handling Overload": rejecting still spends resources).
const REJECT_COSTS: [f64; 4] = [0.0, 0.02, 0.05, 0.1];

/// (b): success rate and calls per request under half capacity, with a
/// throttled call costing the service `reject_cost` of a served one.
fn throttled(clients: u32, reject_cost: f64) -> Vec<(Policy, f64, f64)> {
    let service = Service::Capacity {
        per_sec: clients / 2,
        until_ms: 600_000,
        reject_cost,
    };
    Policy::ALL
        .iter()
        .map(|p| {
            let run = simulate(*p, service, clients, 600);
            let requests: u64 = run.started[..600].iter().sum();
            let calls = run.calls_between(0, 720);
            (
                *p,
                run.success_rate(600),
                calls as f64 / requests.max(1) as f64,
            )
        })
        .collect()
}

/// (c): Brooker's contended write. Returns (calls, completion ms) for
/// `n` clients under `jitter`. All clients start at once; a write takes
/// 5 ms and holds the row: an attempt that starts while another holds it
/// fails (optimistic concurrency: the first committer wins) and backs off.
fn contended(jitter: Jitter, n: u32) -> (u64, u64) {
    const WORK_MS: u64 = 5;
    let strategy = RetryStrategy::builder()
        .max_retries(100_000)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_secs(2))
        .jitter(jitter)
        .random_source(RandomSource::seeded(SEED))
        .build()
        .unwrap_or_default();
    let conflict = ServiceFailure(RetryKind::Transient);
    let mut attempts: Vec<Attempts> = (0..n).map(|_| strategy.attempts()).collect();
    // (start ms, client), in start order.
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = (0..n).map(|c| Reverse((0, c))).collect();
    let (mut calls, mut busy_until, mut last) = (0u64, 0u64, 0u64);
    while let Some(Reverse((t, c))) = heap.pop() {
        calls += 1;
        if t >= busy_until {
            busy_until = t + WORK_MS;
            last = busy_until;
            continue;
        }
        if let RetryDecision::Retry(d) = attempts[c as usize].on_error(&conflict) {
            heap.push(Reverse((t + WORK_MS + d.as_millis() as u64, c)));
        }
    }
    (calls, last)
}

/// Print the three tables, and write under `dir` (a)'s calls per second
/// per policy (one column each) and (a')'s points, as CSV.
/// (d): two services behind each client, one down for 10 minutes, the
/// other healthy throughout. Each client sends one request per second to
/// each, retried by the strands policy, behind either one breaker for
/// both services or one per service ([`KeyedBreakers`]). Returns the
/// healthy service's success rate and the failing one's calls per request
/// during the outage.
fn two_services(clients: u32, keyed: bool) -> (f64, f64) {
    const HEALTHY: u8 = 0;
    const FAILING: u8 = 1;
    let mut rng = SmallRng::seed_from_u64(SEED);
    let clock = ManualClock::new();
    let template = |c: u32| {
        CircuitBreaker::builder()
            .failure_threshold(5)
            .recovery_timeout(Duration::from_secs(2))
            .max_recovery_timeout(Duration::from_secs(10))
            .random_source(RandomSource::seeded(SEED ^ u64::from(c)))
            .clock(clock.clone())
            .build()
            .unwrap_or_else(|_| CircuitBreaker::new(5, Duration::from_secs(2)))
    };
    let fleet: Vec<(RetryStrategy, KeyedBreakers<u8>)> = (0..clients)
        .map(|c| (Policy::Strands.strategy(c), KeyedBreakers::new(template(c))))
        .collect();
    // With one breaker, both services share key 0.
    let key = |service: u8| if keyed { service } else { 0 };
    let failure = ServiceFailure(RetryKind::Transient);
    let end_ms = 600_000;
    // (time, client, service, request index)
    let mut heap = BinaryHeap::new();
    let mut in_flight: Vec<Option<Attempts>> = Vec::new();
    let (mut healthy_started, mut healthy_ok) = (0u64, 0u64);
    let (mut failing_started, mut failing_calls) = (0u64, 0u64);
    for c in 0..clients {
        for service in [HEALTHY, FAILING] {
            let t = (rng.random::<f64>() * 1000.0) as u64;
            heap.push(Reverse((t, c, service, u32::MAX)));
        }
    }
    while let Some(Reverse((t, c, service, req))) = heap.pop() {
        if t >= end_ms {
            continue;
        }
        clock.set(Duration::from_millis(t));
        let (strategy, breakers) = &fleet[c as usize];
        let req = if req == u32::MAX {
            let next = t + 900 + (rng.random::<f64>() * 200.0) as u64;
            heap.push(Reverse((next, c, service, u32::MAX)));
            in_flight.push(Some(strategy.attempts()));
            match service {
                HEALTHY => healthy_started += 1,
                _ => failing_started += 1,
            }
            in_flight.len() - 1
        } else {
            req as usize
        };
        let Ok(permit) = breakers.get(&key(service)).try_acquire() else {
            // Kept home by an open breaker: the request fails fast.
            in_flight[req] = None;
            continue;
        };
        let ok = service == HEALTHY;
        if service == FAILING {
            failing_calls += 1;
        }
        permit.record(!ok);
        let Some(mut attempts) = in_flight[req].take() else {
            continue;
        };
        if ok {
            healthy_ok += 1;
            attempts.on_success();
            continue;
        }
        if let RetryDecision::Retry(d) = attempts.on_error(&failure) {
            heap.push(Reverse((
                t + (d.as_millis() as u64).max(1),
                c,
                service,
                req as u32,
            )));
            in_flight[req] = Some(attempts);
        }
    }
    (
        healthy_ok as f64 / healthy_started.max(1) as f64,
        failing_calls as f64 / failing_started.max(1) as f64,
    )
}

fn report(dir: &Path) {
    let clients = 1000;
    println!(
        "\n## Fleet simulation (virtual time, seed {SEED:#x}, {clients} clients at 1 req/s)\n"
    );
    println!("(a) 10 min total outage, then 2 min healthy\n");
    println!(
        "| policy | calls in outage vs no retry | peak calls/s in first minute after / steady | seconds until 99 % succeed |"
    );
    println!("|---|---|---|---|");
    let rows = outage(clients);
    for r in &rows {
        println!(
            "| {} | {:.3}× | {:.2}× | {} |",
            r.policy.name(),
            r.outage_calls_vs_no_retry,
            r.peak_after_vs_steady,
            r.recovered_after_s
                .map_or_else(|| "never".to_owned(), |s| s.to_string())
        );
    }
    let mut csv = String::from("second");
    for r in &rows {
        // Quoted: a policy's name has commas.
        csv.push_str(&format!(",\"{}\"", r.policy.name()));
    }
    csv.push('\n');
    for s in 0..720 {
        csv.push_str(&s.to_string());
        for r in &rows {
            csv.push_str(&format!(",{}", r.per_second.get(s).copied().unwrap_or(0)));
        }
        csv.push('\n');
    }
    let path = dir.join("outage_calls_per_second.csv");
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, csv)) {
        Ok(()) => println!("\ncalls per second per policy: {}", path.display()),
        Err(e) => println!("\ncould not write {}: {e}", path.display()),
    }
    println!(
        "\n(a') breaker sweep: the 10 min outage under each open period (jittered +0-20 % per open), \
         the SDK rows for comparison. Goal: at most 0.1x the calls of no retry, 99 % succeeding within 15 s\n"
    );
    println!("| policy | calls in outage vs no retry | seconds until 99 % succeed | goal met |");
    println!("|---|---|---|---|");
    let points = sweep(clients);
    for p in &points {
        println!(
            "| {} | {:.3}x | {} | {} |",
            p.policy.name(),
            p.load,
            p.recovered_s
                .map_or_else(|| "never".to_owned(), |s| s.to_string()),
            if meets_goal(p) { "yes" } else { "no" }
        );
    }
    // The trade-off chart's points: label, load, seconds (720: never).
    let mut csv = String::from("label,load,recovered_s\n");
    for p in &points {
        csv.push_str(&format!(
            "{},{},{}\n",
            p.policy.short_name(),
            p.load,
            p.recovered_s.unwrap_or(720)
        ));
    }
    let path = dir.join("breaker_tradeoff.csv");
    match std::fs::write(&path, csv) {
        Ok(()) => println!("\nthe sweep's points: {}", path.display()),
        Err(e) => println!("\ncould not write {}: {e}", path.display()),
    }

    println!(
        "\n(b) capacity for half the load for 10 min (a token bucket of {} calls/s; the rest throttled)",
        clients / 2
    );
    println!(
        "    success rate / calls per request, by what a throttled call costs the service (share of a served call)\n"
    );
    let costs = REJECT_COSTS.map(|r| (r, throttled(clients, r)));
    print!("| policy |");
    for (r, _) in &costs {
        print!(" rejection costs {:.0} % |", r * 100.0);
    }
    println!("\n|---|{}", "---|".repeat(costs.len()));
    for (i, p) in Policy::ALL.iter().enumerate() {
        print!("| {} |", p.name());
        for (_, rows) in &costs {
            let (_, ok, cpr) = rows[i];
            print!(" {:.1} % / {:.2} |", ok * 100.0, cpr);
        }
        println!();
    }
    println!(
        "\nWith free rejections no policy can serve more than half inside the window; \
         naive's extra success comes from retries that land after the throttle ends."
    );

    println!(
        "\n(d) two services, one down for 10 min, the other healthy: strands + budget, breakers of 5 failures (2 s open, doubling to 10 s)\n"
    );
    println!("| breakers | healthy service's success rate | failing service's calls per request |");
    println!("|---|---|---|");
    for (name, keyed) in [
        ("one shared by both services", false),
        ("one per service (KeyedBreakers)", true),
    ] {
        let (ok, calls) = two_services(clients, keyed);
        println!("| {name} | {:.1} % | {calls:.2} |", ok * 100.0);
    }

    println!("\n(c) Brooker's contended write (base 5 ms, cap 2 s): calls / completion ms\n");
    let jitters = [
        ("Full", Jitter::Full),
        ("Equal", Jitter::Equal),
        ("Decorrelated", Jitter::Decorrelated),
        ("Proportional(0.1)", Jitter::Proportional(0.1)),
        ("None", Jitter::None),
    ];
    print!("| clients |");
    for (n, _) in &jitters {
        print!(" {n} |");
    }
    println!("\n|---|---|---|---|---|---|");
    for n in [10, 20, 30, 40, 50] {
        print!("| {n} |");
        for (_, j) in &jitters {
            let (calls, ms) = contended(*j, n);
            print!(" {calls} / {ms} ms |");
        }
        println!();
    }
}

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| Path::new("target/fleet").to_path_buf(), Into::into);
    report(&dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulation_is_deterministic_and_the_shapes_hold() {
        // A smaller fleet, so the test runs in debug builds.
        let a = outage(100);
        let b = outage(100);
        let by = |rows: &[OutageRow], p: Policy| {
            rows.iter()
                .find(|r| r.policy == p)
                .map(|r| r.outage_calls_vs_no_retry)
                .unwrap_or(f64::NAN)
        };
        for p in Policy::ALL {
            assert_eq!(
                by(&a, p).to_bits(),
                by(&b, p).to_bits(),
                "{p:?} not deterministic"
            );
        }
        assert!((by(&a, Policy::NoRetry) - 1.0).abs() < 1e-9);
        assert!(
            by(&a, Policy::Naive) > 5.0,
            "naive {}",
            by(&a, Policy::Naive)
        );
        let row = |p: Policy| a.iter().find(|r| r.policy == p).unwrap();
        // The Python module's 60 s breaker: little load, a slow recovery.
        let python = row(Policy::StrandsBreaker(PYTHON_OPEN));
        assert!(python.outage_calls_vs_no_retry <= 0.05);
        assert!(python.recovered_after_s.is_some_and(|s| s > 60));
        // The recommended (default) one meets the issue's goal, and beats
        // the SDKs' 2.1 behaviour on load.
        let rec = row(Policy::StrandsBreaker(RECOMMENDED_OPEN));
        assert!(
            rec.outage_calls_vs_no_retry <= 0.1,
            "{}",
            rec.outage_calls_vs_no_retry
        );
        assert!(
            rec.recovered_after_s.is_some_and(|s| s <= 15),
            "{:?}",
            rec.recovered_after_s
        );
        assert!(
            rec.peak_after_vs_steady <= 1.5,
            "{}",
            rec.peak_after_vs_steady
        );
        assert!(rec.outage_calls_vs_no_retry < 0.2 * row(Policy::Sdk21).outage_calls_vs_no_retry);
    }

    #[test]
    fn under_half_capacity_the_budget_beats_naive_once_rejection_costs_anything() {
        let by = |rows: &[(Policy, f64, f64)], p: Policy| {
            rows.iter()
                .find(|r| r.0 == p)
                .map(|r| (r.1, r.2))
                .unwrap_or((f64::NAN, f64::NAN))
        };
        // Free rejections: the bucket caps what anyone gets inside the
        // window; only naive's late retries go past it.
        let free = throttled(100, 0.0);
        for p in [Policy::NoRetry, Policy::Sdk, Policy::Strands] {
            assert!(by(&free, p).0 <= 0.51, "{p:?} {:?}", by(&free, p));
        }
        // Rejection costing 5 % of a served call: naive collapses; strands
        // succeeds more with at most half its calls.
        let costly = throttled(100, 0.05);
        let (naive_ok, naive_calls) = by(&costly, Policy::Naive);
        // ... and the recommended policy beats the SDKs' 2.1 behaviour on
        // success and on calls.
        let (rec_ok, rec_calls) = by(&costly, Policy::StrandsBreaker(RECOMMENDED_OPEN));
        let (sdk_ok, sdk_calls) = by(&costly, Policy::Sdk21);
        assert!(
            rec_ok >= sdk_ok && rec_calls < sdk_calls,
            "{rec_ok} {rec_calls} vs {sdk_ok} {sdk_calls}"
        );
        for p in [Policy::Strands, Policy::StrandsBreaker(RECOMMENDED_OPEN)] {
            let (ok, calls) = by(&costly, p);
            assert!(ok >= naive_ok, "{p:?} {ok} < naive {naive_ok}");
            assert!(
                calls <= 0.5 * naive_calls,
                "{p:?} {calls} vs naive {naive_calls}"
            );
        }
    }

    /// One of two services down: per-service breakers keep the healthy
    /// one at 100 %; one shared breaker, opened by the failing one, turns
    /// the healthy one's requests away too.
    #[test]
    fn per_service_breakers_keep_the_healthy_service_whole() {
        let (keyed_ok, _) = two_services(200, true);
        let (shared_ok, _) = two_services(200, false);
        assert!((keyed_ok - 1.0).abs() < f64::EPSILON, "{keyed_ok}");
        assert!(shared_ok < 0.99, "{shared_ok}");
    }

    #[test]
    fn contention_favours_jitter() {
        let (none_calls, _) = contended(Jitter::None, 20);
        let (full_calls, _) = contended(Jitter::Full, 20);
        assert!(
            full_calls < none_calls,
            "full {full_calls} none {none_calls}"
        );
    }
}
