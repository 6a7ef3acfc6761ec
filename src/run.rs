//! A run: generate the cases, send them, judge every exchange, group verdicts into findings
//! and requirement verdicts. The result, `RunReport`, is what every reporter renders.
//!
//! Owns: the order of the pipeline and the report model. Must not: print (reporters do) or
//! judge on its own (checks do).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use crate::checks::{self, CaseContext, Outcome, RunContext, Verdict};
use crate::exec::{ExecConfig, Executor, Observation, Target, TransportErrorKind, TransportProbes};
use crate::generate::{self, Case, Plan};
use crate::profile::{ContractConflict, Profile};
use crate::report::curl;
use crate::sanitize::Sanitizer;
use crate::shrink::{Problem, Shrinker};
use crate::spec::{self, Severity, Testability};

/// Version of the JSON report format (`schemas/report.schema.json`).
pub const REPORT_VERSION: u32 = 1;
/// Case ids kept per finding.
const CASES_PER_FINDING: usize = 20;
/// Characters of a response body kept in a finding.
const BODY_EXCERPT: usize = 2000;

/// Where to send the cases.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// Start the reference server in-process on an ephemeral loopback port.
    Embedded,
    Url(reqwest::Url),
}

#[derive(Debug, Clone)]
pub struct RunConfig {
    pub profile: Profile,
    pub seed: u64,
    /// Generated cases on top of the fixed probes.
    pub cases: usize,
    pub target: TargetSpec,
    pub headers: Vec<(String, String)>,
    pub token: Option<String>,
    pub exec: ExecConfig,
    pub show_secrets: bool,
    /// Requests spent re-sending simpler payloads of failing generated cases.
    pub shrink_budget: usize,
    /// PEM certificates trusted for https targets on top of the built-in roots.
    pub ca_cert: Option<Vec<u8>>,
    /// The discovery document to check; `None` derives one from an https target's origin.
    pub discovery: Option<reqwest::Url>,
}

impl RunConfig {
    pub fn new(profile: Profile, seed: u64) -> Self {
        RunConfig {
            profile,
            seed,
            cases: DEFAULT_CASES,
            target: TargetSpec::Embedded,
            headers: Vec::new(),
            token: None,
            exec: ExecConfig::default(),
            show_secrets: false,
            shrink_budget: crate::shrink::DEFAULT_SHRINK_BUDGET,
            ca_cert: None,
            discovery: None,
        }
    }
}

/// Generated cases per run unless `--cases` says otherwise.
pub const DEFAULT_CASES: usize = 200;

