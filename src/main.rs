//! The `dcrcheck` binary: parse arguments, start a runtime, call the library, map the result
//! to a documented exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use dcrcheck::baseline::{Baseline, Date};
use dcrcheck::cli::config::{parse_cli, ParseError};
use dcrcheck::cli::{BenchArgs, Cli, Command, RunArgs, ServeArgs, SnapshotCommand};
use dcrcheck::exit_code;
use dcrcheck::run::Event;
use dcrcheck::snapshot;

// A run allocates and frees small buffers for every request and verdict; glibc's malloc
// was a fifth of a streamed run's CPU (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `run` options may also come from DCRCHECK_* variables and dcrcheck.toml; a variable
    // that is not valid Unicode counts as unset.
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let parsed = parse_cli(
        std::env::args_os().collect(),
        &|name| std::env::var(name).ok(),
        &cwd,
    );
    let cli = match parsed {
        Ok(cli) => cli,
        Err(ParseError::Config(e)) => return fail(exit_code::USAGE, &e.to_string()),
        Err(ParseError::Clap(e)) => {
            // clap prints help and version to stdout with success; usage errors are exit 2.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::from(exit_code::OK);
            }
            return fail(exit_code::USAGE, &one_line(&e.render().to_string()));
        }
    };
    // A run drives every request from one task (`Executor::run_stream`), so worker threads
    // only add cross-thread wake-ups: on one thread a streamed run takes 0.72 of the CPU and
    // the default run about 0.6 of the wall time (docs/performance.md). A server wants them.
    let mut builder = match &cli.command {
        Command::Run(_) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            return fail(
                exit_code::UNREACHABLE,
                &format!("cannot start the async runtime: {e}"),
            )
        }
    };
    let code = match cli.command {
        Command::Run(args) => runtime.block_on(run(*args)),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::List(args) => dcrcheck::cli::list::print(args.what, args.profile.map(Into::into)),
        Command::Snapshot(command) => runtime.block_on(snapshot(command)),
        Command::Bench(args) => runtime.block_on(bench(args)),
        Command::Merge(args) => merge(args),
        Command::Explain(args) => explain(args),
        Command::Replay(args) => runtime.block_on(replay(args)),
        Command::Completions(args) => completions(args),
        Command::Man => man(),
    };
    ExitCode::from(code)
}

/// A clap usage error on one line: its `error:` line and any tip, without the usage block
/// (a CI log shows one line per problem; `--help` has the rest).
fn one_line(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if let Some(tip) = line.strip_prefix("tip: ") {
            parts.push(format!("({tip})"));
        } else if !line.is_empty() {
            parts.push(line.strip_prefix("error: ").unwrap_or(line).to_string());
        }
    }
    if parts.is_empty() {
        rendered
            .lines()
            .next()
            .unwrap_or("invalid arguments")
            .to_string()
    } else {
        format!("{} (see --help)", parts.join(" "))
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("dcrcheck: error: {message}");
    ExitCode::from(code)
}

fn error(code: u8, message: &str) -> u8 {
    eprintln!("dcrcheck: error: {message}");
    code
}

/// Says, before anything is sent, that `--insecure` verifies nothing about the server.
fn warn_if_insecure(insecure: bool) {
    if insecure {
        eprintln!("dcrcheck: WARNING: {}", dcrcheck::model::INSECURE_WARNING);
    }
}

