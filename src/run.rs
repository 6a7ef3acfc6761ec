//! A run: stream the cases, send them, judge each exchange as it arrives and fold it into the
//! aggregate, run the run-wide checks on the ledger, shrink the findings' exemplars, and build
//! the `RunReport` every reporter renders (the model lives in `model`, re-exported here).
//!
//! Owns: the order of the pipeline, its configuration, errors and events. Must not: print
//! (reporters do), judge on its own (checks do), or keep exchanges past their judging (the
//! aggregate keeps what findings need).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::aggregate::Aggregate;
use crate::checks::{self, CaseContext, Ledger, RunContext};
use crate::exec::{ExecConfig, Executor, Observation, Target, TransportErrorKind};
use crate::generate::select::{self, Focus, Keep, Partition, SelectError, Selection};
use crate::generate::{self, curl, Case, Plan};
use crate::profile::Profile;
use crate::sanitize::Sanitizer;
use crate::shrink::{Problem, Shrinker};
use crate::spec::{self, Severity, Testability};

pub use crate::model::*;

/// Characters of a response body kept in a finding.
const BODY_EXCERPT: usize = 2000;

/// Where to send the cases.
#[derive(Debug, Clone)]
pub enum TargetSpec {
    /// Start the reference server in-process on an ephemeral loopback port.
    Embedded,
    Url(reqwest::Url),
    /// `--issuer`: the registration endpoint is read from the issuer's metadata before the run
    /// (see [`resolve_issuer`]).
    Issuer(Issuer),
    /// `--mcp-server`: the registration endpoint is found by following the MCP discovery chain
    /// (see [`crate::mcp::discover`]), which is judged too.
    Mcp(reqwest::Url),
}

/// An authorization server's issuer identifier, as given and as parsed.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// As given: RFC 8414 §3.3 compares the document's `issuer` with it exactly, and parsing
    /// would change it (a trailing `/`, case, percent-encoding).
    pub id: String,
    pub url: reqwest::Url,
}

/// Where `--issuer` led: the registration endpoint and the metadata document naming it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub endpoint: reqwest::Url,
    pub metadata: reqwest::Url,
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
    /// `--cert`/`--key`: the client certificate offered to servers that ask for one.
    pub client_identity: Option<crate::exec::ClientIdentity>,
    /// `--insecure`: accept any server certificate; the report says so and skips the TLS rows.
    pub insecure: bool,
    /// The discovery document to check; `None` derives one from an https target's origin.
    pub discovery: Option<reqwest::Url>,
    /// `--strict`: Derived rows, and the rows the rulebook marks, FAIL instead of WARN.
    pub strict: bool,
    /// `--require-token`: a registration accepted without the initial access token FAILs.
    pub require_token: bool,
    /// `--cleanup`: delete the clients the run registered once it is over (RFC 7592 §2.3).
    pub cleanup: bool,
    /// `--token-endpoint`: where issued credentials are tried; else the metadata's.
    pub token_endpoint: Option<reqwest::Url>,
    /// `--software-statement-key` and `--software-statement-iss`: a key the server trusts for
    /// software statements. The embedded server trusts one the run generates.
    pub software_statement: Option<crate::generate::statements::TrustedSigner>,
    /// `--mcp-rev`: the MCP revision an `--mcp-server` run is judged by.
    pub mcp_revision: crate::mcp::Revision,
    /// `--allow-private`: the MCP chain may follow URLs on private addresses.
    pub allow_private: bool,
    /// Follow loopback URLs a remote MCP server's documents name (`--allow-http-loopback`).
    pub allow_http_loopback: bool,
    /// `--partition hash:M/N`: send only this shard's share of the generated cases.
    pub partition: Option<Partition>,
    /// `--requirement`, `--check`: report only these rows, and send only what they need
    /// (see [`focus_on`]).
    pub focus: Option<Focus>,
    /// Ends the run early when set (Ctrl-C): shared by every clone of the configuration.
    pub stop: Stop,
}

/// The issuer of the software statements the embedded server trusts when the user gives no
/// key of their own.
pub const EMBEDDED_STATEMENT_ISSUER: &str = "https://statements.dcrcheck.test";

/// How long requests in flight may still finish once a run is stopped.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// A stop signal for a run: once set, no new case is sent, requests in flight get
/// [`STOP_GRACE`], the final probes, transport probes and shrinking are skipped, and the
/// report is marked incomplete.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<StopInner>);

#[derive(Debug, Default)]
struct StopInner {
    stopped: AtomicBool,
    notify: tokio::sync::Notify,
}

impl Stop {
    pub fn stop(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    /// Resolves [`STOP_GRACE`] after the stop (never, if the run is not stopped).
    async fn grace_over(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_stopped() {
                break;
            }
            notified.await;
        }
        tokio::time::sleep(STOP_GRACE).await;
    }
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
            client_identity: None,
            insecure: false,
            discovery: None,
            strict: false,
            require_token: false,
            cleanup: false,
            token_endpoint: None,
            software_statement: None,
            mcp_revision: crate::mcp::Revision::NEWEST,
            allow_private: false,
            allow_http_loopback: false,
            partition: None,
            focus: None,
            stop: Stop::default(),
        }
    }

    /// The cases this run sends, of all its plan makes.
    pub fn selection(&self) -> Selection {
        Selection {
            partition: self.partition,
            focus: self.focus.clone(),
        }
    }

    /// How findings are graded for this run.
    pub fn policy(&self) -> crate::checks::Policy {
        crate::checks::Policy {
            strict: self.strict,
            require_token: self.require_token,
            has_token: self.token.is_some(),
        }
    }
}

