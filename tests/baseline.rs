//! Baselines of accepted failures (`dcrcheck::baseline`, docs/baselines.md): what a baseline
//! accepts, what stays new, which entries are stale or expired, how a file is refused (with
//! its line and key), how `--baseline-update` rewrites it, and the whole loop against the
//! reference server.

use std::path::{Path, PathBuf};

use dcrcheck::baseline::{Baseline, BaselineError, Date, TODO_REASON};
use dcrcheck::profile::Profile;
use dcrcheck::run::{RunReport, Summary, TargetInfo, Tool};
use dcrcheck::server::Defect;
use serde_json::json;

use crate::support::run_against_server;

/// Requirement ids and check names that exist (a baseline refuses any other).
const R_HTTP: &str = "R7591-5-c";
const R_STATUS: &str = "R7591-3.2-a";
const R_CACHE: &str = "R7591-BP-a";
const C_REFUSED: &str = "invalid_request_is_not_registered";
const C_ECHOED: &str = "redirect_uris_echoed_as_sent";
const C_201: &str = "success_status_is_201";
const C_CACHE: &str = "credentials_are_not_cached";

const PATH: &str = "ci/baseline.toml";

fn day(text: &str) -> Date {
    Date::parse(text).expect("test date")
}

/// A report with these findings as (id, requirement, check, severity); the summary counts one
/// requirement row per FAIL and WARN finding, as a run would.
fn report(findings: &[(&str, &str, &str, &str)]) -> RunReport {
    let count = |s: &str| findings.iter().filter(|f| f.3 == s).count();
    let summary = Summary {
        fail: count("fail"),
        warn: count("warn"),
        info: count("info"),
        findings: findings.len(),
        ..Summary::default()
    };
    let findings: Vec<_> = findings
        .iter()
        .map(|(id, requirement, check, severity)| {
            json!({
                "id": id, "requirement": requirement, "check": check, "severity": severity,
                "title": format!("{check} on {requirement}"), "detail": "", "count": 1,
                "cases": [],
                "request": {"method": "POST", "url": "http://127.0.0.1/register",
                            "headers": {}, "body": null},
                "response": {"status": 201, "headers": {}, "body": "", "transport_error": null},
                "curl": "",
            })
        })
        .collect();
    serde_json::from_value(json!({
        "version": dcrcheck::model::REPORT_VERSION,
        "tool": Tool { name: "dcrcheck".into(), version: "0.1.0".into() },
        "target": TargetInfo { url: "http://127.0.0.1/register".into(), embedded: true },
        "profile": Profile::Rfc7591,
        "seed": 1,
        "summary": summary,
        "requirements": [],
        "findings": findings,
        "conflicts": [],
    }))
    .expect("test report")
}

fn parse(text: &str) -> Result<Baseline, BaselineError> {
    Baseline::parse(text, Path::new(PATH))
}

fn temp_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dcrcheck-baseline-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// One judging case: what the baseline makes of the findings on a day.
struct Judging {
    name: &'static str,
    baseline: &'static str,
    findings: &'static [(&'static str, &'static str, &'static str, &'static str)],
    deny_warnings: bool,
    today: &'static str,
    accepted: &'static [&'static str],
    new: &'static [&'static str],
    /// Lines of the stale entries.
    stale: &'static [usize],
    /// Lines of the expired entries.
    expired: &'static [usize],
    result: &'static str,
    exit: u8,
}

const HTTP_ENTRY: &str = r#"
[[accept]]
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "legacy clients; ticket OPS-12"
"#;

