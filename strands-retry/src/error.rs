//! Configuration errors: values, not panics. A bad knob is a typo a person
//! should fix, so each variant says which value was wrong and what the
//! valid range is, under a stable code.

use miette::Diagnostic;

/// Where `docs/diagnostics` is published for this release: the one place
/// every strands crate takes its explain URLs from (strands-errors and
/// strands-creds read it from here), pinned to the release's tag so a
/// page never describes another version's rule.
#[doc(hidden)]
pub const DOCS_BASE: &str = concat!(
    "https://github.com/strands-agents/strands-rs/blob/v",
    env!("CARGO_PKG_VERSION"),
    "/docs/diagnostics/"
);

/// A [`RetryStrategy`](crate::RetryStrategy) or
/// [`CircuitBreaker`](crate::CircuitBreaker) configuration that cannot work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `base_delay` is larger than `max_delay`.
    #[error("base_delay ({base:?}) is larger than max_delay ({max:?})")]
    BaseDelayExceedsMax {
        /// base_delay as given.
        base: std::time::Duration,
        /// max_delay as given.
        max: std::time::Duration,
    },
    /// `exponential_base` is NaN, infinite or below 1.0.
    #[error("invalid exponential_base: {value}")]
    InvalidExponentialBase {
        /// The value given.
        value: f64,
    },
    /// `Jitter::Proportional(f)` with `f` outside `[0, 1]`.
    #[error("invalid proportional jitter: {value}")]
    InvalidJitter {
        /// The value given.
        value: f64,
    },
    /// A circuit breaker's `failure_threshold` of 0.
    #[error("invalid failure_threshold: 0")]
    InvalidFailureThreshold,
    /// A circuit breaker's `half_open_max_calls` of 0.
    #[error("invalid half_open_max_calls: 0")]
    InvalidHalfOpenCalls,
    /// A circuit breaker's `recovery_jitter` outside `[0, 1]`.
    #[error("invalid recovery_jitter: {value}")]
    InvalidRecoveryJitter {
        /// The value given.
        value: f64,
    },
    /// A breaker's `max_recovery_timeout` below its `recovery_timeout`.
    #[error("max_recovery_timeout ({max:?}) is below recovery_timeout ({recovery:?})")]
    MaxRecoveryBelowRecovery {
        /// recovery_timeout as given.
        recovery: std::time::Duration,
        /// max_recovery_timeout as given.
        max: std::time::Duration,
    },
    /// `RandomSource::fixed(u)` with `u` outside `[0, 1]`.
    #[error("invalid fixed random sample: {value}")]
    InvalidRandomSample {
        /// The value given.
        value: f64,
    },
}

/// The category every configuration error's code sits under: one scheme
/// for every strands code, `strands::<category>::<condition>`.
const CATEGORY: &str = "configuration";

/// The one table of this crate's conditions: each variant's code (under
/// [`CATEGORY`]) and help, written once. The code, the docs URL
/// ([`DOCS_BASE`] plus the code) and [`codes`] are made from it.
#[rustfmt::skip]
const ROWS: &[(&str, &str)] = &[
    ("base_delay_exceeds_max", "lower base_delay or raise max_delay: every delay is capped at max_delay, so a larger base could never be used"),
    ("invalid_exponential_base", "exponential_base must be a finite number of at least 1.0 (1.0 is a constant delay, 2.0 doubles it each retry)"),
    ("invalid_jitter", "Jitter::Proportional takes a fraction between 0.0 and 1.0 (the Python module's formula is 0.1)"),
    ("invalid_failure_threshold", "failure_threshold is how many consecutive failures open the circuit: use 1 or more (the Python module uses 5)"),
    ("invalid_half_open_calls", "half_open_max_calls is how many trial calls may test a recovering service: use 1 or more (1 is the default)"),
    ("invalid_recovery_jitter", "recovery_jitter is a fraction of recovery_timeout between 0.0 and 1.0"),
    ("max_recovery_below_recovery", "the open period starts at recovery_timeout and doubles after each failed trial up to max_recovery_timeout: give a max at least as long as the start"),
    ("invalid_random_sample", "RandomSource::fixed takes a sample between 0.0 and 1.0 (1.0 is the spec's \"random factor of 1\": Full jitter then sleeps the whole capped delay)"),
];