/// Why a run could not happen (not a finding about the server).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("target {url} could not be reached: {message}")]
    Unreachable { url: String, message: String },
    #[error("target {url} requires an initial access token (status {status}); pass --token-env VAR or --token-file PATH")]
    NeedsToken { url: String, status: u16 },
    #[error("could not start the embedded reference server: {0}")]
    EmbeddedServer(String),
    #[error(transparent)]
    Exec(#[from] crate::exec::ExecError),
    #[error(transparent)]
    Schema(#[from] crate::profile::SchemaError),
    #[error("broken fixture: {0}")]
    Fixture(String),
}

/// Progress of a run, for live reporters.
pub enum Event<'a> {
    Started {
        target: &'a str,
        cases: usize,
    },
    CaseFinished {
        done: usize,
        total: usize,
        case: &'a Case,
    },
    Finished {
        report: &'a RunReport,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    pub url: String,
    pub embedded: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub cases: usize,
    pub requests: usize,
    pub transport_errors: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub info: usize,
    pub skip: usize,
    pub untested: usize,
    pub findings: usize,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct RequirementResult {
    pub id: &'static str,
    pub citation: String,
    pub level: &'static str,
    pub verdict: RequirementVerdict,
    pub checks: Vec<&'static str>,
    pub findings: usize,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingRequest {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingResponse {
    pub status: Option<u16>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub transport_error: Option<String>,
}

/// One problem, however many cases showed it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub requirement: &'static str,
    pub check: &'static str,
    pub severity: Severity,
    pub title: String,
    /// What the smallest case showed.
    pub detail: String,
    pub count: usize,
    pub cases: Vec<String>,
    pub request: FindingRequest,
    pub response: FindingResponse,
    pub curl: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub version: u32,
    pub tool: Tool,
    pub target: TargetInfo,
    pub profile: Profile,
    pub seed: u64,
    pub summary: Summary,
    pub requirements: Vec<RequirementResult>,
    pub findings: Vec<Finding>,
    pub conflicts: Vec<ContractConflict>,
}

impl RunReport {
    pub fn has_fail(&self) -> bool {
        self.summary.fail > 0
    }
    pub fn has_warn(&self) -> bool {
        self.summary.warn > 0
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs the whole pipeline against the configured target.
pub async fn run(
    config: &RunConfig,
    on_event: &mut dyn FnMut(Event),
) -> Result<RunReport, RunError> {
    match &config.target {
        TargetSpec::Url(url) => run_against(config, url.clone(), false, on_event).await,
        TargetSpec::Embedded => {
            // Over TLS, so the transport rows are judged too; the run trusts its generated CA.
            let server = crate::server::start(
                std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                crate::server::ServerConfig {
                    initial_access_token: config.token.clone(),
                    tls: true,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| RunError::EmbeddedServer(e.to_string()))?;
            let url = format!("{}{}", server.base_url(), config.profile.embedded_path());
            let url =
                reqwest::Url::parse(&url).map_err(|e| RunError::EmbeddedServer(e.to_string()))?;
            let mut config = config.clone();
            let mut pem = config.ca_cert.take().unwrap_or_default();
            pem.extend_from_slice(server.ca_cert_pem().unwrap_or_default().as_bytes());
            config.ca_cert = Some(pem);
            let result = run_against(&config, url, true, on_event).await;
            server.shutdown().await;
            result
        }
    }
}

async fn run_against(
    config: &RunConfig,
    url: reqwest::Url,
    embedded: bool,
    on_event: &mut dyn FnMut(Event),
) -> Result<RunReport, RunError> {
    let began = Instant::now();
    let schemas = config.profile.schemas()?;
    let executor = executor_for(config, &url)?;
    let plan = Plan {
        profile: config.profile,
        seed: config.seed,
        cases: config.cases,
        has_token: config.token.is_some(),
    };
    let cases = generate::cases(&plan);
    let total = cases.len();
    on_event(Event::Started {
        target: url.as_str(),
        cases: total,
    });

    // The first case is the baseline: if it cannot get through, nothing else will.
    let (first, rest) = cases.split_first().ok_or_else(|| RunError::Unreachable {
        url: url.to_string(),
        message: "no cases to send".into(),
    })?;
    let first_obs = executor.send(first).await;
    if let Some(err) = &first_obs.transport_error {
        if matches!(
            err.kind,
            TransportErrorKind::Connect | TransportErrorKind::Timeout
        ) {
            return Err(RunError::Unreachable {
                url: url.to_string(),
                message: err.message.clone(),
            });
        }
    }
    if let Some(resp) = &first_obs.response {
        if config.token.is_none() && (resp.status == 401 || resp.status == 403) {
            return Err(RunError::NeedsToken {
                url: url.to_string(),
                status: resp.status,
            });
        }
    }
    on_event(Event::CaseFinished {
        done: 1,
        total,
        case: first,
    });
    let (main, finals): (Vec<Case>, Vec<Case>) = rest
        .iter()
        .cloned()
        .partition(|c| c.kind != generate::CaseKind::Final);
    let mut done = 1;
    let mut observations = vec![first_obs];
    let main_obs = executor
        .run_all(&main, |case, _| {
            done += 1;
            on_event(Event::CaseFinished { done, total, case });
        })
        .await;
    observations.extend(main_obs);
    let final_obs = executor
        .run_all(&finals, |case, _| {
            done += 1;
            on_event(Event::CaseFinished { done, total, case });
        })
        .await;
    observations.extend(final_obs);
    let mut ordered: Vec<Case> = vec![first.clone()];
    ordered.extend(main);
    ordered.extend(finals);
    let exchanges: Vec<(Case, Observation)> = ordered.into_iter().zip(observations).collect();

    let probes = executor
        .probe_transport(first, config.discovery.as_ref())
        .await?;

    let now = now_secs();
    let verdicts = collect_verdicts(config, &schemas, &exchanges, &probes, now);
    let mut shrinker = Shrinker {
        executor: &executor,
        profile: config.profile,
        schemas: &schemas,
        now,
        budget: config.shrink_budget,
    };
    let mut shrunk = HashMap::new();
    for (problem, index) in representatives(&verdicts, &exchanges) {
        let case = &exchanges[index].0;
        if !Shrinker::shrinkable(case) || shrinker.budget == 0 {
            continue;
        }
        if let Some(smaller) = shrinker.shrink(case, &problem).await {
            shrunk.insert(problem, smaller);
        }
    }
    let resent = config.shrink_budget - shrinker.budget;
    let mut report = build_report(
        config,
        &url,
        embedded,
        &exchanges,
        &verdicts,
        &shrunk,
        began.elapsed(),
    );
    report.summary.requests += resent + probes.requests();
    on_event(Event::Finished { report: &report });
    Ok(report)
}

/// For each problem, the index of the smallest case that shows it.
fn representatives(
    verdicts: &[(Option<usize>, Verdict)],
    exchanges: &[(Case, Observation)],
) -> Vec<(Problem, usize)> {
    let mut best: Vec<(Problem, usize)> = Vec::new();
    for (case, v) in verdicts {
        let (Some(i), Outcome::Flag(_)) = (case, v.outcome) else {
            continue;
        };
        let problem = Problem {
            requirement: v.requirement,
            check: v.check,
            title: v.title.clone(),
        };
        let size = |j: usize| exchanges[j].0.request.body.len();
        match best.iter_mut().find(|(p, _)| *p == problem) {
            Some((_, j)) if size(*i) < size(*j) => *j = *i,
            Some(_) => {}
            None => best.push((problem, *i)),
        }
    }
    best
}

/// Judges every exchange: per-case checks, then run-wide ones. Verdicts about requirements
/// outside the profile are dropped.
pub fn collect_verdicts(
    config: &RunConfig,
    schemas: &crate::profile::Schemas,
    exchanges: &[(Case, Observation)],
    probes: &TransportProbes,
    now: u64,
) -> Vec<(Option<usize>, Verdict)> {
    let profile = config.profile;
    let mut verdicts: Vec<(Option<usize>, Verdict)> = Vec::new();
    for (i, (case, obs)) in exchanges.iter().enumerate() {
        let ctx = CaseContext {
            profile,
            case,
            observation: obs,
            schemas,
            now,
        };
        verdicts.extend(checks::judge_case(&ctx).into_iter().map(|v| (Some(i), v)));
    }
    let run_ctx = RunContext {
        profile,
        exchanges,
        probes,
    };
    verdicts.extend(checks::judge_run(&run_ctx).into_iter().map(|v| (None, v)));
    verdicts.retain(|(_, v)| spec::requirement(v.requirement).is_some_and(|r| profile.applies(r)));
    verdicts
}

/// Builds the report from judged exchanges; `shrunk` holds the minimal reproduction found
/// for a problem, shown instead of the smallest generated case.
pub fn build_report(
    config: &RunConfig,
    url: &reqwest::Url,
    embedded: bool,
    exchanges: &[(Case, Observation)],
    verdicts: &[(Option<usize>, Verdict)],
    shrunk: &HashMap<Problem, (Case, Observation)>,
    elapsed: Duration,
) -> RunReport {
    let profile = config.profile;

    let mut sanitizer = Sanitizer::new(config.show_secrets);
    if let Some(t) = &config.token {
        sanitizer.add_secret(t);
    }
    for (_, obs) in exchanges.iter().chain(shrunk.values()) {
        if let Some(v) = obs.response.as_ref().and_then(|r| r.json()) {
            sanitizer.learn_from(&v);
        }
    }

    let findings = group_findings(
        verdicts,
        exchanges,
        shrunk,
        &sanitizer,
        config.token.is_some(),
    );
    let requirements = requirement_results(profile, verdicts, &findings, config.token.is_some());
    let mut summary = Summary {
        cases: exchanges.len(),
        requests: exchanges.len(),
        transport_errors: exchanges
            .iter()
            .filter(|(_, o)| o.transport_error.is_some())
            .count(),
        findings: findings.len(),
        duration_ms: elapsed.as_millis() as u64,
        ..Summary::default()
    };
    for r in &requirements {
        match r.verdict {
            RequirementVerdict::Pass => summary.pass += 1,
            RequirementVerdict::Fail => summary.fail += 1,
            RequirementVerdict::Warn => summary.warn += 1,
            RequirementVerdict::Info => summary.info += 1,
            RequirementVerdict::Skip => summary.skip += 1,
            RequirementVerdict::Untested => summary.untested += 1,
        }
    }
    RunReport {
        version: REPORT_VERSION,
        tool: Tool {
            name: "dcrcheck",
            version: env!("CARGO_PKG_VERSION"),
        },
        target: TargetInfo {
            url: url.to_string(),
            embedded,
        },
        profile,
        seed: config.seed,
        summary,
        requirements,
        findings,
        conflicts: profile.conflicts().to_vec(),
    }
}

fn group_findings(
    verdicts: &[(Option<usize>, Verdict)],
    exchanges: &[(Case, Observation)],
    shrunk: &HashMap<Problem, (Case, Observation)>,
    sanitizer: &Sanitizer,
    has_token: bool,
) -> Vec<Finding> {
    struct Group<'a> {
        first: &'a Verdict,
        severity: Severity,
        cases: Vec<usize>,
        count: usize,
    }
    let mut order: Vec<(&str, &str, &str)> = Vec::new();
    let mut groups: HashMap<(&str, &str, &str), Group> = HashMap::new();
    for (case, v) in verdicts {
        let Outcome::Flag(severity) = v.outcome else {
            continue;
        };
        let key = (v.requirement, v.check, v.title.as_str());
        let g = groups.entry(key).or_insert_with(|| {
            order.push(key);
            Group {
                first: v,
                severity,
                cases: Vec::new(),
                count: 0,
            }
        });
        g.severity = g.severity.min(severity);
        g.count += 1;
        if let Some(i) = case {
            g.cases.push(*i);
        }
    }
    let mut findings: Vec<Finding> = order
        .into_iter()
        .filter_map(|key| groups.remove(&key))
        .map(|g| {
            // The smallest request that shows the problem is the one worth reading.
            let smallest = g
                .cases
                .iter()
                .copied()
                .min_by_key(|i| exchanges[*i].0.request.body.len());
            let detail = smallest
                .and_then(|i| {
                    verdicts.iter().find(|(c, v)| {
                        *c == Some(i)
                            && v.requirement == g.first.requirement
                            && v.check == g.first.check
                            && v.title == g.first.title
                    })
                })
                .map_or_else(|| g.first.detail.clone(), |(_, v)| v.detail.clone());
            let problem = Problem {
                requirement: g.first.requirement,
                check: g.first.check,
                title: g.first.title.clone(),
            };
            let mut detail = detail;
            let (request, response, curl) = match (shrunk.get(&problem), smallest) {
                (Some((case, obs)), Some(i)) => {
                    detail = format!(
                        "{detail} (minimal reproduction: {} bytes, shrunk from {} bytes of {})",
                        case.request.body.len(),
                        exchanges[i].0.request.body.len(),
                        exchanges[i].0.id
                    );
                    describe(case, obs, sanitizer, has_token)
                }
                (None, Some(i)) => describe(&exchanges[i].0, &exchanges[i].1, sanitizer, has_token),
                (_, None) => (
                    FindingRequest {
                        method: String::new(),
                        url: String::new(),
                        headers: BTreeMap::new(),
                        body: Value::Null,
                    },
                    FindingResponse {
                        status: None,
                        headers: BTreeMap::new(),
                        body: String::new(),
                        transport_error: None,
                    },
                    String::new(),
                ),
            };
            Finding {
                id: String::new(),
                requirement: g.first.requirement,
                check: g.first.check,
                severity: g.severity,
                title: sanitizer.text(&g.first.title),
                detail: sanitizer.text(&detail),
                count: g.count,
                cases: g
                    .cases
                    .iter()
                    .take(CASES_PER_FINDING)
                    .map(|i| exchanges[*i].0.id.clone())
                    .collect(),
                request,
                response,
                curl,
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.severity, a.requirement, a.check, &a.title).cmp(&(
            b.severity,
            b.requirement,
            b.check,
            &b.title,
        ))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.id = format!("F{}", i + 1);
    }
    findings
}

fn describe(
    case: &Case,
    obs: &Observation,
    sanitizer: &Sanitizer,
    has_token: bool,
) -> (FindingRequest, FindingResponse, String) {
    let mut body = match &case.request.body {
        generate::Body::Json(v) => v.clone(),
        generate::Body::Raw(s) => Value::String(s.clone()),
        generate::Body::Empty => Value::Null,
    };
    sanitizer.json(&mut body);
    let request = FindingRequest {
        method: obs.request.method.to_string(),
        url: obs.request.url.clone(),
        headers: obs
            .request
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), sanitizer.header(k, v)))
            .collect(),
        body,
    };
    let response = match &obs.response {
        Some(r) => {
            let mut text = match r.json() {
                Some(mut v) => {
                    sanitizer.json(&mut v);
                    v.to_string()
                }
                None => sanitizer.text(&r.body_text()),
            };
            if text.chars().count() > BODY_EXCERPT {
                text = text.chars().take(BODY_EXCERPT).collect::<String>() + "...";
            }
            FindingResponse {
                status: Some(r.status),
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), sanitizer.header(k, v)))
                    .collect(),
                body: text,
                transport_error: None,
            }
        }
        None => FindingResponse {
            status: None,
            headers: BTreeMap::new(),
            body: String::new(),
            transport_error: obs.transport_error.as_ref().map(|e| e.message.clone()),
        },
    };
    let command = curl::command(case, &obs.request.url, has_token, sanitizer);
    (request, response, command)
}

