//! The report model: what a run concluded, as every reporter reads it (requirement verdicts,
//! findings with their minimal reproduction, the summary), and the outcome that both the
//! "Result:" line and the exit code come from.
//!
//! Owns: the reporter-facing types. Must not: do I/O, judge, or know how a run is executed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::baseline::BaselineResult;
use crate::profile::Profile;
use crate::spec::Severity;

/// Version of the JSON report format (`schemas/report.schema.json`).
pub const REPORT_VERSION: u32 = 3;
/// The oldest report version dcrcheck reads back (`merge`, `replay`): version 1 lacked
/// `complete`, `partition`, `insecure`, `baseline` and the findings' `exemplar` and `kind`,
/// which read as a complete, unsharded, verified run with no baseline.
pub const OLDEST_READ_VERSION: u32 = 1;

/// What every output of an `--insecure` run says, after a `WARNING: ` of its own style.
pub const INSECURE_WARNING: &str =
    "--insecure: the server's certificate was not verified; TLS rows are not judged";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    pub url: String,
    pub embedded: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub cases: usize,
    pub requests: usize,
    pub transport_errors: usize,
    /// 429 answers met, retries included (RFC 7591 §3 allows rate limits; never judged).
    pub rate_limited: usize,
    /// Responses cut at `--body-cap` (judged on their status line only).
    pub truncated: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub info: usize,
    pub skip: usize,
    pub untested: usize,
    pub findings: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequirementVerdict {
    Pass,
    Fail,
    Warn,
    Info,
    Skip,
    Untested,
}