async fn run(args: RunArgs) -> u8 {
    let random = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 % 1_000_000_000)
        .unwrap_or(1);
    let default_seed = dcrcheck::cli::default_seed(std::env::var("CI").ok().as_deref(), random);
    let config = match args.to_config(default_seed) {
        Ok(c) => c,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    // A report that cannot be written is known before any request is sent.
    if let Err(code) = check_outputs(args.report_json.as_ref(), &args.outputs) {
        return code;
    }
    // A baseline that cannot be read is known before any request is sent too.
    let baseline = match gate_baseline(&args.gate) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let ci = dcrcheck::cli::is_ci(std::env::var("CI").ok().as_deref());
    let live = std::io::stderr().is_terminal() && !args.quiet && !ci;
    let color = args.color.enabled(
        std::io::stdout().is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
    );
    eprintln!(
        "dcrcheck: profile {} · seed {} (rerun with --seed {})",
        config.profile, config.seed, config.seed
    );
    warn_if_insecure(config.insecure);
    // Ctrl-C: stop scheduling, let requests in flight finish (STOP_GRACE), write every report
    // marked incomplete, exit 130. A second Ctrl-C exits at once.
    let stop = config.stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\ndcrcheck: interrupted: letting requests in flight finish (up to {} s), then writing the reports; Ctrl-C again exits at once",
                dcrcheck::run::STOP_GRACE.as_secs()
            );
            stop.stop();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(exit_code::INTERRUPTED));
            }
        }
    });
    // A bar on a terminal only: in a CI log every redraw would be a line of noise.
    let bar = if live {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "  {bar:32} {pos}/{len} cases · {per_sec} · {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut on_event = |event: Event| match event {
        Event::TargetResolved {
            issuer,
            endpoint,
            metadata,
        } => bar.suspend(|| {
            eprintln!(
                "dcrcheck: issuer {issuer}: registration endpoint {endpoint} (from {metadata})"
            )
        }),
        Event::Started { cases, .. } => bar.set_length(cases as u64),
        Event::CaseFinished { done, total, .. } => {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        Event::Finished { .. } => bar.finish_and_clear(),
    };
    let mut report = match dcrcheck::run::run(&config, &mut on_event).await {
        Ok(r) => r,
        Err(e) => {
            bar.finish_and_clear();
            return error(e.exit_code(), &e.to_string());
        }
    };
    bar.finish_and_clear();
    if let Err(code) = judge_baseline(&mut report, baseline, &args.gate) {
        return code;
    }
    let outcome = report.outcome(args.gate.deny_warnings);
    let human = dcrcheck::report::human::render_with(
        &report,
        dcrcheck::report::human::Style {
            deny_warnings: args.gate.deny_warnings,
            verbose: args.verbose,
            color,
        },
    );
    if let Err(code) = print_human(&human, args.quiet) {
        return code;
    }
    if let Err(code) = write_reports(&report, args.report_json.as_ref(), &args.outputs) {
        return code;
    }
    outcome.exit_code()
}

