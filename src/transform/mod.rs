//! From cells to validated rows: value parsing, staging with validation, derived metrics.

pub mod metrics;
pub mod stage;
pub mod value;
