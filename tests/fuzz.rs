//! Robustness ("never crash, never hang, never leak"): hostile input is pushed through both
//! directions of dcrcheck and must come out the other side without a panic.
//!
//! - The response path: arbitrary statuses, headers and bodies (and transport errors instead
//!   of responses), paired with real cases of every profile, go through `judge_case` under
//!   several policies, the aggregate, the run-wide `Ledger` and `judge_run`, the snapshot
//!   normaliser, and every reporter; each reporter's output is checked for what its format
//!   promises (the JSON report validates against its schema, the JUnit XML reads back, the
//!   HTML page carries no script of the server's, the Markdown summary stays under 64 KiB).
//! - The request path: arbitrary requests go to the reference server's router (no network),
//!   with several defect sets and with an initial access token; every answer must be an HTTP
//!   response below 600, 5xx only when a seeded defect crashes on purpose, with a JSON body
//!   whenever it says JSON.
//! - The reference server's client store keeps at most `ServerConfig::max_clients` clients.
//!
//! Each fuzz target has a short version that runs with the suite and a long one, `#[ignore]`d,
//! that runs for `DCRCHECK_FUZZ_SECS` seconds (default 600) and prints how many cases it ran:
//! `DCRCHECK_FUZZ_SECS=600 cargo test --release --test main fuzz -- --ignored --nocapture
//! --test-threads=1`. A failure names the seed of its batch; `DCRCHECK_FUZZ_SEED=<seed>`
//! replays it (docs/robustness.md).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{Method, Request, Uri};
use axum::Router;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use dcrcheck::aggregate::Aggregate;
use dcrcheck::baseline::{
    Accepted, BaselineCounts, BaselineResult, Date, ExpiredEntry, StaleEntry,
};
use dcrcheck::checks::{self, CaseContext, Ledger, Outcome, Policy, RunContext, Verdict};
use dcrcheck::exec::{
    DiscoveryProbe, Observation, Response, SentRequest, TransportError, TransportErrorKind,
    TransportProbes,
};
use dcrcheck::generate::{self, Case, Plan};
use dcrcheck::model::{
    Conflict, Finding, FindingRequest, FindingResponse, RequirementVerdict, RunReport,
};
use dcrcheck::profile::{Profile, Schemas};
use dcrcheck::report::{html, human, json as json_report, junit, markdown};
use dcrcheck::server::{self, Defect, ServerConfig};
use dcrcheck::spec::{self, names, Severity};

// ---------------------------------------------------------------------------------------------
// The driver: batches of proptest cases, bounded by a case count (CI) or by time (long runs).
// ---------------------------------------------------------------------------------------------

/// How much a fuzz target runs.
#[derive(Debug, Clone, Copy)]
enum Budget {
    /// One batch of this many cases: the version that runs with the suite.
    Cases(u32),
    /// Batches until this much time has passed: the `#[ignore]`d long version.
    For(Duration),
}

/// Cases per batch of a long run. Each batch starts from fresh state (a run's ledger, a set of
/// servers), as a run or a server process would.
const BATCH: u32 = 256;

/// The long version's budget: `DCRCHECK_FUZZ_SECS` seconds, 600 unless set.
fn long_budget() -> Budget {
    let secs = std::env::var("DCRCHECK_FUZZ_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(600);
    Budget::For(Duration::from_secs(secs))
}

/// The seed the bounded (CI) runs start from: fixed, so the suite gives the same answer on
/// every run of a commit (its coverage assertions included); the long runs explore.
const CI_FIRST_SEED: u64 = 7591;

/// The first batch's seed: `DCRCHECK_FUZZ_SEED` to replay a failure; else [`CI_FIRST_SEED`]
/// for a bounded run and the clock for a long one (a failure prints the seed that found it).
fn first_seed(budget: &Budget) -> u64 {
    std::env::var("DCRCHECK_FUZZ_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| match budget {
            Budget::Cases(_) => CI_FIRST_SEED,
            Budget::For(_) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64),
        })
}

/// A deterministic runner for one batch. Nothing is persisted: the seed printed on failure is
/// the reproduction, and the tree is shared with other work.
fn runner(seed: u64, cases: u32) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(b"dcrfuzz!");
    let config = Config {
        cases,
        failure_persistence: None,
        // Shrinking a heavy input is worth a while, not forever.
        max_shrink_time: 120_000,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// What a fuzz target did.
#[derive(Debug)]
struct Ran {
    cases: u64,
    elapsed: Duration,
    slowest: Duration,
}

/// Runs `test` on values of `strategy` until `budget` is spent, in batches that each get fresh
/// `state` and a seed of their own. A failing case (a failed assertion or a panic, which
/// proptest catches) is shrunk and reported with its batch's seed.
fn drive<S, T>(
    name: &str,
    strategy: S,
    budget: Budget,
    state: impl Fn() -> T,
    test: impl Fn(&T, S::Value) -> Result<(), TestCaseError>,
) -> Ran
where
    S: Strategy,
{
    let started = Instant::now();
    let cases = Cell::new(0u64);
    let slowest = Cell::new(Duration::ZERO);
    let first = first_seed(&budget);
    let mut seed = first;
    loop {
        let batch = match budget {
            Budget::Cases(n) => n,
            Budget::For(_) => BATCH,
        };
        let state = state();
        let result = runner(seed, batch).run(&strategy, |value| {
            let began = Instant::now();
            let outcome = test(&state, value);
            cases.set(cases.get() + 1);
            slowest.set(slowest.get().max(began.elapsed()));
            outcome
        });
        match result {
            Ok(()) => {}
            Err(TestError::Fail(reason, input)) => {
                let input = format!("{input:?}");
                panic!(
                    "{name}: failed in the batch of DCRCHECK_FUZZ_SEED={seed}: {reason}\n\
                     minimal input (cut at 6000 characters): {}",
                    chars(&input, 6000)
                );
            }
            Err(e) => panic!("{name}: batch of DCRCHECK_FUZZ_SEED={seed}: {e}"),
        }
        seed = seed.wrapping_add(1);
        match budget {
            Budget::Cases(_) => break,
            Budget::For(limit) if started.elapsed() >= limit => break,
            Budget::For(_) => {}
        }
    }
    let ran = Ran {
        cases: cases.get(),
        elapsed: started.elapsed(),
        slowest: slowest.get(),
    };
    eprintln!(
        "{name}: {} cases in {:.1} s ({:.0} cases/s), slowest case {} ms, \
         DCRCHECK_FUZZ_SEED={first} (batches {first}..={})",
        ran.cases,
        ran.elapsed.as_secs_f64(),
        ran.cases as f64 / ran.elapsed.as_secs_f64().max(1e-9),
        ran.slowest.as_millis(),
        seed.wrapping_sub(1)
    );
    ran
}

// ---------------------------------------------------------------------------------------------
// Hostile text and JSON, shared by both directions.
// ---------------------------------------------------------------------------------------------

/// Fragments that have broken renderers and terminals elsewhere: markup, Markdown and table
/// syntax, shell quoting, terminal escapes, bidirectional overrides, NULs and other controls,
/// XML non-characters, CDATA ends, and text that looks like a secret.
const NASTY: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "</pre></code></td></tr></table>",
    "<!--",
    "-->",
    "]]>",
    "<![CDATA[",
    "&amp;&lt;&#0;",
    "`",
    "```",
    "~~~",
    "|",
    "| a | b |\n|---|---|",
    "* [x](javascript:alert(1)) _a_ #h",
    "\\",
    "'",
    "\"",
    "$(touch /tmp/pwned)",
    "'; rm -rf / #",
    "\u{1b}[31m",
    "\u{1b}[2J\u{1b}[H",
    "\u{1b}]8;;https://evil.example\u{7}link\u{1b}]8;;\u{7}",
    "\u{9b}31m",
    "\u{0}",
    "\u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f}",
    "\r\n",
    "\r",
    "\t",
    "\u{85}\u{2028}\u{2029}",
    "\u{202e}\u{2066}\u{200f}",
    "\u{200b}\u{feff}",
    "\u{fffd}\u{fffe}\u{ffff}",
    "e\u{301}\u{301}\u{301}",
    "👩‍👩‍👧",
    "%s%n%x",
    "{{7*7}}",
    "Bearer eyJhbGciOiJub25lIn0.e30.",
    "client_secret",
    "Result: PASS",
    "F1",
    "hash:1/2",
    "R7591-3.2-a",
];

