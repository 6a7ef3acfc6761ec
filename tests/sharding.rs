//! Partitioned runs (`run --partition hash:M/N`) and `dcrcheck merge`: shards split the
//! generated cases without overlap or gaps and all send the fixed probes; merging every
//! shard's report gives the requirement verdicts of the unsharded run with the same seed; and
//! sets of reports that are not all the shards of one run are refused with exit 2.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dcrcheck::generate::select::{self, Partition, Selection};
use dcrcheck::generate::{CaseKind, Plan};
use dcrcheck::profile::Profile;
use dcrcheck::run::{RequirementVerdict, RunConfig, RunReport, TargetSpec};
use dcrcheck::server::{self, Defect, RunningServer, ServerConfig};
use proptest::prelude::*;

use crate::support::{dcrcheck, SEEDS};

/// A fresh embedded reference server with `defects` (over TLS when a defect only shows there).
pub async fn reference_server(defects: &[Defect]) -> RunningServer {
    server::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ServerConfig {
            defects: defects.to_vec(),
            tls: defects.iter().any(|d| d.needs_tls()),
            ..Default::default()
        },
    )
    .await
    .expect("start reference server")
}

/// Runs dcrcheck, configured further by `adjust`, against `server`.
pub async fn run_on(
    server: &RunningServer,
    profile: Profile,
    seed: u64,
    cases: usize,
    adjust: impl FnOnce(&mut RunConfig),
) -> RunReport {
    let url = format!("{}{}", server.base_url(), profile.embedded_path());
    let mut config = RunConfig::new(profile, seed);
    config.cases = cases;
    config.target = TargetSpec::Url(url.parse().expect("url"));
    config.ca_cert = server.ca_cert_pem().map(|p| p.as_bytes().to_vec());
    adjust(&mut config);
    dcrcheck::run::run(&config, &mut |_| {}).await.expect("run")
}

/// Runs dcrcheck, configured further by `adjust`, against a fresh reference server with
/// `defects`, so no earlier run's registrations change what this one sees.
pub async fn run_configured(
    profile: Profile,
    seed: u64,
    cases: usize,
    defects: &[Defect],
    adjust: impl FnOnce(&mut RunConfig),
) -> RunReport {
    let server = reference_server(defects).await;
    let report = run_on(&server, profile, seed, cases, adjust).await;
    server.shutdown().await;
    report
}

/// Each row's verdict, by id.
pub fn verdicts(report: &RunReport) -> Vec<(String, RequirementVerdict)> {
    report
        .requirements
        .iter()
        .map(|r| (r.id.clone(), r.verdict))
        .collect()
}

/// Defects whose evidence comes from different places: the run-wide ledger (shared ids and
/// secrets, a client chosen id), the final GET, a mutation, random valid payloads (a band),
/// error bodies, and a refusal of the fixed probes.
const DEFECTS: &[&str] = &[
    "shared-client-id",
    "short-secret",
    "honour-client-id",
    "list-clients-on-get",
    "accept-http-redirect",
    "band-client-name-41-64",
    "html-errors",
    "reject-unknown-members",
];

fn defect(name: &str) -> Defect {
    Defect::from_name(name).expect("known defect")
}

/// The unsharded run, the merge of its N shards, and the shards. The shards test one server
/// between them, as the jobs of a CI matrix test one deployment; the unsharded run tests a
/// fresh one.
async fn whole_and_merged(seed: u64, n: u32, d: Defect) -> (RunReport, RunReport, Vec<RunReport>) {
    let profile = Profile::Rfc7591;
    let whole = run_configured(profile, seed, 60, &[d], |_| {}).await;
    let server = reference_server(&[d]).await;
    let mut shards = Vec::new();
    for m in 1..=n {
        let report = run_on(&server, profile, seed, 60, |c| {
            c.partition = Partition::new(m, n);
        })
        .await;
        // Through JSON, as `dcrcheck merge` reads shards.
        let text = dcrcheck::report::json::render(&report);
        let back: RunReport = serde_json::from_str(&text).expect("a shard report reads back");
        shards.push((format!("shard-{m}.json"), back));
    }
    server.shutdown().await;
    let merged = dcrcheck::merge::merge(&shards).expect("merge");
    (whole, merged, shards.into_iter().map(|(_, r)| r).collect())
}