async fn serve(args: ServeArgs) -> u8 {
    let mut defects = Vec::new();
    for name in &args.defects {
        match dcrcheck::server::Defect::from_name(name) {
            Some(d) => defects.push(d),
            None => {
                return error(
                    exit_code::USAGE,
                    &format!("unknown defect '{name}' (see `dcrcheck list defects`)"),
                )
            }
        }
    }
    let token = match args.token.resolve() {
        Ok(t) => t,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    if !args.tls {
        if let Some(d) = defects.iter().find(|d| d.needs_tls()) {
            return error(
                exit_code::USAGE,
                &format!("defect '{d}' only shows over TLS: add --tls"),
            );
        }
    }
    let client_ca_pem = match args.client_ca() {
        Ok(pem) => pem,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    let trusted_statement = match args.trusted_statement() {
        Ok(t) => t,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    let config = dcrcheck::server::ServerConfig {
        initial_access_token: token,
        defects,
        tls: args.tls,
        client_ca_pem,
        rate_limit: args.rate_limit,
        trusted_statement,
        secret_lifetime: args.secret_lifetime.map(std::time::Duration::from_secs),
        ..Default::default()
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let ca_out = args.ca_cert_out.clone();
    let on_ready = |server: &dcrcheck::server::RunningServer| -> std::io::Result<()> {
        let base = server.base_url();
        eprintln!(
            "dcrcheck reference server on {base}/register and {base}/v3/modules/{{module}}/setups/{{setupId}}/clients (Ctrl-C stops)"
        );
        if let Some(pem) = server.ca_cert_pem() {
            let path = ca_out.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("dcrcheck-serve-{}-ca.pem", server.addr().port()))
            });
            std::fs::write(&path, pem).map_err(|e| {
                std::io::Error::other(format!(
                    "cannot write the CA certificate to {}: {e}",
                    path.display()
                ))
            })?;
            eprintln!(
                "CA certificate: {} (dcrcheck run --target {base}/register --ca-cert {})",
                path.display(),
                path.display()
            );
        }
        Ok(())
    };
    match dcrcheck::server::serve_forever(addr, config, on_ready).await {
        Ok(()) => exit_code::OK,
        Err(e) => error(
            exit_code::UNREACHABLE,
            &format!("cannot serve on {addr}: {e}"),
        ),
    }
}

async fn snapshot(command: SnapshotCommand) -> u8 {
    let (args, update) = match &command {
        SnapshotCommand::Record(a) => (a, None),
        SnapshotCommand::Verify(v) => (&v.common, Some(v.update.into())),
    };
    let (config, url) = match args.to_config() {
        Ok(c) => c,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    warn_if_insecure(config.insecure);
    let observed = match dcrcheck::run::observe_fixtures(&config, &url).await {
        Ok(o) => o,
        Err(e) => return error(e.exit_code(), &e.to_string()),
    };
    let now = dcrcheck::run::now();
    // Snapshot files are outputs too: the token and every secret any response issued are
    // masked wherever they appear.
    let mut secrets = dcrcheck::sanitize::Sanitizer::new(false);
    if let Some(t) = &config.token {
        secrets.add_secret(t);
    }
    for v in observed
        .iter()
        .filter_map(|(_, o)| o.response.as_ref()?.json())
    {
        secrets.learn_from(v);
    }
    let Some(mode) = update else {
        for (fixture, obs) in &observed {
            let normalised = snapshot::normalise_masked(obs, now, &secrets);
            if let Err(e) = snapshot::write(&args.dir, fixture, &normalised) {
                return error(exit_code::USAGE, &e.to_string());
            }
        }
        println!(
            "recorded {} snapshots in {}",
            observed.len(),
            args.dir.display()
        );
        return exit_code::OK;
    };
    let (mut same, mut drifted, mut missing) = (0, 0, 0);
    for (fixture, obs) in &observed {
        let normalised = snapshot::normalise_masked(obs, now, &secrets);
        match snapshot::compare(&args.dir, fixture, &normalised, mode) {
            Ok(snapshot::Comparison::Same) => same += 1,
            Ok(snapshot::Comparison::Missing) => {
                missing += 1;
                println!("missing: {} (no recorded snapshot)", fixture.name);
            }
            Ok(snapshot::Comparison::Drift(diff)) => {
                drifted += 1;
                println!("drift: {} ({})\n{diff}", fixture.name, fixture.title);
            }
            Err(e) => return error(exit_code::USAGE, &e.to_string()),
        }
    }
    println!("{same} same, {drifted} drifted, {missing} missing");
    if drifted + missing > 0 {
        exit_code::FINDINGS
    } else {
        exit_code::OK
    }
}

async fn bench(args: BenchArgs) -> u8 {
    let levels = [1, args.concurrency];
    let result =
        dcrcheck::bench::measure(args.profile.into(), args.cases, args.runs, &levels).await;
    let measured = match result {
        Ok(m) => m,
        Err(e) => return error(exit_code::UNREACHABLE, &e.to_string()),
    };
    let baseline = measured.first().map_or(1.0, |m| m.requests_per_second());
    println!(
        "{} runs of {} generated cases each, embedded server (https, loopback)",
        args.runs, args.cases
    );
    for m in &measured {
        println!(
            "{:<6} {:>6} requests in {:>7.0} ms  {:>8.0} req/s  {:.2}x baseline",
            m.label,
            m.requests,
            m.elapsed.as_secs_f64() * 1000.0,
            m.requests_per_second(),
            m.requests_per_second() / baseline
        );
    }
    exit_code::OK
}

type Render = fn(&dcrcheck::run::RunReport) -> String;

/// Every report file a run or a merge can write, with its renderer: one list for checking
/// the paths before the work and for writing them after.
fn report_files<'a>(
    json: Option<&'a std::path::PathBuf>,
    outputs: &'a dcrcheck::cli::ReportOutputs,
) -> [(Option<&'a std::path::PathBuf>, Render); 4] {
    use dcrcheck::report::{html, json as json_report, junit, markdown};
    [
        (json, json_report::render),
        (outputs.junit.as_ref(), junit::render),
        (outputs.report_html.as_ref(), html::render),
        (outputs.report_markdown.as_ref(), markdown::render),
    ]
}

/// Fails with exit 2 when a report path cannot be written (checked before any work).
fn check_outputs(
    json: Option<&std::path::PathBuf>,
    outputs: &dcrcheck::cli::ReportOutputs,
) -> Result<(), u8> {
    for (path, _) in report_files(json, outputs) {
        if let Some(path) = path {
            dcrcheck::report::write::check_writable(path)
                .map_err(|e| error(exit_code::USAGE, &e.to_string()))?;
        }
    }
    Ok(())
}

/// Prints the human report (only its `Result:` line when `quiet`); a closed pipe is fine.
fn print_human(human: &str, quiet: bool) -> Result<(), u8> {
    let mut out = std::io::stdout().lock();
    let printed = if quiet {
        human.lines().last().map(|l| writeln!(out, "{l}"))
    } else {
        Some(write!(out, "{human}"))
    };
    match printed {
        Some(Err(e)) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(error(
            exit_code::USAGE,
            &format!("cannot write the report: {e}"),
        )),
        _ => Ok(()),
    }
}

/// Writes every report file asked for, each atomically; a failure is exit 2.
fn write_reports(
    report: &dcrcheck::run::RunReport,
    json: Option<&std::path::PathBuf>,
    outputs: &dcrcheck::cli::ReportOutputs,
) -> Result<(), u8> {
    for (path, render) in report_files(json, outputs) {
        if let Some(path) = path {
            dcrcheck::report::write::write_atomically(path, &render(report))
                .map_err(|e| error(exit_code::USAGE, &e.to_string()))?;
        }
    }
    Ok(())
}

/// Reads `--baseline` before anything is sent: a missing or broken file is exit 2. With
/// `--baseline-update` a missing file is an empty baseline.
fn gate_baseline(gate: &dcrcheck::cli::GateArgs) -> Result<Option<Baseline>, u8> {
    let Some(path) = &gate.baseline else {
        return Ok(None);
    };
    let loaded = if gate.baseline_update {
        Baseline::load_or_empty(path)
    } else {
        Baseline::load(path)
    };
    loaded
        .map(Some)
        .map_err(|e| error(exit_code::USAGE, &e.to_string()))
}

/// Judges the report against the baseline (after writing it anew under `--baseline-update`,
/// so an update run passes against the file it wrote).
fn judge_baseline(
    report: &mut dcrcheck::run::RunReport,
    baseline: Option<Baseline>,
    gate: &dcrcheck::cli::GateArgs,
) -> Result<(), u8> {
    let Some(mut baseline) = baseline else {
        return Ok(());
    };
    if !report.complete {
        // An interrupted run saw only part of the failures: rewriting the file from it would
        // drop entries, and judging it would call them stale.
        eprintln!(
            "dcrcheck: the run was interrupted: {} was neither judged nor updated",
            baseline.path().display()
        );
        return Ok(());
    }
    if gate.baseline_update {
        let written = baseline
            .write_updated(report, gate.deny_warnings)
            .map_err(|e| error(exit_code::USAGE, &e.to_string()))?;
        eprintln!(
            "dcrcheck: wrote {}: {} entries ({} added with a TODO reason, {} kept, {} dropped)",
            baseline.path().display(),
            written.entries,
            written.added,
            written.kept,
            written.dropped
        );
        baseline =
            Baseline::load(baseline.path()).map_err(|e| error(exit_code::USAGE, &e.to_string()))?;
    }
    report.baseline = Some(baseline.judge(report, gate.deny_warnings, Date::today_utc()));
    Ok(())
}

fn explain(args: dcrcheck::cli::ExplainArgs) -> u8 {
    match dcrcheck::cli::explain::render(&args.id, args.profile.into()) {
        Ok(text) => {
            print!("{text}");
            exit_code::OK
        }
        Err(e) => error(exit_code::USAGE, &e.to_string()),
    }
}

fn completions(args: dcrcheck::cli::CompletionsArgs) -> u8 {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(args.shell, &mut command, "dcrcheck", &mut std::io::stdout());
    exit_code::OK
}

fn man() -> u8 {
    let command = <Cli as clap::CommandFactory>::command();
    match clap_mangen::Man::new(command).render(&mut std::io::stdout()) {
        Ok(()) => exit_code::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit_code::OK,
        Err(e) => error(exit_code::USAGE, &format!("cannot write the man page: {e}")),
    }
}

/// Merges shard reports into the whole run's report, writes the asked-for report files,
/// prints the human report and exits as a run with that report would.
fn merge(args: dcrcheck::cli::MergeArgs) -> u8 {
    let deny_warnings = args.gate.deny_warnings;
    // As for a run: a report or baseline that cannot be used is known before anything is done.
    if let Err(code) = check_outputs(args.output.as_ref(), &args.outputs) {
        return code;
    }
    let baseline = match gate_baseline(&args.gate) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut report = match dcrcheck::merge::merge_files(&args.reports) {
        Ok(r) => r,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    if let Err(code) = judge_baseline(&mut report, baseline, &args.gate) {
        return code;
    }
    let human = dcrcheck::report::human::render(&report, deny_warnings);
    if let Err(code) = print_human(&human, false) {
        return code;
    }
    if let Err(code) = write_reports(&report, args.output.as_ref(), &args.outputs) {
        return code;
    }
    report.outcome(deny_warnings).exit_code()
}

async fn replay(args: dcrcheck::cli::ReplayArgs) -> u8 {
    use dcrcheck::replay::{self, ReplayError, ReplayTarget, Replayed};
    let report = match replay::load_report(&args.report) {
        Ok(r) => r,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    let url = match args.target.as_deref().map(dcrcheck::cli::parse_target) {
        None => None,
        Some(Ok(url)) => Some(url),
        Some(Err(e)) => return error(exit_code::USAGE, &e.to_string()),
    };
    let mut config = dcrcheck::run::RunConfig::new(report.profile, report.seed);
    if let Err(e) = args.connect.apply(&mut config) {
        return error(exit_code::USAGE, &e.to_string());
    }
    warn_if_insecure(config.insecure);
    let target = ReplayTarget {
        url,
        headers: config.headers,
        token: config.token,
        ca_cert_pem: config.ca_cert,
        client_identity: config.client_identity,
        insecure: config.insecure,
        exec: dcrcheck::exec::ExecConfig {
            timeout: std::time::Duration::from_secs_f64(args.timeout),
            ..Default::default()
        },
    };
    let results = match replay::replay(&report, args.finding.as_deref(), &target).await {
        Ok(r) => r,
        Err(e @ ReplayError::Exec(_)) => return error(exit_code::UNREACHABLE, &e.to_string()),
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    let (mut fixed, mut persists, mut skipped) = (0, 0, 0);
    for (f, result) in &results {
        let head = format!(
            "{} {} {} [{}]",
            f.id,
            f.severity.label(),
            f.requirement,
            f.check
        );
        match result {
            Replayed::Fixed => {
                fixed += 1;
                println!("{head}: fixed (the check no longer flags it)");
            }
            Replayed::Persists(titles) => {
                persists += 1;
                println!("{head}: still there: {}", titles.join("; "));
            }
            Replayed::NotReplayable(why) => {
                skipped += 1;
                println!("{head}: not replayed: {why}");
            }
        }
    }
    let verdict = if persists > 0 {
        "FAIL"
    } else if fixed == 0 {
        "NOTHING REPLAYED"
    } else {
        "FIXED"
    };
    println!("Result: {verdict} · {fixed} fixed, {persists} still there, {skipped} not replayable");
    if persists > 0 {
        exit_code::FINDINGS
    } else if fixed == 0 {
        exit_code::USAGE
    } else {
        exit_code::OK
    }
}
