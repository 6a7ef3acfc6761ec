//! dcrcheck against real DCR servers nobody here wrote (installed from npm and PyPI with
//! pinned versions and started on 127.0.0.1 by `.ci/run` through `targets/serve.sh`): each
//! server's per-requirement verdict table is an insta snapshot, so any change in what dcrcheck
//! says about a real server shows up in review. Triage, with the sentence behind every FAIL and
//! WARN: docs/real-servers.md.

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
        .expect("run against a real server")
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

/// node-oidc-provider with `DCR_FULL=1`: RFC 7592 update and delete on, so the management
/// conversation runs to the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_oidc_provider_full_verdicts_match_the_snapshot() {
    let Some(url) = env("DCRCHECK_NODE_OIDC_FULL_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must start node-oidc-provider with DCR_FULL=1 (see .ci/run)"
        );
        eprintln!("skipped: DCRCHECK_NODE_OIDC_FULL_URL is not set (run .ci/run)");
        return;
    };
    let mut text = String::new();
    for profile in [Profile::Rfc7591, Profile::Oidc] {
        let report = run(&url, profile, None).await;
        assert_eq!(report.summary.transport_errors, 0);
        text.push_str(&table(&format!("all features, {profile}"), &report));
    }
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.bind(|| insta::assert_snapshot!("node_oidc_provider_full_verdicts", text));
}

/// The registration endpoint URL of target `name` (`DCRCHECK_TARGET_<NAME>`), started by
/// `.ci/run`; `None` (the test skips) outside CI when it is not set.
fn target_url(name: &str) -> Option<String> {
    let var = format!(
        "DCRCHECK_TARGET_{}",
        name.to_ascii_uppercase().replace('-', "_")
    );
    let url = env(&var);
    if url.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must start {name} (see .ci/run and targets/serve.sh)"
        );
        eprintln!("skipped: {var} is not set (targets/serve.sh start {name})");
    }
    url
}

/// One open-registration target started by `.ci/run`: rfc7591 and oidc verdict tables against
/// `real_<name>_verdicts`.
async fn target_verdicts_match_the_snapshot(name: &str) {
    let Some(url) = target_url(name) else {
        return;
    };
    let mut text = String::new();
    for profile in [Profile::Rfc7591, Profile::Oidc] {
        let report = run(&url, profile, None).await;
        text.push_str(&table(&format!("{name}, {profile}"), &report));
    }
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    let snapshot = format!("real_{}_verdicts", name.replace('-', "_"));
    s.bind(|| insta::assert_snapshot!(snapshot, text));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authlib_verdicts_match_the_snapshot() {
    target_verdicts_match_the_snapshot("authlib").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_ts_sdk_verdicts_match_the_snapshot() {
    target_verdicts_match_the_snapshot("mcp-ts-sdk").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_python_sdk_verdicts_match_the_snapshot() {
    target_verdicts_match_the_snapshot("mcp-python-sdk").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn better_auth_verdicts_match_the_snapshot() {
    target_verdicts_match_the_snapshot("better-auth").await;
}

/// An MCP deployment started by `.ci/run` (its registration endpoint in
/// `DCRCHECK_TARGET_<NAME>`, its MCP endpoint at `/mcp` on the same origin): `run --mcp-server`
/// under the newest revision, the MCP rows and the run's totals against
/// `real_<name>_mcp_verdicts`.
async fn mcp_verdicts_match_the_snapshot(name: &str) {
    let Some(url) = target_url(name) else {
        return;
    };
    let mut mcp: reqwest::Url = url.parse().expect("target url");
    mcp.set_path("/mcp");
    let mut config = RunConfig::new(Profile::Rfc7591, 1);
    config.target = TargetSpec::Mcp(mcp);
    let report = dcrcheck::run::run(&config, &mut |_| {})
        .await
        .expect("run against a real MCP server");
    let mut text = format!(
        "## {name}, --mcp-server, {}: fail {} warn {} info {} pass {}\n",
        config.mcp_revision.label(),
        report.summary.fail,
        report.summary.warn,
        report.summary.info,
        report.summary.pass
    );
    for r in report
        .requirements
        .iter()
        .filter(|r| r.id.starts_with("MCP-"))
    {
        text.push_str(&format!("{:<16} {}\n", r.id, r.verdict.label()));
    }
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    let snapshot = format!("real_{}_mcp_verdicts", name.replace('-', "_"));
    s.bind(|| insta::assert_snapshot!(snapshot, text));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_ts_sdk_mcp_verdicts_match_the_snapshot() {
    mcp_verdicts_match_the_snapshot("mcp-ts-sdk").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_python_sdk_mcp_verdicts_match_the_snapshot() {
    mcp_verdicts_match_the_snapshot("mcp-python-sdk").await;
}