impl RequirementVerdict {
    pub fn label(self) -> &'static str {
        match self {
            RequirementVerdict::Pass => "PASS",
            RequirementVerdict::Fail => "FAIL",
            RequirementVerdict::Warn => "WARN",
            RequirementVerdict::Info => "INFO",
            RequirementVerdict::Skip => "SKIP",
            RequirementVerdict::Untested => "UNTESTED",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequirementResult {
    pub id: String,
    pub citation: String,
    pub level: String,
    pub verdict: RequirementVerdict,
    pub checks: Vec<String>,
    pub findings: usize,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRequest {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingResponse {
    pub status: Option<u16>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub transport_error: Option<String>,
}

/// One problem, however many cases showed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub requirement: String,
    pub check: String,
    pub severity: Severity,
    pub title: String,
    /// What the smallest case showed.
    pub detail: String,
    pub count: usize,
    pub cases: Vec<String>,
    /// The case the request below was made from (its minimal reproduction keeps the case's
    /// id); `dcrcheck replay` rebuilds the case's expectation from it.
    #[serde(default)]
    pub exemplar: String,
    /// What identifies the problem within its check and row, from structured data (the
    /// titles of one problem can differ between cases); `merge` groups shards' findings on
    /// (requirement, check, kind).
    #[serde(default)]
    pub kind: String,
    pub request: FindingRequest,
    pub response: FindingResponse,
    pub curl: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    pub version: u32,
    pub tool: Tool,
    pub target: TargetInfo,
    pub profile: Profile,
    pub seed: u64,
    /// False when the run was interrupted (Ctrl-C): the verdicts cover what was sent.
    #[serde(default = "yes")]
    pub complete: bool,
    /// The run accepted any server certificate (`--insecure`): nothing about the server was
    /// verified and the TLS rows were not judged. Every reporter says so ([`INSECURE_WARNING`]).
    #[serde(default)]
    pub insecure: bool,
    /// `hash:M/N` when this report is one shard of a partitioned run; `None` for a whole run
    /// (or the merge of all shards).
    #[serde(default)]
    pub partition: Option<String>,
    pub summary: Summary,
    pub requirements: Vec<RequirementResult>,
    pub findings: Vec<Finding>,
    pub conflicts: Vec<Conflict>,
    /// What the `--baseline` file made of the failures (`baseline::Baseline::judge`); `None`
    /// when no baseline was used. When present, it alone decides whether the run fails.
    #[serde(default)]
    pub baseline: Option<BaselineResult>,
    /// The clients the run registered, and what `--cleanup` did with them.
    #[serde(default)]
    pub clients: Clients,
    /// The MCP discovery chain an `--mcp-server` run followed; `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<McpDiscovery>,
}

/// The MCP discovery chain of an `--mcp-server` run, request by request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpDiscovery {
    pub server: String,
    /// The MCP revision judged (`--mcp-rev`).
    pub revision: String,
    pub hops: Vec<crate::mcp::Hop>,
}

/// The clients a run registered (every 2xx registration answer with a `client_id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Clients {
    pub created: usize,
    /// Their client_ids, the first `cleanup::LISTED_CLIENT_IDS` of them, so that they can be
    /// removed by hand.
    pub ids: Vec<String>,
    /// More clients were created than `ids` lists.
    pub ids_truncated: bool,
    /// `--cleanup` was given.
    pub cleanup: bool,
    /// Deleted through RFC 7592 (by `--cleanup`, and by the management conversation itself).
    pub deleted: usize,
    /// With `--cleanup`: clients left behind (no configuration endpoint, or the DELETE failed).
    pub not_deleted: usize,
    /// Their client_ids, the first `cleanup::LISTED_CLIENT_IDS` of them.
    pub not_deleted_ids: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A statement of a vendor document that the RFC contradicts (`profile::ContractConflict`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conflict {
    pub member: String,
    pub vendor: String,
    pub rfc: String,
    pub requirement: String,
}

impl From<&crate::profile::ContractConflict> for Conflict {
    fn from(c: &crate::profile::ContractConflict) -> Self {
        Conflict {
            member: c.member.into(),
            vendor: c.vendor.into(),
            rfc: c.rfc.into(),
            requirement: c.requirement.into(),
        }
    }
}

impl RunReport {
    pub fn has_fail(&self) -> bool {
        self.summary.fail > 0
    }
    pub fn has_warn(&self) -> bool {
        self.summary.warn > 0
    }
}

impl RunReport {
    /// How the run ends: the one place the "Result:" line and the exit code come from.
    ///
    /// With a baseline the run fails exactly when the baseline found something new, stale or
    /// expired: its accepted failures are why a team gates with one at all.
    pub fn outcome(&self, deny_warnings: bool) -> RunOutcome {
        if !self.complete {
            RunOutcome::Interrupted
        } else if let Some(b) = &self.baseline {
            if !b.passed() {
                RunOutcome::Fail
            } else if self.has_warn() && !deny_warnings {
                RunOutcome::PassWithWarnings
            } else {
                RunOutcome::Pass
            }
        } else if self.has_fail() {
            RunOutcome::Fail
        } else if self.has_warn() && deny_warnings {
            RunOutcome::FailOnWarnings
        } else if self.has_warn() {
            RunOutcome::PassWithWarnings
        } else {
            RunOutcome::Pass
        }
    }
}

/// The verdict of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Pass,
    PassWithWarnings,
    /// WARNs under `--deny-warnings`.
    FailOnWarnings,
    Fail,
    /// Stopped before the end (Ctrl-C): the verdicts cover what was sent, and no gate can
    /// pass on them.
    Interrupted,
}

impl RunOutcome {
    /// The word the "Result:" line shows (`RunReport::result_label` adds a baseline's
    /// counts).
    pub fn label(self) -> &'static str {
        match self {
            RunOutcome::Pass => "PASS",
            RunOutcome::PassWithWarnings => "PASS with warnings",
            RunOutcome::FailOnWarnings => "FAIL (warnings denied)",
            RunOutcome::Fail => "FAIL",
            RunOutcome::Interrupted => "INTERRUPTED",
        }
    }

    /// The documented exit code (README, `exit_code`).
    pub fn exit_code(self) -> u8 {
        match self {
            RunOutcome::Pass | RunOutcome::PassWithWarnings => crate::exit_code::OK,
            RunOutcome::FailOnWarnings | RunOutcome::Fail => crate::exit_code::FINDINGS,
            RunOutcome::Interrupted => crate::exit_code::INTERRUPTED,
        }
    }
}

impl RunReport {
    /// The result line of a report read back or rendered without the command line: the
    /// baseline's `deny_warnings` when a baseline judged it, else without.
    pub fn recorded_result_label(&self) -> String {
        self.result_label(self.baseline.as_ref().is_some_and(|b| b.deny_warnings))
    }

