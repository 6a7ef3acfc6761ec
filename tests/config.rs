//! `dcrcheck run` options from `dcrcheck.toml` and `DCRCHECK_*` variables: precedence and
//! profiles through the library's parser (the parsed `RunArgs`), and every config error
//! through the real binary (exit 2, one line naming the file, line and key or the variable).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use dcrcheck::cli::config::{keys, locator_env_names, parse_cli, ParseError, Shape};
use dcrcheck::cli::{Cli, Command, RunArgs};
use dcrcheck::run::DEFAULT_CASES;

use crate::support::bin;

/// A fresh folder under the temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("dcrcheck-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    fn write(&self, name: &str, content: &[u8]) {
        std::fs::write(self.0.join(name), content).expect("write scratch file");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Parses `dcrcheck run ARGS` in `dir` with exactly the variables in `env`.
fn parse(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<RunArgs, String> {
    let argv: Vec<OsString> = ["dcrcheck", "run"]
        .iter()
        .chain(args)
        .map(OsString::from)
        .collect();
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    match parse_cli(argv, &lookup, dir) {
        Ok(Cli {
            command: Command::Run(args),
        }) => Ok(*args),
        Ok(other) => panic!("not a run: {other:?}"),
        Err(ParseError::Config(e)) => Err(e.to_string()),
        Err(ParseError::Clap(e)) => Err(format!("clap: {e}")),
    }
}

fn ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> RunArgs {
    parse(dir, args, env).unwrap_or_else(|e| panic!("{args:?} {env:?}: {e}"))
}

fn headers(args: &RunArgs) -> Vec<String> {
    args.connect
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect()
}

/// One precedence case: the layers present and what `run` ends up with.
struct Layers {
    file: &'static str,
    env: &'static [(&'static str, &'static str)],
    cli: &'static [&'static str],
    cases: usize,
    max_retries: u32,
    deny_warnings: bool,
    headers: &'static [&'static str],
}

const FILE: &str = r#"
[profile.default]
cases = 11
max-retries = 4
deny-warnings = true
header = ["X-From: file"]
"#;

const FILE_FLAG_OFF: &str = "[profile.default]\ndeny-warnings = false\n";

#[test]
fn command_line_beats_env_beats_file_beats_default() {
    let table = [
        // Nothing anywhere: clap's defaults.
        Layers {
            file: "",
            env: &[],
            cli: &[],
            cases: DEFAULT_CASES,
            max_retries: dcrcheck::exec::DEFAULT_MAX_RETRIES,
            deny_warnings: false,
            headers: &[],
        },
        // The file alone.
        Layers {
            file: FILE,
            env: &[],
            cli: &[],
            cases: 11,
            max_retries: 4,
            deny_warnings: true,
            headers: &["X-From: file"],
        },
        // The environment over the file, key by key; a flag can be turned off there.
        Layers {
            file: FILE,
            env: &[
                ("DCRCHECK_CASES", "22"),
                ("DCRCHECK_DENY_WARNINGS", "false"),
                ("DCRCHECK_HEADER", "X-From: env\nX-Two: 2\n"),
            ],
            cli: &[],
            cases: 22,
            max_retries: 4,
            deny_warnings: false,
            headers: &["X-From: env", "X-Two: 2"],
        },
        // The environment turns on a flag the file turns off.
        Layers {
            file: FILE_FLAG_OFF,
            env: &[("DCRCHECK_DENY_WARNINGS", "1")],
            cli: &[],
            cases: DEFAULT_CASES,
            max_retries: dcrcheck::exec::DEFAULT_MAX_RETRIES,
            deny_warnings: true,
            headers: &[],
        },
        // The command line over both; a repeatable option replaces, it does not append.
        Layers {
            file: FILE,
            env: &[
                ("DCRCHECK_CASES", "22"),
                ("DCRCHECK_MAX_RETRIES", "7"),
                ("DCRCHECK_DENY_WARNINGS", "0"),
                ("DCRCHECK_HEADER", "X-From: env"),
            ],
            cli: &["--cases", "33", "--deny-warnings", "-H", "X-From: cli"],
            cases: 33,
            max_retries: 7,
            deny_warnings: true,
            headers: &["X-From: cli"],
        },
        // An empty variable counts as unset.
        Layers {
            file: FILE,
            env: &[("DCRCHECK_CASES", ""), ("DCRCHECK_HEADER", "")],
            cli: &[],
            cases: 11,
            max_retries: 4,
            deny_warnings: true,
            headers: &["X-From: file"],
        },
    ];
    for (i, row) in table.iter().enumerate() {
        let dir = Scratch::new(&format!("precedence-{i}"));
        if !row.file.is_empty() {
            dir.write("dcrcheck.toml", row.file.as_bytes());
        }
        let args = ok(&dir.0, row.cli, row.env);
        assert_eq!(args.cases, row.cases, "row {i}: cases");
        assert_eq!(args.max_retries, row.max_retries, "row {i}: max-retries");
        assert_eq!(
            args.gate.deny_warnings, row.deny_warnings,
            "row {i}: deny-warnings"
        );
        assert_eq!(headers(&args), row.headers, "row {i}: headers");
    }
}

