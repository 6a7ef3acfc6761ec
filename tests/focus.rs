//! Focused runs (`run --requirement ID`, `run --check NAME`): a prefix selects its rows and the
//! report shows only those; unknown ids and names are one-line usage errors; a focused row
//! gets the verdict the whole run gives it on a server with a defect that breaks it; and a
//! focus on a row that few cases exercise sends far fewer requests.

use std::collections::BTreeSet;

use dcrcheck::profile::Profile;
use dcrcheck::run::{focus_on, RunReport};
use dcrcheck::server::Defect;

use crate::sharding::{run_configured, verdicts};
use crate::support::dcrcheck;

fn focus(
    profile: Profile,
    requirements: &[&str],
    checks: &[&str],
) -> dcrcheck::generate::select::Focus {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    focus_on(profile, &strings(requirements), &strings(checks))
        .expect("a valid focus")
        .expect("a focus")
}

fn row_ids(report: &RunReport) -> BTreeSet<String> {
    report.requirements.iter().map(|r| r.id.clone()).collect()
}

/// `R7591-3.2.1` selects exactly the catalog's R7591-3.2.1-* rows, and a focused report lists
/// those rows and findings on them only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_selects_its_rows_and_the_report_shows_only_them() {
    let profile = Profile::Rfc7591;
    let wanted: BTreeSet<String> = dcrcheck::spec::REQUIREMENTS
        .iter()
        .filter(|r| r.id.starts_with("R7591-3.2.1-") && profile.applies(r))
        .map(|r| r.id.to_string())
        .collect();
    assert!(wanted.contains("R7591-3.2.1-a") && wanted.contains("R7591-3.2.1-b"));
    let f = focus(profile, &["R7591-3.2.1"], &[]);
    let rows: BTreeSet<String> = f.rows().map(String::from).collect();
    assert_eq!(rows, wanted);
    // Case is ignored, and a section does not select a longer number (R7591-3.2 is not
    // R7591-3.20).
    let lower = focus(profile, &["r7591-3.2.1"], &[]);
    assert_eq!(
        lower.rows().collect::<Vec<_>>(),
        f.rows().collect::<Vec<_>>()
    );
    let section = focus(profile, &["R7591-3.2"], &[]);
    assert!(section
        .rows()
        .all(|r| r.starts_with("R7591-3.2-") || r.starts_with("R7591-3.2.")));

    let short_secret = Defect::from_name("short-secret").expect("defect");
    let report = run_configured(profile, 3, 40, &[short_secret], |c| c.focus = Some(f)).await;
    assert_eq!(row_ids(&report), wanted);
    assert!(!report.findings.is_empty(), "the short secrets are found");
    assert!(
        report
            .findings
            .iter()
            .all(|f| wanted.contains(&f.requirement)),
        "{:?}",
        report
            .findings
            .iter()
            .map(|f| &f.requirement)
            .collect::<Vec<_>>()
    );
    let s = &report.summary;
    assert_eq!(
        s.pass + s.fail + s.warn + s.info + s.skip + s.untested,
        wanted.len()
    );

    // A check selects the rows it covers under the profile.
    let by_check = focus(profile, &[], &["client_ids_are_unique"]);
    assert_eq!(by_check.rows().collect::<Vec<_>>(), vec!["R7591-3.2.1-b"]);
}

/// What a focused run sends follows from the checks that report on its rows: the carriers of a
/// mutation's row, every probe for run-wide and probe-only checks, every case for a row judged
/// on any answer.
#[test]
fn what_a_focus_sends_follows_the_checks_of_its_rows() {
    use dcrcheck::generate::select::Keep;
    let keep = |profile, id: &str| focus(profile, &[id], &[]).keep();
    assert_eq!(keep(Profile::Rfc7591, "R6749-3.1.2-a"), Keep::Carriers);
    assert_eq!(keep(Profile::Rfc7591, "R7591-3.1-a"), Keep::Carriers);
    assert_eq!(keep(Profile::Rfc7591, "R7591-3.2.1-b"), Keep::Probes);
    assert_eq!(keep(Profile::Rfc7591, "R7591-3-d"), Keep::Probes);
    assert_eq!(keep(Profile::Oidc, "OIDCR-3-c"), Keep::Probes);
    assert_eq!(keep(Profile::Rfc7591, "R7591-3.2-a"), Keep::Everything);
    assert_eq!(keep(Profile::Rfc7591, "R7591-3.2.2-a"), Keep::Everything);
    // Several rows need what the most demanding of them needs.
    assert_eq!(
        focus(Profile::Rfc7591, &["R6749-3.1.2-a", "R7591-3.2.1-c"], &[]).keep(),
        Keep::Probes
    );
}

