//! Checks: small named rules, each tied to requirement ids, that turn a case and its
//! observation into verdicts. Run-wide checks read the run's aggregate (all observations).
//!
//! Owns: judging. Must not: do I/O, send requests, or format output. A server's misbehaviour
//! is a `Verdict`, never an `Err`.

mod error_body;
mod expect;
mod manage;
mod mcp;
mod metadata;
pub mod rulebook;
mod run_wide;
mod statement;
mod success;
mod tls;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::exec::{Observation, Response, TransportProbes};
use crate::generate::{Case, Method};
use crate::profile::{Profile, Schemas};
use crate::spec::Severity;

pub use rulebook::Policy;
pub use run_wide::Ledger;
pub use tls::is_loopback;

/// What one check concluded about one requirement for one case (or for the run).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub check: &'static str,
    pub requirement: &'static str,
    pub outcome: Outcome,
    /// What identifies the problem within its check and row, built from structured data (the
    /// outcome and the members a case changed), never from wording: findings group on
    /// (requirement, check, kind), so rewording a title changes no grouping or shrinking.
    pub kind: String,
    /// How the report names the problem.
    pub title: String,
    /// What this case showed.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Flag(Severity),
    Skip,
}

/// Everything a per-case check may read.
pub struct CaseContext<'a> {
    pub profile: Profile,
    pub case: &'a Case,
    pub observation: &'a Observation,
    pub schemas: &'a Schemas,
    /// Harness clock, seconds since the epoch, when the response arrived.
    pub now: u64,
    pub policy: Policy,
    /// The server's authorization server metadata (RFC 8414), when the run found a document
    /// naming the target as its registration endpoint.
    pub metadata: Option<&'a Map<String, Value>>,
}

impl CaseContext<'_> {
    pub fn response(&self) -> Option<&Response> {
        self.observation.response.as_ref()
    }
    pub fn status(&self) -> Option<u16> {
        self.response().map(|r| r.status)
    }
    pub fn body(&self) -> Option<&Map<String, Value>> {
        self.observation.json_object()
    }
    /// The JSON object the case sent, if it sent one.
    pub fn sent(&self) -> Option<&Map<String, Value>> {
        self.case.request.body.json_object()
    }
    /// The response body was longer than `--body-cap` and was cut: checks that need the whole
    /// body cannot judge it.
    pub fn truncated(&self) -> bool {
        self.response().is_some_and(|r| r.truncated)
    }
    /// The server answered 429 even after the retries: a rate limit (RFC 7591 §3 allows one),
    /// which says nothing about the request.
    pub fn rate_limited(&self) -> bool {
        self.status() == Some(429)
    }
    /// The server registered a client: a 2xx to a POST whose body is not an error.
    pub fn registered(&self) -> bool {
        self.case.request.method == Method::Post && self.observation.success_without_error()
    }
    /// The server refused with a client error.
    pub fn refused(&self) -> bool {
        self.status().is_some_and(|s| (400..500).contains(&s))
    }
    /// The case's first requirement that applies under the profile.
    pub fn case_requirement(&self) -> &'static str {
        self.case.row(self.profile).map_or("R7591-3-a", |r| r.id)
    }
    /// Passes every requirement of the case that applies under the profile.
    pub fn pass_case_requirements(&self, out: &mut Out) {
        for id in &self.case.requirements {
            if crate::spec::requirement(id).is_some_and(|r| self.profile.applies(r)) {
                out.pass(id);
            }
        }
    }
    /// Whether the case expected the server to refuse.
    pub fn expects_refusal(&self) -> bool {
        matches!(
            self.case.expectation,
            crate::generate::Expectation::Reject { .. }
                | crate::generate::Expectation::RejectOrSubstitute { .. }
        )
    }
}

/// Everything a run-wide check may read.
/// Everything a check on one step of the RFC 7592 conversation may read.
pub struct ManageContext<'a> {
    pub profile: Profile,
    pub policy: Policy,
    pub conversation: &'a crate::manage::Conversation,
    pub step: &'a crate::manage::Step,
}

/// Everything a check on the MCP discovery chain may read.
pub struct McpContext<'a> {
    pub chain: &'a crate::mcp::Chain,
}

pub struct RunContext<'a> {
    pub profile: Profile,
    /// What the run recorded for these checks as it streamed.
    pub ledger: &'a Ledger,
    /// What the transport probes (plain http, TLS 1.2, discovery) saw.
    pub probes: &'a TransportProbes,
    /// The metadata document the run read before its cases, over any scheme (the probes keep
    /// it only where the TLS rows judge it).
    pub metadata: Option<&'a crate::exec::DiscoveryProbe>,
    pub policy: Policy,
}