fn requirement_results(
    profile: Profile,
    verdicts: &[(Option<usize>, Verdict)],
    findings: &[Finding],
    has_token: bool,
) -> Vec<RequirementResult> {
    spec::REQUIREMENTS
        .iter()
        .filter(|r| profile.applies(r))
        .map(|r| {
            let mine: Vec<&Verdict> = verdicts
                .iter()
                .map(|(_, v)| v)
                .filter(|v| v.requirement == r.id)
                .collect();
            let worst = mine
                .iter()
                .filter_map(|v| match v.outcome {
                    Outcome::Flag(s) => Some(s),
                    _ => None,
                })
                .min();
            let passed = mine.iter().any(|v| v.outcome == Outcome::Pass);
            let static_checks = checks::covering_checks(r.id);
            let (verdict, reason) = match (worst, passed) {
                (Some(Severity::Fail), _) => (RequirementVerdict::Fail, None),
                (Some(Severity::Warn), _) => (RequirementVerdict::Warn, None),
                (Some(Severity::Info), _) => (RequirementVerdict::Info, None),
                (None, true) => (RequirementVerdict::Pass, None),
                // A check that said why it could not judge gives the reason.
                (None, false) => match mine.iter().find(|v| v.outcome == Outcome::Skip) {
                    Some(v) => (RequirementVerdict::Skip, Some(v.title.clone())),
                    None => untested_reason(r, has_token, &static_checks),
                },
            };
            RequirementResult {
                id: r.id,
                citation: r.citation(),
                level: r.level.as_str(),
                verdict,
                checks: static_checks,
                findings: findings.iter().filter(|f| f.requirement == r.id).count(),
                reason,
            }
        })
        .collect()
}

