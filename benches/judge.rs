//! Per-case cost of judging: every per-case check (`checks::judge_case`) over the cases of a
//! 200-case plan, each paired with a made-up but realistic answer: a 201 JSON registration that
//! echoes the request body and adds `client_id`, `client_secret`, `client_id_issued_at` and
//! `client_secret_expires_at`. No I/O. Cases, answer bytes and schemas are made once; each
//! iteration gets fresh `Observation`s (made outside the timed part), so the one parse of each
//! response body that a run pays is timed too, and a body cached by an earlier iteration is not
//! reused.
//!
//! An answer that registers every case, the invalid ones included, is the expensive path: a
//! strict server refuses most invalid cases, and a refusal is judged by fewer checks.
//!
//! `cargo bench --bench judge` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use dcrcheck::checks::{self, CaseContext, Policy};
use dcrcheck::exec::{Observation, Response, SentRequest};
use dcrcheck::generate::{self, Case, CaseKind, Plan};
use dcrcheck::profile::{Profile, Schemas};
use serde_json::{json, Map, Value};

const CASES: usize = 200;
/// The harness clock the answers and the judging agree on.
const NOW: u64 = 1_700_000_000;

/// The bytes of a 201 answer registering what the case sent, with fresh credentials per case.
fn registration_body(case: &Case, index: usize) -> Vec<u8> {
    let mut body: Map<String, Value> = case.request.body.json_object().cloned().unwrap_or_default();
    body.insert("client_id".into(), json!(format!("client-{index:08}")));
    // 32 hex digits of a per-case value: unique, and 128 bits as the secret-strength check wants.
    let secret = format!(
        "{:016x}{:016x}",
        0x9e37_79b9_7f4a_7c15u64.wrapping_mul(index as u64 + 1),
        index
    );
    body.insert("client_secret".into(), json!(secret));
    body.insert("client_id_issued_at".into(), json!(NOW));
    body.insert("client_secret_expires_at".into(), json!(0));
    serde_json::to_vec(&Value::Object(body)).expect("a JSON object serialises")
}

/// A fresh observation of `body` answering `case` (nothing parsed yet).
fn observation(case: &Case, body: &[u8]) -> Observation {
    let mut sent_headers = case.request.headers.clone();
    if let Some(ct) = &case.request.content_type {
        sent_headers.push(("content-type".into(), ct.clone()));
    }
    // Header names lowercased, as `exec` records them; the no-cache pair RFC 7591 §3.2.1 asks for.
    let headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("cache-control".to_string(), "no-store".to_string()),
        ("pragma".to_string(), "no-cache".to_string()),
    ];
    Observation {
        request: SentRequest {
            method: case.request.method.as_str(),
            url: "http://127.0.0.1:8080/register".into(),
            headers: sent_headers,
        },
        response: Some(Response::new(201, headers, body.to_vec(), false)),
        transport_error: None,
        elapsed_ms: 1,
        rate_limited: 0,
    }
}

/// Times `judge_case` over `pairs` (case, answer bytes), reported per case.
fn bench_pairs(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: String,
    profile: Profile,
    schemas: &Schemas,
    pairs: &[(&Case, &[u8])],
) {
    let policy = Policy::default();
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function(name, |b| {
        b.iter_batched(
            || {
                pairs
                    .iter()
                    .map(|&(case, body)| observation(case, body))
                    .collect::<Vec<_>>()
            },
            |observations| {
                let mut verdicts = 0usize;
                for (&(case, _), observation) in pairs.iter().zip(&observations) {
                    let ctx = CaseContext {
                        profile,
                        case,
                        observation,
                        schemas,
                        now: NOW,
                        policy,
                        metadata: None,
                    };
                    verdicts += checks::judge_case(black_box(&ctx)).len();
                }
                // Dropped by criterion outside the timed part.
                (verdicts, observations)
            },
            BatchSize::LargeInput,
        )
    });
}

fn bench_judge(c: &mut Criterion) {
    let mut group = c.benchmark_group("judge");
    for &profile in Profile::ALL {
        let schemas = profile.schemas().expect("the embedded schemas compile");
        let cases = generate::cases(&Plan {
            profile,
            seed: 1,
            cases: CASES,
            has_token: false,
        });
        let bodies: Vec<Vec<u8>> = cases
            .iter()
            .enumerate()
            .map(|(i, case)| registration_body(case, i))
            .collect();
        let all: Vec<(&Case, &[u8])> = cases
            .iter()
            .zip(&bodies)
            .map(|(c, b)| (c, b.as_slice()))
            .collect();
        // Every case of the plan: probes, the fixture corpus (a 1 MiB client_name among them)
        // and the generated cases.
        bench_pairs(
            &mut group,
            format!("{profile}/all_{}_cases", all.len()),
            profile,
            &schemas,
            &all,
        );
        // Only the generated cases: what grows with --cases.
        let generated: Vec<(&Case, &[u8])> = all
            .iter()
            .copied()
            .filter(|(case, _)| matches!(case.kind, CaseKind::Valid | CaseKind::Invalid))
            .collect();
        bench_pairs(
            &mut group,
            format!("{profile}/generated_{}_cases", generated.len()),
            profile,
            &schemas,
            &generated,
        );
    }
    group.finish();
}

criterion_group!(benches, bench_judge);
criterion_main!(benches);
