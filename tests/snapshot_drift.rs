//! `dcrcheck snapshot`: recording a target and verifying it again is clean; a defect shows as
//! drift with a readable diff; update modes write `.new` files, and nothing under CI.

use crate::support::bin;
use dcrcheck::server::{self, Defect, ServerConfig};

fn snapshot_cmd(args: &[&str], ci: bool) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(bin());
    cmd.arg("snapshot").args(args);
    if ci {
        cmd.env("CI", "true");
    } else {
        cmd.env_remove("CI");
    }
    let out = cmd.output().expect("run dcrcheck snapshot");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_detected_and_reported_as_a_diff() {
    let dir = std::env::temp_dir().join(format!("dcrcheck-snap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().expect("utf-8").to_string();
    let clean = server::start(([127, 0, 0, 1], 0).into(), ServerConfig::default())
        .await
        .expect("clean");
    let url = clean.registration_url();

    let (code, out, err) = snapshot_cmd(&["record", "--target", &url, "--dir", &d], false);
    assert_eq!(code, 0, "{out}{err}");
    let recorded = std::fs::read_dir(&dir).expect("dir").count();
    assert!(recorded >= 60, "recorded {recorded} files");

    // Same server behaviour (new client ids, secrets, timestamps): no drift.
    let (code, out, err) = snapshot_cmd(&["verify", "--target", &url, "--dir", &d], true);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("{recorded} same, 0 drifted, 0 missing")),
        "{out}"
    );

    // A server that answers errors with an unknown code drifts, and the diff says how.
    let bad = server::start(
        ([127, 0, 0, 1], 0).into(),
        ServerConfig {
            defects: vec![Defect::UnknownErrorCode],
            ..Default::default()
        },
    )
    .await
    .expect("defective");
    let bad_url = bad.registration_url();
    let (code, out, _) = snapshot_cmd(&["verify", "--target", &bad_url, "--dir", &d], true);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("drift: "), "{out}");
    assert!(
        out.contains("+      \"error\": \"bad_thing\""),
        "the diff shows the new code: {out}"
    );
    // Under CI nothing is written.
    let new_files = || {
        std::fs::read_dir(&dir)
            .expect("dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().to_string_lossy().ends_with(".new"))
            })
            .count()
    };
    assert_eq!(new_files(), 0, "CI must not write .new files");

    // Locally, `--update new` writes one .new file per drifted fixture for review.
    let (code, out, _) = snapshot_cmd(
        &[
            "verify", "--target", &bad_url, "--dir", &d, "--update", "new",
        ],
        false,
    );
    assert_eq!(code, 1);
    let drifted = out.matches("drift: ").count();
    assert!(drifted > 0);
    assert_eq!(new_files(), drifted, "{out}");

    clean.shutdown().await;
    bad.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn snapshot_against_a_closed_port_exits_3() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/register");
    let (code, _, err) = snapshot_cmd(
        &[
            "verify",
            "--target",
            &url,
            "--dir",
            "/tmp/none",
            "--timeout",
            "2",
        ],
        true,
    );
    assert_eq!(code, 3, "{err}");
}
