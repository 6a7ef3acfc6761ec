//! Command-line behaviour: bad input gets one clear line on stderr and a documented exit
//! code, never a panic or a hang.

use crate::support::dcrcheck;

fn assert_usage_error(args: &[&str], needle: &str) {
    let (code, _out, err) = dcrcheck(args);
    assert_eq!(code, 2, "{args:?} should exit 2, stderr: {err}");
    assert!(
        err.contains(needle),
        "{args:?}: stderr lacks {needle:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
}

#[test]
fn bad_target_url_is_a_usage_error() {
    assert_usage_error(&["run", "--target", "not a url"], "invalid --target");
    assert_usage_error(
        &["run", "--target", "ftp://127.0.0.1/x"],
        "scheme must be http or https",
    );
}

#[test]
fn unknown_profile_is_a_usage_error() {
    assert_usage_error(&["run", "--profile", "saml"], "saml");
}

#[test]
fn zero_and_negative_numbers_are_usage_errors() {
    assert_usage_error(&["run", "--cases", "0"], "at least 1");
    assert_usage_error(&["run", "--cases", "-3"], "-3");
    assert_usage_error(&["run", "-j", "0"], "at least 1");
    assert_usage_error(&["run", "--timeout", "0"], "greater than 0");
    assert_usage_error(&["run", "--rate", "-1"], "-1");
}

#[test]
fn unreadable_token_file_is_a_usage_error() {
    assert_usage_error(
        &["run", "--token-file", "/nonexistent/dcrcheck-token"],
        "cannot read token file /nonexistent/dcrcheck-token",
    );
    assert_usage_error(
        &["run", "--token-env", "DCRCHECK_TEST_UNSET_VARIABLE"],
        "is not set",
    );
}

#[test]
fn malformed_header_is_a_usage_error() {
    assert_usage_error(&["run", "--header", "no colon here"], "Name: value");
}

#[test]
fn refused_connection_exits_3_with_one_line() {
    // Port 9 (discard) on loopback is closed on CI machines; nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/register");
    let (code, _out, err) = dcrcheck(&["run", "--target", &url, "--timeout", "2"]);
    assert_eq!(code, 3, "stderr: {err}");
    let error_lines: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(error_lines.len(), 1, "{err}");
    assert!(error_lines[0].contains("could not be reached"), "{err}");
}

#[test]
fn list_requirements_shows_coverage_and_uncovered_rows() {
    let (code, out, _) = dcrcheck(&["list", "requirements"]);
    assert_eq!(code, 0);
    assert!(out.contains("R7591-3.2.1-e"));
    assert!(out.contains("secret_expiry_present_when_secret_issued"));
    assert!(
        out.contains("NOT COVERED"),
        "uncovered rows must be visible"
    );
    let (_, oidc, _) = dcrcheck(&["list", "requirements", "--profile", "rfc7591"]);
    assert!(
        !oidc.contains("OIDCR-2-b"),
        "rfc7591 listing must not show OIDC rows"
    );
}

#[test]
fn clean_run_exits_0_and_writes_reports() {
    let dir = std::env::temp_dir().join(format!("dcrcheck-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let json = dir.join("report.json");
    let junit = dir.join("junit.xml");
    let (code, out, err) = dcrcheck(&[
        "run",
        "--seed",
        "5",
        "--cases",
        "40",
        "--report-json",
        json.to_str().expect("utf-8 path"),
        "--junit",
        junit.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Result: PASS"), "{out}");
    assert!(err.contains("seed 5"), "the seed is printed: {err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json report"))
            .expect("valid json");
    let schema: serde_json::Value =
        serde_json::from_str(dcrcheck::report::json::SCHEMA).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} {}", e.instance_path(), e))
        .collect();
    assert!(errors.is_empty(), "report breaks its schema: {errors:?}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains("<testsuite") && xml.contains("R7591-3.2.1-e"),
        "{xml}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_reports_throughput_as_a_ratio_to_the_baseline() {
    let (code, out, err) = dcrcheck(&["bench", "--runs", "1", "--cases", "10", "-j", "4"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("baseline") && l.contains("req/s"))
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("-j 1") && lines[0].ends_with("1.00x baseline"),
        "{out}"
    );
    assert!(lines[1].starts_with("-j 4"), "{out}");
}
