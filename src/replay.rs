//! Replay: send a finding's minimal request from a JSON report again and judge the answer
//! with the same checks, so a vendor can confirm a fix without a whole run.
//!
//! Owns: reading a report back, rebuilding the case a finding came from (its expectation,
//! from the report's seed and profile and the finding's exemplar id) and the one resend per
//! finding. Must not: print, or judge on its own (it asks `checks`).

use std::path::Path;

use serde_json::Value;

use crate::checks::{self, CaseContext, Outcome, Policy};
use crate::exec::{ExecConfig, Executor, Target};
use crate::generate::{self, case_family, Body, Case, Plan};
use crate::model::{Finding, RunReport};

/// Generated cases searched for a finding's case family: enough that every mutation and
/// every probe family appears.
const TEMPLATE_CASES: usize = 400;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Read(#[from] crate::report::json::ReadError),
    #[error("{0}")]
    Unusable(String),
    #[error("no finding {0} in the report (it has {1})")]
    UnknownFinding(String, String),
    #[error("the report has no findings to replay")]
    NoFindings,
    #[error("the report's target was the embedded reference server, which stopped with its run: give --target URL")]
    EmbeddedTarget,
    #[error(transparent)]
    Exec(#[from] crate::exec::ExecError),
}

/// Reads and checks a JSON report.
pub fn load_report(path: &Path) -> Result<RunReport, ReplayError> {
    Ok(crate::report::json::read(path)?)
}

/// What one replayed finding showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    /// The same check no longer flags the same requirement.
    Fixed,
    /// It still does; the titles of the verdicts that did.
    Persists(Vec<String>),
    /// One request cannot show it (a run-wide check, or no case to rebuild); why.
    NotReplayable(String),
}

/// Where and how to resend.
#[derive(Debug, Clone)]
pub struct ReplayTarget {
    /// `None` sends to the report's target.
    pub url: Option<reqwest::Url>,
    pub headers: Vec<(String, String)>,
    pub token: Option<String>,
    pub ca_cert_pem: Option<Vec<u8>>,
    /// `--cert`/`--key`, for a server that requires a client certificate.
    pub client_identity: Option<crate::exec::ClientIdentity>,
    /// `--insecure`: accept any server certificate.
    pub insecure: bool,
    pub exec: ExecConfig,
}

/// Replays `only` (a finding id) or every finding of `report`, in report order.
pub async fn replay(
    report: &RunReport,
    only: Option<&str>,
    target: &ReplayTarget,
) -> Result<Vec<(Finding, Replayed)>, ReplayError> {
    let selected: Vec<&Finding> = match only {
        Some(id) => {
            let f = report
                .findings
                .iter()
                .find(|f| f.id.eq_ignore_ascii_case(id))
                .ok_or_else(|| {
                    let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
                    let known = if ids.is_empty() {
                        "none".to_string()
                    } else {
                        ids.join(", ")
                    };
                    ReplayError::UnknownFinding(id.to_string(), known)
                })?;
            vec![f]
        }
        None => report.findings.iter().collect(),
    };
    if selected.is_empty() {
        return Err(ReplayError::NoFindings);
    }
    let url = match (&target.url, report.target.embedded) {
        (Some(url), _) => url.clone(),
        (None, true) => return Err(ReplayError::EmbeddedTarget),
        (None, false) => report.target.url.parse().map_err(|e: url::ParseError| {
            ReplayError::Unusable(format!("the report's target url: {e}"))
        })?,
    };
    let executor = Executor::new(
        Target {
            url,
            headers: target.headers.clone(),
            token: target.token.clone(),
            ca_cert_pem: target.ca_cert_pem.clone(),
            client_identity: target.client_identity.clone(),
            insecure: target.insecure,
        },
        ExecConfig {
            concurrency: 1,
            ..target.exec
        },
    )?;
    let schemas = report
        .profile
        .schemas()
        .map_err(|e| ReplayError::Unusable(e.to_string()))?;
    let policy = Policy {
        strict: false,
        require_token: false,
        has_token: target.token.is_some(),
    };
    let mut out = Vec::new();
    for f in selected {
        let Some(case) = rebuild(report, f, target.token.is_some()) else {
            let why = if f.exemplar.is_empty() {
                format!(
                    "run-wide check `{}`: it compares several exchanges; rerun `dcrcheck run --check {}`",
                    f.check, f.check
                )
            } else if f.exemplar.starts_with("manage-") {
                // Each step needs the credentials of a registration made moments before.
                format!(
                    "RFC 7592 step {}: it is built from earlier answers of its conversation; rerun `dcrcheck run --check {}`",
                    f.exemplar, f.check
                )
            } else {
                format!("no case like {} in this dcrcheck version", f.exemplar)
            };
            out.push((f.clone(), Replayed::NotReplayable(why)));
            continue;
        };
        let observation = executor.send(&case).await;
        let ctx = CaseContext {
            profile: report.profile,
            case: &case,
            observation: &observation,
            schemas: &schemas,
            now: crate::run::now(),
            policy,
            metadata: None,
        };
        let still: Vec<String> = checks::judge_case(&ctx)
            .into_iter()
            .filter(|v| {
                matches!(v.outcome, Outcome::Flag(_))
                    && v.requirement == f.requirement
                    && v.check == f.check
            })
            .map(|v| v.title)
            .collect();
        let result = if still.is_empty() {
            Replayed::Fixed
        } else {
            Replayed::Persists(still)
        };
        out.push((f.clone(), result));
    }
    Ok(out)
}

/// The finding's case: the generated case with the exemplar's id (or, for generated ids, one
/// of its family: same mutation, same expectation), carrying the finding's request body.
fn rebuild(report: &RunReport, f: &Finding, has_token: bool) -> Option<Case> {
    if f.exemplar.is_empty() || f.request.method.is_empty() {
        return None;
    }
    let plan = Plan {
        profile: report.profile,
        seed: report.seed,
        cases: TEMPLATE_CASES,
        has_token,
    };
    let all = generate::cases(&plan);
    let family = case_family(&f.exemplar);
    let mut case = all
        .iter()
        .find(|c| c.id == f.exemplar)
        .or_else(|| all.iter().find(|c| case_family(&c.id) == family))?
        .clone();
    case.request.body = match (&case.request.body, &f.request.body) {
        (Body::Empty, _) | (_, Value::Null) => Body::Empty,
        (Body::Raw(_), Value::String(s)) => Body::Raw(s.clone()),
        (_, v) => Body::Json(v.clone()),
    };
    case.id = f.exemplar.clone();
    Some(case)
}
