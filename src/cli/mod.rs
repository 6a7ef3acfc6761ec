//! The command line: clap types and their conversion into library configuration. Clap types
//! stop here; the library below takes `RunConfig`.
//!
//! Owns: argument syntax, defaults, and the one-line usage errors. Must not: run anything.

pub mod list;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exec::ExecConfig;
use crate::profile::Profile;
use crate::run::{RunConfig, TargetSpec, DEFAULT_CASES};

#[derive(Debug, Parser)]
#[command(
    name = "dcrcheck",
    version,
    about = "Contract and conformance tests for OAuth 2.0 Dynamic Client Registration (RFC 7591) endpoints",
    after_help = "Exit codes: 0 no FAIL; 1 at least one FAIL (or WARN with --deny-warnings); 2 usage or configuration error; 3 target unreachable or run could not start."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate cases, send them to the target and judge every response.
    Run(RunArgs),
    /// Run the embedded reference server on 127.0.0.1.
    Serve(ServeArgs),
    /// List requirements, checks, profiles or defects.
    List(ListArgs),
    /// Record a target's behaviour on the fixture corpus, or verify it has not drifted.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Measure run throughput against the embedded server, as a ratio to one request in flight.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Full runs per measured configuration.
    #[arg(long, default_value_t = 5, value_parser = positive_usize)]
    pub runs: usize,
    /// Generated cases per run.
    #[arg(long, default_value_t = DEFAULT_CASES, value_parser = positive_usize)]
    pub cases: usize,
    /// Concurrency measured against the baseline of 1.
    #[arg(short = 'j', long, default_value_t = 8, value_parser = positive_usize)]
    pub concurrency: usize,
    #[arg(long, value_enum, default_value = "rfc7591")]
    pub profile: ProfileArg,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Send every fixture and store the normalised observations in DIR.
    Record(SnapshotArgs),
    /// Send every fixture and compare with DIR; exit 1 on drift, with a diff.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Registration endpoint URL.
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// Folder of the snapshot files.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Which fixtures apply.
    #[arg(long, value_enum, default_value = "rfc7591")]
    pub profile: ProfileArg,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10.0, value_parser = positive_f64, value_name = "SECS")]
    pub timeout: f64,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub common: SnapshotArgs,
    /// What to write on drift: `new` writes NAME.json.new for review, `always` overwrites,
    /// `no` writes nothing. Default: `new`, or `no` when CI is set (nothing is written in CI).
    #[arg(long, value_enum, default_value = "auto")]
    pub update: UpdateArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpdateArg {
    Auto,
    New,
    Always,
    No,
}

impl From<UpdateArg> for crate::snapshot::UpdateMode {
    fn from(u: UpdateArg) -> Self {
        use crate::snapshot::UpdateMode;
        match u {
            UpdateArg::Auto => UpdateMode::auto(),
            UpdateArg::New => UpdateMode::New,
            UpdateArg::Always => UpdateMode::Always,
            UpdateArg::No => UpdateMode::No,
        }
    }
}

impl SnapshotArgs {
    pub fn to_config(&self) -> Result<(RunConfig, reqwest::Url), UsageError> {
        let url = parse_target(&self.target)?;
        let mut config = RunConfig::new(self.profile.into(), 0);
        config.target = TargetSpec::Url(url.clone());
        self.connect.apply(&mut config)?;
        config.exec.timeout = Duration::from_secs_f64(self.timeout);
        config.exec.concurrency = 1;
        Ok((config, url))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    Rfc7591,
    Oidc,
    #[value(name = "seed-v3")]
    SeedV3,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Self {
        match p {
            ProfileArg::Rfc7591 => Profile::Rfc7591,
            ProfileArg::Oidc => Profile::Oidc,
            ProfileArg::SeedV3 => Profile::SeedV3,
        }
    }
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Read the initial access token from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "token_file")]
    pub token_env: Option<String>,
    /// Read the initial access token from this file (surrounding whitespace is trimmed).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
}

impl TokenArgs {
    pub fn resolve(&self) -> Result<Option<String>, UsageError> {
        if let Some(var) = &self.token_env {
            let value = std::env::var(var)
                .map_err(|_| UsageError(format!("environment variable {var} is not set")))?;
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(UsageError(format!("environment variable {var} is empty")));
            }
            return Ok(Some(value));
        }
        if let Some(path) = &self.token_file {
            let value = std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!("cannot read token file {}: {e}", path.display()))
            })?;
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(UsageError(format!(
                    "token file {} is empty",
                    path.display()
                )));
            }
            return Ok(Some(value));
        }
        Ok(None)
    }
}

/// How requests reach a target: extra headers, the initial access token and trusted CAs.
/// Shared by `run` and `snapshot`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Extra header on every request, 'Name: value'. Repeatable.
    #[arg(long = "header", short = 'H', value_name = "'K: V'", value_parser = header_pair)]
    pub headers: Vec<(String, String)>,
    #[command(flatten)]
    pub token: TokenArgs,
    #[command(flatten)]
    pub tls: TlsArgs,
}