/// Collects verdicts for one check, graded by the rulebook: a flag is never more severe than
/// [`rulebook::ceiling`] allows for its requirement.
pub struct Out<'v> {
    check: &'static str,
    profile: Profile,
    policy: Policy,
    verdicts: &'v mut Vec<Verdict>,
}

impl Out<'_> {
    pub fn pass(&mut self, requirement: &'static str) {
        self.pass_with(requirement, String::new());
    }
    /// A PASS that says what it rests on.
    pub fn pass_with(&mut self, requirement: &'static str, detail: String) {
        self.push(
            requirement,
            Outcome::Pass,
            String::new(),
            String::new(),
            detail,
        );
    }
    /// A flag whose title is its identity: for titles that do not vary between cases.
    pub fn flag(
        &mut self,
        severity: Severity,
        requirement: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) {
        let title = title.into();
        self.flag_kind(severity, requirement, title.clone(), title, detail);
    }
    /// A flag identified by `kind` while its title names the case.
    pub fn flag_kind(
        &mut self,
        severity: Severity,
        requirement: &'static str,
        kind: String,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(
            requirement,
            Outcome::Flag(severity),
            kind,
            title.into(),
            detail.into(),
        );
    }
    pub fn fail(
        &mut self,
        requirement: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.flag(Severity::Fail, requirement, title, detail);
    }
    pub fn skip(&mut self, requirement: &'static str, reason: impl Into<String>) {
        self.push(
            requirement,
            Outcome::Skip,
            String::new(),
            reason.into(),
            String::new(),
        );
    }
    fn push(
        &mut self,
        requirement: &'static str,
        outcome: Outcome,
        kind: String,
        title: String,
        detail: String,
    ) {
        let outcome = match (outcome, crate::spec::requirement(requirement)) {
            (Outcome::Flag(asked), Some(row)) => {
                Outcome::Flag(rulebook::grade(asked, row, self.profile, self.policy))
            }
            (other, _) => other,
        };
        self.verdicts.push(Verdict {
            check: self.check,
            requirement,
            outcome,
            kind,
            title,
            detail,
        });
    }
}

type CaseFn = fn(&CaseContext, &mut Out);
type RunFn = fn(&RunContext, &mut Out);
type ManageFn = fn(&ManageContext, &mut Out);
type McpFn = fn(&McpContext, &mut Out);

#[derive(Clone, Copy)]
pub enum Kind {
    Case(CaseFn),
    Run(RunFn),
    /// Judges the steps of the RFC 7592 conversation.
    Manage(ManageFn),
    /// Judges the MCP discovery chain (`--mcp-server`).
    Mcp(McpFn),
}

/// A named check: a statement of what must be true.
pub struct Check {
    pub name: &'static str,
    /// Every requirement id the check can report on.
    pub requirements: &'static [&'static str],
    pub kind: Kind,
}

