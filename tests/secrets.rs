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
    let human = dcrcheck::report::human::render(&report, false);
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

/// Every output that exists, at its most verbose, against a target that hands out a
/// `client_secret` and a `registration_access_token` with every registration (and breaks a
/// rule, so findings quote those responses): no secret and no initial access token appears
/// in the terminal, JSON, JUnit, HTML, Markdown, curl lines, snapshot files, replay or merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_output() {
    use axum::routing::post;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    const SECRET: &str = "sekrit";
    let counter = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let uri_base = base.clone();
    let app = axum::Router::new().route(
        "/register",
        post(move |body: axum::body::Bytes| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let uri_base = uri_base.clone();
            async move {
                let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                // 200 instead of 201 and no client_secret_expires_at: findings that quote
                // this body.
                let reply = serde_json::json!({
                    "client_id": format!("client-{n}"),
                    "client_secret": format!("{SECRET}-cs-{n}-{}", "x".repeat(24)),
                    "registration_access_token": format!("{SECRET}-rat-{n}-{}", "y".repeat(24)),
                    "registration_client_uri": format!("{uri_base}/register/client-{n}"),
                    "redirect_uris": sent.get("redirect_uris").cloned().unwrap_or_default(),
                    "note": format!("your secret is {SECRET}-cs-{n}-{}", "x".repeat(24)),
                });
                (
                    axum::http::StatusCode::OK,
                    [("content-type", "application/json")],
                    reply.to_string(),
                )
            }
        }),
    );
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let target = format!("{base}/register");
    let dir = std::env::temp_dir().join(format!("dcrcheck-secret-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let run = |args: Vec<String>| {
        let target = target.clone();
        async move {
            let out = tokio::process::Command::new(bin())
                .args(&args)
                .env("DCRCHECK_TEST_TOKEN", TOKEN)
                .env_remove("CI")
                .output()
                .await
                .expect("run");
            let _ = target;
            format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        }
    };
    let common = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec![
            "run".into(),
            "--target".into(),
            target.clone(),
            "--seed".into(),
            "11".into(),
            "--cases".into(),
            "30".into(),
            "--token-env".into(),
            "DCRCHECK_TEST_TOKEN".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let mut texts: Vec<(String, String)> = Vec::new();
    let terminal = run(common(&[
        "-v",
        "--color",
        "always",
        "--report-json",
        &file("r.json"),
        "--report-junit",
        &file("r.xml"),
        "--report-html",
        &file("r.html"),
        "--report-markdown",
        &file("r.md"),
    ]))
    .await;
    texts.push(("terminal".into(), terminal));
    for shard in ["1", "2"] {
        let out = run(common(&[
            "--partition",
            &format!("hash:{shard}/2"),
            "--report-json",
            &file(&format!("s{shard}.json")),
        ]))
        .await;
        texts.push((format!("shard {shard}"), out));
    }
    let merged = run(vec![
        "merge".into(),
        file("s1.json"),
        file("s2.json"),
        "-o".into(),
        file("m.json"),
        "--report-html".into(),
        file("m.html"),
    ])
    .await;
    texts.push(("merge".into(), merged));
    let replayed = run(vec![
        "replay".into(),
        file("r.json"),
        "--target".into(),
        target.clone(),
        "--token-env".into(),
        "DCRCHECK_TEST_TOKEN".into(),
    ])
    .await;
    texts.push(("replay".into(), replayed));
    let snap = run(vec![
        "snapshot".into(),
        "record".into(),
        "--target".into(),
        target.clone(),
        "--dir".into(),
        file("snap"),
        "--token-env".into(),
        "DCRCHECK_TEST_TOKEN".into(),
    ])
    .await;
    texts.push(("snapshot record".into(), snap));
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.extend(
        std::fs::read_dir(dir.join("snap"))
            .expect("snapshots written")
            .flatten()
            .map(|e| e.path()),
    );
    for path in files.iter().filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(path).expect("read output");
        texts.push((path.display().to_string(), text));
    }
    let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
    for needed in ["r.json", "r.xml", "r.html", "r.md", "m.json", "m.html"] {
        assert!(
            names.iter().any(|n| n.ends_with(needed)),
            "{needed} not written: {names:?}"
        );
    }
    assert!(
        files.iter().any(|p| p.starts_with(dir.join("snap"))),
        "no snapshot files"
    );
    // The run saw the secrets: findings quote the responses that carried them (masked).
    let json = &texts
        .iter()
        .find(|(n, _)| n.ends_with("r.json"))
        .expect("json")
        .1;
    assert!(
        json.contains("registration_access_token"),
        "no finding quotes a response"
    );
    for (name, text) in &texts {
        assert!(!text.contains(SECRET), "{name} leaks an issued secret");
        assert!(
            !text.contains(TOKEN),
            "{name} leaks the initial access token"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    server.abort();
}
