//! `run --issuer URL`: the registration endpoint is read from the issuer's metadata (RFC 8414
//! §3.1 path insertion, then OpenID Connect Discovery 1.0 §4) before the run; metadata that
//! cannot be used is exit 3 naming every URL tried.

use std::path::PathBuf;

use dcrcheck::server::{self, ServerConfig};

use crate::support::dcrcheck;

/// A folder of its own for one test's reports.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dcrcheck-issuer-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary off the runtime's threads, so the in-process server keeps answering.
async fn dcrcheck_async(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        dcrcheck(&args)
    })
    .await
    .expect("dcrcheck task")
}

fn read_report(path: &PathBuf) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("report");
    serde_json::from_str(&text).expect("report json")
}

/// Each requirement row with its verdict, in report order.
fn verdicts(report: &serde_json::Value) -> Vec<(String, String)> {
    report["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .map(|r| {
            let text = |key: &str| r[key].as_str().expect("string").to_string();
            (text("id"), text("verdict"))
        })
        .collect()
}

/// The error of a run that could not happen: exactly one line says it.
fn one_error_line(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("dcrcheck: error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    errors[0].to_string()
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_leads_to_its_registration_endpoint() {
    let s = server::start(([127, 0, 0, 1], 0).into(), ServerConfig::default())
        .await
        .expect("server");
    let issuer = s.base_url();
    let metadata = format!("{issuer}/.well-known/oauth-authorization-server");
    let dir = temp_dir("found");
    let by_issuer = dir.join("issuer.json");
    let by_target = dir.join("target.json");
    let common = ["run", "--seed", "11", "--cases", "20", "--quiet"];

    let (code, _, err) = dcrcheck_async(owned(
        &[
            &common[..],
            &["--issuer", &issuer, "--report-json"],
            &[by_issuer.to_str().expect("path")],
        ]
        .concat(),
    ))
    .await;
    assert!(
        err.contains(&format!(
            "dcrcheck: issuer {issuer}: registration endpoint {} (from {metadata})",
            s.registration_url()
        )),
        "{err}"
    );
    // Judged exactly as --target on the endpoint found.
    let (target_code, _, target_err) = dcrcheck_async(owned(
        &[
            &common[..],
            &["--target", &s.registration_url()],
            &["--report-json", by_target.to_str().expect("path")],
        ]
        .concat(),
    ))
    .await;
    s.shutdown().await;

    let (a, b) = (read_report(&by_issuer), read_report(&by_target));
    assert_eq!(code, target_code, "{err}\n{target_err}");
    assert_eq!(target_code, 0, "{target_err}");
    assert_eq!(a["target"]["url"], format!("{issuer}/register"));
    assert_eq!(a["target"]["url"], b["target"]["url"]);
    assert_eq!(verdicts(&a), verdicts(&b));
    assert_eq!(a["summary"]["findings"], b["summary"]["findings"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_naming_another_issuer_is_refused() {
    let s = server::start(([127, 0, 0, 1], 0).into(), ServerConfig::default())
        .await
        .expect("server");
    // RFC 8414 §3.3 compares exactly: the server's issuer has no trailing slash.
    let issuer = format!("{}/", s.base_url());
    let (code, _, err) = dcrcheck_async(owned(&["run", "--issuer", &issuer])).await;
    s.shutdown().await;
    assert_eq!(code, 3, "{err}");
    let err = one_error_line(&err);
    let base = issuer.trim_end_matches('/');
    assert!(
        err.contains(&format!("issuer is \"{base}\", not the given \"{issuer}\"")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{base}/.well-known/oauth-authorization-server:")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{base}/.well-known/openid-configuration:")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issuer_without_metadata_names_the_urls_tried() {
    // A path the reference server has no metadata for: both URLs answer 404.
    let s = server::start(([127, 0, 0, 1], 0).into(), ServerConfig::default())
        .await
        .expect("server");
    let base = s.base_url();
    let (code, _, err) =
        dcrcheck_async(owned(&["run", "--issuer", &format!("{base}/tenant1")])).await;
    s.shutdown().await;
    assert_eq!(code, 3, "{err}");
    let err = one_error_line(&err);
    for url in [
        format!("{base}/.well-known/oauth-authorization-server/tenant1: status 404"),
        format!("{base}/tenant1/.well-known/openid-configuration: status 404"),
    ] {
        assert!(err.contains(&url), "{url}: {err}");
    }

    // Nothing listens on the port at all.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let closed = format!("http://127.0.0.1:{port}");
    let (code, _, err) = dcrcheck_async(owned(&["run", "--issuer", &closed])).await;
    assert_eq!(code, 3, "{err}");
    for url in [
        format!("GET {closed}/.well-known/oauth-authorization-server: "),
        format!("GET {closed}/.well-known/openid-configuration: "),
    ] {
        assert!(err.contains(&url), "{url}: {err}");
    }
}

#[test]
fn issuer_syntax_and_conflicts_are_usage_errors() {
    let (code, _, err) = dcrcheck(&[
        "run",
        "--issuer",
        "https://as.example",
        "--target",
        "https://as.example/register",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--issuer") && err.contains("--target"),
        "{err}"
    );
    for (bad, why) in [
        ("ftp://as.example", "scheme must be http or https"),
        ("not a url", "invalid --issuer"),
        ("https://as.example/?tenant=1", "no query or fragment"),
    ] {
        let (code, _, err) = dcrcheck(&["run", "--issuer", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains(why), "{bad}: {err}");
    }
}
