//! Initial access tokens and issued secrets never appear in any output unless asked for.

use crate::support::bin;

const TOKEN: &str = "dcrcheck-test-iat-5f2b9c1e7a";

#[test]
fn token_and_client_secrets_never_reach_any_output() {
    let dir = std::env::temp_dir().join(format!("dcrcheck-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let json = dir.join("r.json");
    let junit = dir.join("j.xml");
    // A defect makes findings (and curl commands) appear, so masking is exercised there too.
    let out = std::process::Command::new(bin())
        .args([
            "run",
            "--seed",
            "9",
            "--cases",
            "30",
            "--token-env",
            "DCRCHECK_TEST_TOKEN",
        ])
        .arg("--report-json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .env("DCRCHECK_TEST_TOKEN", TOKEN)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = std::fs::read_to_string(&json).expect("json");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for (name, text) in [
        ("stdout", &*stdout),
        ("stderr", &*stderr),
        ("json", &*report),
        ("junit", &*xml),
    ] {
        assert!(
            !text.contains(TOKEN),
            "{name} leaks the initial access token"
        );
    }
    // The token probes ran: a registration without the token must have been refused.
    let parsed: serde_json::Value = serde_json::from_str(&report).expect("json");
    let verdict = parsed["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|r| r["id"] == "R7591-3-d")
        .expect("R7591-3-d row");
    assert_eq!(verdict["verdict"], "pass", "{verdict}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn issued_client_secrets_are_masked_in_findings() {
    use dcrcheck::profile::Profile;
    use dcrcheck::server::Defect;
    // This defect makes findings whose responses carry a client_secret.
    let report =
        crate::support::run_against_server(Profile::Rfc7591, 4, 30, &[Defect::NoSecretExpiry])
            .await;
    let json = dcrcheck::report::json::render(&report);
    let human = dcrcheck::report::human::render(&report);
    let finding = report
        .findings
        .iter()
        .find(|f| f.check == "secret_expiry_present_when_secret_issued")
        .expect("finding");
    let body: serde_json::Value = serde_json::from_str(&finding.response.body).expect("json body");
    assert_eq!(body["client_secret"], dcrcheck::sanitize::MASK, "{body}");
    // Wherever a client_secret value is shown (response excerpts are JSON text), it is masked.
    let needle = "client_secret\\\":\\\"";
    let plain = "\"client_secret\":\"";
    let mut shown = 0;
    for text in [&json, &human] {
        for pattern in [needle, plain] {
            for (at, _) in text.match_indices(pattern) {
                shown += 1;
                let rest = &text[at + pattern.len()..];
                assert!(
                    rest.starts_with("<redacted>"),
                    "unmasked secret near: {}",
                    &rest[..rest.len().min(20)]
                );
            }
        }
    }
    assert!(
        shown >= 2,
        "the reports show no client_secret ({shown}): the test would prove nothing"
    );
}