impl ConfigError {
    /// This variant's row of [`ROWS`].
    fn row(&self) -> &'static (&'static str, &'static str) {
        let name = match self {
            Self::BaseDelayExceedsMax { .. } => "base_delay_exceeds_max",
            Self::InvalidExponentialBase { .. } => "invalid_exponential_base",
            Self::InvalidJitter { .. } => "invalid_jitter",
            Self::InvalidFailureThreshold => "invalid_failure_threshold",
            Self::InvalidHalfOpenCalls => "invalid_half_open_calls",
            Self::InvalidRecoveryJitter { .. } => "invalid_recovery_jitter",
            Self::MaxRecoveryBelowRecovery { .. } => "max_recovery_below_recovery",
            Self::InvalidRandomSample { .. } => "invalid_random_sample",
        };
        // Every name above has its row (a test checks each variant).
        ROWS.iter().find(|r| r.0 == name).unwrap_or(&ROWS[0])
    }
}

/// `strands::<category>::<name>`: the one way a code is spelled.
fn code_of(name: &str) -> String {
    format!("strands::{CATEGORY}::{name}")
}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(code_of(self.row().0)))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.row().1))
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{DOCS_BASE}strands--{CATEGORY}--{}.md",
            self.row().0
        )))
    }
}

/// An open breaker's code: one condition, one code, whichever crate
/// reports it (strands-errors' conversion of a `CircuitError` and of the
/// SDK path's rejection gives this same code, under the network category).
pub(crate) const CIRCUIT_OPEN: &str = "strands::network::circuit_open";

/// Every diagnostic code this crate's errors carry, each with its page in
/// `docs/diagnostics`. Every strands crate has this function, meaning the
/// same: no code is listed by two crates.
pub fn codes() -> Vec<String> {
    ROWS.iter()
        .map(|(name, _)| code_of(name))
        .chain(std::iter::once(CIRCUIT_OPEN.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::Diagnostic;
    use std::time::Duration;

    #[test]
    fn every_code_has_an_explanation_page() {
        let missing = strands_testkit::codes_without_explanation(codes());
        assert!(
            missing.is_empty(),
            "no docs/diagnostics page for {missing:?}"
        );
    }

    #[test]
    fn every_variant_has_a_listed_code_help_and_url() {
        let all = [
            ConfigError::BaseDelayExceedsMax {
                base: Duration::from_secs(2),
                max: Duration::from_secs(1),
            },
            ConfigError::InvalidExponentialBase { value: 0.5 },
            ConfigError::InvalidJitter { value: 2.0 },
            ConfigError::InvalidFailureThreshold,
            ConfigError::InvalidHalfOpenCalls,
            ConfigError::InvalidRecoveryJitter { value: -1.0 },
            ConfigError::MaxRecoveryBelowRecovery {
                recovery: Duration::from_secs(2),
                max: Duration::from_secs(1),
            },
            ConfigError::InvalidRandomSample { value: 1.5 },
        ];
        let mut seen = std::collections::HashSet::new();
        for e in &all {
            let code = e.code().map(|c| c.to_string()).unwrap_or_default();
            assert!(codes().contains(&code), "{code} not in codes()");
            assert!(seen.insert(code.clone()), "two variants share {code}");
            assert!(e.help().is_some(), "{code} has no help");
            let url = e.url().map(|u| u.to_string()).unwrap_or_default();
            assert!(
                url.ends_with(&format!("{}.md", code.replace("::", "--"))),
                "{url}"
            );
        }
        // Every row is a variant's; the one more code is circuit_open
        // (CircuitError's).
        assert_eq!(all.len(), ROWS.len());
        assert_eq!(all.len() + 1, codes().len());
    }
}
