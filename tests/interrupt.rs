//! Ctrl-C: a run stops scheduling, lets requests in flight finish, writes every report it
//! was asked for marked `"complete": false`, says so, and exits 130; a second Ctrl-C exits
//! at once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Waits for the child for at most `limit`; kills it and fails the test if it is still running.
fn wait_at_most(child: &mut Child, limit: Duration) -> (i32, Duration) {
    let began = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return (status.code().unwrap_or(-1), began.elapsed());
        }
        if began.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dcrcheck-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn ctrl_c_writes_incomplete_reports_and_exits_130() {
    let dir = scratch("interrupt");
    let json = dir.join("r.json");
    let md = dir.join("r.md");
    // Paced at 20 requests a second, 2,000 cases take far longer than the test waits.
    let mut child = Command::new(crate::support::bin())
        .args(["run", "--cases", "2000", "--rate", "20", "--seed", "3"])
        .arg("--report-json")
        .arg(&json)
        .arg("--report-markdown")
        .arg(&md)
        .arg("--baseline")
        .arg(dir.join("baseline.toml"))
        .arg("--baseline-update")
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(1500));
    interrupt(&child);
    let (code, took) = wait_at_most(&mut child, Duration::from_secs(15));
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code, 130, "{stdout}\n{stderr}");
    assert!(took < Duration::from_secs(6), "took {took:?} after Ctrl-C");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stdout.contains("INTERRUPTED"), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("Result: INTERRUPTED")),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("json");
    assert_eq!(report["complete"], false);
    let sent = report["summary"]["cases"].as_u64().expect("cases");
    assert!(sent > 0 && sent < 2000, "{sent} cases sent");
    assert!(std::fs::read_to_string(&md)
        .expect("markdown written")
        .contains("nterrupted"));
    // A partial run never rewrites a baseline: it would drop the failures it did not reach.
    assert!(!dir.join("baseline.toml").exists());
    assert!(
        stderr.contains("was neither judged nor updated"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    // A target that accepts connections and never answers: the first Ctrl-C would wait out
    // the grace period for the request in flight; the second does not wait.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/register", listener.local_addr().expect("addr"));
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            open.push(stream);
        }
        std::thread::sleep(Duration::from_secs(20));
        drop(open);
    });
    let mut child = Command::new(crate::support::bin())
        .args(["run", "--target", &url, "--timeout", "30", "--quiet"])
        .env_remove("CI")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(800));
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(200));
    interrupt(&child);
    let (code, took) = wait_at_most(&mut child, Duration::from_secs(10));
    assert_eq!(code, 130);
    assert!(
        took < Duration::from_secs(1),
        "took {took:?} after the second Ctrl-C"
    );
    drop(held);
}

#[test]
fn ctrl_c_during_a_stalled_first_request_ends_within_the_grace_period() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/register", listener.local_addr().expect("addr"));
    let held = std::thread::spawn(move || {
        let open: Vec<_> = listener.incoming().take(1).flatten().collect();
        std::thread::sleep(Duration::from_secs(20));
        drop(open);
    });
    let mut child = Command::new(crate::support::bin())
        .args(["run", "--target", &url, "--timeout", "30"])
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(800));
    interrupt(&child);
    let (code, took) = wait_at_most(&mut child, Duration::from_secs(10));
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code, 130, "{stderr}");
    assert!(
        took < Duration::from_secs(4),
        "took {took:?}: the grace is 2 s"
    );
    assert!(
        stderr.contains("interrupted while waiting for the first answer"),
        "{stderr}"
    );
    drop(held);
}