/// Every check dcrcheck runs, in reporting order.
pub static CHECKS: &[Check] = &[
    expect::VALID_REQUEST_IS_REGISTERED,
    expect::INVALID_REQUEST_IS_NOT_REGISTERED,
    expect::REFUSAL_USES_EXPECTED_STATUS,
    expect::REFUSAL_USES_EXPECTED_ERROR_CODE,
    expect::UNAUTHORIZED_WITHOUT_VALID_TOKEN,
    expect::NO_SERVER_ERROR,
    expect::EVERY_REQUEST_GETS_A_RESPONSE,
    expect::NO_REDIRECT_RESPONSE,
    expect::CORS_PREFLIGHT_ALLOWS_ORIGIN,
    success::SUCCESS_STATUS_IS_201,
    success::SUCCESS_BODY_IS_JSON_OBJECT,
    success::CLIENT_ID_IS_NONEMPTY_STRING,
    success::SECRET_EXPIRY_PRESENT_WHEN_SECRET_ISSUED,
    success::ISSUED_AT_IS_SECONDS_NEAR_NOW,
    success::REGISTERED_MEMBERS_ARE_RETURNED,
    success::REDIRECT_URIS_ECHOED_AS_SENT,
    success::JWKS_AND_JWKS_URI_NEVER_BOTH,
    success::SECRET_MATCHES_AUTH_METHOD,
    success::DEFAULTS_ARE_RETURNED,
    success::REGISTRATION_IS_SELF_CONSISTENT,
    success::GRANT_TYPES_USE_STANDARD_NAMES,
    success::MANAGEMENT_CREDENTIALS_COME_AS_A_PAIR,
    success::CREDENTIALS_ARE_NOT_CACHED,
    success::SUCCESS_BODY_MATCHES_SCHEMA,
    success::REGISTERED_VALUES_ARE_ADVERTISED,
    statement::TRUSTED_STATEMENT_CLAIMS_TAKE_PRECEDENCE,
    statement::USED_STATEMENT_IS_ECHOED_UNCHANGED,
    error_body::ERROR_STATUS_IS_400_WITH_JSON,
    error_body::ERROR_CODE_IS_ASCII_STRING,
    error_body::ERROR_BODY_HAS_NO_CLIENT_ID,
    error_body::ERROR_WITHOUT_SUCCESS_STATUS,
    error_body::ERROR_BODY_MATCHES_SCHEMA,
    run_wide::CLIENT_IDS_ARE_UNIQUE,
    run_wide::CLIENT_SECRETS_ARE_UNIQUE,
    run_wide::CLIENT_SECRETS_HAVE_128_BITS,
    run_wide::ENDPOINT_GET_EXPOSES_NO_CLIENTS,
    run_wide::CLIENT_ID_IS_NOT_CHOSEN_BY_CLIENT,
    tls::ENDPOINT_REQUIRES_TLS,
    tls::TLS12_HANDSHAKE_SUCCEEDS,
    tls::DISCOVERY_ADVERTISES_HTTPS_REGISTRATION_ENDPOINT,
    metadata::METADATA_ISSUER_MATCHES_ITS_URL,
    metadata::METADATA_ENDPOINTS_USE_HTTPS,
    metadata::ADVERTISED_VALUES_ARE_ACCEPTED,
    manage::MANAGEMENT_CREDENTIALS_COME_TOGETHER,
    manage::CLIENT_READ_RETURNS_ITS_METADATA,
    manage::CONFIGURATION_ENDPOINT_REQUIRES_THE_CLIENTS_TOKEN,
    manage::UNKNOWN_CLIENT_GETS_401,
    manage::UPDATE_REPLACES_THE_METADATA,
    manage::UPDATE_KEEPS_SERVER_ISSUED_IDENTIFIERS,
    manage::UPDATE_CANNOT_SET_THE_REGISTRATION_TOKEN,
    manage::UPDATE_REFUSES_OR_REPLACES_INVALID_VALUES,
    manage::DELETE_ANSWERS_204,
    manage::DELETED_CLIENT_TOKEN_IS_REVOKED,
    manage::ISSUED_CREDENTIALS_WORK,
    manage::WRONG_CLIENT_SECRET_IS_REFUSED,
    manage::EXPIRED_SECRET_IS_REFUSED,
    mcp::MCP_ENDPOINT_POINTS_TO_ITS_METADATA,
    mcp::PROTECTED_RESOURCE_METADATA_NAMES_ITS_SERVERS,
    mcp::AUTHORIZATION_SERVER_METADATA_IS_WHERE_CLIENTS_LOOK,
    mcp::AUTHORIZATION_SERVER_OFFERS_S256,
    mcp::AUTHORIZATION_SERVER_ENDPOINTS_USE_HTTPS,
    mcp::MCP_CLIENT_REGISTERS_AS_A_PUBLIC_CLIENT_WITHOUT_A_TOKEN,
    mcp::AUTHORIZATION_ENDPOINT_NEVER_REDIRECTS_TO_AN_UNREGISTERED_URI,
    mcp::AUTHORIZATION_ENDPOINT_ALLOWS_ANY_LOOPBACK_PORT,
    mcp::AUTHORIZATION_ENDPOINT_REQUIRES_S256,
];