proptest! {
    // A fixed seed: the suite is a gate and gives the same answer on every run of a commit.
    #![proptest_config(ProptestConfig {
        rng_seed: proptest::test_runner::RngSeed::Fixed(7591),
        ..ProptestConfig::with_cases(6)
    })]

    /// Merging all N shards gives the unsharded run's verdict on every row.
    #[test]
    fn merged_shards_give_the_verdicts_of_the_unsharded_run(
        n in 1u32..=4,
        which in 0..DEFECTS.len(),
        seed in 0u64..100_000,
    ) {
        let d = defect(DEFECTS[which]);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (whole, merged, shards) = runtime.block_on(whole_and_merged(seed, n, d));
        // The defect shows in the whole run, so the comparison is about a real verdict.
        let row = whole.requirements.iter().find(|r| r.id == d.requirement()).map(|r| r.verdict);
        prop_assert!(
            matches!(row, Some(RequirementVerdict::Fail | RequirementVerdict::Warn)),
            "{} not found by the whole run: {row:?}", d.name()
        );
        prop_assert_eq!(verdicts(&merged), verdicts(&whole), "{} seed {} n {}", d.name(), seed, n);
        prop_assert_eq!(
            (merged.summary.pass, merged.summary.fail, merged.summary.warn, merged.summary.info),
            (whole.summary.pass, whole.summary.fail, whole.summary.warn, whole.summary.info)
        );
        prop_assert!(merged.partition.is_none() && merged.complete);
        for (m, s) in shards.iter().enumerate() {
            prop_assert_eq!(s.partition.clone(), Some(format!("hash:{}/{n}", m + 1)));
        }
        // Every generated case was sent by exactly one shard; the probes (and the software
        // statements, made per run) by each.
        let plan = Plan { profile: Profile::Rfc7591, seed, cases: 60, has_token: false };
        let fixed = select::cases(&plan, &Selection::default())
            .iter()
            .filter(|c| matches!(c.kind, CaseKind::Probe | CaseKind::Final))
            .count()
            + dcrcheck::generate::statements::count(false);
        prop_assert_eq!(
            merged.summary.cases,
            whole.summary.cases + (n as usize - 1) * fixed
        );
    }
}