/// Generated cases per run unless `--cases` says otherwise.
pub const DEFAULT_CASES: usize = 200;

/// Checks that report on the rows the judged case carries (its `requirements`), and on the
/// open-registration row for the baseline, which every run sends: a focused run keeps their
/// verdicts by sending the cases that carry its rows.
const CARRIER_CHECKS: &[&str] = &[
    "valid_request_is_registered",
    "invalid_request_is_not_registered",
];

/// Per-case checks that judge only particular fixed probes (the token probes, the CORS
/// preflight), whatever rows those carry: a focused run keeps their verdicts by sending every
/// probe.
const PROBE_CHECKS: &[&str] = &[
    "unauthorized_without_valid_token",
    "cors_preflight_allows_origin",
];

/// What a focused run must send so that a row `check` reports on gets the verdict it gets in
/// a whole run.
fn keep_for(check: &str) -> Keep {
    if CARRIER_CHECKS.contains(&check) {
        return Keep::Carriers;
    }
    if PROBE_CHECKS.contains(&check) {
        return Keep::Probes;
    }
    match checks::check(check).map(|c| c.kind) {
        // Run-wide checks compare the run's registrations with each other and read the final
        // GET: the fixed probes make several registrations (two confidential clients, two
        // asking for one client_id) and the GET, whatever rows they carry.
        Some(checks::Kind::Run(_)) => Keep::Probes,
        // The RFC 7592 conversation registers its own clients after the stream.
        Some(checks::Kind::Manage(_)) => Keep::Carriers,
        // The MCP chain is followed before any case.
        Some(checks::Kind::Mcp(_)) => Keep::Carriers,
        // Any other per-case check judges whatever answer any case gets (a 5xx, a success
        // body, an error body), and which payload shows a defect is the server's business: a
        // 500 for a 41-character client_name comes from some random payload. Only the whole
        // stream gives the whole run's verdict.
        Some(checks::Kind::Case(_)) | None => Keep::Everything,
    }
}

/// Resolves `--requirement` prefixes and `--check` names into the rows a focused run reports
/// (a check selects every row it covers, see [`checks::covering_checks`]), and works out what
/// the run must send to give each of them the verdict a whole run gives it. `None` when
/// neither is given: the run reports every row.
pub fn focus_on(
    profile: Profile,
    requirements: &[String],
    check_names: &[String],
) -> Result<Option<Focus>, SelectError> {
    if requirements.is_empty() && check_names.is_empty() {
        return Ok(None);
    }
    let mut rows = select::requirement_rows(profile, requirements)?;
    for asked in check_names {
        let Some(check) = checks::check(asked.trim()) else {
            return Err(SelectError::UnknownCheck {
                asked: asked.clone(),
                close: select::close_names(asked.trim(), checks::CHECKS.iter().map(|c| c.name)),
            });
        };
        let covered: Vec<&'static str> = spec::REQUIREMENTS
            .iter()
            .filter(|r| profile.applies(r) && checks::covering_checks(r.id).contains(&check.name))
            .map(|r| r.id)
            .collect();
        if covered.is_empty() {
            return Err(SelectError::CheckOutsideProfile {
                asked: asked.clone(),
                profile,
            });
        }
        rows.extend(covered);
    }
    let keep = rows
        .iter()
        .flat_map(|r| checks::covering_checks(r))
        .map(keep_for)
        .max()
        .unwrap_or(Keep::Carriers);
    Ok(Some(Focus::new(rows, keep)))
}

/// Why a run could not happen (not a finding about the server).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("target {url} could not be reached: {message}")]
    Unreachable { url: String, message: String },
    #[error("target {url} stopped answering the first request: {message}")]
    Stalled { url: String, message: String },
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
    #[error("interrupted while waiting for the first answer from {url}: nothing was judged, so no report was written")]
    Interrupted { url: String },
    #[error("issuer {issuer}: no usable metadata: {tried}")]
    NoIssuerMetadata { issuer: String, tried: String },
    #[error("software statements: {0}")]
    Statement(#[from] crate::jose::JoseError),
    #[error("MCP server {url} could not be reached: {message}")]
    McpUnreachable { url: String, message: String },
}

impl RunError {
    /// The documented exit code for this error: a configuration the run could not use is a
    /// usage error (2); a target that could not be reached or used is 3.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Exec(_)
            | RunError::Schema(_)
            | RunError::Fixture(_)
            | RunError::Statement(_) => crate::exit_code::USAGE,
            RunError::Unreachable { .. }
            | RunError::Stalled { .. }
            | RunError::NeedsToken { .. }
            | RunError::NoIssuerMetadata { .. }
            | RunError::McpUnreachable { .. }
            | RunError::EmbeddedServer(_) => crate::exit_code::UNREACHABLE,
            RunError::Interrupted { .. } => crate::exit_code::INTERRUPTED,
        }
    }
}

