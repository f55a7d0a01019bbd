//! Liveness, readiness and metrics for operators and load balancers.

pub mod health;
pub mod metrics;
pub mod openapi;
pub mod ready;
