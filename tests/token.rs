//! The initial access token sent four ways besides the right one (RFC 6750 §2 and §3): none, a
//! wrong one, in the query string, and with the scheme in lower case. Against the reference
//! server (which reads the header only, scheme case-insensitive) and against a stub that reads
//! the scheme case-sensitively and also takes the query parameter, as some servers do.

use dcrcheck::profile::Profile;
use dcrcheck::run::{RequirementVerdict, RunConfig, RunReport, TargetSpec};
use dcrcheck::server::{self, ServerConfig};

use crate::support::verdict;

const TOKEN: &str = "iat-0123456789abcdef0123456789";

async fn run(url: &str, profile: Profile) -> RunReport {
    let mut config = RunConfig::new(profile, 5);
    config.cases = 10;
    config.target = TargetSpec::Url(url.parse().expect("url"));
    config.token = Some(TOKEN.into());
    dcrcheck::run::run(&config, &mut |_| {}).await.expect("run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_server_takes_any_scheme_case_and_refuses_a_query_token_with_the_challenge() {
    let s = server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            initial_access_token: Some(TOKEN.into()),
            ..Default::default()
        },
    )
    .await
    .expect("server");
    for profile in [Profile::Rfc7591, Profile::Oidc] {
        let report = run(&s.registration_url(), profile).await;
        assert_eq!(report.summary.fail, 0, "{:#?}", report.findings);
        assert_eq!(report.summary.warn, 0, "{:#?}", report.findings);
        assert_eq!(verdict(&report, "R7591-3.2.2-f"), RequirementVerdict::Pass);
        if profile == Profile::Oidc {
            assert_eq!(verdict(&report, "OIDCR-3-b"), RequirementVerdict::Pass);
        }
    }
    s.shutdown().await;
}

/// A server that matches `Bearer ` case-sensitively and also reads `?access_token=`.
async fn case_sensitive_server() -> (String, tokio::task::JoinHandle<()>) {
    use axum::http::{HeaderMap, StatusCode, Uri};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route(
        "/register",
        axum::routing::post(
            |uri: Uri, headers: HeaderMap, body: axum::body::Bytes| async move {
                let header_ok = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v == format!("Bearer {TOKEN}"));
                let query_ok = uri
                    .query()
                    .is_some_and(|q| q.contains(&format!("access_token={TOKEN}")));
                if !(header_ok || query_ok) {
                    return (
                        StatusCode::UNAUTHORIZED,
                        [
                            ("content-type", "application/json"),
                            ("www-authenticate", "Bearer error=\"invalid_token\""),
                        ],
                        r#"{"error":"invalid_token"}"#.to_string(),
                    );
                }
                let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let mut reply = sent.as_object().cloned().unwrap_or_default();
                reply.insert(
                    "client_id".into(),
                    serde_json::json!(format!("c-{}", rand_id())),
                );
                (
                    StatusCode::CREATED,
                    [
                        ("content-type", "application/json"),
                        ("cache-control", "no-store"),
                    ],
                    serde_json::Value::Object(reply).to_string(),
                )
            },
        ),
    );
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("{base}/register"), handle)
}

fn rand_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_sensitive_scheme_is_a_warning_and_a_query_token_is_noted() {
    let (url, handle) = case_sensitive_server().await;
    let report = run(&url, Profile::Oidc).await;
    let lower = report
        .findings
        .iter()
        .find(|f| f.exemplar == "probe-token-lowercase-scheme")
        .expect("a finding for the lower-case scheme");
    assert_eq!(lower.requirement, "OIDCR-3-b");
    assert_eq!(lower.severity, dcrcheck::spec::Severity::Warn);
    assert!(
        lower.curl.contains("Authorization: bearer $DCRCHECK_TOKEN"),
        "{}",
        lower.curl
    );
    let query = report
        .findings
        .iter()
        .find(|f| f.exemplar == "probe-token-in-query")
        .expect("a finding for the query token");
    assert_eq!(query.severity, dcrcheck::spec::Severity::Info);
    assert!(
        query.curl.contains("access_token='\"$DCRCHECK_TOKEN\""),
        "{}",
        query.curl
    );
    let json = dcrcheck::report::json::render(&report);
    assert!(
        !json.contains(TOKEN),
        "the token leaks into the JSON report"
    );
    handle.abort();
}