fn nasty_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(NASTY).prop_map(String::from),
        2 => vec(any::<char>(), 0..8).prop_map(String::from_iter),
        1 => "[a-z_ ]{0,12}",
    ]
}

/// Short hostile text (at most a few hundred bytes): for JSON leaves and member names.
fn short_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => vec(nasty_piece(), 0..8).prop_map(|p| p.concat()),
        1 => any::<String>(),
    ]
}

/// Hostile text of any length, up to about 200 KB.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => short_text(),
        1 => (select(NASTY), 1usize..2500).prop_map(|(s, n)| s.repeat(n)),
    ]
}

/// Every member name dcrcheck or a server may put in a registration answer.
fn members() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = names::RFC7591_METADATA.to_vec();
    all.extend([
        names::CLIENT_ID,
        names::CLIENT_SECRET,
        names::CLIENT_ID_ISSUED_AT,
        names::CLIENT_SECRET_EXPIRES_AT,
        names::REGISTRATION_ACCESS_TOKEN,
        names::REGISTRATION_CLIENT_URI,
        names::ERROR,
        names::ERROR_DESCRIPTION,
        names::APPLICATION_TYPE,
        names::ID_TOKEN_SIGNED_RESPONSE_ALG,
        names::ID_TOKEN_ENCRYPTED_RESPONSE_ALG,
        names::ID_TOKEN_ENCRYPTED_RESPONSE_ENC,
        names::USERINFO_SIGNED_RESPONSE_ALG,
        names::USERINFO_ENCRYPTED_RESPONSE_ALG,
        names::USERINFO_ENCRYPTED_RESPONSE_ENC,
        names::TOKEN_ENDPOINT_AUTH_SIGNING_ALG,
        names::SUBJECT_TYPE,
        names::DEFAULT_MAX_AGE,
        names::REQUIRE_AUTH_TIME,
        names::INITIATE_LOGIN_URI,
        names::DEFAULT_ACR_VALUES,
        names::REQUEST_URIS,
        names::SECTOR_IDENTIFIER_URI,
        names::REQUEST_OBJECT_SIGNING_ALG,
        names::METADATA,
        names::REQUIRE_PUSHED_AUTHORIZATION_REQUESTS,
    ]);
    all.sort_unstable();
    all.dedup();
    all
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => select(members()).prop_map(String::from),
        1 => short_text(),
    ]
}

/// Any JSON value, a few levels deep, with hostile strings and extreme numbers.
fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // NaN and the infinities become null, as serde_json has no other way to hold them.
        any::<f64>().prop_map(Value::from),
        short_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((member_name(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A JSON object of registration members with values of any type; `client_id` and the secret
/// are often drawn from a small pool, so the run-wide uniqueness checks see repeats.
fn registration_object() -> impl Strategy<Value = Map<String, Value>> {
    let pooled = select(&["dup-a", "dup-b", "", "x"][..]);
    (
        vec((member_name(), json_value()), 0..24),
        proptest::option::of(pooled.clone()),
        proptest::option::of(pooled),
    )
        .prop_map(|(members, id, secret)| {
            let mut m: Map<String, Value> = members.into_iter().collect();
            if let Some(id) = id {
                m.insert(names::CLIENT_ID.into(), id.into());
            }
            if let Some(secret) = secret {
                m.insert(names::CLIENT_SECRET.into(), secret.into());
            }
            m
        })
}

/// Nesting far past serde_json's recursion limit, closed or not.
fn deep_nesting() -> impl Strategy<Value = Vec<u8>> {
    (
        select(&["[", "{\"a\":", "[{\"jwks\":", "{\"client_id\":["][..]),
        1usize..20_000,
        any::<bool>(),
    )
        .prop_map(|(open, depth, closed)| {
            let mut s = open.repeat(depth);
            if closed && open == "[" {
                s.push_str(&"]".repeat(depth));
            }
            s.into_bytes()
        })
}

/// Valid JSON nested right up to (and just past) the parser's limit, inside a member.
fn valid_deep() -> impl Strategy<Value = Vec<u8>> {
    (member_name(), 1usize..132).prop_map(|(member, depth)| {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        format!(
            "{{\"client_id\":\"deep\",{}:{nested}}}",
            Value::String(member)
        )
        .into_bytes()
    })
}

/// Numbers no integer or float type holds.
fn huge_numbers() -> impl Strategy<Value = Vec<u8>> {
    let numbers = select(
        &[
            "1e309",
            "-1e309",
            "1e-400",
            "-0",
            "99999999999999999999999999999999",
            "18446744073709551616",
            "-9223372036854775809",
            "9007199254740993",
            "1.7976931348623157e308",
            "4.9e-324",
            "0.000000000000000000000000000001",
            "1E400000000",
        ][..],
    );
    (member_name(), numbers.clone(), numbers).prop_map(|(member, a, b)| {
        format!(
            "{{\"client_id\":\"n\",\"client_id_issued_at\":{a},\"client_secret_expires_at\":{b},{}:{a}}}",
            Value::String(member)
        )
        .into_bytes()
    })
}

/// JSON whose strings carry bytes that are not UTF-8.
fn invalid_utf8_json() -> impl Strategy<Value = Vec<u8>> {
    (
        member_name(),
        vec(
            prop_oneof![
                Just(vec![0xff]),
                Just(vec![0xc3, 0x28]),
                Just(vec![0xed, 0xa0, 0x80]),
                Just(vec![0xf4, 0x90, 0x80, 0x80]),
                Just(vec![0xe2, 0x82]),
                vec(any::<u8>(), 1..4),
            ],
            1..6,
        ),
    )
        .prop_map(|(member, bad)| {
            let mut out = br#"{"client_id":""#.to_vec();
            out.extend(bad.concat());
            out.extend_from_slice(b"\",");
            out.extend(Value::String(member).to_string().into_bytes());
            out.extend_from_slice(b":\"");
            out.extend(bad.concat());
            out.extend_from_slice(b"\"}");
            out
        })
}

/// A registration the server should accept, with one member blown up to `size` bytes.
fn huge_json(size: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
    (member_name(), size).prop_map(|(member, n)| {
        let mut m = Map::new();
        m.insert(
            names::REDIRECT_URIS.into(),
            json!(["https://client.example/cb"]),
        );
        m.insert(member, Value::String("x".repeat(n)));
        serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
    })
}

/// Every case of every profile, with and without an initial access token: the cases the
/// hostile answers are paired with, and the bodies hostile requests start from.
fn cases() -> &'static [(Profile, Case)] {
    static CASES: OnceLock<Vec<(Profile, Case)>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut all = Vec::new();
        for &profile in Profile::ALL {
            for has_token in [false, true] {
                let plan = Plan {
                    profile,
                    seed: 7,
                    cases: 24,
                    has_token,
                };
                all.extend(generate::cases(&plan).into_iter().map(|c| (profile, c)));
            }
        }
        all
    })
}