    /// What the "Result:" line shows: the outcome's label, then for a run judged against a
    /// baseline what the baseline found, e.g. `FAIL (baseline: 1 new, 1 stale)` or
    /// `PASS (baseline: 2 accepted)`. It comes from the same decision as the exit code.
    pub fn result_label(&self, deny_warnings: bool) -> String {
        let label = self.outcome(deny_warnings).label();
        let Some(b) = &self.baseline else {
            return label.to_string();
        };
        if b.passed() {
            return format!("{label} (baseline: {} accepted)", b.accepted.len());
        }
        let parts: Vec<String> = [
            (b.new.len(), "new"),
            (b.stale.len(), "stale"),
            (b.expired.len(), "expired"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        format!("{label} (baseline: {})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(fail: usize, warn: usize) -> RunReport {
        RunReport {
            version: REPORT_VERSION,
            tool: Tool {
                name: "dcrcheck".into(),
                version: "0".into(),
            },
            target: TargetInfo {
                url: String::new(),
                embedded: true,
            },
            profile: Profile::Rfc7591,
            seed: 1,
            complete: true,
            insecure: false,
            partition: None,
            summary: Summary {
                fail,
                warn,
                ..Summary::default()
            },
            requirements: Vec::new(),
            findings: Vec::new(),
            conflicts: Vec::new(),
            baseline: None,
            clients: Default::default(),
            mcp: None,
        }
    }

    /// A baseline decision with these many accepted, new, stale and expired items.
    fn judged(accepted: usize, new: usize, stale: usize, expired: usize) -> BaselineResult {
        use crate::baseline::{Accepted, BaselineCounts, Date, ExpiredEntry, StaleEntry};
        let date = Date::new(2026, 3, 1).expect("date");
        BaselineResult {
            path: "baseline.toml".into(),
            date,
            deny_warnings: false,
            counts: BaselineCounts {
                accepted,
                new,
                stale,
                expired,
            },
            accepted: (0..accepted)
                .map(|i| Accepted {
                    finding: format!("F{i}"),
                    requirement: "R7591-5-c".into(),
                    check: "valid_request_is_registered".into(),
                    reason: "known".into(),
                })
                .collect(),
            new: (0..new).map(|i| format!("F{}", 100 + i)).collect(),
            stale: (0..stale)
                .map(|i| StaleEntry {
                    requirement: "R7591-5-b".into(),
                    check: None,
                    reason: "gone".into(),
                    line: i + 1,
                })
                .collect(),
            expired: (0..expired)
                .map(|i| ExpiredEntry {
                    requirement: "R7591-2-c".into(),
                    check: None,
                    reason: "late".into(),
                    expires: date,
                    line: i + 1,
                })
                .collect(),
        }
    }

    #[test]
    fn a_json_report_reads_back_as_the_same_report() {
        let mut r = report(1, 2);
        r.partition = Some("hash:2/3".into());
        r.baseline = Some(judged(1, 1, 1, 1));
        r.insecure = true;
        let text = serde_json::to_string(&r).expect("json");
        let back: RunReport = serde_json::from_str(&text).expect("read back");
        assert_eq!(serde_json::to_string(&back).expect("json"), text);
        // Reports written before `complete`, `partition`, `baseline` and `insecure` existed
        // read as whole, verified runs judged without a baseline.
        let mut old: Value = serde_json::from_str(&text).expect("value");
        old.as_object_mut().map(|o| {
            (
                o.remove("complete"),
                o.remove("partition"),
                o.remove("baseline"),
                o.remove("insecure"),
            )
        });
        let old: RunReport = serde_json::from_value(old).expect("old report");
        assert!(old.complete && old.partition.is_none() && old.baseline.is_none());
        assert!(!old.insecure);
    }

    #[test]
    fn the_result_line_and_the_exit_code_come_from_one_outcome() {
        // (fail, warn, deny, baseline (accepted, new, stale, expired), Result line, exit code)
        let cases = [
            (0, 0, false, None, "PASS", 0),
            (0, 2, false, None, "PASS with warnings", 0),
            (0, 2, true, None, "FAIL (warnings denied)", 1),
            (1, 2, false, None, "FAIL", 1),
            (1, 0, true, None, "FAIL", 1),
            // With a baseline, its decision alone counts, whatever the FAIL rows say.
            (
                1,
                0,
                false,
                Some((2, 0, 0, 0)),
                "PASS (baseline: 2 accepted)",
                0,
            ),
            (
                0,
                0,
                false,
                Some((0, 0, 0, 0)),
                "PASS (baseline: 0 accepted)",
                0,
            ),
            (
                1,
                2,
                false,
                Some((1, 0, 0, 0)),
                "PASS with warnings (baseline: 1 accepted)",
                0,
            ),
            (
                1,
                2,
                true,
                Some((3, 0, 0, 0)),
                "PASS (baseline: 3 accepted)",
                0,
            ),
            (
                1,
                0,
                false,
                Some((0, 1, 1, 0)),
                "FAIL (baseline: 1 new, 1 stale)",
                1,
            ),
            (
                0,
                0,
                false,
                Some((0, 0, 2, 0)),
                "FAIL (baseline: 2 stale)",
                1,
            ),
            (
                1,
                0,
                false,
                Some((1, 1, 0, 1)),
                "FAIL (baseline: 1 new, 1 expired)",
                1,
            ),
        ];
        for (fail, warn, deny, baseline, text, code) in cases {
            let mut r = report(fail, warn);
            r.baseline = baseline.map(|(a, n, s, e)| judged(a, n, s, e));
            let o = r.outcome(deny);
            assert_eq!(
                (r.result_label(deny).as_str(), o.exit_code()),
                (text, code),
                "{fail}/{warn}/{deny}/{baseline:?}"
            );
            // A baseline's counts follow the outcome's own label.
            assert!(text.starts_with(o.label()), "{text} / {}", o.label());
        }
    }
}
