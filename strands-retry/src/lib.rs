//! Retries that don't make an outage worse.
//!
//! strands-retry is the runtime-agnostic core of strands: exponential backoff
//! with jitter, a retry budget shared by a fleet of callers, and a circuit
//! breaker. It knows nothing of the AWS SDK and needs no async runtime (the
//! tokio timer is behind the default `tokio` feature).
