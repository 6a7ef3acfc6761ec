//! Runs against the embedded reference server over real loopback HTTP.

use dcrcheck::profile::Profile;
use dcrcheck::run::RequirementVerdict;

use crate::support::{run_against_server, SEEDS};

#[tokio::test]
async fn clean_reference_server_has_no_fail_and_no_warn_in_any_profile() {
    for profile in Profile::ALL {
        for seed in SEEDS {
            let report = run_against_server(*profile, *seed, 120, &[]).await;
            let noisy: Vec<String> = report
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {} ({})",
                        f.severity.label(),
                        f.requirement,
                        f.title,
                        f.detail
                    )
                })
                .collect();
            assert_eq!(report.summary.fail, 0, "{profile} seed {seed}: {noisy:#?}");
            assert_eq!(report.summary.warn, 0, "{profile} seed {seed}: {noisy:#?}");
            assert!(
                report.summary.pass >= 40,
                "{profile}: too little judged: {}",
                report.summary.pass
            );
            assert_eq!(report.summary.transport_errors, 0);
        }
    }
}

#[tokio::test]
async fn same_seed_gives_the_same_cases_and_verdicts() {
    let a = run_against_server(Profile::Rfc7591, 99, 60, &[]).await;
    let b = run_against_server(Profile::Rfc7591, 99, 60, &[]).await;
    let verdicts = |r: &dcrcheck::run::RunReport| -> Vec<(String, RequirementVerdict)> {
        r.requirements
            .iter()
            .map(|q| (q.id.clone(), q.verdict))
            .collect()
    };
    assert_eq!(a.summary.cases, b.summary.cases);
    assert_eq!(verdicts(&a), verdicts(&b));
}
