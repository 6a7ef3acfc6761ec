//! The `dcrcheck` binary: parse arguments, start a runtime, call the library, map the result
//! to a documented exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use dcrcheck::cli::{BenchArgs, Cli, Command, RunArgs, ServeArgs, SnapshotCommand};
use dcrcheck::exit_code;
use dcrcheck::run::{Event, RunError};
use dcrcheck::snapshot;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success; usage errors are exit 2.
            let code = if e.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail(
                exit_code::UNREACHABLE,
                &format!("cannot start the async runtime: {e}"),
            )
        }
    };
    let code = match cli.command {
        Command::Run(args) => runtime.block_on(run(args)),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::List(args) => dcrcheck::cli::list::print(args.what, args.profile.map(Into::into)),
        Command::Snapshot(command) => runtime.block_on(snapshot(command)),
        Command::Bench(args) => runtime.block_on(bench(args)),
    };
    ExitCode::from(code)
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("dcrcheck: error: {message}");
    ExitCode::from(code)
}

fn error(code: u8, message: &str) -> u8 {
    eprintln!("dcrcheck: error: {message}");
    code
}

async fn run(args: RunArgs) -> u8 {
    let default_seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 % 1_000_000_000)
        .unwrap_or(1);
    let config = match args.to_config(default_seed) {
        Ok(c) => c,
        Err(e) => return error(exit_code::USAGE, &e.to_string()),
    };
    let live = std::io::stderr().is_terminal() && !args.quiet;
    eprintln!(
        "dcrcheck: profile {} · seed {} (rerun with --seed {})",
        config.profile, config.seed, config.seed
    );
    let mut on_event = |event: Event| {
        if let Event::CaseFinished { done, total, .. } = event {
            if live && (done % 16 == 0 || done == total) {
                eprint!("\r  {done}/{total} cases");
                if done == total {
                    eprintln!();
                }
            }
        }
    };
    let report = match dcrcheck::run::run(&config, &mut on_event).await {
        Ok(r) => r,
        Err(e) => {
            let code = match e {
                RunError::Exec(_) => exit_code::USAGE,
                _ => exit_code::UNREACHABLE,
            };
            return error(code, &e.to_string());
        }
    };
    let human = dcrcheck::report::human::render(&report);
    let mut out = std::io::stdout().lock();
    let printed = if args.quiet {
        human.lines().last().map(|l| writeln!(out, "{l}"))
    } else {
        Some(write!(out, "{human}"))
    };
    if let Some(Err(e)) = printed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return error(exit_code::USAGE, &format!("cannot write the report: {e}"));
        }
    }
    if let Some(path) = &args.report_json {
        if let Err(e) = std::fs::write(path, dcrcheck::report::json::render(&report)) {
            return error(
                exit_code::USAGE,
                &format!("cannot write {}: {e}", path.display()),
            );
        }
    }
    if let Some(path) = &args.junit {
        if let Err(e) = std::fs::write(path, dcrcheck::report::junit::render(&report)) {
            return error(
                exit_code::USAGE,
                &format!("cannot write {}: {e}", path.display()),
            );
        }
    }
    if report.has_fail() || (args.deny_warnings && report.has_warn()) {
        exit_code::FINDINGS
    } else {
        exit_code::OK
    }
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
    let config = dcrcheck::server::ServerConfig {
        initial_access_token: token,
        defects,
        tls: args.tls,
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
    let observed = match dcrcheck::run::observe_fixtures(&config, &url).await {
        Ok(o) => o,
        Err(e) => {
            let code = match e {
                RunError::Unreachable { .. } => exit_code::UNREACHABLE,
                _ => exit_code::USAGE,
            };
            return error(code, &e.to_string());
        }
    };
    let now = dcrcheck::run::now();
    let Some(mode) = update else {
        for (fixture, obs) in &observed {
            let normalised = snapshot::normalise(obs, now);
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
        let normalised = snapshot::normalise(obs, now);
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