#[test]
fn a_baseline_accepts_listed_failures_and_fails_on_new_stale_and_expired_ones() {
    let cases = [
        Judging {
            name: "a listed failure is accepted",
            baseline: HTTP_ENTRY,
            findings: &[("F1", R_HTTP, C_REFUSED, "fail")],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &["F1"],
            new: &[],
            stale: &[],
            expired: &[],
            result: "PASS (baseline: 1 accepted)",
            exit: 0,
        },
        Judging {
            name: "an unlisted failure is new",
            baseline: HTTP_ENTRY,
            findings: &[
                ("F1", R_HTTP, C_REFUSED, "fail"),
                ("F2", R_STATUS, C_201, "fail"),
            ],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &["F1"],
            new: &["F2"],
            stale: &[],
            expired: &[],
            result: "FAIL (baseline: 1 new)",
            exit: 1,
        },
        Judging {
            name: "an entry that matches no failure is stale",
            baseline: r#"
[[accept]]
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "legacy clients"

[[accept]]
requirement = "R7591-3.2-a"
check = "success_status_is_201"
reason = "fixed since"
"#,
            findings: &[("F1", R_HTTP, C_REFUSED, "fail")],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &["F1"],
            new: &[],
            stale: &[7],
            expired: &[],
            result: "FAIL (baseline: 1 stale)",
            exit: 1,
        },
        Judging {
            name: "new and stale together",
            baseline: r#"
[[accept]]
requirement = "R7591-3.2-a"
reason = "fixed since"
"#,
            findings: &[("F1", R_HTTP, C_REFUSED, "fail")],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &[],
            new: &["F1"],
            stale: &[2],
            expired: &[],
            result: "FAIL (baseline: 1 new, 1 stale)",
            exit: 1,
        },
        Judging {
            name: "an expired entry fails the run and its failures are new",
            baseline: r#"
[[accept]]
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "until the migration"
expires = "2026-01-31"
"#,
            findings: &[("F1", R_HTTP, C_REFUSED, "fail")],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &[],
            new: &["F1"],
            stale: &[],
            expired: &[2],
            result: "FAIL (baseline: 1 new, 1 expired)",
            exit: 1,
        },
        Judging {
            name: "an entry expires on its expiry day",
            baseline: r#"
[[accept]]
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "until the migration"
expires = "2026-03-01"
"#,
            findings: &[("F1", R_HTTP, C_REFUSED, "fail")],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &[],
            new: &["F1"],
            stale: &[],
            expired: &[2],
            result: "FAIL (baseline: 1 new, 1 expired)",
            exit: 1,
        },
        Judging {
            name: "an entry still applies the day before its expiry day",
            baseline: r#"
[[accept]]
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "until the migration"
expires = 2026-03-01
"#,
            findings: &[("F1", R_HTTP, C_REFUSED, "fail")],
            deny_warnings: false,
            today: "2026-02-28",
            accepted: &["F1"],
            new: &[],
            stale: &[],
            expired: &[],
            result: "PASS (baseline: 1 accepted)",
            exit: 0,
        },
        Judging {
            name: "an expired entry that matches nothing is expired, not stale",
            baseline: r#"
[[accept]]
requirement = "R7591-3.2-a"
reason = "old"
expires = "2025-12-31"
"#,
            findings: &[],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &[],
            new: &[],
            stale: &[],
            expired: &[2],
            result: "FAIL (baseline: 1 expired)",
            exit: 1,
        },
        Judging {
            name: "an entry without a check accepts every check of its requirement",
            baseline: r#"
[[accept]]
requirement = "R7591-5-c"
reason = "legacy clients"
"#,
            findings: &[
                ("F1", R_HTTP, C_REFUSED, "fail"),
                ("F2", R_HTTP, C_ECHOED, "fail"),
            ],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &["F1", "F2"],
            new: &[],
            stale: &[],
            expired: &[],
            result: "PASS (baseline: 2 accepted)",
            exit: 0,
        },
        Judging {
            name: "an entry with a check accepts that check only",
            baseline: HTTP_ENTRY,
            findings: &[
                ("F1", R_HTTP, C_REFUSED, "fail"),
                ("F2", R_HTTP, C_ECHOED, "fail"),
            ],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &["F1"],
            new: &["F2"],
            stale: &[],
            expired: &[],
            result: "FAIL (baseline: 1 new)",
            exit: 1,
        },
        Judging {
            name: "a WARN is no failure without --deny-warnings",
            baseline: "",
            findings: &[("W1", R_CACHE, C_CACHE, "warn")],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &[],
            new: &[],
            stale: &[],
            expired: &[],
            result: "PASS with warnings (baseline: 0 accepted)",
            exit: 0,
        },
        Judging {
            name: "a WARN is a new failure under --deny-warnings",
            baseline: "",
            findings: &[("W1", R_CACHE, C_CACHE, "warn")],
            deny_warnings: true,
            today: "2026-03-01",
            accepted: &[],
            new: &["W1"],
            stale: &[],
            expired: &[],
            result: "FAIL (baseline: 1 new)",
            exit: 1,
        },
        Judging {
            name: "a WARN can be accepted under --deny-warnings",
            baseline: r#"
[[accept]]
requirement = "R7591-BP-a"
check = "credentials_are_not_cached"
reason = "the proxy adds Cache-Control"
"#,
            findings: &[("W1", R_CACHE, C_CACHE, "warn")],
            deny_warnings: true,
            today: "2026-03-01",
            accepted: &["W1"],
            new: &[],
            stale: &[],
            expired: &[],
            result: "PASS (baseline: 1 accepted)",
            exit: 0,
        },
        Judging {
            name: "an entry for a WARN is stale without --deny-warnings",
            baseline: r#"
[[accept]]
requirement = "R7591-BP-a"
check = "credentials_are_not_cached"
reason = "the proxy adds Cache-Control"
"#,
            findings: &[("W1", R_CACHE, C_CACHE, "warn")],
            deny_warnings: false,
            today: "2026-03-01",
            accepted: &[],
            new: &[],
            stale: &[2],
            expired: &[],
            result: "FAIL (baseline: 1 stale)",
            exit: 1,
        },
        Judging {
            name: "an INFO never fails, and a FAIL row cannot pass on an empty baseline",
            baseline: "# nothing accepted\n",
            findings: &[
                ("I1", R_CACHE, C_CACHE, "info"),
                ("F1", R_HTTP, C_REFUSED, "fail"),
            ],
            deny_warnings: true,
            today: "2026-03-01",
            accepted: &[],
            new: &["F1"],
            stale: &[],
            expired: &[],
            result: "FAIL (baseline: 1 new)",
            exit: 1,
        },
    ];
    for c in cases {
        let baseline = parse(c.baseline).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let mut r = report(c.findings);
        let judged = baseline.judge(&r, c.deny_warnings, day(c.today));
        let accepted: Vec<&str> = judged.accepted.iter().map(|a| a.finding.as_str()).collect();
        let stale: Vec<usize> = judged.stale.iter().map(|s| s.line).collect();
        let expired: Vec<usize> = judged.expired.iter().map(|e| e.line).collect();
        assert_eq!(accepted, c.accepted, "{}: accepted", c.name);
        assert_eq!(judged.new, c.new, "{}: new", c.name);
        assert_eq!(stale, c.stale, "{}: stale", c.name);
        assert_eq!(expired, c.expired, "{}: expired", c.name);
        assert_eq!(
            (judged.counts.accepted, judged.counts.new),
            (accepted.len(), judged.new.len()),
            "{}: counts",
            c.name
        );
        assert_eq!(judged.path, PATH, "{}", c.name);
        assert_eq!(judged.passed(), c.exit == 0, "{}", c.name);
        r.baseline = Some(judged);
        assert_eq!(
            (
                r.result_label(c.deny_warnings),
                r.outcome(c.deny_warnings).exit_code()
            ),
            (c.result.to_string(), c.exit),
            "{}",
            c.name
        );
    }
}