impl ConnectArgs {
    /// Puts the headers, the token and the CA certificates into a run configuration.
    pub fn apply(&self, config: &mut RunConfig) -> Result<(), UsageError> {
        config.headers = self.headers.clone();
        config.token = self.token.resolve()?;
        config.ca_cert = self.tls.read()?;
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Also trust the CA certificate(s) in this PEM file for https targets (for example the
    /// one `dcrcheck serve --tls` writes).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
}

impl TlsArgs {
    /// The PEM bytes of `--ca-cert`, checked to hold at least one certificate.
    pub fn read(&self) -> Result<Option<Vec<u8>>, UsageError> {
        let Some(path) = &self.ca_cert else {
            return Ok(None);
        };
        let pem = std::fs::read(path)
            .map_err(|e| UsageError(format!("cannot read --ca-cert {}: {e}", path.display())))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(UsageError(format!(
                "--ca-cert {} holds no PEM certificate",
                path.display()
            )));
        }
        Ok(Some(pem))
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Registration endpoint URL. Without it, the embedded reference server is started.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Rules to test against.
    #[arg(long, value_enum, default_value = "rfc7591")]
    pub profile: ProfileArg,
    /// Seed for case generation; the same seed gives the same cases. Random if omitted.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Generated cases on top of the fixed probes.
    #[arg(long, default_value_t = DEFAULT_CASES, value_parser = positive_usize)]
    pub cases: usize,
    /// Requests in flight at once.
    #[arg(short = 'j', long, default_value_t = 8, value_parser = positive_usize)]
    pub concurrency: usize,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10.0, value_parser = positive_f64, value_name = "SECS")]
    pub timeout: f64,
    /// Requests per second (unlimited if omitted).
    #[arg(long, value_parser = positive_f64, value_name = "RPS")]
    pub rate: Option<f64>,
    /// Bytes of each response body kept.
    #[arg(long, default_value_t = 1024 * 1024, value_parser = positive_usize, value_name = "BYTES")]
    pub body_cap: usize,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The discovery document to check (`registration_endpoint` must be https). Without it,
    /// an https target's `/.well-known/openid-configuration` (then
    /// `/.well-known/oauth-authorization-server`) on the same origin is tried.
    #[arg(long, value_name = "URL")]
    pub discovery: Option<String>,
    /// Requests spent re-sending simpler payloads to find minimal reproductions (0 turns
    /// shrinking off).
    #[arg(long, default_value_t = crate::shrink::DEFAULT_SHRINK_BUDGET, value_name = "N")]
    pub shrink_budget: usize,
    /// Write the JSON report (schemas/report.schema.json) to this file.
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,
    /// Write a JUnit XML report to this file.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Show secrets (tokens, client secrets) in output instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
    /// Print only the result line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl RunArgs {
    /// Converts the arguments into a run configuration, checking what clap cannot.
    pub fn to_config(&self, default_seed: u64) -> Result<RunConfig, UsageError> {
        let target = match &self.target {
            None => TargetSpec::Embedded,
            Some(raw) => TargetSpec::Url(parse_target(raw)?),
        };
        let mut config = RunConfig::new(self.profile.into(), self.seed.unwrap_or(default_seed));
        config.cases = self.cases;
        config.target = target;
        self.connect.apply(&mut config)?;
        config.exec = ExecConfig {
            concurrency: self.concurrency,
            timeout: Duration::from_secs_f64(self.timeout),
            rate: self.rate,
            body_cap: self.body_cap,
        };
        config.show_secrets = self.show_secrets;
        config.shrink_budget = self.shrink_budget;
        config.discovery = match &self.discovery {
            None => None,
            Some(raw) => Some(parse_url("--discovery", raw)?),
        };
        Ok(config)
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Switch on a deliberate defect (see `dcrcheck list defects`). Repeatable.
    #[arg(long = "defect", value_name = "NAME")]
    pub defects: Vec<String>,
    #[command(flatten)]
    pub token: TokenArgs,
    /// Serve HTTPS (TLS 1.2 and 1.3) with a CA and a localhost certificate generated at start;
    /// the CA certificate is written to a file (see --ca-cert-out) for `run --ca-cert`.
    #[arg(long)]
    pub tls: bool,
    /// With --tls: where to write the CA certificate (PEM). Default: a file in the temp folder
    /// named after the port.
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub ca_cert_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(value_enum)]
    pub what: ListWhat,
    /// With `requirements`: only the rows this profile judges.
    #[arg(long, value_enum)]
    pub profile: Option<ProfileArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListWhat {
    Requirements,
    Checks,
    Profiles,
    Defects,
}

/// A usage or configuration error: one line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses and checks a target URL: absolute http(s) with a host.
pub fn parse_target(raw: &str) -> Result<reqwest::Url, UsageError> {
    parse_url("--target", raw)
}

/// Parses and checks the URL given to `flag`: absolute http(s) with a host.
fn parse_url(flag: &str, raw: &str) -> Result<reqwest::Url, UsageError> {
    let url =
        reqwest::Url::parse(raw).map_err(|e| UsageError(format!("invalid {flag} '{raw}': {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UsageError(format!(
            "invalid {flag} '{raw}': scheme must be http or https"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UsageError(format!("invalid {flag} '{raw}': no host")));
    }
    Ok(url)
}

fn positive_usize(s: &str) -> Result<usize, String> {
    match s.parse::<i128>() {
        Ok(n) if n >= 1 && n <= usize::MAX as i128 => Ok(n as usize),
        Ok(_) => Err(format!("'{s}' must be a whole number of at least 1")),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

fn positive_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 && n <= 86_400.0 * 365.0 => Ok(n),
        Ok(_) => Err(format!("'{s}' must be a number greater than 0")),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

fn header_pair(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}' is not 'Name: value'"))?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(format!("'{name}' is not a valid header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}
