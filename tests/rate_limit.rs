//! Rate limiting (RFC 7591 §3 lets open registration be limited): against the reference
//! server with `rate_limit`, the executor waits out each `429` and resends, so a run with
//! enough retries ends with no `429`; with retrying off, the `429`s are what it records.

use std::time::{Duration, Instant};

use clap::Parser;
use dcrcheck::cli::{Cli, Command};
use dcrcheck::exec::{ExecConfig, Executor, Observation, Target};
use dcrcheck::generate::{self, Plan};
use dcrcheck::profile::Profile;
use dcrcheck::server::{self, ServerConfig};

/// Registration requests the server admits per second.
const LIMIT: u32 = 10;
/// Cases sent: about three windows' worth of POSTs.
const CASES: usize = 30;

/// A reference server that admits [`LIMIT`] registration requests per `window`.
async fn limited_server(window: Duration) -> server::RunningServer {
    server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            rate_limit: Some((LIMIT, window)),
            ..Default::default()
        },
    )
    .await
    .expect("server")
}

/// Sends the first [`CASES`] cases of a run to a reference server limited to [`LIMIT`] per
/// second, with `max_retries`; returns the observations.
async fn run_limited(max_retries: u32) -> Vec<Observation> {
    let s = limited_server(Duration::from_secs(1)).await;
    let cases: Vec<_> = generate::cases(&Plan {
        profile: Profile::Rfc7591,
        seed: 1,
        cases: 10,
        has_token: false,
    })
    .into_iter()
    .take(CASES)
    .collect();
    let executor = Executor::new(
        Target {
            url: s.registration_url().parse().expect("url"),
            headers: Vec::new(),
            token: None,
            ca_cert_pem: None,
            client_identity: None,
            insecure: false,
        },
        ExecConfig {
            max_retries,
            ..ExecConfig::default()
        },
    )
    .expect("executor");
    let mut observations = Vec::new();
    executor
        .run_stream(cases.into_iter(), &mut |_, o| observations.push(o.clone()))
        .await;
    s.shutdown().await;
    observations
}

fn status(o: &Observation) -> Option<u16> {
    o.response.as_ref().map(|r| r.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_run_waits_and_ends_with_no_429() {
    let began = Instant::now();
    let observations = run_limited(8).await;
    assert_eq!(observations.len(), CASES);
    let limited: Vec<_> = observations
        .iter()
        .filter(|o| status(o) == Some(429))
        .map(|o| &o.request.url)
        .collect();
    assert!(limited.is_empty(), "still 429: {limited:?}");
    let errors: Vec<_> = observations
        .iter()
        .filter_map(|o| o.transport_error.as_ref().map(|e| (&o.request.url, e)))
        .collect();
    assert!(errors.is_empty(), "transport errors: {errors:?}");
    let total: u32 = observations.iter().map(|o| o.rate_limited).sum();
    assert!(total > 0, "the limit of {LIMIT}/s was never hit");
    // More POSTs than one window admits: the run waited for a later window.
    assert!(
        began.elapsed() >= Duration::from_secs(1),
        "{:?}",
        began.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_the_429s_are_recorded() {
    let observations = run_limited(0).await;
    let limited: Vec<&Observation> = observations
        .iter()
        .filter(|o| status(o) == Some(429))
        .collect();
    assert!(!limited.is_empty());
    assert!(limited.iter().all(|o| o.rate_limited == 1));
    assert!(observations
        .iter()
        .filter(|o| status(o) != Some(429))
        .all(|o| o.rate_limited == 0));
    let body = limited[0].json_object().expect("json body");
    assert_eq!(
        body.get("error").and_then(|e| e.as_str()),
        Some("too_many_requests")
    );
    assert_eq!(
        limited[0]
            .response
            .as_ref()
            .and_then(|r| r.header("retry-after")),
        Some("1")
    );
}

#[test]
fn retry_and_rate_limit_flags_reach_the_configuration() {
    let cli = Cli::try_parse_from([
        "dcrcheck",
        "run",
        "--max-retries",
        "0",
        "--retry-after-max",
        "2.5",
    ])
    .expect("parse");
    let Command::Run(args) = cli.command else {
        panic!("not run");
    };
    let config = args.to_config(1).expect("config");
    assert_eq!(config.exec.max_retries, 0);
    assert_eq!(config.exec.retry_after_max, Duration::from_millis(2500));

    let Command::Run(args) = Cli::try_parse_from(["dcrcheck", "run"])
        .expect("parse")
        .command
    else {
        panic!("not run");
    };
    let config = args.to_config(1).expect("config");
    assert_eq!(config.exec.max_retries, 3);
    assert_eq!(config.exec.retry_after_max, Duration::from_secs(10));

    let Command::Serve(args) =
        Cli::try_parse_from(["dcrcheck", "serve", "--rate-limit", "20/3600"])
            .expect("parse")
            .command
    else {
        panic!("not serve");
    };
    assert_eq!(args.rate_limit, Some((20, Duration::from_secs(3600))));
    for bad in ["20", "0/60", "x/60", "20/0", "20/-1"] {
        assert!(
            Cli::try_parse_from(["dcrcheck", "serve", "--rate-limit", bad]).is_err(),
            "{bad}"
        );
    }
    assert!(Cli::try_parse_from(["dcrcheck", "run", "--max-retries", "-1"]).is_err());
}

/// A whole run against a rate-limited reference server with retrying off: many answers are
/// 429, none is judged (no FAIL, no WARN: the clean server breaks no rule), and the report
/// counts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_never_a_finding() {
    let s = limited_server(Duration::from_secs(60)).await;
    let mut config = dcrcheck::run::RunConfig::new(Profile::Rfc7591, 1);
    config.target = dcrcheck::run::TargetSpec::Url(s.registration_url().parse().expect("url"));
    config.cases = 40;
    config.exec.max_retries = 0;
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    s.shutdown().await;
    assert!(report.summary.rate_limited > 20, "{:?}", report.summary);
    assert_eq!(
        (report.summary.fail, report.summary.warn),
        (0, 0),
        "{:#?}",
        report.findings
    );
}
