//! Liveness, readiness and metrics for operators and load balancers.

pub mod health;
pub mod metrics;
pub mod ready;