fn assert_usage_error(args: &[&str], needles: &[&str]) {
    let (code, out, err) = dcrcheck(args);
    assert_eq!(code, 2, "{args:?} should exit 2: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err} lacks {n:?}");
    }
    assert!(out.is_empty(), "nothing was run: {out}");
}

/// Ids that match no row and unknown check names stop the run before it starts, naming
/// close matches.
#[test]
fn unknown_ids_and_check_names_exit_2_with_close_names() {
    assert_usage_error(
        &["run", "--requirement", "R7591-3.2.9"],
        &["R7591-3.2.9", "matches no requirement", "R7591-3.2.1"],
    );
    assert_usage_error(
        &["run", "--requirement", "OIDCR-3.2"],
        &["outside profile rfc7591"],
    );
    assert_usage_error(
        &["run", "--check", "client_id_unique"],
        &[
            "unknown --check 'client_id_unique'",
            "client_ids_are_unique",
        ],
    );
    assert_usage_error(
        &["run", "--partition", "hash:0/3"],
        &["invalid --partition 'hash:0/3': M must be from 1 to N"],
    );
}

/// Defects whose rows need different things of a focused run: only the cases that carry the
/// row (mutations, envelopes, duplicate members), every fixed probe (run-wide uniqueness, the
/// CORS preflight, TLS), or every case (a 500 that only random payloads provoke, error
/// bodies).
const DEFECTS: &[&str] = &[
    "accept-http-redirect",
    "500-on-malformed-json",
    "reject-unknown-members",
    "keep-first-duplicate-member",
    "shared-secret",
    "honour-client-id",
    "no-cors",
    "tls13-only",
    "band-client-name-41-64",
    "html-errors",
];

/// A run focused on the row a defect breaks gives every row it reports the verdict of the
/// whole run with the same seed, and that verdict is the defect's FAIL or WARN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focused_row_gets_the_verdict_of_the_whole_run() {
    let mut wrong = Vec::new();
    for name in DEFECTS {
        let d = Defect::from_name(name).expect("defect");
        let profile = if d.requirement().starts_with("OIDC") {
            Profile::Oidc
        } else {
            Profile::Rfc7591
        };
        let whole = run_configured(profile, 7, 80, &[d], |_| {}).await;
        let f = focus(profile, &[d.requirement()], &[]);
        let focused = run_configured(profile, 7, 80, &[d], |c| c.focus = Some(f)).await;
        let all = verdicts(&whole);
        let got = verdicts(&focused);
        let expected: Vec<_> = all
            .iter()
            .filter(|(id, _)| got.iter().any(|(g, _)| g == id))
            .cloned()
            .collect();
        let flagged = got.iter().any(|(id, v)| {
            id == d.requirement()
                && matches!(
                    v,
                    dcrcheck::run::RequirementVerdict::Fail
                        | dcrcheck::run::RequirementVerdict::Warn
                )
        });
        if got != expected || !flagged || got.is_empty() {
            wrong.push(format!("{name}: focused {got:?}, whole {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A row only a few cases carry is tested with a small share of the whole run's requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focused_run_sends_far_fewer_requests() {
    let profile = Profile::Rfc7591;
    let whole = run_configured(profile, 11, 200, &[], |_| {}).await;
    let f = focus(profile, &["R6749-3.1.2-a"], &[]);
    let focused = run_configured(profile, 11, 200, &[], |c| c.focus = Some(f)).await;
    let (all, few) = (whole.summary.requests, focused.summary.requests);
    eprintln!("R6749-3.1.2-a: {few} requests focused, {all} whole");
    assert!(few * 5 < all, "focused {few} vs whole {all}");
    assert!(few > 1, "the row's cases were sent: {few}");
    assert_eq!(
        focused
            .requirements
            .iter()
            .map(|r| r.verdict)
            .collect::<Vec<_>>(),
        vec![dcrcheck::run::RequirementVerdict::Pass]
    );
}
