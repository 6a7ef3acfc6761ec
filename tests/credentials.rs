//! Issued credentials at the token endpoint (RFC 7591 §3.2.1, RFC 6749 §2.3.1 and §5.2): the
//! reference server names its token endpoint in its metadata, so a run registers
//! client_credentials clients and uses their secrets there, with `client_secret_basic` and
//! `client_secret_post`, and then a wrong secret.

use dcrcheck::profile::Profile;
use dcrcheck::run::RequirementVerdict;
use dcrcheck::server::Defect;
use dcrcheck::spec::Severity;

use crate::support::{run_against_server, verdict};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issued_secrets_work_and_wrong_ones_do_not_on_the_clean_server() {
    for profile in [Profile::Rfc7591, Profile::Oidc] {
        let report = run_against_server(profile, 2, 10, &[]).await;
        for id in ["R7591-3.2.1-k", "R6749-5.2-a"] {
            assert_eq!(
                verdict(&report, id),
                RequirementVerdict::Pass,
                "{profile} {id}: {:#?}",
                report.findings
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_secret_is_a_fail_whose_reproduction_hides_the_secret() {
    let report =
        run_against_server(Profile::Rfc7591, 2, 10, &[Defect::TokenRejectsIssuedSecret]).await;
    let findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.requirement == "R7591-3.2.1-k")
        .collect();
    assert!(
        findings.iter().all(|f| f.severity == Severity::Fail) && findings.len() == 2,
        "{findings:#?}"
    );
    let basic = findings
        .iter()
        .find(|f| {
            f.curl
                .contains("-u \"$DCRCHECK_CLIENT_ID:$DCRCHECK_CLIENT_SECRET\"")
        })
        .expect("the Basic finding's curl reads the credentials from the environment");
    assert!(basic.curl.contains("/token"), "{}", basic.curl);
    let post = findings
        .iter()
        .find(|f| f.curl.contains("client_secret="))
        .expect("the client_secret_post finding");
    assert!(
        post.curl.contains("client_secret=%3Credacted%3E") || post.curl.contains("<redacted>"),
        "{}",
        post.curl
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_that_works_is_a_fail() {
    let report =
        run_against_server(Profile::Rfc7591, 2, 10, &[Defect::TokenAcceptsWrongSecret]).await;
    assert_eq!(verdict(&report, "R6749-5.2-a"), RequirementVerdict::Fail);
    assert_eq!(verdict(&report, "R7591-3.2.1-k"), RequirementVerdict::Pass);
}

/// A private_key_jwt finding shows its request, but never the client assertion, which
/// authenticates the client for minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_client_assertion_is_a_fail_whose_reproduction_hides_the_assertion() {
    let report = run_against_server(
        Profile::Rfc7591,
        2,
        10,
        &[Defect::TokenRejectsClientAssertion],
    )
    .await;
    let finding = report
        .findings
        .iter()
        .find(|f| f.requirement == "R7523-2.2-a")
        .expect("the refused assertion is a finding");
    assert_eq!(finding.severity, Severity::Fail);
    assert!(
        finding.curl.contains("client_assertion_type="),
        "{}",
        finding.curl
    );
    assert!(!finding.curl.contains("eyJ"), "{}", finding.curl);
    assert!(!serde_json::to_string(&report)
        .unwrap()
        .contains("client_assertion=eyJ"));
}

/// A secret that expires within the run's wait is tried again after it expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_secret_is_refused_by_the_clean_server_and_taken_by_the_defective_one() {
    use dcrcheck::run::{RunConfig, TargetSpec};
    use dcrcheck::server::{self, ServerConfig};
    let server = server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            secret_lifetime: Some(std::time::Duration::from_secs(2)),
            ..Default::default()
        },
    )
    .await
    .expect("server");
    let mut config = RunConfig::new(Profile::Rfc7591, 2);
    config.cases = 10;
    config.target = TargetSpec::Url(server.registration_url().parse().expect("url"));
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    server.shutdown().await;
    assert_eq!(
        verdict(&report, "R7591-3.2.1-l"),
        RequirementVerdict::Pass,
        "{:#?}",
        report.findings
    );
    let report = run_against_server(
        Profile::Rfc7591,
        2,
        10,
        &[Defect::TokenAcceptsExpiredSecret],
    )
    .await;
    assert_eq!(verdict(&report, "R7591-3.2.1-l"), RequirementVerdict::Warn);
}
