//! Case generation: fixed probes, proptest-generated valid payloads, and invalid payloads made
//! from a valid one by exactly one labelled mutation; `select` picks the share of them that a
//! partitioned or focused run sends.
//!
//! Owns: what is sent and what outcomes are acceptable for it. Must not: send anything, read
//! responses, or decide verdicts (that is `exec` and `checks`).

pub mod curl;
pub mod fixtures;
pub mod mcp;
mod mutate;
pub mod probes;
pub mod select;
pub mod statements;
pub mod valid;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::profile::Profile;
use crate::spec::Severity;

pub use mutate::{Base, Mutation, MUTATIONS};

/// One request to send, with what the server may answer.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// Stable within a seed: `probe-baseline`, `valid-0007`, `mut-redirect-fragment-0031`.
    pub id: String,
    pub kind: CaseKind,
    /// What the case does, in words.
    pub title: String,
    pub request: CaseRequest,
    pub expectation: Expectation,
    /// Requirement ids the case exercises; the first one that applies to the profile is what
    /// an unmet expectation is reported against.
    pub requirements: Vec<&'static str>,
    /// How an unmet expectation is judged under the profile the case was made for.
    pub severity: Severity,
    /// For a mutated payload: the JSON pointer the request schema must reject.
    pub invalid_at: Option<&'static str>,
    /// The mutation that made the case, if one did.
    pub mutation: Option<&'static str>,
    /// For a mutated payload: the top-level members the mutation set or removed. Shrinking
    /// keeps them as they are, so a minimal reproduction still shows the titled problem.
    pub trigger: Vec<String>,
}

/// A case id without its counter, naming what made the case: `mut-redirect-fragment-0031` →
/// `mut-redirect-fragment`, `valid-0007` → `valid`; fixed probes keep their whole id.
pub fn case_family(id: &str) -> &str {
    id.trim_end_matches(|c: char| c.is_ascii_digit())
        .trim_end_matches('-')
}

impl Case {
    /// The row an unmet expectation is reported against under `profile`: the first of the
    /// case's requirements that applies there.
    pub fn row(&self, profile: Profile) -> Option<&'static crate::spec::Requirement> {
        self.requirements
            .iter()
            .filter_map(|id| crate::spec::requirement(id))
            .find(|r| profile.applies(r))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A hand-made request from the requirement catalog.
    Probe,
    /// A proptest-generated valid payload.
    Valid,
    /// A valid payload with one mutation.
    Invalid,
    /// A hand-written payload from fixtures/cases.
    Fixture,
    /// Sent after all others (reads state the other cases created).
    Final,
    /// A step of the RFC 7592 conversation (`crate::manage`), built from earlier answers.
    Manage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    #[serde(rename = "POST")]
    Post,
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "OPTIONS")]
    Options,
    #[serde(rename = "PUT")]
    Put,
    #[serde(rename = "DELETE")]
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Get => "GET",
            Method::Options => "OPTIONS",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Marker sent as the wrong token in `Auth::Bogus` cases.
pub const BOGUS_TOKEN: &str = "dcrcheck-invalid-token";

/// Which credential the request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// The initial access token, if the run has one.
    Configured,
    /// No Authorization header even if a token is configured.
    Omit,
    /// A wrong bearer token.
    Bogus,
    /// The registration access token of [`CaseRequest::configuration`] (RFC 7592 §2).
    Registration,
    /// The initial access token as the `access_token` query parameter (RFC 6750 §2.3), with
    /// no Authorization header.
    Query,
    /// The initial access token with the scheme written `bearer` (RFC 9110 §11.1: schemes
    /// are case-insensitive).
    LowercaseScheme,
    /// HTTP Basic client authentication (RFC 6749 §2.3.1) with the credentials in
    /// [`CaseRequest::configuration`]'s token (already `base64(id:secret)`), at its URL.
    Basic,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseRequest {
    pub method: Method,
    /// `Content-Type` to send; `None` sends none.
    pub content_type: Option<String>,
    pub body: Body,
    pub auth: Auth,
    pub headers: Vec<(String, String)>,
    /// Set for RFC 7592 requests: they go to a client configuration endpoint, not to the
    /// run's registration endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<ConfigurationEndpoint>,
}

/// A client configuration endpoint (RFC 7592 §2) and the registration access token a request
/// to it carries with [`Auth::Registration`].
#[derive(Clone, Serialize)]
pub struct ConfigurationEndpoint {
    /// `registration_client_uri` as the server gave it (or changed on purpose by a probe).
    pub url: String,
    /// A secret: never serialised, never shown by `Debug`.
    #[serde(skip)]
    pub token: Option<String>,
}

// Hand-written so the registration access token never reaches a log line.
impl std::fmt::Debug for ConfigurationEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigurationEndpoint")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl CaseRequest {
    pub fn json(body: Value) -> Self {
        CaseRequest {
            method: Method::Post,
            content_type: Some(crate::spec::names::APPLICATION_JSON.to_string()),
            body: Body::Json(body),
            auth: Auth::Configured,
            headers: Vec::new(),
            configuration: None,
        }
    }
}

