//! The JSON report: a versioned contract (`schemas/report.schema.json`).

use crate::run::RunReport;

pub fn render(report: &RunReport) -> String {
    // Serialising plain data structures cannot fail; an empty object keeps it total.
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into()) + "\n"
}

/// The report schema, for consumers and tests.
pub const SCHEMA: &str = include_str!("../../schemas/report.schema.json");
