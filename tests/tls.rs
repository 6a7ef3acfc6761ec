//! The transport rows over TLS on loopback: the reference server in TLS mode (a CA generated
//! at start, trusted by the run like `--ca-cert`) passes them on every profile; plain-http
//! loopback runs skip them with the reason; `--discovery`, `serve --tls` and `run --ca-cert`
//! work from the command line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use dcrcheck::profile::Profile;
use dcrcheck::run::{RequirementVerdict, RunConfig, RunReport, TargetSpec, DEFAULT_CASES};
use dcrcheck::server::{self, Defect, ServerConfig};

use crate::support::{bin, dcrcheck, run_against_server, run_against_tls_server, SEEDS};

/// The rows the transport checks judge, with the profiles they belong to.
const TLS_ROWS: &[&str] = &["R7591-3-c", "R7591-5-a", "OIDCR-9-a", "OIDC-Core-15.2"];

fn verdict(report: &RunReport, id: &str) -> Option<(RequirementVerdict, Option<String>)> {
    report
        .requirements
        .iter()
        .find(|r| r.id == id)
        .map(|r| (r.verdict, r.reason.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_tls_server_passes_every_row_of_every_profile_with_no_fail_or_warn() {
    for profile in Profile::ALL {
        for seed in SEEDS {
            let report = run_against_tls_server(*profile, *seed, DEFAULT_CASES, &[]).await;
            let noisy: Vec<String> = report
                .findings
                .iter()
                .map(|f| format!("{} {} {}", f.severity.label(), f.requirement, f.detail))
                .collect();
            assert_eq!(
                (report.summary.fail, report.summary.warn),
                (0, 0),
                "{profile} seed {seed}: {noisy:#?}"
            );
            assert_eq!(report.summary.transport_errors, 0);
            assert!(report.target.url.starts_with("https://127.0.0.1:"));
            for id in TLS_ROWS {
                if let Some((v, reason)) = verdict(&report, id) {
                    assert_eq!(v, RequirementVerdict::Pass, "{profile} {id}: {reason:?}");
                }
            }
        }
    }
}

#[tokio::test]
async fn plain_http_loopback_runs_skip_the_tls_rows_with_the_reason() {
    let report = run_against_server(Profile::Oidc, 1, 20, &[]).await;
    for id in TLS_ROWS {
        let (v, reason) = verdict(&report, id).expect("oidc judges every TLS row");
        assert_eq!(v, RequirementVerdict::Skip, "{id}");
        let reason = reason.unwrap_or_default();
        assert!(
            reason.starts_with("plain-http loopback target"),
            "{id}: {reason}"
        );
    }
}

#[tokio::test]
async fn an_explicit_discovery_document_is_judged_even_for_a_plain_target() {
    // The plain reference server advertises its http:// registration endpoint.
    let s = server::start(([127, 0, 0, 1], 0).into(), ServerConfig::default())
        .await
        .expect("server");
    let mut config = RunConfig::new(Profile::Oidc, 2);
    config.cases = 10;
    config.target = TargetSpec::Url(s.registration_url().parse().expect("url"));
    config.discovery = Some(s.discovery_url().parse().expect("url"));
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    for id in ["R7591-3-c", "OIDC-Core-15.2"] {
        assert!(
            report.findings.iter().any(|f| f.requirement == id
                && f.check == "discovery_advertises_https_registration_endpoint"),
            "{id}: {:#?}",
            report.findings
        );
    }

    // A discovery URL that answers 404: OIDC Core §15.2 wants discovery.
    config.discovery = Some(
        format!("{}/nothing-here", s.base_url())
            .parse()
            .expect("url"),
    );
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    assert!(report
        .findings
        .iter()
        .any(|f| f.requirement == "OIDC-Core-15.2" && f.title.contains("unavailable")));
    assert_eq!(
        verdict(&report, "R7591-3-c").map(|v| v.0),
        Some(RequirementVerdict::Skip)
    );
    s.shutdown().await;
}

#[tokio::test]
async fn an_https_target_whose_ca_is_not_trusted_is_unreachable() {
    let s = server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            tls: true,
            ..Default::default()
        },
    )
    .await
    .expect("server");
    let mut config = RunConfig::new(Profile::Rfc7591, 1);
    config.cases = 5;
    config.target = TargetSpec::Url(s.registration_url().parse().expect("url"));
    let err = dcrcheck::run::run(&config, &mut |_| {})
        .await
        .expect_err("the generated CA is not trusted");
    assert!(err.to_string().contains("could not be reached"), "{err}");
    s.shutdown().await;
}

#[test]
fn serve_tls_writes_its_ca_and_run_ca_cert_passes_the_tls_rows() {
    let dir = std::env::temp_dir().join(format!("dcrcheck-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let ca = dir.join("ca.pem");
    let json = dir.join("report.json");
    let mut child = Command::new(bin())
        .args(["serve", "--tls", "--port", "0", "--ca-cert-out"])
        .arg(&ca)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut url = None;
    let mut printed_ca = false;
    for line in lines.by_ref().take(4) {
        let line = line.expect("line");
        if let Some(start) = line.find("https://") {
            if url.is_none() {
                let rest = &line[start..];
                url = rest.split_whitespace().next().map(str::to_string);
            }
        }
        if line.starts_with("CA certificate: ") {
            assert!(line.contains(ca.to_str().expect("utf-8")), "{line}");
            printed_ca = true;
            break;
        }
    }
    let url = url.expect("serve prints its https URL");
    assert!(printed_ca, "serve --tls prints where the CA is");
    let (code, out, err) = dcrcheck(&[
        "run",
        "--target",
        &url,
        "--ca-cert",
        ca.to_str().expect("utf-8"),
        "--cases",
        "20",
        "--seed",
        "3",
        "--report-json",
        json.to_str().expect("utf-8"),
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 0, "{out}\n{err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("json");
    for id in ["R7591-3-c", "R7591-5-a"] {
        let row = report["requirements"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == id)
            .expect("row");
        assert_eq!(row["verdict"], "pass", "{id}: {row}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tls_flags_are_checked() {
    let (code, _, err) = dcrcheck(&["run", "--ca-cert", "/nonexistent/dcrcheck-ca.pem"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read --ca-cert"), "{err}");
    let (code, _, err) = dcrcheck(&["run", "--discovery", "ftp://x/y"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid --discovery"), "{err}");
    let (code, _, err) = dcrcheck(&["serve", "--port", "0", "--defect", "tls13-only"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("add --tls"), "{err}");
}

#[test]
fn default_run_tests_the_embedded_server_over_tls() {
    let json =
        std::env::temp_dir().join(format!("dcrcheck-tls-default-{}.json", std::process::id()));
    let path = json.to_str().expect("utf-8");
    let (code, out, err) = dcrcheck(&[
        "run",
        "--seed",
        "4",
        "--cases",
        "20",
        "-q",
        "--profile",
        "oidc",
        "--report-json",
        path,
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Result: PASS"), "{out}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("json");
    let _ = std::fs::remove_file(&json);
    assert!(
        report["target"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://127.0.0.1:")),
        "{}",
        report["target"]
    );
    for id in TLS_ROWS {
        let row = report["requirements"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == *id)
            .expect("row");
        assert_eq!(row["verdict"], "pass", "{id}: {row}");
    }
}

/// The initial access token never goes over plain http: against a server that also answers
/// plain http but needs a token, the probe is refused with 401 and the row cannot be judged
/// by it (a token sent in clear would have registered a client: a FAIL).
#[tokio::test]
async fn the_plain_http_probe_never_carries_the_token() {
    for defects in [vec![], vec![Defect::PlaintextOnTlsPort]] {
        let s = server::start(
            ([127, 0, 0, 1], 0).into(),
            ServerConfig {
                tls: true,
                initial_access_token: Some("tls-test-token".into()),
                defects: defects.clone(),
                ..Default::default()
            },
        )
        .await
        .expect("server");
        let mut config = RunConfig::new(Profile::Rfc7591, 1);
        config.cases = 20;
        config.token = Some("tls-test-token".into());
        config.target = TargetSpec::Url(s.registration_url().parse().expect("url"));
        config.ca_cert = s.ca_cert_pem().map(|p| p.as_bytes().to_vec());
        let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
        s.shutdown().await;
        assert_eq!(
            (report.summary.fail, report.summary.warn),
            (0, 0),
            "{defects:?}: {:#?}",
            report.findings
        );
        // The discovery check still judges R7591-3-c.
        assert_eq!(
            verdict(&report, "R7591-3-c").map(|v| v.0),
            Some(RequirementVerdict::Pass)
        );
    }
}