/// Looks a check up by name.
pub fn check(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

/// Names of the checks that can report on a requirement: those that list it, plus the
/// expectation checks when some case exercises it.
pub fn covering_checks(id: &str) -> Vec<&'static str> {
    static EXERCISED: std::sync::OnceLock<std::collections::BTreeSet<&'static str>> =
        std::sync::OnceLock::new();
    let exercised = EXERCISED.get_or_init(crate::generate::exercised_requirements);
    let mut names: Vec<&'static str> = CHECKS
        .iter()
        .filter(|c| c.requirements.contains(&id))
        .map(|c| c.name)
        .collect();
    if exercised.contains(id) {
        for name in [
            expect::VALID_REQUEST_IS_REGISTERED.name,
            expect::INVALID_REQUEST_IS_NOT_REGISTERED.name,
        ] {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Checks that judge only the status line and headers: the ones that still run when the body
/// was cut at `--body-cap`.
const STATUS_ONLY: &[&str] = &[
    "no_server_error",
    "every_request_gets_a_response",
    "no_redirect_response",
    "success_status_is_201",
    "refusal_uses_expected_status",
    "credentials_are_not_cached",
];

/// Why a cut body skips the body checks (reported once per case as an INFO).
pub const TRUNCATED_TITLE: &str =
    "response body longer than --body-cap: checks that need the whole body were skipped";

/// Runs every per-case check on one exchange. A final 429 is not judged at all (a rate limit
/// says nothing about the request); a body cut at the cap is judged on its status only.
pub fn judge_case(ctx: &CaseContext) -> Vec<Verdict> {
    if ctx.rate_limited() {
        return Vec::new();
    }
    let truncated = ctx.truncated();
    let mut verdicts = judge_all(ctx.profile, ctx.policy, |check, out| {
        if let Kind::Case(f) = check.kind {
            if !truncated || STATUS_ONLY.contains(&check.name) {
                f(ctx, out);
            }
        }
    });
    if truncated {
        let cap = ctx.response().map_or(0, |r| r.body.len());
        Out {
            check: "success_body_is_json_object",
            profile: ctx.profile,
            policy: ctx.policy,
            verdicts: &mut verdicts,
        }
        .flag(
            Severity::Info,
            "R7591-3.2-b",
            TRUNCATED_TITLE,
            format!(
                "{}: status {}, first {cap} bytes kept",
                ctx.case.title,
                ctx.status().unwrap_or_default()
            ),
        );
    }
    verdicts
}

/// Runs every run-wide check.
pub fn judge_run(ctx: &RunContext) -> Vec<Verdict> {
    judge_all(ctx.profile, ctx.policy, |check, out| {
        if let Kind::Run(f) = check.kind {
            f(ctx, out);
        }
    })
}

/// Judges the RFC 7592 conversation: the verdicts of each step, by the step's index. When
/// the server offers no configuration endpoint, every management row the checks cover gets a
/// SKIP saying why (not attached to a step).
pub fn judge_management(
    profile: Profile,
    policy: Policy,
    conversation: &crate::manage::Conversation,
) -> Vec<(Option<usize>, Vec<Verdict>)> {
    let mut out: Vec<(Option<usize>, Vec<Verdict>)> = conversation
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let ctx = ManageContext {
                profile,
                policy,
                conversation,
                step,
            };
            let verdicts = judge_all(profile, policy, |check, out| {
                if let Kind::Manage(f) = check.kind {
                    f(&ctx, out);
                }
            });
            (Some(i), verdicts)
        })
        .collect();
    if let Some(reason) = &conversation.not_offered {
        let judged: std::collections::BTreeSet<&str> = out
            .iter()
            .flat_map(|(_, v)| v.iter().map(|v| v.requirement))
            .collect();
        let skips = judge_all(profile, policy, |check, o| {
            if let Kind::Manage(_) = check.kind {
                // Only the RFC 7592 rows: the credential rows have a conversation of their own.
                for row in check.requirements {
                    if row.starts_with("R7592") && !judged.contains(row) {
                        o.skip(row, reason.clone());
                    }
                }
            }
        });
        out.push((None, skips));
    }
    out
}

/// Judges the MCP discovery chain.
pub fn judge_mcp(profile: Profile, policy: Policy, chain: &crate::mcp::Chain) -> Vec<Verdict> {
    let ctx = McpContext { chain };
    judge_all(profile, policy, |check, out| {
        if let Kind::Mcp(f) = check.kind {
            f(&ctx, out);
        }
    })
}

/// The rows only the MCP discovery chain (`--mcp-server`) judges.
pub fn mcp_chain_rows() -> Vec<&'static str> {
    CHECKS
        .iter()
        .filter(|c| matches!(c.kind, Kind::Mcp(_)))
        .flat_map(|c| c.requirements.iter().copied())
        .collect()
}

/// A SKIP with `reason` on each of `rows` (for steps a run could not take).
pub fn skipped(
    profile: Profile,
    policy: Policy,
    rows: &[&'static str],
    reason: &str,
) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    let mut out = Out {
        check: "",
        profile,
        policy,
        verdicts: &mut verdicts,
    };
    for row in rows {
        out.check = CHECKS
            .iter()
            .find(|c| c.requirements.contains(row))
            .map_or("", |c| c.name);
        out.skip(row, reason.to_string());
    }
    verdicts
}