// ---------------------------------------------------------------------------------------------
// The response path.
// ---------------------------------------------------------------------------------------------

fn schemas(profile: Profile) -> &'static Schemas {
    static ALL: OnceLock<Vec<(Profile, Schemas)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        Profile::ALL
            .iter()
            .map(|&p| (p, p.schemas().expect("the built-in schemas compile")))
            .collect()
    });
    &all.iter()
        .find(|(p, _)| *p == profile)
        .expect("every profile has schemas")
        .1
}

fn report_schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(json_report::SCHEMA).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("the report schema compiles")
    })
}

/// Every combination of the grading switches.
const POLICIES: &[Policy] = &[
    Policy {
        strict: false,
        require_token: false,
        has_token: false,
    },
    Policy {
        strict: true,
        require_token: false,
        has_token: false,
    },
    Policy {
        strict: false,
        require_token: true,
        has_token: true,
    },
    Policy {
        strict: true,
        require_token: true,
        has_token: true,
    },
];

/// What came back instead of (or besides) a response.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Response,
    TransportError,
    /// The types allow both; a replayed or hand-edited observation can have them.
    Both,
    Neither,
}

#[derive(Debug, Clone)]
enum Payload {
    Bytes(Vec<u8>),
    /// The case's own JSON body echoed back with these members set on top: a plausible
    /// registration answer that reaches the deepest success checks.
    Echo(Vec<(String, Value)>),
}

/// One hostile answer to one real case, and the hostile text a report built from it carries.
#[derive(Debug, Clone)]
struct Answer {
    case: usize,
    shape: Shape,
    status: u16,
    headers: Vec<(String, String)>,
    payload: Payload,
    truncated: bool,
    error: (TransportErrorKind, String),
    sent_headers: Vec<(String, String)>,
    elapsed_ms: u64,
    rate_limited: u32,
    /// The harness clock; `None` is the real one.
    now: Option<u64>,
    /// The URL the case went to, and the probes' target when it parses.
    target: String,
    /// Which transport probes recorded this same exchange: plain http, port 80, token
    /// withheld, TLS 1.2, discovery (explicit), discovery (derived).
    probes: [bool; 6],
    suites: Vec<String>,
    /// Text put into every free-text field of the report.
    text: String,
    /// show secrets, with a baseline, complete, embedded, partitioned, deny warnings,
    /// insecure.
    switches: [bool; 7],
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => select(&[200u16, 201][..]),
        3 => select(&[200u16, 201, 202, 204, 301, 302, 303, 307, 400, 401, 403, 404, 405, 413,
            415, 422, 429, 500, 502, 503][..]),
        3 => 0u16..=999,
        1 => any::<u16>(),
    ]
}

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON;CHARSET=UTF-8",
    " application/json ",
    "application/problem+json",
    "application/jwt",
    "application/json, text/html",
    "application/jsonp",
    "+json",
    "application/json\u{0}",
    "text/html",
    "text/plain; charset=iso-8859-1",
    "application/x-www-form-urlencoded",
    ";",
    "",
];

const HEADER_NAMES: &[&str] = &[
    "content-type",
    "Content-Type",
    "CONTENT-TYPE",
    "cache-control",
    "pragma",
    "www-authenticate",
    "location",
    "retry-after",
    "access-control-allow-origin",
    "allow",
    "set-cookie",
    "authorization",
    "content-length",
];

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        3 => select(HEADER_NAMES).prop_map(String::from),
        1 => short_text(),
    ];
    let value = prop_oneof![
        2 => select(CONTENT_TYPES).prop_map(String::from),
        1 => select(&["no-store", "no-cache", "Bearer realm=\"x\", error=\"invalid_token\"",
            "Bearer error=", "3600", "Sun, 06 Nov 1994 08:49:37 GMT", "*", "POST, OPTIONS"][..])
            .prop_map(String::from),
        3 => hostile_text(),
    ];
    (name, value)
}

/// Headers with duplicates and conflicting content types.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let types = prop_oneof![
        2 => Just(vec![names::APPLICATION_JSON.to_string()]),
        1 => vec(select(CONTENT_TYPES).prop_map(String::from), 0..3),
    ];
    (types, vec(header(), 0..10)).prop_map(|(types, mut rest)| {
        let mut all: Vec<(String, String)> = types
            .into_iter()
            .map(|t| ("content-type".to_string(), t))
            .collect();
        all.append(&mut rest);
        all
    })
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        2 => vec(any::<u8>(), 0..2048).prop_map(Payload::Bytes),
        2 => invalid_utf8_json().prop_map(Payload::Bytes),
        1 => deep_nesting().prop_map(Payload::Bytes),
        1 => valid_deep().prop_map(Payload::Bytes),
        1 => huge_numbers().prop_map(Payload::Bytes),
        4 => registration_object()
            .prop_map(|m| Payload::Bytes(serde_json::to_vec(&Value::Object(m)).unwrap_or_default())),
        8 => vec((member_name(), json_value()), 0..5).prop_map(Payload::Echo),
        2 => (hostile_text(), hostile_text(), vec((member_name(), json_value()), 0..3))
            .prop_map(|(error, description, rest)| {
                let mut m: Map<String, Value> = rest.into_iter().collect();
                m.insert(names::ERROR.into(), error.into());
                m.insert(names::ERROR_DESCRIPTION.into(), description.into());
                Payload::Bytes(serde_json::to_vec(&Value::Object(m)).unwrap_or_default())
            }),
        1 => json_value().prop_map(|v| Payload::Bytes(v.to_string().into_bytes())),
        1 => hostile_text().prop_map(|t| Payload::Bytes(t.into_bytes())),
        1 => Just(Payload::Bytes(Vec::new())),
    ]
}

const URLS: &[&str] = &[
    "https://as.example.com/register",
    "https://as.example.com:8443/tenant/register?x=1",
    "http://127.0.0.1:8080/register",
    "http://localhost/v3/modules/m/setups/s/clients",
    "https://[::1]/register",
    "http://as.example.com/register",
];

fn answer() -> impl Strategy<Value = Answer> {
    let kind = select(
        &[
            TransportErrorKind::Connect,
            TransportErrorKind::Timeout,
            TransportErrorKind::Dropped,
            TransportErrorKind::Incomplete,
            TransportErrorKind::Other,
        ][..],
    );
    let shape = prop_oneof![
        12 => Just(Shape::Response),
        3 => Just(Shape::TransportError),
        1 => Just(Shape::Both),
        1 => Just(Shape::Neither),
    ];
    let target = prop_oneof![
        3 => select(URLS).prop_map(String::from),
        1 => (select(URLS), short_text()).prop_map(|(u, t)| format!("{u}{t}")),
        1 => hostile_text(),
    ];
    let now = prop_oneof![
        3 => Just(None),
        1 => any::<u64>().prop_map(Some),
    ];
    (
        (
            0..cases().len(),
            shape,
            status(),
            headers(),
            payload(),
            any::<bool>(),
        ),
        (
            (kind, hostile_text()),
            vec(header(), 0..4),
            any::<u64>(),
            prop_oneof![3 => Just(0u32), 1 => any::<u32>()],
            now,
            target,
        ),
        (
            any::<[bool; 6]>(),
            vec(short_text(), 0..3),
            hostile_text(),
            any::<[bool; 7]>(),
        ),
    )
        .prop_map(
            |(
                (case, shape, status, headers, payload, truncated),
                (error, sent_headers, elapsed_ms, rate_limited, now, target),
                (probes, suites, text, switches),
            )| Answer {
                case,
                shape,
                status,
                headers,
                payload,
                truncated,
                error,
                sent_headers,
                elapsed_ms,
                rate_limited,
                now,
                target,
                probes,
                suites,
                text,
                switches,
            },
        )
}