const PROFILES: &str = r#"
[profile.default]
cases = 5
header = ["X-Base: 1"]
strict = true

[profile.ci]
cases = 9
deny-warnings = true

[profile.no-headers]
header = []
"#;

#[test]
fn a_profile_inherits_the_default_section_and_replaces_its_keys() {
    let dir = Scratch::new("profiles");
    dir.write("dcrcheck.toml", PROFILES.as_bytes());
    // `strict` always comes from [profile.default].
    let table = [
        Pick {
            cli: &[],
            env: &[],
            cases: 5,
            deny_warnings: false,
            headers: &["X-Base: 1"],
        },
        Pick {
            cli: &["--config-profile", "ci"],
            env: &[],
            cases: 9,
            deny_warnings: true,
            headers: &["X-Base: 1"],
        },
        Pick {
            cli: &[],
            env: &[("DCRCHECK_CONFIG_PROFILE", "ci")],
            cases: 9,
            deny_warnings: true,
            headers: &["X-Base: 1"],
        },
        // --config-profile beats DCRCHECK_CONFIG_PROFILE.
        Pick {
            cli: &["--config-profile", "default"],
            env: &[("DCRCHECK_CONFIG_PROFILE", "ci")],
            cases: 5,
            deny_warnings: false,
            headers: &["X-Base: 1"],
        },
        Pick {
            cli: &["--config-profile", "no-headers"],
            env: &[],
            cases: 5,
            deny_warnings: false,
            headers: &[],
        },
    ];
    for row in table {
        let (cli, env) = (row.cli, row.env);
        let args = ok(&dir.0, cli, env);
        assert_eq!(args.cases, row.cases, "{cli:?} {env:?}");
        assert_eq!(
            args.gate.deny_warnings, row.deny_warnings,
            "{cli:?} {env:?}"
        );
        assert!(args.strict, "{cli:?} {env:?}: strict is inherited");
        assert_eq!(headers(&args), row.headers, "{cli:?} {env:?}");
    }
}

/// One section choice and what `run` ends up with.
struct Pick {
    cli: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    cases: usize,
    deny_warnings: bool,
    headers: &'static [&'static str],
}

#[test]
fn the_file_can_be_named_and_a_missing_default_section_gives_nothing() {
    let dir = Scratch::new("named");
    dir.write("other.toml", b"[profile.default]\ncases = 3\n");
    dir.write("only-ci.toml", b"[profile.ci]\ncases = 4\n");
    assert_eq!(ok(&dir.0, &["--config", "other.toml"], &[]).cases, 3);
    assert_eq!(
        ok(&dir.0, &[], &[("DCRCHECK_CONFIG", "other.toml")]).cases,
        3
    );
    // No dcrcheck.toml in the folder: nothing is read.
    assert_eq!(ok(&dir.0, &[], &[]).cases, DEFAULT_CASES);
    assert_eq!(
        ok(&dir.0, &["--config", "only-ci.toml"], &[]).cases,
        DEFAULT_CASES
    );
    assert_eq!(
        ok(
            &dir.0,
            &["--config", "only-ci.toml", "--config-profile", "ci"],
            &[]
        )
        .cases,
        4
    );
}

