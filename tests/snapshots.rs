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
    let text = dcrcheck::report::human::render(&report);
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
        })
    });
}