/// Progress of a run, for live reporters.
pub enum Event<'a> {
    /// `--issuer` was resolved, before anything is sent to the registration endpoint.
    TargetResolved {
        issuer: &'a str,
        endpoint: &'a str,
        metadata: &'a str,
    },
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
        TargetSpec::Url(url) => run_against(config, url.clone(), false, None, on_event).await,
        TargetSpec::Mcp(server) => {
            // An MCP server is judged by the mcp profile unless another than the default
            // rfc7591 (which mcp extends) was asked for.
            let config = &RunConfig {
                profile: match config.profile {
                    Profile::Rfc7591 => Profile::Mcp,
                    other => other,
                },
                ..config.clone()
            };
            let executor = executor_for(
                &RunConfig {
                    token: None,
                    ..config.clone()
                },
                server,
            )?;
            let chain = tokio::select! {
                chain = crate::mcp::discover(
                    &executor,
                    server,
                    config.mcp_revision,
                    crate::mcp::Follow::starting_at(server, config.allow_private, config.allow_http_loopback),
                ) => chain,
                () = config.stop.grace_over() => {
                    return Err(RunError::Interrupted { url: server.to_string() })
                }
            };
            if let (None, Some(e)) = (&chain.initial.response, &chain.initial.transport_error) {
                return Err(RunError::McpUnreachable {
                    url: server.to_string(),
                    message: e.message.clone(),
                });
            }
            let Some(endpoint) = chain.registration_endpoint() else {
                // The chain's findings are the report: there is nothing to register with.
                let began = Instant::now();
                let mut agg = Aggregate::new(config.profile);
                let verdicts = checks::judge_mcp(config.profile, config.policy(), &chain);
                agg.add(None, focused(config.focus.as_ref(), verdicts));
                let mut report = build_report(
                    config,
                    server,
                    false,
                    &agg,
                    &HashMap::new(),
                    began.elapsed(),
                );
                report.summary.requests = chain.requests();
                report.mcp = Some(mcp_discovery(&chain));
                on_event(Event::Finished { report: &report });
                return Ok(report);
            };
            on_event(Event::TargetResolved {
                issuer: chain.issuer.as_deref().unwrap_or_default(),
                endpoint: endpoint.as_str(),
                metadata: chain.asm.as_ref().map_or("", |a| a.url.as_str()),
            });
            run_against(config, endpoint, false, Some(&chain), on_event).await
        }
        TargetSpec::Issuer(issuer) => {
            let found = tokio::select! {
                found = resolve_issuer(config, issuer) => found?,
                () = config.stop.grace_over() => {
                    return Err(RunError::Interrupted { url: issuer.id.clone() })
                }
            };
            on_event(Event::TargetResolved {
                issuer: &issuer.id,
                endpoint: found.endpoint.as_str(),
                metadata: found.metadata.as_str(),
            });
            // Judged exactly as `--target` on the endpoint found: the discovery checks derive
            // their document from the target as usual (an explicit document would turn a
            // plain-http loopback server's skipped TLS rows into FAILs that `--target` on the
            // same server does not give).
            run_against(config, found.endpoint, false, None, on_event).await
        }
        TargetSpec::Embedded => {
            // The embedded server trusts the user's statement key, or one made for this run
            // (ES256: an RSA key would double the default run's time), so the rows only a
            // trusted statement proves are judged too.
            let trusted = match config.software_statement.clone() {
                Some(t) => t,
                None => crate::generate::statements::TrustedSigner {
                    key: tokio::task::spawn_blocking(|| {
                        crate::jose::SigningKey::generate(crate::jose::Alg::Es256)
                    })
                    .await
                    .map_err(|e| RunError::EmbeddedServer(e.to_string()))??,
                    issuer: EMBEDDED_STATEMENT_ISSUER.to_string(),
                },
            };
            // Over TLS, so the transport rows are judged too; the run trusts its generated CA.
            let server = crate::server::start(
                std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                crate::server::ServerConfig {
                    initial_access_token: config.token.clone(),
                    tls: true,
                    trusted_statement: Some(crate::server::TrustedStatementIssuer {
                        issuer: trusted.issuer.clone(),
                        jwk: trusted.key.public_jwk().clone(),
                    }),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| RunError::EmbeddedServer(e.to_string()))?;
            let url = format!("{}{}", server.base_url(), config.profile.embedded_path());
            let url =
                reqwest::Url::parse(&url).map_err(|e| RunError::EmbeddedServer(e.to_string()))?;
            let mut config = config.clone();
            config.software_statement = Some(trusted);
            let mut pem = config.ca_cert.take().unwrap_or_default();
            pem.extend_from_slice(server.ca_cert_pem().unwrap_or_default().as_bytes());
            config.ca_cert = Some(pem);
            let result = run_against(&config, url, true, None, on_event).await;
            server.shutdown().await;
            result
        }
    }
}

/// Reads the issuer's metadata (RFC 8414 §3.1 path insertion, then OpenID Connect Discovery
/// 1.0 §4) over the run's headers and TLS settings, never its initial access token: the first
/// 200 JSON object whose `issuer` is exactly the one given (RFC 8414 §3.3) and that names an
/// absolute http(s) `registration_endpoint` gives the target.
pub async fn resolve_issuer(config: &RunConfig, issuer: &Issuer) -> Result<Resolved, RunError> {
    let executor = executor_for(
        &RunConfig {
            token: None,
            ..config.clone()
        },
        &issuer.url,
    )?;
    let mut tried = Vec::new();
    for metadata in crate::exec::issuer_metadata_urls(&issuer.url) {
        let obs = executor.get_document(&metadata).await;
        match metadata_endpoint(&obs, &issuer.id) {
            Ok(endpoint) => return Ok(Resolved { endpoint, metadata }),
            Err(why) => tried.push(format!("GET {metadata}: {why}")),
        }
    }
    Err(RunError::NoIssuerMetadata {
        issuer: issuer.id.clone(),
        tried: tried.join("; "),
    })
}