#[test]
fn values_are_read_as_the_command_line_reads_them() {
    let dir = Scratch::new("types");
    dir.write(
        "dcrcheck.toml",
        br#"
[profile.default]
timeout = 5
rate = "2.5"
seed = 0x10
profile = "oidc"
report-json = "out/report.json"
requirement = ["R7591-3.2.1", "R7591-2"]
"#,
    );
    let args = ok(&dir.0, &[], &[]);
    assert_eq!(args.timeout, 5.0);
    assert_eq!(args.rate, Some(2.5));
    assert_eq!(args.seed, Some(16));
    assert_eq!(args.profile, dcrcheck::cli::ProfileArg::Oidc);
    assert_eq!(args.report_json, Some(PathBuf::from("out/report.json")));
    assert_eq!(args.requirements, ["R7591-3.2.1", "R7591-2"]);
    // DCRCHECK_SEED (which clap documents in --help) still works, and beats the file.
    let args = ok(&dir.0, &[], &[("DCRCHECK_SEED", "42")]);
    assert_eq!(args.seed, Some(42));
    assert_eq!(
        ok(&dir.0, &["--seed", "7"], &[("DCRCHECK_SEED", "42")]).seed,
        Some(7)
    );
}

#[test]
fn a_higher_layer_hides_the_options_that_conflict_with_it() {
    let dir = Scratch::new("conflicts");
    dir.write(
        "dcrcheck.toml",
        b"[profile.default]\ntoken-env = \"DCR_TOKEN\"\n\n[profile.ci]\ntoken-file = \"token.txt\"\n",
    );
    let args = ok(&dir.0, &["--config-profile", "ci"], &[]);
    assert_eq!(
        args.connect.token.token_file,
        Some(PathBuf::from("token.txt"))
    );
    assert_eq!(args.connect.token.token_env, None);
    let args = ok(&dir.0, &["--token-file", "cli.txt"], &[]);
    assert_eq!(
        args.connect.token.token_file,
        Some(PathBuf::from("cli.txt"))
    );
    assert_eq!(args.connect.token.token_env, None);
    let args = ok(
        &dir.0,
        &["--config-profile", "ci"],
        &[("DCRCHECK_TOKEN_ENV", "OTHER")],
    );
    assert_eq!(args.connect.token.token_env.as_deref(), Some("OTHER"));
    assert_eq!(args.connect.token.token_file, None);
}

#[test]
fn an_option_the_command_line_needs_can_come_from_the_file() {
    let dir = Scratch::new("requires");
    dir.write(
        "dcrcheck.toml",
        b"[profile.default]\nbaseline = \"b.toml\"\n",
    );
    let args = ok(&dir.0, &["--baseline-update"], &[]);
    assert!(args.gate.baseline_update);
    assert_eq!(args.gate.baseline, Some(PathBuf::from("b.toml")));
    // Without the file the command line alone is still refused by clap, as before.
    let bare = Scratch::new("requires-bare");
    let err = parse(&bare.0, &["--baseline-update"], &[]).unwrap_err();
    assert!(err.starts_with("clap: "), "{err}");
}

/// Every long flag of `run`, read straight from the clap definition, is a key: given a value
/// of the wrong type it gets a type error naming it, never "unknown key".
#[test]
fn every_flag_of_run_is_a_key() {
    let command = <Cli as clap::CommandFactory>::command();
    let run = command.find_subcommand("run").expect("run subcommand");
    let longs: Vec<&str> = run.get_arguments().filter_map(|a| a.get_long()).collect();
    assert!(longs.len() > 20, "{longs:?}");
    let dir = Scratch::new("every-key");
    for long in longs {
        dir.write(
            "dcrcheck.toml",
            format!("[profile.default]\n{long} = {{ x = 1 }}\n").as_bytes(),
        );
        let err = parse(&dir.0, &[], &[]).expect_err(long);
        if long == "config" || long == "config-profile" {
            assert!(err.contains(&format!("unknown key `{long}`")), "{err}");
            assert!(err.contains("--config"), "{err}");
        } else {
            let expected = format!("dcrcheck.toml:2: key `{long}` in [profile.default]: expected");
            assert!(err.starts_with(&expected), "{long}: {err}");
            assert!(err.contains("found a table"), "{long}: {err}");
        }
    }
}

/// docs/configuration.md lists every key and variable, so a new flag fails here until it is
/// documented.
#[test]
fn the_documentation_names_every_key_and_variable() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .expect("read docs/configuration.md");
    let keys = keys();
    assert!(keys.iter().any(|k| k.shape == Shape::List));
    for key in &keys {
        assert!(doc.contains(&format!("`{}`", key.name)), "key {}", key.name);
        assert!(doc.contains(&key.env), "variable {}", key.env);
    }
    for env in locator_env_names() {
        assert!(doc.contains(&env), "variable {env}");
    }
}

