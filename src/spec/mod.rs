//! The shared vocabulary: the requirement catalog and the names of registration metadata,
//! error codes and media types.
//!
//! Owns: what the specifications say, as data. Must not: depend on any other module of the
//! crate, do I/O, or decide verdicts (that is `checks`).

mod catalog;
pub mod names;

pub use catalog::REQUIREMENTS;

use serde::{Deserialize, Serialize};

/// How strongly a specification states a requirement, normalised from the catalog's level
/// column (BCP 14 keywords plus the catalog's own `Defined`, `Derived` and `BP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// MUST, MUST NOT, REQUIRED.
    Must,
    /// Behaviour the protocol defines without a keyword (treated as MUST).
    Defined,
    /// SHOULD, SHOULD NOT, RECOMMENDED.
    Should,
    /// Follows from a constraint on a value; WARN unless a strict profile says otherwise.
    Derived,
    /// Best practice outside the normative text.
    BestPractice,
    /// MAY, OPTIONAL: a freedom of the server, used as a judging rule.
    May,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Defined => "DEFINED",
            Level::Should => "SHOULD",
            Level::Derived => "DERIVED",
            Level::BestPractice => "BP",
            Level::May => "MAY",
        }
    }
}

/// Whether a requirement can be tested from outside the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Testability {
    Yes,
    Partial,
    /// Needs something the harness must be given (initial access token, hosted origin...).
    Conditional,
    /// Needs a human (consent screens).
    No,
    /// Not a test of its own: a rule for judging other tests.
    JudgingRule,
}

/// One row of the requirements catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Stable id, e.g. `R7591-3.2.1-e`.
    pub id: &'static str,
    /// The specification the row comes from, e.g. `RFC 7591`.
    pub spec: &'static str,
    /// Section within that specification, e.g. `3.2.1`.
    pub section: &'static str,
    pub level: Level,
    /// The level column verbatim, with its qualifiers.
    pub level_text: &'static str,
    pub testability: Testability,
    /// What the server has to do (our paraphrase).
    pub summary: &'static str,
    /// How a black-box harness tests it.
    pub how_to_test: &'static str,
}

impl Requirement {
    /// Section as people cite it: `RFC 7591 §3.2.1`.
    pub fn citation(&self) -> String {
        if self.section.starts_with('(') {
            format!("{} {}", self.spec, self.section)
        } else {
            format!("{} §{}", self.spec, self.section.trim_start_matches('§'))
        }
    }
    /// Whether this row belongs to the OpenID Connect registration profile.
    pub fn is_oidc(&self) -> bool {
        self.id.starts_with("OIDC")
    }
}

/// Looks a requirement up by id (every verdict does, so it is a hash lookup, not a scan).
pub fn requirement(id: &str) -> Option<&'static Requirement> {
    static INDEX: std::sync::OnceLock<
        std::collections::HashMap<&'static str, &'static Requirement>,
    > = std::sync::OnceLock::new();
    INDEX
        .get_or_init(|| REQUIREMENTS.iter().map(|r| (r.id, r)).collect())
        .get(id)
        .copied()
}

/// How a broken expectation is judged. Ordered from worst to best so `min` picks the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fail,
    Warn,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fail => "fail",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Severity::Fail => "FAIL",
            Severity::Warn => "WARN",
            Severity::Info => "INFO",
        }
    }
}
