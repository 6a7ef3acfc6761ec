//! The JSON report: a versioned contract (`schemas/report.schema.json`).

use std::path::Path;

use serde_json::Value;

use crate::model::{RunReport, OLDEST_READ_VERSION, REPORT_VERSION};

pub fn render(report: &RunReport) -> String {
    // Serialising plain data structures cannot fail; an empty object keeps it total.
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into()) + "\n"
}

/// The report schema, for consumers and tests.
pub const SCHEMA: &str = include_str!("../../schemas/report.schema.json");

/// Why a JSON report could not be read back (`merge`, `replay`). One line each.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read report {path}: {message}")]
    Unreadable { path: String, message: String },
    #[error("{path} is not a dcrcheck JSON report: {message}")]
    NotAReport { path: String, message: String },
    #[error("{path} is report version {found}; this dcrcheck reads versions {OLDEST_READ_VERSION} to {REPORT_VERSION}")]
    Version { path: String, found: String },
}

/// Reads a JSON report back. The version is checked before the rest, so a report of another
/// format version is named as such rather than as malformed.
pub fn read(path: &Path) -> Result<RunReport, ReadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ReadError::Unreadable {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let not_a_report = |message: String| ReadError::NotAReport {
        path: shown.clone(),
        message,
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| not_a_report(e.to_string()))?;
    let version = value
        .get("version")
        .ok_or_else(|| not_a_report("it has no version".into()))?;
    let readable = u64::from(OLDEST_READ_VERSION)..=u64::from(REPORT_VERSION);
    if !version.as_u64().is_some_and(|v| readable.contains(&v)) {
        return Err(ReadError::Version {
            path: shown,
            found: version.to_string(),
        });
    }
    serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))
}
