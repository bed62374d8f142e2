//! Credentials you can trust.
//!
//! strands-creds is the only strands crate that talks to AWS: it resolves and
//! validates credentials with aws-config, assumes roles through STS, and hands
//! out SDK clients built once and cached.
