//! Errors a person can act on.
//!
//! strands-errors is the diagnostic taxonomy of strands: every failure of a
//! deployment becomes a `DeploymentError` with a category, a severity, the
//! context it happened in and concrete suggestions, rendered through `miette`.
