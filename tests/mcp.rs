//! `run --mcp-server`: the discovery chain from an MCP endpoint to the registration endpoint,
//! judged hop by hop, against the reference server's MCP endpoint.

use dcrcheck::mcp::Revision;
use dcrcheck::profile::Profile;
use dcrcheck::run::{RequirementVerdict, RunConfig, RunReport, TargetSpec};
use dcrcheck::server::{self, Defect, ServerConfig};

use crate::support::{dcrcheck, verdict};

async fn mcp_run(defects: &[Defect], revision: Revision) -> RunReport {
    let server = server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            defects: defects.to_vec(),
            ..Default::default()
        },
    )
    .await
    .expect("server");
    let mut config = RunConfig::new(Profile::Rfc7591, 4);
    config.cases = 10;
    config.mcp_revision = revision;
    config.target = TargetSpec::Mcp(format!("{}/mcp", server.base_url()).parse().expect("url"));
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    server.shutdown().await;
    report
}

const MCP_ROWS: [&str; 18] = [
    "MCP-PRM-a",
    "MCP-PRM-b",
    "MCP-PRM-d",
    "MCP-PRM-e",
    "MCP-ASM-a",
    "MCP-ASM-b",
    "MCP-ASM-c",
    "MCP-ASM-d",
    "MCP-REG-a",
    "MCP-REG-b",
    "MCP-REG-c",
    "MCP-REG-d",
    "MCP-REG-f",
    "MCP-REDIR-a",
    "MCP-REDIR-b",
    "MCP-REDIR-d",
    "MCP-REDIR-e",
    "MCP-PKCE-a",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_server_passes_the_chain_under_every_revision() {
    for rev in Revision::ALL {
        let report = mcp_run(&[], rev).await;
        assert_eq!(
            (report.summary.fail, report.summary.warn),
            (0, 0),
            "{rev}: {:#?}",
            report.findings
        );
        for row in MCP_ROWS {
            let v = verdict(&report, row);
            // The server here is plain http on loopback: MCP-ASM-d needs https to judge.
            let skipped_by_rev = row == "MCP-ASM-d"
                || (row == "MCP-PRM-e" && rev < Revision::V2025_11_25)
                || (row == "MCP-REG-f" && rev < Revision::V2026_07_28);
            let want = if skipped_by_rev {
                RequirementVerdict::Skip
            } else {
                RequirementVerdict::Pass
            };
            assert_eq!(v, want, "{rev} {row}");
        }
        let chain = report.mcp.as_ref().expect("the chain is reported");
        assert_eq!(chain.revision, rev.label());
        assert_eq!(chain.hops[0].status, Some(401));
        // The JSON report with its chain matches the report schema.
        let schema: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/report.schema.json"
        )))
        .expect("schema");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let json: serde_json::Value =
            serde_json::from_str(&dcrcheck::report::json::render(&report)).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // The RFC 7591 suite ran on the endpoint the chain found.
        assert!(
            report.target.url.ends_with("/register"),
            "{}",
            report.target.url
        );
        assert!(report.summary.cases > 10);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_run_reports_no_mcp_rows() {
    let report = crate::support::run_against_server(Profile::Rfc7591, 4, 10, &[]).await;
    assert!(report.mcp.is_none());
    assert!(report
        .requirements
        .iter()
        .all(|r| !r.id.starts_with("MCP-")));
}

/// Metadata only at the suffix form: no registration endpoint is reachable, and the run still
/// reports the chain's findings (naming the suffix URL) instead of stopping with an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_at_the_suffix_form_is_a_fail_that_names_it() {
    let report = mcp_run(&[Defect::McpMetadataSuffixOnly], Revision::NEWEST).await;
    assert_eq!(verdict(&report, "MCP-ASM-a"), RequirementVerdict::Fail);
    let finding = report
        .findings
        .iter()
        .find(|f| f.requirement == "MCP-ASM-a")
        .expect("finding");
    assert!(
        finding
            .detail
            .contains("/as/.well-known/oauth-authorization-server"),
        "{}",
        finding.detail
    );
    assert!(report.has_fail());
}

/// 2025-06-18 requires the header; from 2025-11-25 the well-known URI is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_is_required_only_by_2025_06_18() {
    let old = mcp_run(&[Defect::McpChallengeWithoutScope], Revision::V2025_06_18).await;
    assert_eq!(verdict(&old, "MCP-PRM-e"), RequirementVerdict::Skip);
    let new = mcp_run(&[Defect::McpChallengeWithoutScope], Revision::V2025_11_25).await;
    assert_eq!(verdict(&new, "MCP-PRM-e"), RequirementVerdict::Warn);
}

#[test]
fn an_unreachable_mcp_server_is_exit_3_in_one_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (code, _, err) = dcrcheck(&["run", "--mcp-server", &url, "--timeout", "2"]);
    assert_eq!(code, 3, "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("could not be reached"), "{err}");
}

#[tokio::test]
async fn a_secret_for_a_public_client_and_a_remote_http_redirect_are_each_named() {
    // Issuing a secret to a `none` client is a WARN on MCP-REG-c; registering
    // http://attacker.example is the FAIL RFC 7591 §5 grounds.
    let report = mcp_run(&[Defect::SecretForPublicClient], Revision::NEWEST).await;
    assert_eq!(verdict(&report, "MCP-REG-c"), RequirementVerdict::Warn);
    assert!(report
        .findings
        .iter()
        .any(|f| f.requirement == "MCP-REG-c" && f.title.contains("client_secret")));
    let report = mcp_run(&[Defect::McpAcceptHttpRedirect], Revision::V2025_03_26).await;
    assert_eq!(verdict(&report, "MCP-REDIR-b"), RequirementVerdict::Fail);
    let finding = report
        .findings
        .iter()
        .find(|f| f.requirement == "MCP-REDIR-b")
        .expect("a finding");
    assert!(
        finding.title.contains("http://attacker.example/callback"),
        "{}",
        finding.title
    );
}

#[tokio::test]
async fn profile_mcp_judges_the_client_rows_against_a_bare_target() {
    let server = server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            defects: vec![Defect::AuthorizeErrorsToAnyRedirect],
            ..Default::default()
        },
    )
    .await
    .expect("server");
    let mut config = RunConfig::new(Profile::Mcp, 4);
    config.cases = 10;
    config.target = TargetSpec::Url(server.registration_url().parse().expect("url"));
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    server.shutdown().await;
    assert_eq!(report.profile, Profile::Mcp);
    assert!(report.mcp.is_none(), "no chain without --mcp-server");
    assert_eq!(verdict(&report, "MCP-REDIR-d"), RequirementVerdict::Fail);
    assert_eq!(verdict(&report, "MCP-REG-c"), RequirementVerdict::Pass);
    for row in ["MCP-PRM-a", "MCP-ASM-b", "MCP-REG-a"] {
        assert_eq!(verdict(&report, row), RequirementVerdict::Skip, "{row}");
    }
}
