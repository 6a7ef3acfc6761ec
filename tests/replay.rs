//! `dcrcheck replay`: a finding's minimal request, sent again, is judged by the same check:
//! still there against the defective server, fixed against a clean one.

use dcrcheck::profile::Profile;
use dcrcheck::replay::{self, ReplayError, ReplayTarget, Replayed};
use dcrcheck::report::json::ReadError;
use dcrcheck::run::{RunConfig, TargetSpec};
use dcrcheck::server::{self, Defect, ServerConfig};

async fn start(defects: &[Defect]) -> server::RunningServer {
    server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            defects: defects.to_vec(),
            ..Default::default()
        },
    )
    .await
    .expect("server")
}

fn to(url: String) -> ReplayTarget {
    ReplayTarget {
        url: Some(url.parse().expect("url")),
        headers: Vec::new(),
        token: None,
        ca_cert_pem: None,
        client_identity: None,
        insecure: false,
        exec: Default::default(),
    }
}

#[tokio::test]
async fn a_finding_persists_on_the_defective_server_and_is_fixed_on_a_clean_one() {
    let defects = [Defect::Status200, Defect::AcceptHttpRedirect];
    let bad = start(&defects).await;
    let bad_url = format!("{}/register", bad.base_url());
    let mut config = RunConfig::new(Profile::Rfc7591, 5);
    config.cases = 60;
    config.target = TargetSpec::Url(bad_url.parse().expect("url"));
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    // Through JSON, as the command reads it.
    let path = std::env::temp_dir().join(format!("dcrcheck-replay-{}.json", std::process::id()));
    std::fs::write(&path, dcrcheck::report::json::render(&report)).expect("write");
    let report = replay::load_report(&path).expect("read back");
    let _ = std::fs::remove_file(&path);
    let rows: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.requirement.as_str())
        .collect();
    assert!(
        rows.contains(&"R7591-3.2-a") && rows.contains(&"R7591-5-c"),
        "{rows:?}"
    );
    assert!(report.findings.iter().all(|f| !f.exemplar.is_empty()));

    let again = replay::replay(&report, None, &to(bad_url))
        .await
        .expect("replay");
    assert_eq!(again.len(), report.findings.len());
    for (f, r) in &again {
        assert!(matches!(r, Replayed::Persists(_)), "{}: {r:?}", f.id);
    }

    let clean = start(&[]).await;
    let fixed = replay::replay(
        &report,
        Some("f1"),
        &to(format!("{}/register", clean.base_url())),
    )
    .await
    .expect("replay");
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].0.id, "F1");
    assert_eq!(fixed[0].1, Replayed::Fixed);

    let unknown = replay::replay(&report, Some("F99"), &to(clean.base_url())).await;
    assert!(matches!(unknown, Err(ReplayError::UnknownFinding(..))));
    let mut embedded = report.clone();
    embedded.target.embedded = true;
    let gone = replay::replay(
        &embedded,
        None,
        &ReplayTarget {
            url: None,
            ..to(clean.base_url())
        },
    )
    .await;
    assert!(matches!(gone, Err(ReplayError::EmbeddedTarget)));
    bad.shutdown().await;
    clean.shutdown().await;
}

#[test]
fn a_file_that_is_not_a_report_is_refused() {
    let path = std::env::temp_dir().join(format!("dcrcheck-notreport-{}.json", std::process::id()));
    std::fs::write(&path, "{\"version\": 1}").expect("write");
    assert!(matches!(
        replay::load_report(&path),
        Err(ReplayError::Read(ReadError::NotAReport { .. }))
    ));
    std::fs::write(&path, "{\"version\": 99}").expect("write");
    assert!(matches!(
        replay::load_report(&path),
        Err(ReplayError::Read(ReadError::Version { .. }))
    ));
    let _ = std::fs::remove_file(&path);
    assert!(matches!(
        replay::load_report(&path),
        Err(ReplayError::Read(ReadError::Unreadable { .. }))
    ));
}