/// Every generated case (valid, mutated, fixture) is in exactly one shard, identical to the
/// whole run's case of that id; every fixed and final probe is in every shard.
#[test]
fn shards_are_disjoint_and_cover_every_generated_case() {
    for profile in Profile::ALL {
        for seed in SEEDS {
            let plan = Plan {
                profile: *profile,
                seed: *seed,
                cases: 120,
                has_token: true,
            };
            let whole = select::cases(&plan, &Selection::default());
            let by_id: HashMap<&str, serde_json::Value> = whole
                .iter()
                .map(|c| (c.id.as_str(), serde_json::to_value(c).expect("case json")))
                .collect();
            assert_eq!(by_id.len(), whole.len(), "case ids are unique");
            let all_generated = whole
                .iter()
                .filter(|c| !matches!(c.kind, CaseKind::Probe | CaseKind::Final))
                .count();
            for n in 1..=5u32 {
                let mut times: HashMap<String, u32> = HashMap::new();
                for m in 1..=n {
                    let selection = Selection {
                        partition: Partition::new(m, n),
                        focus: None,
                    };
                    let shard = select::cases(&plan, &selection);
                    let generated = shard
                        .iter()
                        .filter(|c| !matches!(c.kind, CaseKind::Probe | CaseKind::Final))
                        .count();
                    // A fixed hash spreads a few hundred cases roughly evenly: every shard
                    // gets at least half its fair share.
                    assert!(
                        generated * n as usize * 2 > all_generated,
                        "{profile} seed {seed} hash:{m}/{n}: only {generated} generated cases"
                    );
                    for c in shard {
                        let same = by_id.get(c.id.as_str()).expect("a case of the whole run");
                        assert_eq!(&serde_json::to_value(&c).expect("json"), same, "{}", c.id);
                        *times.entry(c.id).or_default() += 1;
                    }
                }
                for c in &whole {
                    let want = match c.kind {
                        CaseKind::Probe | CaseKind::Final | CaseKind::Manage => n,
                        CaseKind::Valid | CaseKind::Invalid | CaseKind::Fixture => 1,
                    };
                    assert_eq!(
                        times.get(&c.id).copied(),
                        Some(want),
                        "{profile} seed {seed} n {n}: {}",
                        c.id
                    );
                }
            }
        }
    }
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("dcrcheck-sharding-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Runs the binary against the embedded server and writes its JSON report to `out`.
fn shard(seed: &str, partition: Option<&str>, out: &Path) {
    let mut args = vec![
        "run",
        "--seed",
        seed,
        "--cases",
        "20",
        "--quiet",
        "--report-json",
    ];
    let out = path(out);
    args.push(&out);
    if let Some(p) = partition {
        args.extend(["--partition", p]);
    }
    let (code, _, err) = dcrcheck(&args);
    assert_eq!(code, 0, "{args:?}: {err}");
}

fn assert_merge_refused(reports: &[&Path], needle: &str) {
    let mut args = vec!["merge".to_string()];
    args.extend(reports.iter().map(|p| path(p)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = dcrcheck(&args);
    assert_eq!(code, 2, "{args:?} should exit 2: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(
        lines[0].contains(needle),
        "{args:?}: {err} lacks {needle:?}"
    );
    assert!(out.is_empty(), "no report for a refused merge: {out}");
}

/// `dcrcheck merge` refuses what is not all the shards of one run, with one line and exit 2,
/// and merges a complete set into a report with no partition.
#[test]
fn merge_refuses_incomplete_or_mixed_shards_with_exit_2() {
    let dir = temp_dir();
    let s1 = dir.join("s1.json");
    let s2 = dir.join("s2.json");
    let other_seed = dir.join("s2-seed6.json");
    let whole = dir.join("whole.json");
    shard("5", Some("hash:1/2"), &s1);
    shard("5", Some("hash:2/2"), &s2);
    shard("6", Some("hash:2/2"), &other_seed);
    shard("5", None, &whole);

    assert_merge_refused(&[&s1], "shard 2 of hash:M/2 is missing");
    assert_merge_refused(&[&s1, &other_seed], "has seed 6, but");
    assert_merge_refused(&[&s1, &s1], "partition hash:1/2 is given twice");
    assert_merge_refused(&[&s1, &whole], "is not a shard");
    let absent = dir.join("absent.json");
    assert_merge_refused(&[&s1, &absent], "cannot read");
    let not_report = dir.join("not-report.json");
    std::fs::write(&not_report, "{\"a\": 1}").expect("write");
    assert_merge_refused(&[&s1, &not_report], "not a dcrcheck JSON report");
    let text = std::fs::read_to_string(&s2).expect("read");
    let mut future: serde_json::Value = serde_json::from_str(&text).expect("json");
    future["version"] = serde_json::json!(99);
    let future_path = dir.join("future.json");
    std::fs::write(&future_path, future.to_string()).expect("write");
    assert_merge_refused(&[&s1, &future_path], "report version 99");

    let merged = dir.join("merged.json");
    let junit = dir.join("merged.xml");
    let (code, out, err) = dcrcheck(&[
        "merge",
        &path(&s2),
        &path(&s1),
        "-o",
        &path(&merged),
        "--report-junit",
        &path(&junit),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Result: PASS"), "{out}");
    let merged: RunReport =
        serde_json::from_str(&std::fs::read_to_string(&merged).expect("merged written"))
            .expect("merged report");
    let whole: RunReport =
        serde_json::from_str(&std::fs::read_to_string(&whole).expect("whole")).expect("whole");
    assert!(merged.partition.is_none() && merged.complete);
    assert_eq!(verdicts(&merged), verdicts(&whole));
    assert!(std::fs::read_to_string(&junit)
        .expect("junit written")
        .contains("<testsuite"));

    // The merge is where a sharded run is gated: a baseline entry for a row that passes in
    // the merged report is stale and fails it, and an unreadable baseline is exit 2.
    let baseline = dir.join("baseline.toml");
    std::fs::write(
        &baseline,
        "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"legacy clients\"\n",
    )
    .expect("write");
    let (code, out, err) = dcrcheck(&[
        "merge",
        &path(&s1),
        &path(&s2),
        "--baseline",
        &path(&baseline),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("FAIL (baseline: 1 stale)"), "{out}");
    let (code, _, err) = dcrcheck(&[
        "merge",
        &path(&s1),
        &path(&s2),
        "--baseline",
        &path(&absent),
    ]);
    assert_eq!(code, 2, "{err}");
    std::fs::remove_dir_all(&dir).expect("clean");
}
