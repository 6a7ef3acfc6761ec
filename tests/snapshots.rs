//! insta snapshots of the human and JSON reports (ports and durations filtered), so any
//! change in what dcrcheck prints shows up in review. They live under `snapshots/`.

use dcrcheck::profile::Profile;

use crate::support::run_against_server;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    s.add_filter(r"\b\d+ ms\b", "[duration] ms");
    s
}

#[tokio::test]
async fn human_report_of_a_clean_run() {
    let report = run_against_server(Profile::Rfc7591, 42, 40, &[]).await;
    let text = dcrcheck::report::human::render(&report, false);
    settings().bind(|| insta::assert_snapshot!("human_clean_rfc7591", text));
}

#[tokio::test]
async fn json_report_of_a_clean_oidc_run() {
    let report = run_against_server(Profile::Oidc, 42, 40, &[]).await;
    let value = serde_json::to_value(&report).expect("report serialises");
    settings().bind(|| {
        insta::assert_json_snapshot!("json_clean_oidc", value, {
            ".target.url" => "[url]",
            ".summary.duration_ms" => "[duration]",
            // Issued by the server at random; their count is in `created`.
            ".clients.ids[]" => "[client_id]",
        })
    });
}

/// In a CI log the default layout lists only rows that did not pass, gives each finding the
/// sentence it is judged by and ends with one `Result:` line; `-v` lists every row with the
/// reason of each skip; colour is only there when asked for.
#[tokio::test]
async fn the_human_report_lists_what_did_not_pass_and_verbose_lists_everything() {
    use dcrcheck::report::human::{render_with, Style};
    use dcrcheck::run::RequirementVerdict;
    let report = run_against_server(
        Profile::Rfc7591,
        42,
        40,
        &[dcrcheck::server::Defect::Status200],
    )
    .await;
    let row = |text: &str, verdict: &str, id: &str| {
        text.lines().any(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some(verdict) && words.next() == Some(id)
        })
    };
    let short = render_with(&report, Style::default());
    let long = render_with(
        &report,
        Style {
            verbose: true,
            ..Style::default()
        },
    );
    assert!(row(&short, "FAIL", "R7591-3.2-a"), "{short}");
    assert!(
        short.contains("\"The server responds with an HTTP 201 Created status code"),
        "{short}"
    );
    for r in &report.requirements {
        let listed = row(&short, r.verdict.label(), &r.id);
        assert_eq!(
            listed,
            r.verdict != RequirementVerdict::Pass && r.reason.is_none(),
            "{}",
            r.id
        );
        assert!(row(&long, r.verdict.label(), &r.id), "-v misses {}", r.id);
        if let Some(reason) = &r.reason {
            assert!(
                long.contains(reason.as_str()),
                "-v misses the reason of {}",
                r.id
            );
        }
    }
    assert_eq!(
        short.lines().filter(|l| l.starts_with("Result: ")).count(),
        1
    );
    assert!(short
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("Result: FAIL")));
    assert!(!short.contains('\u{1b}') && !long.contains('\u{1b}'));
    let colored = render_with(
        &report,
        Style {
            color: true,
            ..Style::default()
        },
    );
    assert!(colored.contains("\u{1b}[1m\u{1b}[31mFAIL"), "{colored}");
    // A server's text cannot drive the terminal: its control characters show as symbols.
    let mut hostile = report.clone();
    hostile.findings[0].title = "clear\u{1b}[2J\u{7}screen".into();
    let text = render_with(&hostile, Style::default());
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text}"
    );
    assert!(text.contains("clear\u{241b}[2J\u{2407}screen"), "{text}");
}