/// The registration endpoint a metadata answer gives for `issuer`, or why it gives none.
fn metadata_endpoint(obs: &Observation, issuer: &str) -> Result<reqwest::Url, String> {
    let response = match (&obs.response, &obs.transport_error) {
        (Some(r), _) => r,
        (None, Some(e)) => return Err(e.message.clone()),
        (None, None) => return Err("no answer".into()),
    };
    if response.status != 200 {
        return Err(format!("status {}", response.status));
    }
    let Some(document) = obs.json_object() else {
        return Err("status 200 but not a JSON object".into());
    };
    match document.get("issuer") {
        Some(Value::String(found)) if found == issuer => {}
        Some(Value::String(found)) => {
            return Err(format!("issuer is \"{found}\", not the given \"{issuer}\""))
        }
        Some(other) => return Err(format!("issuer is {other}, not a string")),
        None => return Err("no issuer".into()),
    }
    let raw = match document.get("registration_endpoint") {
        Some(Value::String(raw)) => raw,
        Some(other) => return Err(format!("registration_endpoint is {other}, not a string")),
        None => return Err("no registration_endpoint".into()),
    };
    reqwest::Url::parse(raw)
        .ok()
        .filter(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
        .ok_or_else(|| format!("registration_endpoint \"{raw}\" is not an absolute http(s) URL"))
}

async fn run_against(
    config: &RunConfig,
    url: reqwest::Url,
    embedded: bool,
    mcp: Option<&crate::mcp::Chain>,
    on_event: &mut dyn FnMut(Event),
) -> Result<RunReport, RunError> {
    let began = Instant::now();
    let profile = config.profile;
    let policy = config.policy();
    let schemas = profile.schemas()?;
    let executor = executor_for(config, &url)?;
    let plan = Plan {
        profile,
        seed: config.seed,
        cases: config.cases,
        has_token: config.token.is_some(),
    };
    let selection = config.selection();
    let mut cases = select::select(&plan, &selection);
    let finals = select::final_probes(profile, &selection);
    // A focused run judges only its rows: verdicts on others are dropped before they reach
    // the aggregate, so they make no findings and cost no shrinking.
    let focus = config.focus.as_ref();
    // The MCP revision the client rows are judged by: the chain's, or under `--profile mcp`
    // the one asked; none when a focused run reports no MCP row.
    let mcp_revision = mcp
        .map(|c| c.revision)
        .or_else(|| profile.is_mcp().then_some(config.mcp_revision))
        .filter(|_| {
            focus.is_none_or(|f| {
                spec::REQUIREMENTS
                    .iter()
                    .any(|r| r.id.starts_with("MCP-") && f.reports(r.id))
            })
        });
    let mcp_cases = mcp_revision.map_or_else(Vec::new, crate::generate::mcp::cases);
    let total = cases.total()
        + finals.len()
        + crate::generate::statements::count(config.software_statement.is_some())
        + mcp_cases.len();
    let reported = |verdicts| focused(focus, verdicts);
    on_event(Event::Started {
        target: url.as_str(),
        cases: total,
    });

    // The first case is the baseline: if it cannot get through, nothing else will.
    let first = cases.next().ok_or_else(|| RunError::Unreachable {
        url: url.to_string(),
        message: "no cases to send".into(),
    })?;
    let stop = &config.stop;
    let first_obs = tokio::select! {
        obs = executor.send(&first) => obs,
        () = stop.grace_over() => return Err(RunError::Interrupted { url: url.to_string() }),
    };
    if let Some(err) = &first_obs.transport_error {
        match err.kind {
            TransportErrorKind::Connect => {
                return Err(RunError::Unreachable {
                    url: url.to_string(),
                    message: err.message.clone(),
                })
            }
            TransportErrorKind::Timeout | TransportErrorKind::Incomplete => {
                return Err(RunError::Stalled {
                    url: url.to_string(),
                    message: err.message.clone(),
                })
            }
            TransportErrorKind::Dropped | TransportErrorKind::Other => {}
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

    // Each exchange is judged as it arrives and folded into the aggregate; only findings'
    // exemplars outlive it.
    let now = now_secs();
    // The server's metadata, when a document names this endpoint: the checks compare what is
    // registered with what it advertises.
    let discovery = if stop.is_stopped() {
        None
    } else {
        executor.find_metadata(config.discovery.as_ref()).await
    };
    let metadata_requests = discovery.as_ref().map_or(0, |d| d.attempts);
    // An MCP run already holds its authorization server's metadata, wherever the issuer put it.
    let metadata = mcp
        .and_then(|c| c.asm.as_ref())
        .map(|a| &a.document)
        .or_else(|| discovery.as_ref().and_then(|d| d.metadata_for(&url)));
    let mut agg = Aggregate::new(profile);
    match mcp {
        Some(chain) => agg.add(None, reported(checks::judge_mcp(profile, policy, chain))),
        None if profile.is_mcp() => agg.add(
            None,
            reported(checks::skipped(
                profile,
                policy,
                &checks::mcp_chain_rows(),
                "judged on the discovery chain: start from the MCP server with --mcp-server URL",
            )),
        ),
        None => {}
    }
    let mut ledger = Ledger::default();
    let mut tally = Tally::default();
    let mut created = crate::cleanup::Created::new(config.cleanup);
    let mut done = 0;
    let mut fold = |case: &Case, obs: &Observation| {
        let ctx = CaseContext {
            profile,
            case,
            observation: obs,
            schemas: &schemas,
            now,
            policy,
            metadata,
        };
        agg.add(Some((case, obs)), reported(checks::judge_case(&ctx)));
        ledger.record(case, obs);
        created.record(obs);
        tally.count(obs);
        done += 1;
        on_event(Event::CaseFinished { done, total, case });
    };
    fold(&first, &first_obs);
    // Once stopped, nothing new is scheduled and what is in flight gets a grace period.
    tokio::select! {
        () = executor.run_stream(cases.take_while(|_| !stop.is_stopped()), &mut fold) => {}
        () = stop.grace_over() => {}
    }
    // Final probes read what the others left behind, so they go once all of those are done.
    if !stop.is_stopped() {
        tokio::select! {
            () = executor.run_stream(finals.into_iter(), &mut fold) => {}
            () = stop.grace_over() => {}
        }
    }

    // The registrations an MCP client makes.
    if !mcp_cases.is_empty() && !stop.is_stopped() {
        tokio::select! {
            () = executor.run_stream(mcp_cases.into_iter(), &mut fold) => {}
            () = stop.grace_over() => {}
        }
    }

    // Software statements, signed now so their times are fresh.
    let wants_statements = focus.is_none_or(|f| {
        crate::generate::statements::REQUIREMENTS
            .iter()
            .any(|r| f.reports(r))
    });
    const CREDENTIAL_ROWS: &[&str] = &[
        "R7591-3.2.1-k",
        "R6749-5.2-a",
        "R7591-3.2.1-l",
        "R7523-2.2-a",
        "R7523-3-a",
    ];
    let wants_credentials = focus.is_none_or(|f| CREDENTIAL_ROWS.iter().any(|r| f.reports(r)));
    let keys = if (wants_statements || wants_credentials) && !stop.is_stopped() {
        Some(crate::generate::statements::StatementKeys::generate(
            config.software_statement.clone(),
        )?)
    } else {
        None
    };
    if let Some(keys) = keys.as_ref().filter(|_| wants_statements) {
        let statement_cases = crate::generate::statements::cases(profile, keys, now_secs())?;
        tokio::select! {
            () = executor.run_stream(statement_cases.into_iter(), &mut fold) => {}
            () = stop.grace_over() => {}
        }
        if keys.trusted.is_none() {
            agg.add(
                None,
                reported(checks::skipped(
                    profile,
                    policy,
                    crate::generate::statements::TRUSTED_REQUIREMENTS,
                    "needs a statement the server trusts: give --software-statement-key and --software-statement-iss",
                )),
            );
        }
    }

    // The RFC 7592 conversation registers clients of its own, so it waits for the stream; a
    // focused run sends it only when it reports a management row.
    let wants_management = focus.is_none_or(|f| {
        checks::CHECKS
            .iter()
            .filter(|c| matches!(c.kind, checks::Kind::Manage(_)))
            .flat_map(|c| c.requirements.iter())
            .any(|r| f.reports(r))
    });
    let mut management_requests = 0;
    if wants_management && !stop.is_stopped() {
        let conversation = tokio::select! {
            c = crate::manage::converse(&executor, &first) => Some(c),
            () = stop.grace_over() => None,
        };
        if let Some(conv) = conversation {
            management_requests = conv.requests();
            record_conversation(&mut created, &conv);
            fold_conversation(&mut agg, profile, policy, &conv, &reported);
        }
    }

    // An MCP client goes on to the authorization endpoint: what it does there with a
    // registered public client and four variants of the request.
    if let Some(revision) = mcp_revision.filter(|_| !stop.is_stopped()) {
        let start = mcp.map_or(&url, |c| &c.server);
        let follow = crate::mcp::Follow::starting_at(
            start,
            config.allow_private,
            config.allow_http_loopback,
        );
        match authorization_endpoint(metadata, follow) {
            Ok(endpoint) => {
                let client = crate::generate::mcp::public_client(
                    revision,
                    &crate::generate::mcp::loopback("127.0.0.1"),
                );
                let conversation = tokio::select! {
                    c = crate::manage::probe_authorization(&executor, &first, client, &endpoint) => Some(c),
                    () = stop.grace_over() => None,
                };
                if let Some(conv) = conversation {
                    management_requests += conv.requests();
                    record_steps(&mut created, &conv);
                    fold_conversation(&mut agg, profile, policy, &conv, &reported);
                }
            }
            Err(why) => agg.add(
                None,
                reported(checks::skipped(profile, policy, AUTHORIZE_ROWS, &why)),
            ),
        }
    }

    // Issued credentials at the token endpoint, when one is known; private_key_jwt clients
    // register a key made for this run.
    let token_endpoint = config
        .token_endpoint
        .as_ref()
        .map(|u| u.to_string())
        .or_else(|| {
            metadata
                .and_then(|m| m.get("token_endpoint"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    // private_key_jwt only where the metadata lists it (or there is no metadata to ask): a
    // server that registers a method it does not list is already WARN on R7591-3.2.1-g.
    let pkjwt_listed = metadata.is_none_or(|m| {
        m.get("token_endpoint_auth_methods_supported")
            .and_then(Value::as_array)
            .is_some_and(|l| {
                l.iter()
                    .any(|v| v == crate::spec::names::AUTH_PRIVATE_KEY_JWT)
            })
    });
    let assertion_key = match keys.as_ref() {
        Some(keys) if pkjwt_listed && wants_credentials && token_endpoint.is_some() => {
            Some(assertion_key(metadata, keys).await?)
        }
        _ => None,
    };
    if wants_credentials && !stop.is_stopped() && token_endpoint.is_some() && !pkjwt_listed {
        agg.add(
            None,
            reported(checks::skipped(
                profile,
                policy,
                &["R7523-2.2-a", "R7523-3-a"],
                "the metadata's token_endpoint_auth_methods_supported does not list private_key_jwt",
            )),
        );
    }
    if wants_credentials && !stop.is_stopped() {
        match &token_endpoint {
            Some(endpoint) => {
                let conversation = tokio::select! {
                    c = crate::manage::use_credentials(
                        &executor,
                        &first,
                        endpoint,
                        assertion_key.as_ref(),
                    ) => Some(c),
                    () = stop.grace_over() => None,
                };
                if let Some(conv) = conversation {
                    management_requests += conv.requests();
                    record_steps(&mut created, &conv);
                    fold_conversation(&mut agg, profile, policy, &conv, &reported);
                }
            }
            None => agg.add(
                None,
                reported(checks::skipped(
                    profile,
                    policy,
                    CREDENTIAL_ROWS,
                    "no token endpoint: the server's metadata names none (give --token-endpoint)",
                )),
            ),
        }
    }

    let probes = if stop.is_stopped() {
        crate::exec::TransportProbes::none(url.clone())
    } else {
        executor.probe_transport(&first, discovery.as_ref()).await?
    };
    agg.add(
        None,
        reported(checks::judge_run(&RunContext {
            profile,
            policy,
            ledger: &ledger,
            probes: &probes,
            metadata: discovery
                .as_ref()
                .filter(|d| d.explicit || d.metadata_for(&url).is_some()),
        })),
    );

    let mut shrinker = Shrinker {
        executor: &executor,
        profile,
        schemas: &schemas,
        now,
        policy,
        budget: config.shrink_budget,
        created: &mut created,
        metadata,
    };
    let mut shrunk = HashMap::new();
    let work: Vec<(Problem, Case)> = agg
        .shrinkable()
        .map(|(p, c)| (p.clone(), c.clone()))
        .collect();
    for (problem, case) in work {
        if shrinker.budget == 0 || stop.is_stopped() {
            break;
        }
        if let Some(smaller) = shrinker.shrink(&case, &problem).await {
            shrunk.insert(problem, smaller);
        }
    }
    let resent = config.shrink_budget - shrinker.budget;
    let cleanup_requests = created.cleanup_requests();
    let clients = created.finish(&executor, config.exec.concurrency).await;
    let mut report = build_report(config, &url, embedded, &agg, &shrunk, began.elapsed());
    report.summary.cases = tally.cases;
    report.summary.requests = tally.cases
        + resent
        + probes.requests()
        + management_requests
        + cleanup_requests
        + metadata_requests
        + mcp.map_or(0, |c| c.requests());
    report.clients = clients;
    report.mcp = mcp.map(mcp_discovery);
    report.summary.transport_errors = tally.transport_errors;
    report.summary.rate_limited = tally.rate_limited;
    report.summary.truncated = tally.truncated;
    report.complete = !stop.is_stopped();
    on_event(Event::Finished { report: &report });
    Ok(report)
}

/// The report's account of an MCP discovery chain.
fn mcp_discovery(chain: &crate::mcp::Chain) -> crate::model::McpDiscovery {
    crate::model::McpDiscovery {
        server: chain.server.to_string(),
        revision: chain.revision.label().to_string(),
        hops: chain.hops.clone(),
    }
}

/// The key a `private_key_jwt` client registers, made for this run: ES256 where the
/// metadata's `token_endpoint_auth_signing_alg_values_supported` lists it (made in
/// microseconds), else RS256, the algorithm servers support most widely (0.05–0.8 s of CPU,
/// so only when needed). Never the published RS256 test key the statements use: anyone could
/// sign for a client registered with it.
async fn assertion_key(
    metadata: Option<&serde_json::Map<String, Value>>,
    keys: &crate::generate::statements::StatementKeys,
) -> Result<crate::jose::SigningKey, RunError> {
    let es256_listed = metadata
        .and_then(|m| m.get("token_endpoint_auth_signing_alg_values_supported"))
        .and_then(Value::as_array)
        .is_some_and(|algs| algs.iter().any(|a| a == "ES256"));
    if es256_listed {
        return Ok(keys.run_es256.clone());
    }
    tokio::task::spawn_blocking(|| crate::jose::SigningKey::generate(crate::jose::Alg::Rs256))
        .await
        .map_err(|e| RunError::Statement(crate::jose::JoseError::Key(e.to_string())))?
        .map_err(RunError::Statement)
}

/// Judges a conversation's steps into the aggregate, each verdict with the step that showed
/// it, after remembering the secrets its answers carried (later steps send them back).
fn fold_conversation(
    agg: &mut Aggregate,
    profile: Profile,
    policy: checks::Policy,
    conv: &crate::manage::Conversation,
    reported: &dyn Fn(Vec<checks::Verdict>) -> Vec<checks::Verdict>,
) {
    for step in &conv.steps {
        agg.remember_secrets(&step.observation);
        // A client assertion authenticates like a secret for its few minutes of life.
        if let crate::generate::Body::Raw(form) = &step.case.request.body {
            for (name, value) in url::form_urlencoded::parse(form.as_bytes()) {
                if name == "client_assertion" {
                    agg.remember_secret(&value);
                }
            }
        }
    }
    for (index, verdicts) in checks::judge_management(profile, policy, conv) {
        let exchange = index
            .and_then(|i| conv.steps.get(i))
            .map(|s| (&s.case, &s.observation));
        agg.add(exchange, reported(verdicts));
    }
}

/// `verdicts` without those on rows a focused run does not report: they make no findings and
/// cost no shrinking.
fn focused(focus: Option<&Focus>, mut verdicts: Vec<checks::Verdict>) -> Vec<checks::Verdict> {
    if let Some(f) = focus {
        verdicts.retain(|v| f.reports(v.requirement));
    }
    verdicts
}

/// The rows the authorization endpoint probes judge.
const AUTHORIZE_ROWS: &[&str] = &["MCP-REDIR-d", "MCP-REDIR-e", "MCP-PKCE-a"];

/// The authorization endpoint the metadata names, if the run may send to it (https or
/// loopback as `follow` allows); `Err` says why not.
fn authorization_endpoint(
    metadata: Option<&serde_json::Map<String, Value>>,
    follow: crate::mcp::Follow,
) -> Result<reqwest::Url, String> {
    let metadata = metadata.ok_or("no authorization server metadata names this endpoint")?;
    let raw = metadata
        .get("authorization_endpoint")
        .and_then(Value::as_str)
        .ok_or("the authorization server metadata names no authorization_endpoint")?;
    let url = reqwest::Url::parse(raw)
        .map_err(|e| format!("authorization_endpoint {raw} is not a URL: {e}"))?;
    crate::mcp::followable(&url, follow)?;
    Ok(url)
}

/// Remembers every client a conversation's steps registered, for the cleanup.
fn record_steps(created: &mut crate::cleanup::Created, conv: &crate::manage::Conversation) {
    for step in &conv.steps {
        created.record(&step.observation);
    }
}

/// Counts the conversation's registrations as the run's, and its deletes as done.
fn record_conversation(created: &mut crate::cleanup::Created, conv: &crate::manage::Conversation) {
    use crate::manage::StepName;
    for (register, delete) in [
        (StepName::Register, StepName::Delete),
        (StepName::RegisterOther, StepName::DeleteOther),
    ] {
        let Some(step) = conv.step(register) else {
            continue;
        };
        created.record(&step.observation);
        let id = step
            .observation
            .success_body()
            .and_then(|b| b.get(crate::spec::names::CLIENT_ID))
            .and_then(Value::as_str);
        let gone = conv
            .step(delete)
            .and_then(|s| s.observation.response.as_ref())
            .is_some_and(|r| (200..300).contains(&r.status));
        if let (Some(id), true) = (id, gone) {
            created.record_deleted(id);
        }
    }
}

/// Counts over every exchange of a run.
#[derive(Default)]
struct Tally {
    cases: usize,
    transport_errors: usize,
    rate_limited: usize,
    truncated: usize,
}

impl Tally {
    fn count(&mut self, obs: &Observation) {
        self.cases += 1;
        self.transport_errors += usize::from(obs.transport_error.is_some());
        self.rate_limited += obs.rate_limited as usize;
        self.truncated += usize::from(obs.response.as_ref().is_some_and(|r| r.truncated));
    }
}

/// Builds the report from the aggregate; `shrunk` holds the minimal reproduction found for a
/// problem, shown instead of its exemplar. Counts of what was sent are filled in by the caller.
/// Public so that the response-path fuzz builds its reports exactly as a run does.
pub fn build_report(
    config: &RunConfig,
    url: &reqwest::Url,
    embedded: bool,
    agg: &Aggregate,
    shrunk: &HashMap<Problem, (Case, Observation)>,
    elapsed: Duration,
) -> RunReport {
    let profile = config.profile;
    // Output shows only exemplars and minimal reproductions, so those are the secrets to mask.
    let mut sanitizer = Sanitizer::new(config.show_secrets);
    if let Some(t) = &config.token {
        sanitizer.add_secret(t);
    }
    for s in agg.secrets() {
        sanitizer.add_secret(s);
    }
    let observations = agg
        .groups()
        .iter()
        .filter_map(|g| g.exemplar.as_ref().map(|e| &e.observation))
        .chain(shrunk.values().map(|(_, o)| o));
    for obs in observations {
        if let Some(v) = obs.response.as_ref().and_then(|r| r.json()) {
            sanitizer.learn_from(v);
        }
    }
    let findings = findings(agg, shrunk, &sanitizer, config.token.is_some());
    let requirements = requirement_results(
        profile,
        agg,
        &findings,
        config.token.is_some(),
        config.focus.as_ref(),
        profile.is_mcp() || matches!(config.target, TargetSpec::Mcp(_)),
    );
    let mut summary = Summary {
        findings: findings.len(),
        duration_ms: elapsed.as_millis() as u64,
        ..Summary::default()
    };
    count_verdicts(&mut summary, &requirements);
    RunReport {
        version: REPORT_VERSION,
        tool: Tool {
            name: "dcrcheck".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: TargetInfo {
            url: url.to_string(),
            embedded,
        },
        profile,
        seed: config.seed,
        complete: true,
        insecure: config.insecure,
        partition: config.partition.map(|p| p.to_string()),
        summary,
        requirements,
        findings,
        conflicts: profile.conflicts().iter().map(Into::into).collect(),
        baseline: None,
        clients: Default::default(),
        mcp: None,
    }
}

fn findings(
    agg: &Aggregate,
    shrunk: &HashMap<Problem, (Case, Observation)>,
    sanitizer: &Sanitizer,
    has_token: bool,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = agg
        .groups()
        .iter()
        .map(|g| {
            let mut detail = g
                .exemplar
                .as_ref()
                .map_or_else(|| g.detail.clone(), |e| e.detail.clone());
            let exemplar = shrunk
                .get(&g.problem)
                .map(|(case, _)| &case.id)
                .or(g.exemplar.as_ref().map(|e| &e.case.id))
                .cloned()
                .unwrap_or_default();
            let (request, response, curl) = match (shrunk.get(&g.problem), &g.exemplar) {
                (Some((case, obs)), Some(e)) => {
                    detail = format!(
                        "{detail} (minimal reproduction: {} bytes, shrunk from {} bytes of {})",
                        case.request.body.len(),
                        e.case.request.body.len(),
                        e.case.id
                    );
                    describe(case, obs, sanitizer, has_token)
                }
                (None, Some(e)) => describe(&e.case, &e.observation, sanitizer, has_token),
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
                requirement: g.problem.requirement.into(),
                check: g.problem.check.into(),
                severity: g.severity,
                title: sanitizer.text(&g.title),
                detail: sanitizer.text(&detail),
                count: g.count,
                cases: g.cases.clone(),
                exemplar,
                kind: g.problem.kind.clone(),
                request,
                response,
                curl,
            }
        })
        .collect();
    number_findings(&mut findings);
    findings
}

/// Puts findings in report order (worst first, then by requirement, check and title) and
/// numbers them F1, F2... in that order. A run and a merge of shards both number this way, so
/// a finding's id depends only on the findings, not on which shard found what.
pub fn number_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, &a.requirement, &a.check, &a.title).cmp(&(
            b.severity,
            &b.requirement,
            &b.check,
            &b.title,
        ))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.id = format!("F{}", i + 1);
    }
}

/// Sets the summary's per-verdict counts from the requirement rows.
pub fn count_verdicts(summary: &mut Summary, rows: &[RequirementResult]) {
    summary.pass = 0;
    summary.fail = 0;
    summary.warn = 0;
    summary.info = 0;
    summary.skip = 0;
    summary.untested = 0;
    for r in rows {
        match r.verdict {
            RequirementVerdict::Pass => summary.pass += 1,
            RequirementVerdict::Fail => summary.fail += 1,
            RequirementVerdict::Warn => summary.warn += 1,
            RequirementVerdict::Info => summary.info += 1,
            RequirementVerdict::Skip => summary.skip += 1,
            RequirementVerdict::Untested => summary.untested += 1,
        }
    }
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
        url: sanitizer.text(&obs.request.url),
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
                Some(v) => {
                    let mut v = v.clone();
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
    agg: &Aggregate,
    findings: &[Finding],
    has_token: bool,
    focus: Option<&Focus>,
    mcp_run: bool,
) -> Vec<RequirementResult> {
    spec::REQUIREMENTS
        .iter()
        // The MCP rows: under `--profile mcp` and in `--mcp-server` runs.
        .filter(|r| mcp_run || !r.id.starts_with("MCP-"))
        .filter(|r| profile.applies(r) && focus.is_none_or(|f| f.reports(r.id)))
        .map(|r| {
            let state = agg.row(r.id).cloned().unwrap_or_default();
            let static_checks = checks::covering_checks(r.id);
            let (verdict, reason) = match (state.worst, state.passed) {
                (Some(Severity::Fail), _) => (RequirementVerdict::Fail, None),
                (Some(Severity::Warn), _) => (RequirementVerdict::Warn, None),
                (Some(Severity::Info), _) => (RequirementVerdict::Info, None),
                (None, true) => (RequirementVerdict::Pass, None),
                // A check that said why it could not judge gives the reason.
                (None, false) => match state.skip_reason {
                    Some(reason) => (RequirementVerdict::Skip, Some(reason)),
                    None => untested_reason(r, has_token, &static_checks),
                },
            };
            RequirementResult {
                id: r.id.into(),
                citation: r.citation(),
                level: r.level.as_str().into(),
                verdict,
                checks: static_checks.iter().map(|c| c.to_string()).collect(),
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
            client_identity: config.client_identity.clone(),
            insecure: config.insecure,
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
