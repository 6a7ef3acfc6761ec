//! Software statements from the command line: `serve --trust-statement-key` trusts the key
//! that `run --software-statement-key` signs with, so the rows only a trusted statement proves
//! PASS over real HTTP; the same run without the key SKIPs them, saying why; a seeded defect
//! in the trusted path is a FAIL.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use rsa::pkcs8::{EncodePrivateKey, LineEnding};

use crate::support::{bin, dcrcheck};

const ISSUER: &str = "https://statements.cli.test";

/// Starts `dcrcheck serve` with `extra` arguments on a free port; returns the child and its
/// registration URL.
fn serve(extra: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(bin())
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let stderr = child.stderr.take().expect("stderr");
    let line = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("http://"))
        .expect("serve prints its URL");
    let start = line.find("http://").expect("url");
    let url = line[start..]
        .split_whitespace()
        .next()
        .expect("url")
        .to_string();
    (child, url)
}

fn verdict(report: &serde_json::Value, row: &str) -> String {
    report["requirements"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == row)
        .map(|r| r["verdict"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn a_trusted_key_from_the_command_line_judges_the_trusted_rows() {
    let dir = std::env::temp_dir().join(format!("dcrcheck-statements-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("rsa");
    let pem = key.to_pkcs8_pem(LineEnding::LF).expect("pem");
    let key_path = dir.join("statement-key.pem");
    std::fs::write(&key_path, pem.as_bytes()).expect("write key");
    let key_path = key_path.to_str().expect("utf-8");
    let report_path = dir.join("report.json");
    let report_path = report_path.to_str().expect("utf-8");

    let run = |url: &str, with_key: bool| {
        let mut args = vec![
            "run",
            "--target",
            url,
            "--cases",
            "10",
            "--seed",
            "3",
            "--report-json",
            report_path,
        ];
        if with_key {
            args.extend([
                "--software-statement-key",
                key_path,
                "--software-statement-iss",
                ISSUER,
            ]);
        }
        let (code, out, err) = dcrcheck(&args);
        let text = std::fs::read_to_string(report_path).expect("report");
        (
            code,
            out,
            err,
            serde_json::from_str::<serde_json::Value>(&text).expect("json"),
        )
    };

    let trust = [
        "--trust-statement-key",
        key_path,
        "--trust-statement-iss",
        ISSUER,
    ];
    let (mut clean, url) = serve(&trust);
    let (code, out, err, with_key) = run(&url, true);
    let (_, _, _, without_key) = run(&url, false);
    let _ = clean.kill();
    let _ = clean.wait();
    assert_eq!(code, 0, "{out}\n{err}");
    for row in [
        "R7591-2.3-b",
        "R7591-3.2.1-j",
        "R7591-2.3-a",
        "R7591-3.2.2-c-sst",
    ] {
        assert_eq!(verdict(&with_key, row), "pass", "{row}");
    }
    for row in ["R7591-2.3-b", "R7591-3.2.1-j"] {
        assert_eq!(verdict(&without_key, row), "skip", "{row}");
    }
    // The key never reaches the output: only its public half is ever used by the server.
    assert!(!out.contains("PRIVATE KEY") && !err.contains("PRIVATE KEY"));

    let mut defective = trust.to_vec();
    defective.extend(["--defect", "statement-json-wins"]);
    let (mut bad, url) = serve(&defective);
    let (code, out, _, report) = run(&url, true);
    let _ = bad.kill();
    let _ = bad.wait();
    assert_eq!(code, 1, "{out}");
    assert_eq!(verdict(&report, "R7591-2.3-b"), "fail");
    let _ = std::fs::remove_dir_all(&dir);
}
