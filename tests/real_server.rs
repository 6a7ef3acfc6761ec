//! dcrcheck against node-oidc-provider (installed from npm and started on 127.0.0.1 by
//! `.ci/run`): the per-requirement verdict table is an insta snapshot, so any change in what
//! dcrcheck says about a real server shows up in review. Triage: docs/real-servers.md.

use dcrcheck::profile::Profile;
use dcrcheck::run::{RunConfig, RunReport, TargetSpec};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

async fn run(url: &str, profile: Profile, token: Option<String>) -> RunReport {
    let mut config = RunConfig::new(profile, 1);
    config.target = TargetSpec::Url(url.parse().expect("target url"));
    config.token = token;
    dcrcheck::run::run(&config, &mut |_| {})
        .await
        .expect("run against node-oidc-provider")
}

fn table(title: &str, report: &RunReport) -> String {
    let mut out = format!(
        "## {title}: fail {} warn {} info {} pass {}\n",
        report.summary.fail, report.summary.warn, report.summary.info, report.summary.pass
    );
    for r in &report.requirements {
        out.push_str(&format!("{:<16} {}\n", r.id, r.verdict.label()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_oidc_provider_verdicts_match_the_snapshot() {
    let (Some(open), Some(iat), Some(token)) = (
        env("DCRCHECK_NODE_OIDC_URL"),
        env("DCRCHECK_NODE_OIDC_IAT_URL"),
        env("DCRCHECK_NODE_OIDC_TOKEN"),
    ) else {
        // .ci/run always starts the servers; elsewhere this needs node and npm.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must start node-oidc-provider (see .ci/run)"
        );
        eprintln!(
            "skipped: DCRCHECK_NODE_OIDC_URL is not set (run .ci/run to start node-oidc-provider)"
        );
        return;
    };
    let mut text = String::new();
    for profile in [Profile::Rfc7591, Profile::Oidc] {
        let report = run(&open, profile, None).await;
        assert_eq!(report.summary.transport_errors, 0);
        text.push_str(&table(&format!("open registration, {profile}"), &report));
        let report = run(&iat, profile, Some(token.clone())).await;
        text.push_str(&table(&format!("initial access token, {profile}"), &report));
    }
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.bind(|| insta::assert_snapshot!("node_oidc_provider_verdicts", text));
}
