//! Shared helpers for the integration suite.

use dcrcheck::generate::statements::TrustedSigner;
use dcrcheck::jose::{Alg, SigningKey};
use dcrcheck::profile::Profile;
use dcrcheck::run::{RunConfig, RunReport, TargetSpec};
use dcrcheck::server::{self, Defect, ServerConfig};

/// Seeds used where a test must hold for more than one.
pub const SEEDS: &[u64] = &[1, 42, 20261127];

/// Runs dcrcheck against the embedded reference server started with `defects`, over plain
/// http unless a defect only shows over TLS (then as [`run_against_tls_server`]).
pub async fn run_against_server(
    profile: Profile,
    seed: u64,
    cases: usize,
    defects: &[Defect],
) -> RunReport {
    let tls = defects.iter().any(|d| d.needs_tls());
    run_against(profile, seed, cases, defects, tls).await
}

/// Runs dcrcheck against the embedded reference server started over TLS with `defects`,
/// trusting the server's generated CA (as `run --ca-cert` does).
pub async fn run_against_tls_server(
    profile: Profile,
    seed: u64,
    cases: usize,
    defects: &[Defect],
) -> RunReport {
    run_against(profile, seed, cases, defects, true).await
}

async fn run_against(
    profile: Profile,
    seed: u64,
    cases: usize,
    defects: &[Defect],
    tls: bool,
) -> RunReport {
    // The server trusts a statement key the run signs with, as in the embedded run.
    let trusted = TrustedSigner {
        key: SigningKey::generate(Alg::Es256).expect("statement key"),
        issuer: "https://statements.detection.test".into(),
    };
    let server = server::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ServerConfig {
            defects: defects.to_vec(),
            tls,
            trusted_statement: Some(server::TrustedStatementIssuer {
                issuer: trusted.issuer.clone(),
                jwk: trusted.key.public_jwk().clone(),
            }),
            ..Default::default()
        },
    )
    .await
    .expect("start reference server");
    let url = format!("{}{}", server.base_url(), profile.embedded_path());
    let mut config = RunConfig::new(profile, seed);
    config.cases = cases;
    config.target = TargetSpec::Url(url.parse().expect("url"));
    // An MCP defect shows on the discovery chain: start from the MCP endpoint.
    if defects.iter().any(|d| d.requirement().starts_with("MCP-")) {
        config.target = TargetSpec::Mcp(format!("{}/mcp", server.base_url()).parse().expect("url"));
    }
    // A server that requires a token gets it; the MCP client's own registration goes without.
    if defects.contains(&Defect::McpRegistrationNeedsToken) {
        config.token = Some(server::MCP_DEFECT_TOKEN.to_string());
    }
    config.ca_cert = server.ca_cert_pem().map(|p| p.as_bytes().to_vec());
    config.software_statement = Some(trusted);
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    server.shutdown().await;
    report
}

/// The path of the dcrcheck binary built for this test run.
pub fn bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_dcrcheck"))
}

/// Runs the binary with arguments and a bounded wait; returns (exit code, stdout, stderr).
pub fn dcrcheck(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin())
        .args(args)
        .env_remove("CI")
        .output()
        .expect("run dcrcheck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The verdict of requirement `id` in a report (panics when the row is missing).
pub fn verdict(report: &RunReport, id: &str) -> dcrcheck::run::RequirementVerdict {
    report
        .requirements
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.verdict)
        .unwrap_or_else(|| panic!("{id} is not in the report"))
}