/// Runs the binary in `dir` with only the given DCRCHECK_* variables.
fn dcrcheck_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = std::process::Command::new(bin());
    command.current_dir(dir).args(args).env_remove("CI");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DCRCHECK_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let out = command.output().expect("run dcrcheck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// One error case: files in the working directory (a name ending in `/` is a folder), the
/// arguments after `run`, the variables, and what the one line must and must not hold.
struct Bad {
    files: &'static [(&'static str, &'static [u8])],
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    says: &'static [&'static str],
    hides: &'static [&'static str],
}

const TARGET: &[&str] = &["--target", "http://127.0.0.1:9/register"];

#[test]
fn config_errors_exit_2_with_one_line_naming_the_place() {
    let table = [
        Bad {
            files: &[],
            args: &["--config", "missing.toml"],
            env: &[],
            says: &["dcrcheck: error: cannot read config file missing.toml: "],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\ncases = \"\xff\"\n")],
            args: &[],
            env: &[],
            says: &["cannot read config file dcrcheck.toml: ", "UTF-8"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml/", b"")],
            args: &[],
            env: &[],
            says: &["config file dcrcheck.toml is a directory, not a file"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\ncases = 5\nstrict = = true\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:3:10: invalid TOML: "],
            hides: &[],
        },
        Bad {
            files: &[(
                "dcrcheck.toml",
                b"[profile.default]\ncases = 5\n\n[profile.ci]\nmax-retry = 3\n",
            )],
            args: &[],
            env: &[],
            says: &[
                "dcrcheck.toml:5: unknown key `max-retry` in [profile.ci]; did you mean `max-retries`?",
            ],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\njunit = \"r.xml\"\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:2: unknown key `junit` in [profile.default]; did you mean `report-junit`?"],
            hides: &[],
        },
        Bad {
            files: &[(
                "dcrcheck.toml",
                b"[profile.default]\ncases = 5\n[profile.ci]\ncases = true\n",
            )],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:4: key `cases` in [profile.ci]: expected a string or a number, found a boolean"],
            hides: &[],
        },
        Bad {
            files: &[(
                "dcrcheck.toml",
                b"[profile.default]\ncases = 5\n[profile.ci]\ncases = 0\n",
            )],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:4: key `cases` in [profile.ci]: '0' must be a whole number of at least 1"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\n\nprofile = \"saml\"\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:3: key `profile` in [profile.default]: 'saml' is not one of: rfc7591, oidc, seed-v3"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\nstrict = \"yes\"\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:2: key `strict` in [profile.default]: expected true or false, found a string"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\nheader = \"X-A: 1\"\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:2: key `header` in [profile.default]: expected an array"],
            hides: &["X-A"],
        },
        Bad {
            files: &[(
                "dcrcheck.toml",
                b"[profile.default]\nheader = [\n  \"X-Ok: 1\",\n  \"Authorization Bearer s3cret\",\n]\n",
            )],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:4: key `header` in [profile.default]: item 2: invalid value"],
            hides: &["s3cret", "Authorization"],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\ntoken = \"s3cret\"\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:2: unknown key `token` in [profile.default]", "token-env"],
            hides: &["s3cret"],
        },
        Bad {
            files: &[("dcrcheck.toml", b"cases = 3\n[profile.default]\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:1: key `cases` is outside the [profile.NAME] sections"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile]\ncases = 3\n")],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:2: key `cases` directly in [profile]"],
            hides: &[],
        },
        Bad {
            files: &[(
                "dcrcheck.toml",
                b"[profile.default]\ncases = 5\n[profile.ci]\ncases = 6\n",
            )],
            args: &["--config-profile", "nightly"],
            env: &[],
            says: &["dcrcheck.toml: no section [profile.nightly] (asked for by --config-profile); sections: default, ci"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.ci]\ncases = 6\n")],
            args: &[],
            env: &[("DCRCHECK_CONFIG_PROFILE", "nightly")],
            says: &["no section [profile.nightly] (asked for by DCRCHECK_CONFIG_PROFILE); sections: ci"],
            hides: &[],
        },
        Bad {
            files: &[],
            args: &["--config-profile", "ci"],
            env: &[],
            says: &["--config-profile asks for [profile.ci] but there is no config file"],
            hides: &[],
        },
        Bad {
            files: &[(
                "dcrcheck.toml",
                b"[profile.default]\ntoken-env = \"T\"\ntoken-file = \"t.txt\"\n",
            )],
            args: &[],
            env: &[],
            says: &["dcrcheck.toml:3: keys `token-env` and `token-file` in [profile.default] cannot be used together"],
            hides: &[],
        },
        Bad {
            files: &[("dcrcheck.toml", b"[profile.default]\nbaseline-update = true\n")],
            args: &[],
            env: &[],
            says: &["--baseline", "(with options from dcrcheck.toml [profile.default])"],
            hides: &[],
        },
        Bad {
            files: &[],
            args: &[],
            env: &[("DCRCHECK_CASES", "0")],
            says: &["environment variable DCRCHECK_CASES: '0' must be a whole number of at least 1"],
            hides: &[],
        },
        Bad {
            files: &[],
            args: &[],
            env: &[("DCRCHECK_SEED", "abc")],
            says: &["environment variable DCRCHECK_SEED: 'abc'"],
            hides: &[],
        },
        Bad {
            files: &[],
            args: &[],
            env: &[("DCRCHECK_STRICT", "yes")],
            says: &["environment variable DCRCHECK_STRICT: 'yes' is not true, false, 1 or 0"],
            hides: &[],
        },
        Bad {
            files: &[],
            args: &[],
            env: &[("DCRCHECK_HEADER", "X-Ok: 1\nBearer s3cret")],
            says: &["environment variable DCRCHECK_HEADER: line 2: invalid value"],
            hides: &["s3cret"],
        },
        Bad {
            files: &[],
            args: &[],
            env: &[("DCRCHECK_TOKEN_ENV", "A"), ("DCRCHECK_TOKEN_FILE", "b")],
            says: &["environment variables DCRCHECK_TOKEN_ENV and DCRCHECK_TOKEN_FILE cannot be used together"],
            hides: &[],
        },
    ];
    for (i, row) in table.iter().enumerate() {
        let dir = Scratch::new(&format!("bad-{i}"));
        for (name, content) in row.files {
            match name.strip_suffix('/') {
                Some(folder) => std::fs::create_dir_all(dir.0.join(folder)).expect("mkdir"),
                None => dir.write(name, content),
            }
        }
        let args: Vec<&str> = ["run"]
            .iter()
            .chain(TARGET)
            .chain(row.args)
            .copied()
            .collect();
        let (code, out, err) = dcrcheck_in(&dir.0, &args, row.env);
        assert_eq!(code, 2, "row {i}: exit code, stderr: {err}");
        assert!(out.is_empty(), "row {i}: stdout: {out}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "row {i}: one line: {err}"
        );
        assert!(err.starts_with("dcrcheck: error: "), "row {i}: {err}");
        for needle in row.says {
            assert!(err.contains(needle), "row {i}: lacks {needle:?}: {err}");
        }
        for secret in row.hides {
            assert!(!err.contains(secret), "row {i}: shows {secret:?}: {err}");
        }
    }
}