#[test]
fn stale_and_expired_entries_say_what_to_do_with_their_line_and_reason() {
    let baseline = parse(
        r#"[[accept]]
requirement = "R7591-3.2-a"
check = "success_status_is_201"
reason = "fixed since"

[[accept]]
requirement = "R7591-5-c"
reason = "until the migration"
expires = "2026-01-31"
"#,
    )
    .expect("baseline");
    let judged = baseline.judge(
        &report(&[("F1", R_HTTP, C_REFUSED, "fail")]),
        false,
        day("2026-03-01"),
    );
    let messages = judged.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages[0].starts_with("ci/baseline.toml:1: R7591-3.2-a / success_status_is_201")
            && messages[0].contains("delete this entry")
            && messages[0].contains("fixed since"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].starts_with("ci/baseline.toml:6: R7591-5-c")
            && messages[1].contains("expired on 2026-01-31")
            && messages[1].contains("until the migration"),
        "{}",
        messages[1]
    );
}

#[test]
fn a_file_that_cannot_be_used_is_refused_with_its_line_and_key() {
    // (case, file text, line, key, words the message holds)
    let cases: &[(&str, &str, usize, Option<&str>, &str)] = &[
        (
            "unknown requirement id",
            "[[accept]]\nrequirement = \"R7591-99-z\"\nreason = \"x\"\n",
            2,
            Some("requirement"),
            "unknown requirement id R7591-99-z",
        ),
        (
            "unknown check",
            "[[accept]]\nrequirement = \"R7591-5-c\"\ncheck = \"redirect_uri_http_refused\"\nreason = \"x\"\n",
            3,
            Some("check"),
            "unknown check redirect_uri_http_refused",
        ),
        (
            "duplicate entry",
            "[[accept]]\nrequirement = \"R7591-5-c\"\ncheck = \"invalid_request_is_not_registered\"\nreason = \"x\"\n\n\
             [[accept]]\nrequirement = \"R7591-5-c\"\ncheck = \"invalid_request_is_not_registered\"\nreason = \"y\"\n",
            6,
            Some("requirement"),
            "already listed at line 1",
        ),
        (
            "a requirement-wide entry beside one of its checks",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"x\"\n\n\
             [[accept]]\nrequirement = \"R7591-5-c\"\ncheck = \"invalid_request_is_not_registered\"\nreason = \"y\"\n",
            5,
            Some("check"),
            "overlaps the entry for every check of R7591-5-c at line 1",
        ),
        (
            "bad TOML",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = legacy\n",
            3,
            None,
            "not valid TOML",
        ),
        (
            "unclosed header",
            "# header\n[[accept]\n",
            2,
            None,
            "not valid TOML",
        ),
        (
            "reason of the wrong type",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = 12\n",
            3,
            Some("reason"),
            "`reason` must be a string, not integer",
        ),
        (
            "check of the wrong type",
            "[[accept]]\nrequirement = \"R7591-5-c\"\ncheck = [\"a\"]\nreason = \"x\"\n",
            3,
            Some("check"),
            "`check` must be a string, not array",
        ),
        (
            "expires of the wrong type",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"x\"\nexpires = 20270331\n",
            4,
            Some("expires"),
            "`expires` must be a date string",
        ),
        (
            "accept that is not an array of tables",
            "accept = \"R7591-5-c\"\n",
            1,
            Some("accept"),
            "must be an array of tables",
        ),
        (
            "missing requirement",
            "[[accept]]\nreason = \"x\"\n",
            1,
            Some("requirement"),
            "entry has no `requirement`",
        ),
        (
            "missing reason",
            "\n\n[[accept]]\nrequirement = \"R7591-5-c\"\n",
            3,
            Some("reason"),
            "entry has no `reason`",
        ),
        (
            "empty reason",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"  \"\n",
            3,
            Some("reason"),
            "`reason` is empty",
        ),
        (
            "a date that does not exist",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"x\"\nexpires = \"2027-02-30\"\n",
            4,
            Some("expires"),
            "not a date of the form YYYY-MM-DD: 2027-02-30",
        ),
        (
            "a date in another shape",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"x\"\nexpires = \"31/03/2027\"\n",
            4,
            Some("expires"),
            "not a date of the form YYYY-MM-DD",
        ),
        (
            "a date with a time",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"x\"\nexpires = 2027-03-31T10:00:00Z\n",
            4,
            Some("expires"),
            "not a date of the form YYYY-MM-DD",
        ),
        (
            "a misspelt key",
            "[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"x\"\nexpiry = \"2027-03-31\"\n",
            4,
            Some("expiry"),
            "unknown key `expiry`",
        ),
        (
            "a key outside any entry",
            "version = 2\n[[accept]]\nrequirement = \"R7591-5-c\"\nreason = \"x\"\n",
            1,
            Some("version"),
            "unknown key `version`",
        ),
    ];
    for (name, text, line, key, words) in cases {
        let e = match parse(text) {
            Ok(b) => panic!("{name}: accepted as {b:?}"),
            Err(e) => e,
        };
        let message = e.to_string();
        assert_eq!(e.line(), Some(*line), "{name}: {message}");
        assert_eq!(e.key(), *key, "{name}: {message}");
        assert!(
            message.starts_with(&format!("{PATH}:{line}: ")) && message.contains(words),
            "{name}: {message}"
        );
        assert_eq!(e.exit_code(), 2, "{name}");
    }
}

