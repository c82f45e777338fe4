//! From cells to star rows: value parsing, staging with validation, derived metrics and
//! warning rules, and the commit of a staged table into the star schema.
//!
//! The commit ([`commit`]) is the transform's last step, not the model's: it reads the
//! transform's staging types and applies its derivations (a campaign's channel from its
//! name, the warning rules), then writes rows through the model's row operations. Only
//! this layer imports the other, so the dependencies run one way, ingest -> transform ->
//! model.

pub mod commit;
pub mod metrics;
pub mod stage;
pub mod value;