fn untested_reason(
    r: &spec::Requirement,
    has_token: bool,
    checks: &[&str],
) -> (RequirementVerdict, Option<String>) {
    let skip = |s: &str| (RequirementVerdict::Skip, Some(s.to_string()));
    match r.testability {
        Testability::No => skip("needs a human (consent screen)"),
        Testability::JudgingRule => skip("a judging rule applied by other checks"),
        Testability::Conditional if !has_token && r.id == "R7591-3-d" => {
            skip("needs an initial access token (--token-env or --token-file)")
        }
        Testability::Conditional => {
            skip("needs a fixture this run does not have (hosted origin or software-statement key)")
        }
        _ if checks.is_empty() => (
            RequirementVerdict::Untested,
            Some("no check covers this requirement yet".into()),
        ),
        _ => skip("no case of this run reached the condition the checks need"),
    }
}

/// The HTTP side of a run against `url`, with the run's headers, token and trusted CA.
fn executor_for(config: &RunConfig, url: &reqwest::Url) -> Result<Executor, RunError> {
    Ok(Executor::new(
        Target {
            url: url.clone(),
            headers: config.headers.clone(),
            token: config.token.clone(),
            ca_cert_pem: config.ca_cert.clone(),
        },
        config.exec,
    )?)
}

/// Sends every fixture of the profile to a target, for `dcrcheck snapshot`. Returns each
/// fixture with its observation, in corpus order.
pub async fn observe_fixtures(
    config: &RunConfig,
    url: &reqwest::Url,
) -> Result<Vec<(crate::generate::fixtures::Fixture, Observation)>, RunError> {
    let fixtures: Vec<_> = crate::generate::fixtures::all()
        .map_err(|e| RunError::Fixture(e.to_string()))?
        .into_iter()
        .filter(|f| f.applies_to(config.profile))
        .collect();
    let cases = fixtures
        .iter()
        .map(|f| f.to_case().map_err(RunError::Fixture))
        .collect::<Result<Vec<_>, _>>()?;
    let executor = executor_for(config, url)?;
    // Sent one at a time: a snapshot should not depend on how requests interleave.
    let mut out = Vec::with_capacity(cases.len());
    for (fixture, case) in fixtures.into_iter().zip(&cases) {
        let obs = executor.send(case).await;
        if out.is_empty() {
            if let Some(err) = &obs.transport_error {
                if err.kind == TransportErrorKind::Connect {
                    return Err(RunError::Unreachable {
                        url: url.to_string(),
                        message: err.message.clone(),
                    });
                }
            }
        }
        out.push((fixture, obs));
    }
    Ok(out)
}

/// Seconds since the epoch, for snapshot normalisation.
pub fn now() -> u64 {
    now_secs()
}