/// Values from the file and the environment reach the binary's run: a report path that is a
/// folder stops it before any request, as it does on the command line.
#[test]
fn the_binary_uses_file_and_env_values() {
    let dir = Scratch::new("binary");
    std::fs::create_dir_all(dir.0.join("reports")).expect("mkdir");
    dir.write(
        "dcrcheck.toml",
        b"[profile.default]\nreport-json = \"reports\"\n",
    );
    let (code, _, err) = dcrcheck_in(&dir.0, &["run"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a directory"), "{err}");
    let empty = Scratch::new("binary-env");
    std::fs::create_dir_all(empty.0.join("reports")).expect("mkdir");
    let (code, _, err) = dcrcheck_in(&empty.0, &["run"], &[("DCRCHECK_REPORT_JSON", "reports")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a directory"), "{err}");
}

/// Help, version and the other subcommands never read the file, even a broken one.
#[test]
fn help_version_and_other_subcommands_ignore_the_file() {
    let dir = Scratch::new("others");
    dir.write("dcrcheck.toml", b"this is not toml [");
    let (code, out, err) = dcrcheck_in(&dir.0, &["list", "profiles"], &[("DCRCHECK_CASES", "0")]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.is_empty());
    let (code, out, _) = dcrcheck_in(&dir.0, &["run", "--help"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("DCRCHECK_SEED"), "{out}");
    let (code, out, _) = dcrcheck_in(&dir.0, &["--version"], &[]);
    assert_eq!(code, 0);
    assert!(out.starts_with("dcrcheck "), "{out}");
    let (code, _, err) = dcrcheck_in(&dir.0, &["run", "--cases", "0"], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("'0' must be a whole number of at least 1"),
        "{err}"
    );
}
