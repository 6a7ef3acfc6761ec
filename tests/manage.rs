//! RFC 7592 end to end against the reference server, which offers a client configuration
//! endpoint: the management rows PASS on the clean server, the conversation's requests are
//! counted, the report lists the clients created, and `--cleanup` deletes them.

use dcrcheck::profile::Profile;
use dcrcheck::run::{RequirementVerdict, RunConfig, RunReport, TargetSpec};
use dcrcheck::server::{self, Defect, ServerConfig};

use crate::support::{run_against_server, verdict};

/// The rows the management conversation judges.
const MANAGEMENT_ROWS: &[&str] = &[
    "R7592-3-a",
    "R7592-2-a",
    "R7592-2.1-a",
    "R7592-2.1-b",
    "R7592-2.2-a",
    "R7592-2.2-b",
    "R7592-2.2-c",
    "R7592-2.2-d",
    "R7592-2.3-a",
    "R7592-5-a",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_management_row_passes_on_the_clean_server_in_every_profile() {
    for profile in [Profile::Rfc7591, Profile::Oidc, Profile::SeedV3] {
        let report = run_against_server(profile, 1, 20, &[]).await;
        for id in MANAGEMENT_ROWS {
            assert_eq!(
                verdict(&report, id),
                RequirementVerdict::Pass,
                "{profile}: {id}: {:#?}",
                report
                    .findings
                    .iter()
                    .filter(|f| f.requirement == *id)
                    .collect::<Vec<_>>()
            );
        }
        // The conversation registered two clients and deleted both.
        assert!(report.clients.deleted >= 2, "{:?}", report.clients);
        assert!(report.clients.created > report.clients.deleted);
        assert_eq!(report.clients.ids.len(), report.clients.created);
        assert!(!report.clients.cleanup);
    }
}

/// The report names the management requests like any other finding's: a defect's finding
/// carries the configuration endpoint's curl line with the token as a variable, never its
/// value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_management_finding_shows_a_curl_line_without_the_token() {
    let report = run_against_server(Profile::Rfc7591, 1, 10, &[Defect::DeleteKeepsClient]).await;
    let finding = report
        .findings
        .iter()
        .find(|f| f.requirement == "R7592-5-a")
        .expect("a finding on R7592-5-a");
    assert!(
        finding
            .curl
            .contains("Authorization: Bearer $DCRCHECK_REGISTRATION_TOKEN"),
        "{}",
        finding.curl
    );
    assert!(finding.curl.contains("-X GET"), "{}", finding.curl);
    assert!(finding.curl.contains("/register/"), "{}", finding.curl);
}

async fn run_with_cleanup(defects: &[Defect], cleanup: bool) -> (RunReport, serde_json::Value) {
    let server = server::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ServerConfig {
            defects: defects.to_vec(),
            ..Default::default()
        },
    )
    .await
    .expect("start reference server");
    let mut config = RunConfig::new(Profile::Rfc7591, 3);
    config.cases = 40;
    config.cleanup = cleanup;
    config.target = TargetSpec::Url(server.registration_url().parse().expect("url"));
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    // `list-clients-on-get` makes GET on the endpoint list every stored client.
    let listed: serde_json::Value = reqwest::get(server.registration_url())
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON list");
    server.shutdown().await;
    (report, listed)
}

fn listed_count(listed: &serde_json::Value) -> usize {
    listed
        .as_array()
        .or_else(|| listed.get("clients").and_then(|c| c.as_array()))
        .map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_deletes_every_client_the_run_created() {
    let (kept, listed) = run_with_cleanup(&[Defect::ListClientsOnGet], false).await;
    assert!(kept.clients.created > 10, "{:?}", kept.clients.created);
    // Without --cleanup only the conversation's two clients are gone.
    assert_eq!(
        listed_count(&listed),
        kept.clients.created - kept.clients.deleted
    );

    let (cleaned, listed) = run_with_cleanup(&[Defect::ListClientsOnGet], true).await;
    assert!(cleaned.clients.cleanup);
    assert_eq!(cleaned.clients.not_deleted, 0, "{:?}", cleaned.clients);
    assert_eq!(cleaned.clients.deleted, cleaned.clients.created);
    assert_eq!(listed_count(&listed), 0, "{listed}");
    // The DELETEs are counted as requests.
    assert!(cleaned.summary.requests >= kept.summary.requests + cleaned.clients.created - 2);
}