#[test]
fn the_documented_format_reads_as_written() {
    let b = parse(
        r#"# accepted failures
[[accept]]
requirement = "R7591-5-c"                  # required
check = "invalid_request_is_not_registered" # optional
reason = "legacy clients; ticket OPS-12"    # required, non-empty
expires = "2027-03-31"                     # optional

[[accept]]
requirement = "R7591-3.2-a"
reason = 'every check of the row'
expires = 2027-04-01
"#,
    )
    .expect("baseline");
    let entries: Vec<_> = b
        .entries()
        .iter()
        .map(|e| {
            (
                e.line,
                e.requirement.as_str(),
                e.check.as_deref(),
                e.reason.as_str(),
                e.expires.map(|d| d.to_string()),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                2,
                R_HTTP,
                Some(C_REFUSED),
                "legacy clients; ticket OPS-12",
                Some("2027-03-31".to_string())
            ),
            (
                8,
                R_STATUS,
                None,
                "every check of the row",
                Some("2027-04-01".to_string())
            ),
        ]
    );
    // An empty file is an empty baseline: every failure is new.
    assert!(parse("").expect("empty").entries().is_empty());
}

#[test]
fn a_missing_file_is_an_error_except_for_an_update_which_creates_it() {
    let dir = temp_dir("missing");
    let path = dir.join("baseline.toml");
    let e = Baseline::load(&path).expect_err("missing file");
    assert!(matches!(e, BaselineError::Missing { .. }), "{e:?}");
    assert!(e.to_string().contains("--baseline-update"), "{e}");
    assert_eq!(e.exit_code(), 2);

    let r = report(&[("F1", R_HTTP, C_REFUSED, "fail")]);
    let empty = Baseline::load_or_empty(&path).expect("empty for an update");
    assert!(empty.entries().is_empty());
    let summary = empty.write_updated(&r, false).expect("written");
    assert_eq!((summary.entries, summary.added), (1, 1));
    let written = Baseline::load(&path).expect("now it exists");
    assert_eq!(written.entries().len(), 1);
    assert_eq!(written.entries()[0].reason, TODO_REASON);
    // A broken file is not overwritten by an update.
    std::fs::write(&path, "[[accept]]\nrequirement = 5\n").expect("write");
    assert!(Baseline::load_or_empty(&path).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_update_keeps_reasons_adds_todos_drops_stale_entries_and_sorts() {
    let old = parse(
        r#"[[accept]]
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "legacy clients; ticket OPS-12"
expires = "2027-03-31"

[[accept]]
requirement = "R7591-3.2-a"
check = "success_status_is_201"
reason = "fixed since"

[[accept]]
requirement = "R7591-2-c"
reason = "every check: \"typed\" members"
"#,
    )
    .expect("old baseline");
    let r = report(&[
        ("F1", R_HTTP, C_REFUSED, "fail"),
        ("F2", R_HTTP, C_ECHOED, "fail"),
        ("F3", "R7591-2-c", "registered_members_are_returned", "fail"),
        ("F4", "R7591-2-c", "redirect_uris_echoed_as_sent", "fail"),
        ("W1", R_CACHE, C_CACHE, "warn"),
        ("I1", R_CACHE, C_CACHE, "info"),
    ]);
    let text = old.updated(&r, false);
    let expected = r#"# dcrcheck baseline: the failures this gate accepts (format: docs/baselines.md).
# A failure not listed here fails the run; so does an entry that no longer matches
# a failure (delete it) and an entry on or after its `expires` day.
# `--baseline-update` rewrites this file from a run, keeping reasons and expiries.

[[accept]]
# registered_members_are_returned on R7591-2-c
# redirect_uris_echoed_as_sent on R7591-2-c
requirement = "R7591-2-c"
reason = "every check: \"typed\" members"

[[accept]]
# invalid_request_is_not_registered on R7591-5-c
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "legacy clients; ticket OPS-12"
expires = "2027-03-31"

[[accept]]
# redirect_uris_echoed_as_sent on R7591-5-c
requirement = "R7591-5-c"
check = "redirect_uris_echoed_as_sent"
reason = "TODO: say why this failure is accepted"
"#;
    assert_eq!(text, expected);

    // The written file reads back, and the same report passes against it (until 2027-03-31).
    let new = parse(&text).expect("updated baseline reads back");
    let judged = new.judge(&r, false, day("2026-03-01"));
    assert!(judged.passed(), "{judged:#?}");
    assert_eq!(judged.accepted.len(), 4);

    // Under --deny-warnings the WARN gets an entry too; updating twice changes nothing.
    let denied = new.updated(&r, true);
    assert!(denied.contains("requirement = \"R7591-BP-a\"\ncheck = \"credentials_are_not_cached\""));
    let again = parse(&denied).expect("reads back").updated(&r, true);
    assert_eq!(again, denied);
}

#[test]
fn a_judged_report_matches_the_report_schema() {
    let b = parse(
        r#"[[accept]]
requirement = "R7591-5-c"
check = "invalid_request_is_not_registered"
reason = "legacy"

[[accept]]
requirement = "R7591-3.2-a"
reason = "gone"

[[accept]]
requirement = "R7591-2-c"
reason = "late"
expires = "2026-01-01"
"#,
    )
    .expect("baseline");
    let mut r = report(&[
        ("F1", R_HTTP, C_REFUSED, "fail"),
        ("F2", "R7591-2-c", C_ECHOED, "fail"),
    ]);
    r.baseline = Some(b.judge(&r, false, day("2026-03-01")));
    let schema: serde_json::Value =
        serde_json::from_str(dcrcheck::report::json::SCHEMA).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for r in [
        r.clone(),
        RunReport {
            baseline: None,
            clients: Default::default(),
            mcp: None,
            ..r.clone()
        },
    ] {
        let value = serde_json::to_value(&r).expect("report json");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "report breaks its schema: {errors:?}");
        let back: RunReport = serde_json::from_value(value).expect("reads back");
        assert_eq!(back.baseline, r.baseline);
    }
}

/// The loop a team runs: a server with one known deviation, a baseline written from its
/// report, later runs gated against it; once the deviation is fixed the entry is stale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_written_from_a_run_passes_the_next_run_until_the_defect_is_fixed() {
    const CASES: usize = 60;
    let today = day("2026-03-01");
    let defect = Defect::AcceptHttpRedirect;
    let dir = temp_dir("end-to-end");
    let path = dir.join("baseline.toml");

    let first = run_against_server(Profile::Rfc7591, 7, CASES, &[defect]).await;
    assert_eq!(
        first.outcome(false).exit_code(),
        1,
        "the defect fails a run"
    );
    let summary = Baseline::load_or_empty(&path)
        .expect("no file yet")
        .write_updated(&first, false)
        .expect("baseline written");
    assert!(summary.entries > 0 && summary.added == summary.entries);
    let baseline = Baseline::load(&path).expect("written baseline reads back");
    assert!(
        baseline
            .entries()
            .iter()
            .any(|e| e.requirement == defect.requirement()),
        "{baseline:#?}"
    );

    let mut second = run_against_server(Profile::Rfc7591, 7, CASES, &[defect]).await;
    second.baseline = Some(baseline.judge(&second, false, today));
    assert_eq!(
        second.outcome(false).exit_code(),
        0,
        "{:#?}",
        second.baseline
    );
    assert!(second.result_label(false).starts_with("PASS (baseline: "));

    let mut fixed = run_against_server(Profile::Rfc7591, 7, CASES, &[]).await;
    let judged = baseline.judge(&fixed, false, today);
    assert!(
        judged.new.is_empty() && judged.accepted.is_empty(),
        "{judged:#?}"
    );
    assert_eq!(judged.stale.len(), baseline.entries().len());
    assert!(judged
        .messages()
        .iter()
        .all(|m| m.contains("delete this entry")));
    fixed.baseline = Some(judged);
    assert_eq!(fixed.outcome(false).exit_code(), 1);
    assert!(
        fixed.result_label(false).starts_with("FAIL (baseline: ")
            && fixed.result_label(false).ends_with(" stale)"),
        "{}",
        fixed.result_label(false)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