impl Answer {
    fn observation(&self, case: &Case) -> Observation {
        let body = match &self.payload {
            Payload::Bytes(b) => b.clone(),
            Payload::Echo(extra) => {
                let mut m = case.request.body.json_object().cloned().unwrap_or_default();
                m.extend(extra.iter().cloned());
                serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
            }
        };
        let response = Response::new(self.status, self.headers.clone(), body, self.truncated);
        let error = TransportError {
            kind: self.error.0,
            message: self.error.1.clone(),
        };
        let (response, transport_error) = match self.shape {
            Shape::Response => (Some(response), None),
            Shape::TransportError => (None, Some(error)),
            Shape::Both => (Some(response), Some(error)),
            Shape::Neither => (None, None),
        };
        Observation {
            request: SentRequest {
                method: case.request.method.as_str(),
                url: self.target.clone(),
                headers: self.sent_headers.clone(),
            },
            response,
            transport_error,
            elapsed_ms: self.elapsed_ms,
            rate_limited: self.rate_limited,
        }
    }

    /// The transport probes, each (when switched on) having seen this same exchange.
    fn probes(&self, obs: &Observation) -> TransportProbes {
        let fallback = || reqwest::Url::parse(URLS[0]).expect("a fixed URL");
        let target = reqwest::Url::parse(&self.target).unwrap_or_else(|_| fallback());
        let [plain, port80, withheld, tls12, explicit, derived] = self.probes;
        let mut probes = TransportProbes::none(target);
        probes.plaintext = plain.then(|| obs.clone());
        probes.plaintext_port80 = port80.then(|| obs.clone());
        probes.token_withheld = withheld;
        probes.tls12 = tls12.then(|| obs.clone());
        probes.tls12_suites = self.suites.clone();
        probes.discovery = (explicit || derived).then(|| DiscoveryProbe {
            explicit,
            attempts: if explicit { 1 } else { 8 },
            observation: obs.clone(),
        });
        probes
    }
}

/// What every verdict must be, whatever the answer: from a known check, about a catalog row.
fn known(verdicts: &[Verdict]) -> Result<(), TestCaseError> {
    for v in verdicts {
        prop_assert!(
            checks::check(v.check).is_some(),
            "unknown check {}",
            v.check
        );
        prop_assert!(
            spec::requirement(v.requirement).is_some(),
            "unknown row {}",
            v.requirement
        );
    }
    Ok(())
}

fn flagged(verdicts: &[Verdict], check: &str) -> bool {
    verdicts
        .iter()
        .any(|v| v.check == check && matches!(v.outcome, Outcome::Flag(_)))
}

/// One hostile answer, all the way through: every policy's per-case verdicts, the run-wide
/// ledger and checks, the snapshot normaliser, a report and every reporter.
/// Per check: verdicts given and flags raised, over a whole fuzz run (to show the answers
/// reach the checks, not only the parsers in front of them).
type Reached = RefCell<BTreeMap<&'static str, (u64, u64)>>;

fn count(reached: &Reached, verdicts: &[Verdict]) {
    let mut reached = reached.borrow_mut();
    for v in verdicts {
        let entry = reached.entry(v.check).or_default();
        entry.0 += 1;
        entry.1 += u64::from(matches!(v.outcome, Outcome::Flag(_)));
    }
}

fn response_path(
    (ledger, reached): &(RefCell<Ledger>, &Reached),
    a: Answer,
) -> Result<(), TestCaseError> {
    let (profile, case) = &cases()[a.case];
    let profile = *profile;
    let obs = a.observation(case);
    let now = a.now.unwrap_or_else(dcrcheck::run::now);
    let status = obs.response.as_ref().map(|r| r.status);
    let mut agg = Aggregate::new(profile);
    for (i, &policy) in POLICIES.iter().enumerate() {
        let verdicts = checks::judge_case(&CaseContext {
            profile,
            case,
            observation: &obs,
            schemas: schemas(profile),
            now,
            policy,
            metadata: None,
        });
        known(&verdicts)?;
        if status == Some(429) {
            // A rate limit says nothing about the request: not judged at all.
            prop_assert!(verdicts.is_empty(), "a 429 was judged: {verdicts:?}");
        } else {
            // Whatever else the answer holds, a 5xx and a lost answer are never passed over.
            if status.is_some_and(|s| s >= 500) {
                prop_assert!(flagged(&verdicts, "no_server_error"), "{verdicts:?}");
            }
            if obs.transport_error.is_some() {
                prop_assert!(
                    flagged(&verdicts, "every_request_gets_a_response"),
                    "{verdicts:?}"
                );
            }
        }
        if i == 0 {
            count(reached, &verdicts);
            agg.add(Some((case, &obs)), verdicts);
        }
    }

    ledger.borrow_mut().record(case, &obs);
    let probes = a.probes(&obs);
    let run_wide = checks::judge_run(&RunContext {
        profile,
        ledger: &ledger.borrow(),
        // The hostile answer as the server's metadata too.
        metadata: probes.discovery.as_ref(),
        probes: &probes,
        policy: POLICIES[usize::from(a.switches[5]) * 3],
    });
    known(&run_wide)?;
    count(reached, &run_wide);
    agg.add(None, run_wide);

    let normalised = dcrcheck::snapshot::normalise(&obs, now);
    prop_assert_eq!(
        normalised.get("status").and_then(Value::as_u64),
        status.map(u64::from)
    );
    prop_assert_eq!(
        normalised.get("transport_error").is_some(),
        obs.response.is_none()
    );
    // A snapshot file is JSON written and read back: it must survive that unchanged. The one
    // exception is a body nested right up to serde_json's limit of 128 levels, which the
    // snapshot's own wrapper pushes past it: reading it back is then a clean parse error
    // (docs/robustness.md, "Open").
    let written = serde_json::to_string_pretty(&normalised).map_err(fail)?;
    match serde_json::from_str::<Value>(&written) {
        Ok(back) => prop_assert_eq!(&back, &normalised),
        Err(e) => prop_assert!(
            e.to_string().contains("recursion limit") && depth(&normalised) > 120,
            "a snapshot that does not read back: {e}"
        ),
    }

    let report = build_report(profile, case, &obs, &agg, &a);
    check_reporters(&report, &a, true)
        .map_err(|e| fail(format!("the report as a run writes it: {e}")))?;
    // The same report with the fields a run writes itself (tool, partition, catalog text)
    // hostile too, as a report read back from a file can be: no schema then, but every
    // reporter must still hold its promises.
    check_reporters(&everything_hostile(report, &a.text), &a, false)
        .map_err(|e| fail(format!("the report with every field hostile: {e}")))?;
    Ok(())
}