fn judge_all(
    profile: Profile,
    policy: Policy,
    mut apply: impl FnMut(&Check, &mut Out),
) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    for c in CHECKS {
        apply(
            c,
            &mut Out {
                check: c.name,
                profile,
                policy,
                verdicts: &mut verdicts,
            },
        );
    }
    verdicts
}

/// Why a response is not a JSON object answer, as (title part, detail), or `None` if it is.
pub fn json_object_problem(ctx: &CaseContext) -> Option<(&'static str, String)> {
    let resp = ctx.response()?;
    if !resp.is_json_media_type() {
        Some((
            "is not application/json",
            format!(
                "Content-Type: {}",
                resp.header("content-type").unwrap_or("absent")
            ),
        ))
    } else if ctx.body().is_none() {
        Some((
            "body is not a JSON object",
            short(&Value::String(resp.body_text())),
        ))
    } else {
        None
    }
}

/// Schema errors of a value as `(JSON pointer, message)`.
pub fn schema_errors(validator: &jsonschema::Validator, value: &Value) -> Vec<(String, String)> {
    validator
        .iter_errors(value)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect()
}

/// A short, single-line rendering of a JSON value for details.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// JSON type name as RFC 8259 says it.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A POST to a registration endpoint answered with `status` and a JSON `body` (for tests).
#[cfg(test)]
pub(crate) fn json_answer(status: u16, body: &[u8], truncated: bool) -> Observation {
    Observation {
        request: crate::exec::SentRequest {
            method: "POST",
            url: "https://as.example.com/register".into(),
            headers: Vec::new(),
        },
        response: Some(crate::exec::Response::new(
            status,
            vec![("content-type".into(), "application/json".into())],
            body.to_vec(),
            truncated,
        )),
        transport_error: None,
        elapsed_ms: 1,
        rate_limited: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run's first case (the baseline probe) under RFC 7591.
    fn baseline_case() -> Case {
        crate::generate::cases(&crate::generate::Plan {
            profile: Profile::Rfc7591,
            seed: 1,
            cases: 0,
            has_token: false,
        })
        .remove(0)
    }

    /// Judges `case` under RFC 7591 with the default policy against a JSON answer.
    fn judge_json_answer(case: &Case, status: u16, body: &[u8], truncated: bool) -> Vec<Verdict> {
        let profile = Profile::Rfc7591;
        let schemas = profile.schemas().expect("schemas");
        let observation = json_answer(status, body, truncated);
        judge_case(&CaseContext {
            profile,
            case,
            observation: &observation,
            schemas: &schemas,
            now: 0,
            policy: Policy::default(),
            metadata: None,
        })
    }

    /// A body cut at `--body-cap` is never evidence of a malformed body: the body checks are
    /// skipped and one INFO says so, while the status-line checks still run.
    #[test]
    fn a_cut_body_is_skipped_not_judged() {
        let case = baseline_case();
        let judge = |status: u16| {
            judge_json_answer(
                &case,
                status,
                br#"{"client_id":"abc","client_name":"nnnnnnnn"#,
                true,
            )
        };
        let verdicts = judge(201);
        assert!(
            !verdicts
                .iter()
                .any(|v| matches!(v.outcome, Outcome::Flag(Severity::Fail | Severity::Warn))),
            "{verdicts:#?}"
        );
        assert!(verdicts
            .iter()
            .any(|v| v.title == TRUNCATED_TITLE && v.outcome == Outcome::Flag(Severity::Info)));
        // The status line is still judged: a 500 with a cut body is a FAIL.
        assert!(judge(500)
            .iter()
            .any(|v| v.check == "no_server_error" && v.outcome == Outcome::Flag(Severity::Fail)));
    }

    /// A response that leaves grant_types out is not evidence of the default grant: a
    /// client_credentials request registered without redirect URIs is not a redirect client.
    #[test]
    fn an_absent_grant_types_member_is_not_read_as_the_default() {
        let mut case = baseline_case();
        case.request = crate::generate::CaseRequest::json(serde_json::json!({
            "grant_types": ["client_credentials"],
            "client_name": "dcr-harness"
        }));
        let verdicts = judge_json_answer(
            &case,
            201,
            br#"{"client_id":"abc","client_name":"dcr-harness"}"#,
            false,
        );
        assert!(
            !verdicts
                .iter()
                .any(|v| v.requirement == "R7591-5-b" && v.outcome != Outcome::Pass),
            "{verdicts:#?}"
        );
    }
}
