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

/// A report path that cannot be written stops the run before any request (the embedded
/// server is never started), with one line and exit 2, and leaves no file behind.
#[test]
fn unwritable_report_paths_are_refused_before_the_run() {
    let dir = std::env::temp_dir();
    let dir_str = dir.to_string_lossy().into_owned();
    assert_usage_error(&["run", "--report-json", &dir_str], "is a directory");
    let missing = dir.join("dcrcheck-no-such-dir").join("r.xml");
    let missing_str = missing.to_string_lossy().into_owned();
    assert_usage_error(&["run", "--report-junit", &missing_str], "cannot write");
    // The older name is an alias.
    assert_usage_error(&["run", "--junit", &missing_str], "cannot write");
    assert!(!missing.exists());
    let (_, out, _) = crate::support::dcrcheck(&["run", "--report-json", &dir_str]);
    assert!(out.is_empty(), "no run output expected: {out}");
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
    // Not a terminal (a CI log): no progress bar, so stderr is the seed line alone.
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains('\r') && !err.contains("cases ·"), "{err}");
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
    let seed = report["seed"].as_u64().expect("seed");
    for property in [
        format!(r#"<property name="seed" value="{seed}"/>"#),
        r#"<property name="profile" value="rfc7591"/>"#.to_string(),
        format!(
            r#"<property name="dcrcheck.version" value="{}"/>"#,
            env!("CARGO_PKG_VERSION")
        ),
        r#"<property name="complete" value="true"/>"#.to_string(),
    ] {
        assert!(xml.contains(&property), "no {property} in {xml}");
    }
    assert!(xml.contains(r#"<property name="target" value="https://127.0.0.1:"#));
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

/// A target that sends the first answer's status and headers and then stalls is reported as
/// what it did (exit 3), not as unreachable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_stalls_mid_body_is_reported_as_such() {
    use axum::routing::any;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = axum::Router::new().route(
        "/register",
        any(|| async {
            let first = futures_util::stream::once(async {
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"{"))
            });
            let body = axum::body::Body::from_stream(futures_util::StreamExt::chain(
                first,
                futures_util::stream::pending(),
            ));
            (axum::http::StatusCode::CREATED, body)
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut config = dcrcheck::run::RunConfig::new(dcrcheck::profile::Profile::Rfc7591, 1);
    config.target =
        dcrcheck::run::TargetSpec::Url(format!("http://{addr}/register").parse().expect("url"));
    config.exec.timeout = std::time::Duration::from_millis(800);
    let err = dcrcheck::run::run(&config, &mut |_| {})
        .await
        .expect_err("a stalled target");
    let text = err.to_string();
    assert!(
        text.contains("stopped answering the first request"),
        "{text}"
    );
    assert!(text.contains("status 201 and headers received"), "{text}");
    assert_eq!(err.exit_code(), 3);
}

/// Under CI the default seed is fixed, so two runs of one commit test the same cases;
/// `DCRCHECK_SEED` and `--seed` set it; elsewhere it is random. The seed is always printed.
#[test]
fn the_default_seed_is_fixed_under_ci_and_settable_by_env() {
    use dcrcheck::cli::{default_seed, CI_SEED};
    assert_eq!(default_seed(Some("true"), 42), CI_SEED);
    assert_eq!(default_seed(Some("1"), 42), CI_SEED);
    assert_eq!(default_seed(Some("false"), 42), 42);
    // One reading of CI for the seed, the progress bar and snapshot writing.
    for (value, ci) in [
        (None, false),
        (Some(""), false),
        (Some("0"), false),
        (Some("FALSE"), false),
        (Some("true"), true),
        (Some("1"), true),
    ] {
        assert_eq!(dcrcheck::cli::is_ci(value), ci, "{value:?}");
    }
    assert_eq!(default_seed(Some(""), 42), 42);
    assert_eq!(default_seed(None, 42), 42);
    let run = |envs: &[(&str, &str)]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dcrcheck"))
            .args(["run", "--cases", "2", "--quiet"])
            .env_remove("CI")
            .env_remove("DCRCHECK_SEED")
            .envs(envs.iter().copied())
            .output()
            .expect("run dcrcheck");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(&[("CI", "true")]).contains(&format!("seed {CI_SEED} ")));
    assert!(run(&[("CI", "true"), ("DCRCHECK_SEED", "99")]).contains("seed 99 "));
}

/// Completion scripts and the man page come from the clap definition, so they name every
/// subcommand and flag there is.
#[test]
fn completions_and_the_man_page_cover_the_commands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef dcrcheck"),
        ("fish", "complete -c dcrcheck"),
    ] {
        let (code, out, err) = dcrcheck(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell}: no {marker:?}");
        for word in ["merge", "replay", "explain", "report-html", "baseline"] {
            assert!(out.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (code, _, err) = dcrcheck(&["completions", "powershell-7"]);
    assert_eq!(code, 2, "{err}");
    let (code, man, err) = dcrcheck(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        man.starts_with(".ie") || man.contains(".TH dcrcheck"),
        "{}",
        &man[..man.len().min(200)]
    );
    for word in ["run", "merge", "replay", "explain", "serve", "Exit codes"] {
        assert!(man.contains(word), "man page lacks {word}");
    }
}

/// `--color auto` colours a terminal unless NO_COLOR is set (and not empty); always/never win.
#[test]
fn color_follows_the_flag_the_terminal_and_no_color() {
    use dcrcheck::cli::ColorArg;
    let cases = [
        (ColorArg::Auto, true, None, true),
        (ColorArg::Auto, false, None, false),
        (ColorArg::Auto, true, Some("1"), false),
        (ColorArg::Auto, true, Some(""), true),
        (ColorArg::Always, false, Some("1"), true),
        (ColorArg::Never, true, None, false),
    ];
    for (arg, terminal, no_color, expected) in cases {
        assert_eq!(
            arg.enabled(terminal, no_color),
            expected,
            "{arg:?} {terminal} {no_color:?}"
        );
    }
    // Piped output (the test harness) has no escape codes even with findings, and `always`
    // forces them.
    let (_, out, _) = dcrcheck(&["run", "--cases", "4", "--color", "never"]);
    assert!(!out.contains('\u{1b}'), "{out}");
    let (_, out, _) = dcrcheck(&["run", "--cases", "4", "--color", "always"]);
    assert!(out.contains("\u{1b}["), "{out}");
}

#[test]
fn explain_prints_a_row_and_refuses_unknown_ids() {
    let (code, out, err) = dcrcheck(&["explain", "R7591-5-c"]);
    assert_eq!(code, 0, "{err}");
    for part in [
        "What must be true",
        "the sentence",
        "Checks:",
        "Cases aimed at it",
        "What a fix usually looks like",
    ] {
        assert!(out.contains(part), "lacks {part}: {out}");
    }
    assert_usage_error(&["explain", "R9999-1-a"], "no requirement or check named");
}
