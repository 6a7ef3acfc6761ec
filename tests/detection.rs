//! Detection power: every deliberate defect of the reference server is found by a default
//! run, on several seeds, under the requirement it breaks; band defects shrink to a minimal
//! payload at the band's edge. The README's detection table is this test's output.

use dcrcheck::profile::Profile;
use dcrcheck::run::{RunReport, DEFAULT_CASES};
use dcrcheck::server::{Defect, DefectSeverity};
use dcrcheck::spec::Severity;

use crate::support::{run_against_server, SEEDS};

const TABLE_START: &str = "<!-- detection-table:start -->";
const TABLE_END: &str = "<!-- detection-table:end -->";

fn profile_for(d: Defect) -> Profile {
    if d.requirement().starts_with("OIDC") {
        Profile::Oidc
    } else {
        Profile::Rfc7591
    }
}

fn found(report: &RunReport, d: Defect) -> Result<(), String> {
    let wanted = match d.severity() {
        DefectSeverity::Fail => Severity::Fail,
        DefectSeverity::Warn => Severity::Warn,
    };
    let hit = report
        .findings
        .iter()
        .any(|f| f.requirement == d.requirement() && f.severity == wanted);
    let exit_ok = match d.severity() {
        DefectSeverity::Fail => report.has_fail(),
        DefectSeverity::Warn => !report.has_fail() && report.has_warn(),
    };
    if hit && exit_ok {
        Ok(())
    } else {
        let seen: Vec<String> = report
            .findings
            .iter()
            .map(|f| format!("{} {} {}", f.severity.label(), f.requirement, f.title))
            .collect();
        Err(format!(
            "{} (wants {:?} on {}): fail={} warn={} findings={seen:#?}",
            d.name(),
            d.severity(),
            d.requirement(),
            report.summary.fail,
            report.summary.warn
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defect_is_found_by_a_default_run_on_every_seed() {
    let mut misses = Vec::new();
    let mut rows = Vec::new();
    let (mut requests, mut millis) = (0usize, 0u64);
    for d in Defect::ALL {
        let mut found_on = 0;
        for seed in SEEDS {
            let report = run_against_server(profile_for(*d), *seed, DEFAULT_CASES, &[*d]).await;
            requests += report.summary.requests;
            millis += report.summary.duration_ms;
            match found(&report, *d) {
                Ok(()) => found_on += 1,
                Err(e) => misses.push(format!("seed {seed}: {e}")),
            }
        }
        rows.push(format!(
            "| `{}` | {} | {} | {}/{} seeds |",
            d.name(),
            d.requirement(),
            format!("{:?}", d.severity()).to_uppercase(),
            found_on,
            SEEDS.len()
        ));
    }
    let table = format!(
        "{TABLE_START}\n| defect | requirement | severity | found |\n|---|---|---|---|\n{}\n\n{} defects × {} seeds, default settings ({} generated cases plus the fixed probes).\n{TABLE_END}",
        rows.join("\n"),
        Defect::ALL.len(),
        SEEDS.len(),
        DEFAULT_CASES,
    );
    eprintln!(
        "detection: {} runs, {requests} requests, {millis} ms of run time",
        Defect::ALL.len() * SEEDS.len()
    );
    assert!(
        misses.is_empty(),
        "defects not found:\n{}",
        misses.join("\n")
    );
    let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(readme_path).expect("README.md");
    let (Some(a), Some(b)) = (readme.find(TABLE_START), readme.find(TABLE_END)) else {
        panic!("README.md lacks the detection table markers");
    };
    let current = &readme[a..b + TABLE_END.len()];
    if std::env::var_os("DCRCHECK_UPDATE_README").is_some() {
        let updated = format!(
            "{}{}{}",
            &readme[..a],
            table,
            &readme[b + TABLE_END.len()..]
        );
        std::fs::write(readme_path, updated).expect("write README.md");
    } else {
        assert_eq!(
            current, table,
            "README detection table is stale: rerun with DCRCHECK_UPDATE_README=1"
        );
    }
}

#[tokio::test]
async fn clean_server_stays_at_zero_fail_and_zero_warn_with_default_settings() {
    for seed in SEEDS {
        for profile in [Profile::Rfc7591, Profile::Oidc] {
            let report = run_against_server(profile, *seed, DEFAULT_CASES, &[]).await;
            assert_eq!(
                (report.summary.fail, report.summary.warn),
                (0, 0),
                "{profile} seed {seed}"
            );
        }
    }
}

/// The finding a band defect shows on a valid payload.
fn band_payload(report: &RunReport) -> serde_json::Map<String, serde_json::Value> {
    let f = report
        .findings
        .iter()
        .find(|f| f.requirement == "R7591-3.2-a" && f.check == "no_server_error")
        .expect("a server error on a valid request");
    assert!(
        f.detail.contains("minimal reproduction"),
        "not shrunk: {}",
        f.detail
    );
    f.request.body.as_object().expect("object payload").clone()
}

#[tokio::test]
async fn band_defects_shrink_to_the_trigger_at_the_band_edge() {
    for seed in SEEDS {
        let r = run_against_server(
            Profile::Rfc7591,
            *seed,
            DEFAULT_CASES,
            &[Defect::BandClientName41To64],
        )
        .await;
        let p = band_payload(&r);
        let keys: Vec<&str> = p.keys().map(String::as_str).collect();
        assert_eq!(keys, ["redirect_uris", "client_name"], "seed {seed}: {p:?}");
        assert_eq!(
            p["client_name"].as_str().expect("name").chars().count(),
            41,
            "seed {seed}"
        );

        let r = run_against_server(
            Profile::Rfc7591,
            *seed,
            DEFAULT_CASES,
            &[Defect::BandLongRedirect],
        )
        .await;
        let p = band_payload(&r);
        assert_eq!(
            p.keys().collect::<Vec<_>>(),
            ["redirect_uris"],
            "seed {seed}: {p:?}"
        );
        let uris = p["redirect_uris"].as_array().expect("array");
        assert_eq!(uris.len(), 1);
        assert_eq!(
            uris[0].as_str().expect("uri").chars().count(),
            201,
            "seed {seed}"
        );

        let r = run_against_server(
            Profile::Rfc7591,
            *seed,
            DEFAULT_CASES,
            &[Defect::BandNonAscii],
        )
        .await;
        let p = band_payload(&r);
        assert_eq!(p.len(), 2, "seed {seed}: {p:?}");
        let (member, value) = p
            .iter()
            .find(|(k, _)| *k != "redirect_uris")
            .expect("trigger");
        let text = value
            .as_str()
            .or_else(|| value.as_array().and_then(|a| a[0].as_str()))
            .expect("string");
        assert!(
            !text.chars().last().expect("non-empty").is_ascii(),
            "{member}: {text:?} does not end at its first non-ASCII character"
        );
        assert!(
            text.chars().rev().skip(1).all(|c| c.is_ascii()),
            "{member}: {text:?}"
        );

        let r = run_against_server(
            Profile::Rfc7591,
            *seed,
            DEFAULT_CASES,
            &[Defect::BandLanguageTag],
        )
        .await;
        let p = band_payload(&r);
        assert_eq!(p.len(), 2, "seed {seed}: {p:?}");
        assert!(p.keys().any(|k| k.contains('#')), "seed {seed}: {p:?}");
    }
}

/// A finding's identity is typed (requirement, check, kind), not its wording: the fixture and
/// the mutation that register a plain-http remote redirect URI have different titles but
/// change the same member, so they are one finding with both cases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_problem_is_one_finding_whatever_its_title() {
    let report = run_against_server(
        Profile::Rfc7591,
        1,
        DEFAULT_CASES,
        &[Defect::AcceptHttpRedirect],
    )
    .await;
    let on_row: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.requirement == "R7591-5-c" && f.check == "invalid_request_is_not_registered")
        .collect();
    assert_eq!(on_row.len(), 1, "{on_row:#?}");
    let cases = &on_row[0].cases;
    assert!(cases.iter().any(|c| c.starts_with("fixture-")), "{cases:?}");
    assert!(cases.iter().any(|c| c.starts_with("mut-")), "{cases:?}");
}