/// A request body. `Json` is serialised compactly; `Raw` is sent byte for byte.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    Json(Value),
    Raw(String),
    Empty,
}

impl Body {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            Body::Raw(s) => s.as_bytes().to_vec(),
            Body::Empty => Vec::new(),
        }
    }
    pub fn json_object(&self) -> Option<&Map<String, Value>> {
        match self {
            Body::Json(Value::Object(m)) => Some(m),
            _ => None,
        }
    }
    pub fn len(&self) -> usize {
        match self {
            Body::Json(v) => serde_json::to_string(v).map(|s| s.len()).unwrap_or(0),
            Body::Raw(s) => s.len(),
            Body::Empty => 0,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The outcomes a server may give for a case. RFC 7591 §2 and §3.2.1 let a server either
/// refuse a value or register one of its own, so most invalid cases accept both.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expectation {
    /// The server must register the client (2xx with a `client_id`).
    Register,
    /// Policy decides: registering and refusing with a well-formed error are both fine.
    RegisterOrRefuse,
    /// The server must refuse, with one of `statuses` and (when the body is a JSON error) one
    /// of `codes`; an empty `codes` accepts any code.
    Reject {
        statuses: Vec<u16>,
        codes: Vec<&'static str>,
    },
    /// Refuse as in `Reject`, or register a substitute that satisfies the rule.
    RejectOrSubstitute {
        codes: Vec<&'static str>,
        substitution: Substitution,
    },
    /// The request must be refused as unauthorized (401 with `WWW-Authenticate: Bearer`).
    Unauthorized,
    /// Recorded; judged by dedicated checks only.
    Observe,
}

/// What a 201 must satisfy when the server chose to substitute instead of refusing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Substitution {
    /// The echoed member, if any, differs from what was sent.
    MemberDiffers { member: &'static str, sent: Value },
    /// The echoed member has the JSON type RFC 7591 §2 gives it.
    RightType { member: &'static str },
    /// The echoed `redirect_uris` do not contain this value.
    RedirectUrisExclude { uri: String },
    /// No redirect URI was registered, so the echoed grants must not be redirect-based.
    NoRedirectGrants,
    /// The echoed grant and response types agree (RFC 7591 §2.1, OIDC §2).
    ConsistentGrants,
    /// The response does not carry both `jwks` and `jwks_uri`.
    NotBothJwks,
    /// The echoed `jwks` carries no private or symmetric key material.
    NoPrivateKeys,
    /// The registration does not combine `id_token_signed_response_alg` `none` with a response
    /// type that returns ID Tokens from the authorization endpoint (OIDC Core §2): the server
    /// may replace the alg or the response types.
    NoUnsignedFrontChannelIdTokens,
    /// The registration is not a web client using implicit with a localhost or http redirect
    /// URI (OIDC §2): the server may change the grants or the application type, but not the
    /// redirect URIs.
    NoWebImplicitOnLocalhost,
    /// An echoed `enc` member comes with its `alg` member (OIDC §2): the server may drop the
    /// enc, refuse, or supply the alg.
    EncPairedWithAlg {
        enc: &'static str,
        alg: &'static str,
    },
    /// Anything registered passes: the server may ignore the member (RFC 7591 §3.1.1 lets a
    /// server that does not support software statements ignore them).
    Ignored,
    /// A client registered as native has only custom-scheme or loopback-http redirect URIs
    /// (OIDC §2): the server may register it as a web client instead, but not change the URIs.
    NativeRedirectsConform,
}

/// How many cases to make and from which seed.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub profile: Profile,
    pub seed: u64,
    /// Generated cases (valid and mutated) on top of the fixed probes.
    pub cases: usize,
    /// Whether the run has an initial access token (adds the token probes).
    pub has_token: bool,
}

/// A deterministic proptest runner for a seed: the same seed gives the same values on every
/// machine (ChaCha).
pub fn runner_for(seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(b"dcrcheck");
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// Draws one value of a strategy. proptest only fails to draw for strategies that reject
/// values, which ours never do; the fallback keeps that a non-panic.
pub(crate) fn draw<S: Strategy>(runner: &mut TestRunner, strategy: &S) -> Option<S::Value> {
    strategy.new_tree(runner).ok().map(|tree| tree.current())
}

/// Every case of a run, in sending order: probes, then generated valid and invalid cases
/// interleaved, then the final probes.
pub fn cases(plan: &Plan) -> Vec<Case> {
    let mut all: Vec<Case> = stream(plan).collect();
    all.extend(probes::final_probes(plan.profile));
    all
}

/// The cases of a run but the final probes, made one at a time in the order [`cases`]
/// returns them: a run of a million cases never holds more than the ones in flight.
pub fn stream(plan: &Plan) -> CaseStream {
    let mutations: Vec<&'static Mutation> = MUTATIONS
        .iter()
        .filter(|m| m.applies_to(plan.profile))
        .collect();
    let mut head = probes::probes(plan.profile, plan.has_token);
    head.extend(fixtures::cases(plan.profile));
    // Half the budget is valid payloads; the other half cycles through every mutation, from a
    // seed-dependent offset; mutations the budget did not reach follow, so each is tried once.
    let start = (plan.seed as usize) % mutations.len().max(1);
    let reached = plan.cases / 2;
    let missing = mutations.len().saturating_sub(reached);
    CaseStream {
        plan: *plan,
        runner: runner_for(plan.seed),
        valid_strategy: valid::metadata(plan.profile, valid::Shape::Any),
        base_strategy: valid::metadata(plan.profile, valid::Shape::Conservative),
        total: head.len() + plan.cases + missing,
        head: head.into_iter(),
        mutations,
        start,
        next: 0,
        missing_next: 0,
        missing_made: 0,
    }
}

/// The iterator behind [`stream`].
pub struct CaseStream {
    plan: Plan,
    runner: TestRunner,
    valid_strategy: proptest::strategy::BoxedStrategy<Map<String, Value>>,
    base_strategy: proptest::strategy::BoxedStrategy<Map<String, Value>>,
    total: usize,
    head: std::vec::IntoIter<Case>,
    mutations: Vec<&'static Mutation>,
    start: usize,
    /// Index of the next generated case.
    next: usize,
    /// Next mutation index to consider for the ones the generated cases did not reach.
    missing_next: usize,
    /// How many of those were made (their case index follows the generated ones).
    missing_made: usize,
}

impl CaseStream {
    /// How many cases the stream yields.
    pub fn total(&self) -> usize {
        self.total
    }

    fn generated(&mut self) -> Option<Case> {
        let plan = self.plan;
        while self.next < plan.cases {
            let i = self.next;
            self.next += 1;
            if i % 2 == 0 {
                if let Some(body) = draw(&mut self.runner, &self.valid_strategy) {
                    return Some(valid_case(i, body));
                }
            } else if !self.mutations.is_empty() {
                let m = self.mutations[(self.start + i / 2) % self.mutations.len()];
                if let Some(base) = base_for(m, plan.profile, &self.base_strategy, &mut self.runner)
                {
                    return Some(m.apply(plan.profile, i, base, &mut self.runner));
                }
            }
        }
        // Mutations the budget did not reach, in catalog order: the cycle covered the
        // `reached` mutations from `start` on.
        let reached = plan.cases / 2;
        let n = self.mutations.len();
        while self.missing_next < n {
            let idx = self.missing_next;
            self.missing_next += 1;
            let used = reached >= n || (idx + n - self.start) % n < reached;
            if used {
                continue;
            }
            let m = self.mutations[idx];
            let j = self.missing_made;
            self.missing_made += 1;
            if let Some(base) = base_for(m, plan.profile, &self.base_strategy, &mut self.runner) {
                return Some(m.apply(plan.profile, plan.cases + j, base, &mut self.runner));
            }
        }
        None
    }
}

impl Iterator for CaseStream {
    type Item = Case;

    fn next(&mut self) -> Option<Case> {
        self.head.next().or_else(|| self.generated())
    }
}

fn base_for(
    m: &Mutation,
    profile: Profile,
    strategy: &proptest::strategy::BoxedStrategy<Map<String, Value>>,
    runner: &mut TestRunner,
) -> Option<Map<String, Value>> {
    match m.base {
        mutate::Base::Random => draw(runner, strategy),
        mutate::Base::Baseline => Some(valid::baseline(profile)),
    }
}

/// Requirement ids some case of some profile exercises (for coverage listings).
pub fn exercised_requirements() -> std::collections::BTreeSet<&'static str> {
    let mut ids = std::collections::BTreeSet::new();
    for m in MUTATIONS {
        ids.extend(m.requirements.iter().copied());
    }
    for p in Profile::ALL {
        for c in probes::probes(*p, true)
            .into_iter()
            .chain(probes::final_probes(*p))
        {
            ids.extend(c.requirements);
        }
    }
    ids
}

fn valid_case(index: usize, body: Map<String, Value>) -> Case {
    Case {
        id: format!("valid-{index:04}"),
        kind: CaseKind::Valid,
        title: "generated valid registration".to_string(),
        request: CaseRequest::json(Value::Object(body)),
        expectation: Expectation::RegisterOrRefuse,
        requirements: vec!["R7591-2-b", "R7591-3.2.1-f"],
        // A server MAY refuse any requested value (RFC 7591 §2); only a 5xx, which the
        // answer checks grade on their own rows, is a finding.
        severity: Severity::Info,
        invalid_at: None,
        mutation: None,
        trigger: Vec::new(),
    }
}