/// Levels of arrays and objects.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// The first `n` characters.
fn chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A report as `run` builds one (`run::build_report`: findings from the aggregate's
/// exemplars, masked by the sanitizer; rows from the aggregate's state), plus one finding,
/// one conflict and a baseline with the hostile text in every string field.
fn build_report(
    profile: Profile,
    case: &Case,
    obs: &Observation,
    agg: &Aggregate,
    a: &Answer,
) -> RunReport {
    let [show_secrets, with_baseline, complete, embedded, partitioned, _, insecure] = a.switches;
    let mut config = dcrcheck::run::RunConfig::new(profile, a.elapsed_ms);
    config.show_secrets = show_secrets;
    if case.request.auth == generate::Auth::Configured {
        config.token = Some("fuzz-initial-access-token".into());
    }
    let url: reqwest::Url = "http://127.0.0.1:9/register".parse().expect("a fixed URL");
    let mut report = dcrcheck::run::build_report(
        &config,
        &url,
        embedded,
        agg,
        &std::collections::HashMap::new(),
        std::time::Duration::from_millis(obs.elapsed_ms),
    );
    let t = &a.text;
    report.findings.push(Finding {
        id: t.clone(),
        requirement: "R7591-3.2-a".into(),
        check: t.clone(),
        severity: Severity::Fail,
        title: t.clone(),
        detail: t.clone(),
        count: 1,
        cases: vec![t.clone(), case.id.clone()],
        exemplar: t.clone(),
        kind: t.clone(),
        request: FindingRequest {
            method: t.clone(),
            url: t.clone(),
            headers: BTreeMap::from([(t.clone(), t.clone())]),
            body: json!({ "client_name": t, "contacts": [t] }),
        },
        response: FindingResponse {
            status: Some(a.status),
            headers: a.headers.iter().cloned().collect(),
            body: t.clone(),
            transport_error: Some(t.clone()),
        },
        curl: t.clone(),
    });
    let short = chars(t, 300);
    for r in report.requirements.iter_mut() {
        if r.verdict == RequirementVerdict::Untested {
            r.reason = Some(short.clone());
        }
        r.findings = report
            .findings
            .iter()
            .filter(|f| f.requirement == r.id)
            .count();
    }
    report.summary.cases = 1;
    report.summary.requests = 1;
    report.summary.transport_errors = usize::from(obs.transport_error.is_some());
    report.summary.rate_limited = obs.rate_limited as usize;
    report.summary.truncated = usize::from(obs.response.as_ref().is_some_and(|r| r.truncated));
    report.summary.findings = report.findings.len();
    report.conflicts.push(Conflict {
        member: t.clone(),
        vendor: t.clone(),
        rfc: t.clone(),
        requirement: t.clone(),
    });
    report.target.url = a.target.clone();
    report.complete = complete;
    report.insecure = insecure;
    report.partition = partitioned.then(|| "hash:2/3".to_string());
    report.baseline = with_baseline.then(|| hostile_baseline(t));
    report
}

fn hostile_baseline(t: &str) -> BaselineResult {
    let date = Date::new(2026, 3, 1).expect("a real date");
    BaselineResult {
        path: t.into(),
        date,
        deny_warnings: t.len() % 2 == 0,
        counts: BaselineCounts {
            accepted: 1,
            new: 1,
            stale: 1,
            expired: 1,
        },
        accepted: vec![Accepted {
            finding: t.into(),
            requirement: t.into(),
            check: t.into(),
            reason: t.into(),
        }],
        new: vec![t.into()],
        stale: vec![StaleEntry {
            requirement: t.into(),
            check: Some(t.into()),
            reason: t.into(),
            line: 1,
        }],
        expired: vec![ExpiredEntry {
            requirement: t.into(),
            check: None,
            reason: t.into(),
            expires: date,
            line: 2,
        }],
    }
}

/// The report with hostile text also where only dcrcheck itself writes: tool, partition, and
/// the catalog's own text on a few rows, as a report read back from a file may have them.
///
fn everything_hostile(mut report: RunReport, t: &str) -> RunReport {
    report.tool.name = t.into();
    report.tool.version = t.into();
    report.partition = Some(t.into());
    for r in report.requirements.iter_mut().take(3) {
        r.id = t.into();
        r.citation = t.into();
        r.level = t.into();
        r.checks = vec![t.into()];
    }
    report
}

/// C0 control characters other than tab, newline and carriage return, and U+FFFE/U+FFFF:
/// XML 1.0 forbids them raw and in character references alike, so one would make the whole
/// file unreadable to a strict parser.
fn xml_forbidden(c: char) -> bool {
    (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// The Markdown outside fenced code blocks, and whether a fence was left open.
fn outside_fences(md: &str) -> (String, bool) {
    let mut prose = String::new();
    let mut fence: Option<usize> = None;
    for line in md.lines() {
        let ticks = line.chars().take_while(|c| *c == '`').count();
        match fence {
            None if ticks >= 3 => fence = Some(ticks),
            Some(n) if ticks >= n && line.trim_start_matches('`').trim().is_empty() => fence = None,
            Some(_) => {}
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    (prose, fence.is_some())
}

/// Renders `report` with every reporter and checks what each format promises.
fn check_reporters(report: &RunReport, a: &Answer, schema: bool) -> Result<(), TestCaseError> {
    for (verbose, color) in [(false, false), (true, true), (true, false)] {
        let text = human::render_with(
            report,
            human::Style {
                deny_warnings: a.switches[5],
                verbose,
                color,
            },
        );
        // Whatever the findings say, the report ends with its own verdict.
        let last = text.lines().last().unwrap_or_default();
        prop_assert!(last.starts_with("Result: "), "last line {last:?}");
        // No control character from the server reaches the terminal (colour codes are the
        // reporter's own, and only when asked for).
        let stray = text
            .chars()
            .find(|c| c.is_control() && *c != '\n' && !(color && *c == '\u{1b}'));
        prop_assert!(
            stray.is_none(),
            "control character {stray:?} in the human report"
        );
        if !color {
            prop_assert!(
                !text.contains('\u{1b}'),
                "an escape sequence without --color"
            );
        }
    }

    let text = json_report::render(report);
    let value: Value = serde_json::from_str(&text).map_err(fail)?;
    if schema {
        let errors: Vec<String> = report_schema()
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .take(5)
            .collect();
        prop_assert!(errors.is_empty(), "schema: {errors:?}");
    }
    // The report reads back as itself (merge, replay and baselines read it).
    let back: RunReport = serde_json::from_value(value).map_err(fail)?;
    prop_assert!(
        json_report::render(&back) == text,
        "JSON does not round-trip"
    );

    let xml = junit::render(report);
    prop_assert!(
        !xml.chars().any(xml_forbidden),
        "a control character XML forbids: {:?}",
        xml.chars().find(|c| xml_forbidden(*c))
    );
    let parsed = quick_junit::Report::deserialize_from_str(&xml).map_err(fail)?;
    let cases: usize = parsed.test_suites.iter().map(|s| s.test_cases.len()).sum();
    prop_assert_eq!(cases, report.requirements.len());

    let page = html::render(report);
    prop_assert!(
        !page.contains("<script>alert"),
        "the server's script survived"
    );
    prop_assert!(!page.contains("<img"), "the server's markup survived");
    prop_assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );

    let md = markdown::render(report);
    prop_assert!(
        md.len() <= markdown::MAX_BYTES,
        "markdown of {} bytes",
        md.len()
    );
    // In a fenced block `<script>` is code shown as text; anywhere else it would be HTML.
    let (prose, unclosed) = outside_fences(&md);
    prop_assert!(!unclosed, "a code fence left open");
    prop_assert!(
        !prose.contains("<script"),
        "the server's script in the markdown"
    );
    prop_assert!(
        !prose.contains("<img"),
        "the server's markup in the markdown"
    );
    Ok(())
}

/// The short version: runs with the suite.
#[test]
fn fuzz_response_path() {
    let reached = Reached::default();
    let ran = drive(
        "response path",
        answer(),
        Budget::Cases(160),
        || (RefCell::new(Ledger::default()), &reached),
        response_path,
    );
    assert_eq!(ran.cases, 160);
    let reached = reached.into_inner();
    eprintln!("checks reached (verdicts, flags): {reached:?}");
    // The answers must get past the parsers into the checks that read a registration, an
    // error and the run as a whole; a strategy that stopped reaching them would test little.
    for check in [
        "registered_members_are_returned",
        "success_body_matches_schema",
        "client_id_is_nonempty_string",
        "no_server_error",
        "every_request_gets_a_response",
        "client_ids_are_unique",
        "endpoint_requires_tls",
    ] {
        assert!(reached.contains_key(check), "{check} never judged");
    }
}

/// The long version: `DCRCHECK_FUZZ_SECS` seconds (600 by default).
#[test]
#[ignore = "long-running: DCRCHECK_FUZZ_SECS seconds"]
fn fuzz_response_path_long() {
    let reached = Reached::default();
    let ran = drive(
        "response path (long)",
        answer(),
        long_budget(),
        || (RefCell::new(Ledger::default()), &reached),
        response_path,
    );
    println!("checks reached (verdicts, flags): {:?}", reached.borrow());
    println!(
        "response path: {} cases in {:.0} s, slowest {} ms",
        ran.cases,
        ran.elapsed.as_secs_f64(),
        ran.slowest.as_millis()
    );
    // Never hang: no single answer may take a noticeable time to judge and render.
    assert!(ran.slowest < Duration::from_secs(10), "{ran:?}");
}

/// Not random: every registration member set to a value of every JSON type, as a success and
/// as an error, for each profile's baseline case. A success that types a member wrongly is
/// always flagged by something.
#[test]
fn every_member_as_every_json_type_is_judged() {
    let values = [
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(u64::MAX),
        json!(1.5),
        json!(1e308),
        json!(""),
        json!(NASTY[0]),
        json!([]),
        json!([NASTY[1], 1, null]),
        json!({}),
        json!({"kty": "oct", "k": "c2VjcmV0"}),
    ];
    let now = dcrcheck::run::now();
    for &profile in Profile::ALL {
        let (_, case) = cases()
            .iter()
            .find(|(p, c)| *p == profile && c.id == "probe-baseline")
            .expect("every profile has a baseline probe");
        for member in members() {
            for value in &values {
                for status in [201u16, 400] {
                    let mut body = case.request.body.json_object().cloned().unwrap_or_default();
                    body.insert(names::CLIENT_ID.into(), json!("fuzz-client"));
                    body.insert(member.into(), value.clone());
                    let obs = Observation {
                        request: SentRequest {
                            method: "POST",
                            url: URLS[0].into(),
                            headers: Vec::new(),
                        },
                        response: Some(Response::new(
                            status,
                            vec![("content-type".into(), "application/json".into())],
                            serde_json::to_vec(&Value::Object(body)).expect("JSON"),
                            false,
                        )),
                        transport_error: None,
                        elapsed_ms: 1,
                        rate_limited: 0,
                    };
                    let verdicts = checks::judge_case(&CaseContext {
                        profile,
                        case,
                        observation: &obs,
                        schemas: schemas(profile),
                        now,
                        policy: Policy::default(),
                        metadata: None,
                    });
                    let context = format!("{profile} {member}={value} status {status}");
                    assert!(known(&verdicts).is_ok(), "{context}");
                    assert!(!verdicts.is_empty(), "{context}: nothing judged");
                    let mistyped = match member {
                        names::CLIENT_ID => value.as_str().is_none_or(str::is_empty),
                        names::CLIENT_ID_ISSUED_AT => !value.is_u64(),
                        _ => false,
                    };
                    if status == 201 && mistyped {
                        assert!(
                            verdicts
                                .iter()
                                .any(|v| matches!(v.outcome, Outcome::Flag(_))),
                            "{context}: a mistyped {member} passed"
                        );
                    }
                    let _ = dcrcheck::snapshot::normalise(&obs, now);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The request path: the reference server's router, called directly.
// ---------------------------------------------------------------------------------------------

const TOKEN: &str = "fuzz-initial-access-token";

/// Defects that answer 500 on purpose; no other input may get a 5xx.
const CRASHING: &[Defect] = &[
    Defect::Status500OnMalformedJson,
    Defect::Status500OnNonObject,
    Defect::BandClientName41To64,
    Defect::BandNonAscii,
    Defect::BandLanguageTag,
    Defect::BandLongRedirect,
];

/// A server under test and what it was told.
struct Served {
    router: Router,
    defects: Vec<Defect>,
    token: bool,
}

fn serve(defects: Vec<Defect>, token: bool, tweak: impl FnOnce(&mut ServerConfig)) -> Served {
    let mut config = ServerConfig {
        initial_access_token: token.then(|| TOKEN.to_string()),
        defects: defects.clone(),
        ..ServerConfig::default()
    };
    tweak(&mut config);
    Served {
        router: server::router(config),
        defects,
        token,
    }
}

/// Answers seen per status over a whole fuzz run.
type Statuses = RefCell<BTreeMap<u16, u64>>;

/// The servers of one batch; they keep their state (store, counters, rate limit) across it.
struct Servers<'a> {
    runtime: tokio::runtime::Runtime,
    fixed: Vec<Served>,
    statuses: &'a Statuses,
}

fn servers(statuses: &Statuses) -> Servers<'_> {
    let all = Defect::ALL.to_vec();
    Servers {
        statuses,
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime"),
        fixed: vec![
            serve(Vec::new(), false, |_| {}),
            serve(Vec::new(), true, |_| {}),
            serve(all.clone(), false, |_| {}),
            serve(all, true, |_| {}),
            // Tight limits: a tiny body limit, a store of four, a rate limit that bites.
            serve(
                vec![
                    Defect::ListClientsOnGet,
                    Defect::HonourClientId,
                    Defect::ReuseClientIdForSameRequest,
                    Defect::AcceptFormEncoded,
                ],
                false,
                |c| {
                    c.body_limit = 512;
                    c.max_clients = 4;
                    c.rate_limit = Some((20, Duration::from_millis(50)));
                },
            ),
        ],
    }
}

#[derive(Debug, Clone)]
enum ServerChoice {
    Fixed(usize),
    /// A fresh server with these defects (and the token or not).
    Fresh(Vec<Defect>, bool),
}

#[derive(Debug, Clone)]
struct Sent {
    server: ServerChoice,
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

const PATHS: &[&str] = &[
    server::REGISTER_PATH,
    server::SEED_V3_PATH,
    server::OPENID_CONFIGURATION_PATH,
    server::OAUTH_SERVER_METADATA_PATH,
    "/v3/modules/%00/setups/%2e%2e/clients",
    "/v3/modules//setups//clients",
    "/register/",
    "/REGISTER",
    "//register",
    "/register?client_id=x&x=%ff",
    "/.well-known/openid-configuration/extra",
    "/",
    "*",
    "http://as.example.com/register",
    "https://[::1]:1/v3/modules/a/setups/b/clients?x",
];

fn target() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        3 => "[a-zA-Z0-9._~-]{0,16}",
        1 => short_text(),
        1 => (1usize..4000).prop_map(|n| "a".repeat(n)),
    ];
    let main = select(
        &[
            server::REGISTER_PATH,
            server::SEED_V3_PATH,
            server::OPENID_CONFIGURATION_PATH,
            server::OAUTH_SERVER_METADATA_PATH,
        ][..],
    );
    prop_oneof![
        6 => main.prop_map(String::from),
        3 => select(PATHS).prop_map(String::from),
        2 => (segment.clone(), segment.clone())
            .prop_map(|(m, s)| format!("/v3/modules/{m}/setups/{s}/clients")),
        1 => (select(PATHS), short_text()).prop_map(|(p, q)| format!("{p}?{q}")),
        1 => short_text(),
    ]
}

/// Header value bytes: whatever `HeaderValue` takes (visible ASCII, tab, obs-text).
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => hostile_text().prop_map(String::into_bytes),
        1 => vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..64),
    ]
}

fn request_headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let content_type = select(
        &[
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON ; charset=UTF-8",
            "application/json; charset=latin1",
            "application/json;charset=",
            "application/x-www-form-urlencoded",
            "application/jsonx",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/json, application/json",
            ";",
            "",
        ][..],
    );
    let length = prop_oneof![
        select(
            &[
                "0",
                "1",
                "-1",
                "abc",
                "1, 2",
                " 7",
                "262145",
                "18446744073709551615",
                "18446744073709551616",
                "99999999999999999999999"
            ][..]
        )
        .prop_map(String::from),
        any::<u32>().prop_map(|n| n.to_string()),
    ];
    let authorization = prop_oneof![
        select(
            &[
                "Bearer fuzz-initial-access-token",
                "bearer  fuzz-initial-access-token ",
                "BEARER fuzz-initial-access-token",
                "Bearer wrong-token",
                "Bearer",
                "Bearer ",
                "fuzz-initial-access-token",
                "Basic Zm9vOmJhcg==",
                "",
                "Bearer fuzz-initial-access-token\t",
                "Bearer fuzz-initial-access-token, Bearer other"
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
        header_bytes(),
    ];
    let other = (
        prop_oneof![
            3 => select(&["host", "authorization", "content-type", "content-length",
                "transfer-encoding", "origin", "access-control-request-method", "expect",
                "cookie", "accept", "x-forwarded-proto"][..])
                .prop_map(String::from),
            1 => "[a-z0-9-]{1,24}",
        ],
        header_bytes(),
    );
    (
        prop_oneof![4 => content_type.prop_map(Some), 1 => Just(None)],
        proptest::option::of(length),
        vec(authorization, 0..3),
        vec(other, 0..6),
    )
        .prop_map(|(ct, length, auth, mut other)| {
            let mut all = Vec::new();
            if let Some(ct) = ct {
                all.push(("content-type".to_string(), ct.as_bytes().to_vec()));
            }
            if let Some(n) = length {
                all.push(("content-length".to_string(), n.into_bytes()));
            }
            all.extend(auth.into_iter().map(|a| ("authorization".to_string(), a)));
            all.append(&mut other);
            all
        })
}

fn form() -> impl Strategy<Value = Vec<u8>> {
    vec((member_name(), short_text()), 0..8).prop_map(|pairs| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes()
    })
}

fn request_body() -> impl Strategy<Value = Vec<u8>> {
    // A real case's body, as dcrcheck would send it, with hostile members on top.
    let real =
        (0..cases().len(), vec((member_name(), json_value()), 0..3)).prop_map(|(i, extra)| {
            let body = &cases()[i].1.request.body;
            match body.json_object() {
                Some(m) if !extra.is_empty() => {
                    let mut m = m.clone();
                    m.extend(extra);
                    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
                }
                _ => body.to_bytes(),
            }
        });
    prop_oneof![
        6 => real,
        2 => vec(any::<u8>(), 0..2048),
        1 => deep_nesting(),
        1 => valid_deep(),
        1 => huge_numbers(),
        1 => invalid_utf8_json(),
        1 => huge_json(100_000..400_000),
        2 => form(),
        3 => registration_object()
            .prop_map(|m| serde_json::to_vec(&Value::Object(m)).unwrap_or_default()),
        1 => (member_name(), short_text(), short_text()).prop_map(|(k, a, b)| {
            format!("{{{k}:{},{k}:{}}}", Value::String(a), Value::String(b), k = Value::String(k))
                .into_bytes()
        }),
        1 => json_value().prop_map(|v| format!("\u{feff}{v}").into_bytes()),
        1 => hostile_text().prop_map(String::into_bytes),
        1 => Just(Vec::new()),
    ]
}

fn server_choice() -> impl Strategy<Value = ServerChoice> {
    prop_oneof![
        4 => (0usize..5).prop_map(ServerChoice::Fixed),
        1 => (vec(select(Defect::ALL), 0..6), any::<bool>())
            .prop_map(|(d, t)| ServerChoice::Fresh(d, t)),
    ]
}

/// A registration as a well-behaved client sends it (a real case's body, the token, JSON),
/// sometimes with hostile members or headers on top: the requests that get past parsing and
/// into validation, the store and the success answer.
fn registration() -> impl Strategy<Value = Sent> {
    let path = select(
        &[
            server::REGISTER_PATH,
            server::SEED_V3_PATH,
            "/v3/modules/m%20x/setups/%F0%9F%98%80/clients",
        ][..],
    );
    let extra = prop_oneof![
        3 => Just(Vec::new()),
        1 => vec((member_name(), json_value()), 1..3),
    ];
    (
        server_choice(),
        path,
        0..cases().len(),
        extra,
        vec(
            (
                select(&["host", "origin", "content-length"][..]),
                header_bytes(),
            ),
            0..2,
        ),
    )
        .prop_map(|(server, path, i, extra, more)| {
            let body = &cases()[i].1.request.body;
            let body = match body.json_object() {
                Some(m) if !extra.is_empty() => {
                    let mut m = m.clone();
                    m.extend(extra);
                    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
                }
                _ => body.to_bytes(),
            };
            let mut headers = vec![
                ("content-type".to_string(), b"application/json".to_vec()),
                (
                    "authorization".to_string(),
                    format!("Bearer {TOKEN}").into_bytes(),
                ),
            ];
            headers.extend(more.into_iter().map(|(n, v)| (n.to_string(), v)));
            Sent {
                server,
                method: "POST".into(),
                target: path.into(),
                headers,
                body,
            }
        })
}

fn sent() -> impl Strategy<Value = Sent> {
    prop_oneof![2 => registration(), 3 => anything()]
}

/// Any request at all.
fn anything() -> impl Strategy<Value = Sent> {
    let server = server_choice();
    let method = prop_oneof![
        6 => Just("POST".to_string()),
        3 => select(&["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT"][..])
            .prop_map(String::from),
        1 => "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}",
        1 => short_text(),
    ];
    (server, method, target(), request_headers(), request_body()).prop_map(
        |(server, method, target, headers, body)| Sent {
            server,
            method,
            target,
            headers,
            body,
        },
    )
}

/// The request as hyper would hand it over: a method and URI that do not parse are replaced
/// (hyper would have refused the request before the router saw it), headers that
/// `HeaderName`/`HeaderValue` refuse are left out for the same reason.
fn http_request(s: &Sent) -> Request<Body> {
    let method = Method::from_bytes(s.method.as_bytes()).unwrap_or(Method::POST);
    let uri = s.target.parse::<Uri>().unwrap_or_else(|_| {
        let encoded: String = s
            .target
            .bytes()
            .map(|b| match b {
                b'/' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => char::from(b).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("/{encoded}")
            .parse()
            .unwrap_or_else(|_| Uri::from_static(server::REGISTER_PATH))
    });
    let mut req = Request::new(Body::from(s.body.clone()));
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    for (name, value) in &s.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            req.headers_mut().append(n, v);
        }
    }
    req
}

/// One hostile request to one server: the answer must be a well-formed HTTP response.
fn request_path(servers: &Servers<'_>, s: Sent) -> Result<(), TestCaseError> {
    let fresh;
    let served = match &s.server {
        ServerChoice::Fixed(i) => &servers.fixed[*i],
        ServerChoice::Fresh(defects, token) => {
            fresh = serve(defects.clone(), *token, |_| {});
            &fresh
        }
    };
    let req = http_request(&s);
    let method = req.method().clone();
    let presents_token = req.headers().get_all("authorization").iter().any(|v| {
        v.as_bytes()
            .windows(TOKEN.len())
            .any(|w| w == TOKEN.as_bytes())
    });
    let response = servers
        .runtime
        .block_on(served.router.clone().oneshot(req))
        .unwrap_or_else(|never| match never {});
    let status = response.status().as_u16();
    *servers.statuses.borrow_mut().entry(status).or_default() += 1;
    prop_assert!(status < 600, "status {status}");
    if status >= 500 {
        prop_assert!(
            served.defects.iter().any(|d| CRASHING.contains(d)),
            "{status} without a defect that crashes (defects {:?})",
            served.defects
        );
    }
    let headers = response.headers().clone();
    let media = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    let says_json = media
        .as_deref()
        .is_some_and(|m| m == names::APPLICATION_JSON || m.ends_with("+json"));
    let body = servers
        .runtime
        .block_on(axum::body::to_bytes(response.into_body(), 64 << 20));
    let Ok(body) = body else {
        // Only `drop-connection` abandons an answer, and only a POST's.
        prop_assert!(
            served.defects.contains(&Defect::DropConnection) && method == Method::POST,
            "the body failed (defects {:?})",
            served.defects
        );
        return Ok(());
    };
    if method != Method::HEAD {
        if says_json {
            prop_assert!(
                serde_json::from_slice::<Value>(&body).is_ok(),
                "says JSON but is not: {:?}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            );
        }
        if let Some(length) = headers.get(CONTENT_LENGTH) {
            prop_assert_eq!(
                length.to_str().ok().and_then(|l| l.parse::<usize>().ok()),
                Some(body.len())
            );
        }
    }
    if served.token && method == Method::POST && !presents_token {
        prop_assert!(
            !(200..300).contains(&status),
            "registered without the initial access token: {status}"
        );
    }
    Ok(())
}

/// The short version: runs with the suite.
#[test]
fn fuzz_request_path() {
    let statuses = Statuses::default();
    let ran = drive(
        "request path",
        sent(),
        Budget::Cases(2000),
        || servers(&statuses),
        request_path,
    );
    assert_eq!(ran.cases, 2000);
    let statuses = statuses.into_inner();
    eprintln!("statuses: {statuses:?}");
    // Registrations, refusals of every kind and the seeded crashes were all reached.
    for status in [201, 400, 401, 404, 405, 413, 500] {
        assert!(
            statuses.contains_key(&status),
            "no {status} in {statuses:?}"
        );
    }
}

/// The long version: `DCRCHECK_FUZZ_SECS` seconds (600 by default).
#[test]
#[ignore = "long-running: DCRCHECK_FUZZ_SECS seconds"]
fn fuzz_request_path_long() {
    let statuses = Statuses::default();
    let ran = drive(
        "request path (long)",
        sent(),
        long_budget(),
        || servers(&statuses),
        request_path,
    );
    println!("statuses: {:?}", statuses.borrow());
    println!(
        "request path: {} cases in {:.0} s, slowest {} ms",
        ran.cases,
        ran.elapsed.as_secs_f64(),
        ran.slowest.as_millis()
    );
    assert!(ran.slowest < Duration::from_secs(10), "{ran:?}");
}

// ---------------------------------------------------------------------------------------------
// The client store's cap.
// ---------------------------------------------------------------------------------------------

/// Registers one client named `name` (or reusing `client_id` under `honour-client-id`).
async fn register(router: &Router, name: &str, client_id: Option<&str>) -> u16 {
    let mut body = json!({
        "redirect_uris": ["https://client.example/cb"],
        "client_name": name,
    });
    if let Some(id) = client_id {
        body["client_id"] = json!(id);
    }
    let req = Request::post(server::REGISTER_PATH)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    let res = router
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|never| match never {});
    res.status().as_u16()
}

/// The client names the server holds, oldest first (`list-clients-on-get` shows the store).
async fn stored_names(router: &Router) -> Vec<String> {
    let req = Request::get(server::REGISTER_PATH)
        .body(Body::empty())
        .expect("a request");
    let res = router
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|never| match never {});
    assert_eq!(res.status().as_u16(), 200);
    let body = axum::body::to_bytes(res.into_body(), 64 << 20)
        .await
        .expect("a body");
    let list: Vec<Value> = serde_json::from_slice(&body).expect("a JSON array");
    list.iter()
        .map(|c| c["client_name"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `dcrcheck serve` takes any number of registrations with bounded memory: past
/// `max_clients` the oldest registration is forgotten as each new one is stored, and one
/// client registered again under the same id is stored once.
#[test]
fn the_store_keeps_the_newest_max_clients() {
    assert_eq!(
        ServerConfig::default().max_clients,
        server::DEFAULT_MAX_CLIENTS,
        "the documented default"
    );
    assert_eq!(server::DEFAULT_MAX_CLIENTS, 100_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let cap = 25;
        let router = server::router(ServerConfig {
            defects: vec![Defect::ListClientsOnGet],
            max_clients: cap,
            ..ServerConfig::default()
        });
        for i in 0..4 * cap {
            assert_eq!(
                register(&router, &format!("client-{i:03}"), None).await,
                201
            );
            let held = stored_names(&router).await.len();
            assert_eq!(held, (i + 1).min(cap), "after {} registrations", i + 1);
        }
        let expected: Vec<String> = (3 * cap..4 * cap)
            .map(|i| format!("client-{i:03}"))
            .collect();
        assert_eq!(
            stored_names(&router).await,
            expected,
            "the newest, oldest first"
        );

        // Re-registering one id replaces its record in place instead of adding one.
        let router = server::router(ServerConfig {
            defects: vec![Defect::ListClientsOnGet, Defect::HonourClientId],
            max_clients: cap,
            ..ServerConfig::default()
        });
        for i in 0..2 * cap {
            assert_eq!(
                register(&router, &format!("again-{i}"), Some("same")).await,
                201
            );
        }
        assert_eq!(
            stored_names(&router).await,
            [format!("again-{}", 2 * cap - 1)]
        );
    });
}
