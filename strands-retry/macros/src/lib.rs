//! The `#[with_retry]` attribute of strands-retry: the seed's decorator,
//! expanded at compile time into a call through a `RetryStrategy`.
