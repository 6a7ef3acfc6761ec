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
