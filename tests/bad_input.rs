//! Bad input, table-driven: each row is a command line (with environment and files) that must
//! end with exit 2, exactly one line on stderr that names the problem, no panic, nothing on
//! stdout, and no report file left behind.

use std::path::{Path, PathBuf};

struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dcrcheck-bad-input-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }
    fn file(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("write");
        p.to_string_lossy().into_owned()
    }
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs dcrcheck in `cwd` with `env`, returning (code, stdout, stderr).
fn run_in(cwd: &Path, args: &[String], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(crate::support::bin());
    cmd.args(args).current_dir(cwd).env_remove("CI");
    for (k, _) in std::env::vars() {
        if k.starts_with("DCRCHECK_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run dcrcheck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Arguments, environment, and what stderr must name.
type Row<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

#[test]
fn each_bad_input_is_one_line_and_exit_2() {
    let s = Scratch::new();
    let report = s.path("report.json");
    let empty = s.file("empty-token", "  \n");
    let no_pem = s.file("no-pem.pem", "just text\n");
    let dir = s.0.to_string_lossy().into_owned();
    let not_report = s.file("not-report.json", "[1, 2, 3]");
    let bad_toml = s.file("bad.toml", "[profile.default]\ncases = \n");
    let unknown_key = s.file("unknown.toml", "[profile.default]\ncasess = 10\n");
    let wrong_type = s.file("wrong.toml", "[profile.default]\ncases = \"many\"\n");
    let top_level = s.file("top.toml", "cases = 10\n");
    let ok_config = s.file("ok.toml", "[profile.default]\ncases = 10\n");
    let bad_baseline = s.file(
        "baseline.toml",
        "[[accept]]\nrequirement = \"R9999-1-a\"\nreason = \"x\"\n",
    );
    // (args, env, what stderr must name)
    let rows: Vec<Row> = vec![
        (
            vec!["run", "--target", "not a url"],
            vec![],
            "invalid --target",
        ),
        (
            vec!["run", "--target", "ftp://127.0.0.1/x"],
            vec![],
            "scheme must be http or https",
        ),
        (vec!["run", "--target", "http://"], vec![], "--target"),
        (vec!["run", "--profile", "saml"], vec![], "saml"),
        (vec!["run", "--cases", "0"], vec![], "at least 1"),
        (vec!["run", "--cases", "abc"], vec![], "abc"),
        (vec!["run", "-j", "0"], vec![], "at least 1"),
        (vec!["run", "--timeout", "0"], vec![], "greater than 0"),
        (vec!["run", "--timeout", "NaN"], vec![], "NaN"),
        (vec!["run", "--rate", "-1"], vec![], "-1"),
        (vec!["run", "--body-cap", "0"], vec![], "at least 1"),
        (
            vec!["run", "--retry-after-max", "1e9"],
            vec![],
            "0 to 86400",
        ),
        (vec!["run", "--seed", "-1"], vec![], "-1"),
        (
            vec!["run", "--token-file", "/nonexistent/dcrcheck-token"],
            vec![],
            "cannot read token file",
        ),
        (vec!["run", "--token-file", &empty], vec![], "is empty"),
        (
            vec!["run", "--token-file", &dir],
            vec![],
            "cannot read token file",
        ),
        (
            vec!["run", "--token-env", "DCRCHECK_TEST_UNSET"],
            vec![],
            "is not set",
        ),
        (
            vec!["run", "--token-env", "X", "--token-file", &empty],
            vec![],
            "cannot be used with",
        ),
        (
            vec!["run", "--header", "no colon here"],
            vec![],
            "Name: value",
        ),
        (
            vec!["run", "--header", ": v"],
            vec![],
            "not a valid header name",
        ),
        (
            vec!["run", "--ca-cert", "/nonexistent/ca.pem"],
            vec![],
            "cannot read --ca-cert",
        ),
        (
            vec!["run", "--ca-cert", &no_pem],
            vec![],
            "holds no PEM certificate",
        ),
        (
            vec!["run", "--discovery", "ftp://x/y"],
            vec![],
            "invalid --discovery",
        ),
        (
            vec![
                "run",
                "--software-statement-key",
                "/nonexistent/key.pem",
                "--software-statement-iss",
                "https://iss.example",
            ],
            vec![],
            "--software-statement-key /nonexistent/key.pem",
        ),
        (
            vec![
                "run",
                "--software-statement-key",
                &no_pem,
                "--software-statement-iss",
                "https://iss.example",
            ],
            vec![],
            "not a PEM private key",
        ),
        (
            vec!["run", "--software-statement-key", &no_pem],
            vec![],
            "--software-statement-iss",
        ),
        (
            vec![
                "serve",
                "--trust-statement-key",
                &no_pem,
                "--trust-statement-iss",
                "https://iss.example",
            ],
            vec![],
            "not a PEM private key",
        ),
        (
            vec!["serve", "--secret-lifetime", "0"],
            vec![],
            "--secret-lifetime",
        ),
        (
            vec!["run", "--report-junit", &dir],
            vec![],
            "is a directory",
        ),
        (
            vec!["run", "--report-html", "/nonexistent-dir/r.html"],
            vec![],
            "cannot write",
        ),
        (vec!["run", "--no-such-flag"], vec![], "--no-such-flag"),
        (vec!["run", "--color", "sometimes"], vec![], "sometimes"),
        (
            vec!["run", "--partition", "hash:0/3"],
            vec![],
            "--partition",
        ),
        (
            vec!["run", "--partition", "round-robin:1/2"],
            vec![],
            "--partition",
        ),
        (vec!["run", "--requirement", "R9999-1"], vec![], "R9999-1"),
        (
            vec!["run", "--check", "no_such_check"],
            vec![],
            "no_such_check",
        ),
        (
            vec!["run", "--baseline", "/nonexistent/baseline.toml"],
            vec![],
            "baseline",
        ),
        (
            vec!["run", "--baseline", &bad_baseline],
            vec![],
            "R9999-1-a",
        ),
        (vec!["run", "--baseline-update"], vec![], "--baseline"),
        (
            vec!["run", "--config", "/nonexistent/dcrcheck.toml"],
            vec![],
            "/nonexistent/dcrcheck.toml",
        ),
        (vec!["run", "--config", &dir], vec![], "directory"),
        (vec!["run", "--config", &bad_toml], vec![], "bad.toml:2"),
        (vec!["run", "--config", &unknown_key], vec![], "casess"),
        (vec!["run", "--config", &wrong_type], vec![], "cases"),
        (vec!["run", "--config", &top_level], vec![], "top.toml:1"),
        (
            vec!["run", "--config", &ok_config, "--config-profile", "nope"],
            vec![],
            "nope",
        ),
        (vec!["run"], vec![("DCRCHECK_SEED", "abc")], "abc"),
        (vec!["run"], vec![("DCRCHECK_CASES", "0")], "DCRCHECK_CASES"),
        (
            vec!["serve", "--defect", "nope"],
            vec![],
            "unknown defect 'nope'",
        ),
        (vec!["serve", "--rate-limit", "0/1"], vec![], "at least 1"),
        (
            vec!["replay", "/nonexistent/r.json"],
            vec![],
            "cannot read report",
        ),
        (
            vec!["replay", &not_report],
            vec![],
            "not a dcrcheck JSON report",
        ),
        (vec!["merge"], vec![], "REPORT"),
        (vec!["merge", &not_report, &not_report], vec![], "not"),
        (
            vec!["explain", "R9999-1-a"],
            vec![],
            "no requirement or check named",
        ),
        (vec!["completions", "tcsh"], vec![], "tcsh"),
        (
            vec!["snapshot", "verify", "--target", "nope", "--dir", &dir],
            vec![],
            "invalid --target",
        ),
    ];
    assert!(rows.len() >= 30);
    let mut failures = Vec::new();
    for (args, env, needle) in &rows {
        let mut argv: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        // A run that got past its input would write this report; none may.
        if args[0] == "run" && !args.contains(&"--report-json") {
            argv.extend(["--report-json".to_string(), report.clone()]);
        }
        let (code, out, err) = run_in(&s.0, &argv, env);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        let ok = code == 2
            && lines.len() == 1
            && lines[0].contains(needle)
            && !err.contains("panicked")
            && out.is_empty()
            && !Path::new(&report).exists();
        if !ok {
            failures.push(format!(
                "{args:?} {env:?}: exit {code}, stdout {} bytes, stderr:\n{err}",
                out.len()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
