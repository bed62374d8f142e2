//! What is worth retrying is a property of the error, so the error type
//! decides: [`Retryable`] is the one question the retry loop, the budget and
//! the circuit breaker ask.

use std::io;
use std::time::Duration;

/// How an error should be treated by a retry loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryKind {
    /// A passing fault (timeout, reset, 5xx): retry with backoff.
    Transient,
    /// The service asked us to slow down (429, `ThrottlingException`):
    /// retry with backoff, and tell an adaptive rate limiter.
    Throttling,
    /// Retrying cannot help (bad input, access denied, not found).
    Permanent,
}

impl RetryKind {
    /// `Transient` or `Throttling`.
    #[inline]
    pub const fn is_retryable(self) -> bool {
        !matches!(self, Self::Permanent)
    }

    /// The lowercase name used in logs and events.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::Throttling => "throttling",
            Self::Permanent => "permanent",
        }
    }
}

impl std::fmt::Display for RetryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error that knows whether retrying it can help.
pub trait Retryable {
    /// Transient, Throttling or Permanent.
    fn retry_kind(&self) -> RetryKind;

    /// A delay the server asked for (`Retry-After`, `x-amz-retry-after`).
    /// When `Some`, it replaces the next backoff, capped by `max_delay`.
    fn retry_after(&self) -> Option<Duration> {
        None
    }

    /// Whether the failure was a timeout: a retry after a timeout costs the
    /// budget 10 tokens instead of 5, as in the AWS SDKs.
    fn is_timeout(&self) -> bool {
        false
    }
}

impl<T: Retryable + ?Sized> Retryable for &T {
    fn retry_kind(&self) -> RetryKind {
        (**self).retry_kind()
    }
    fn retry_after(&self) -> Option<Duration> {
        (**self).retry_after()
    }
    fn is_timeout(&self) -> bool {
        (**self).is_timeout()
    }
}

impl<T: Retryable + ?Sized> Retryable for Box<T> {
    fn retry_kind(&self) -> RetryKind {
        (**self).retry_kind()
    }
    fn retry_after(&self) -> Option<Duration> {
        (**self).retry_after()
    }
    fn is_timeout(&self) -> bool {
        (**self).is_timeout()
    }
}

/// Network errors are transient: the connection was refused, reset,
/// aborted, timed out, interrupted or cut short. Everything else (not found,
/// permission denied, invalid input, ...) is permanent.
impl Retryable for io::Error {
    fn retry_kind(&self) -> RetryKind {
        use io::ErrorKind::*;
        match self.kind() {
            ConnectionRefused | ConnectionReset | ConnectionAborted | TimedOut | Interrupted
            | UnexpectedEof | BrokenPipe | WouldBlock | NotConnected => RetryKind::Transient,
            _ => RetryKind::Permanent,
        }
    }

    fn is_timeout(&self) -> bool {
        self.kind() == io::ErrorKind::TimedOut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_split_into_transient_and_permanent() {
        use io::ErrorKind::*;
        for k in [
            ConnectionRefused,
            ConnectionReset,
            ConnectionAborted,
            TimedOut,
            Interrupted,
            UnexpectedEof,
        ] {
            assert_eq!(
                io::Error::from(k).retry_kind(),
                RetryKind::Transient,
                "{k:?}"
            );
        }
        for k in [
            NotFound,
            PermissionDenied,
            InvalidInput,
            InvalidData,
            AlreadyExists,
        ] {
            assert_eq!(
                io::Error::from(k).retry_kind(),
                RetryKind::Permanent,
                "{k:?}"
            );
        }
        assert!(io::Error::from(TimedOut).is_timeout());
        assert!(!io::Error::from(ConnectionReset).is_timeout());
        assert_eq!(io::Error::from(TimedOut).retry_after(), None);
    }
}
