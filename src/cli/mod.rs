//! The command line: clap types and their conversion into library configuration. Clap types
//! stop here; the library below takes `RunConfig`.
//!
//! Owns: argument syntax, defaults, and the one-line usage errors. Must not: run anything.

pub mod config;
pub mod explain;
pub mod list;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exec::{ClientIdentity, ExecConfig, IdentityError};
use crate::profile::Profile;
use crate::run::{RunConfig, TargetSpec, DEFAULT_CASES};

#[derive(Debug, Parser)]
#[command(
    name = "dcrcheck",
    version,
    about = "Contract and conformance tests for OAuth 2.0 Dynamic Client Registration (RFC 7591) endpoints",
    after_help = "Exit codes: 0 no FAIL; 1 at least one FAIL (or WARN with --deny-warnings); 2 usage or configuration error; 3 target unreachable or run could not start; 130 interrupted (Ctrl-C).",
    after_long_help = MANUAL
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The end of `--help`: enough to use dcrcheck without the README.
const MANUAL: &str = "\
Examples:
  dcrcheck run                                   test the embedded reference server
  dcrcheck run --target https://as.example/register --report-json r.json
  dcrcheck run --target URL --token-env DCR_TOKEN --profile oidc
  dcrcheck run --target URL --baseline dcrcheck-baseline.toml --baseline-update
  dcrcheck run --target URL --baseline dcrcheck-baseline.toml    (CI gate)
  dcrcheck run --target URL --partition hash:2/4 --report-json shard-2.json
  dcrcheck merge shard-*.json -o merged.json --report-html report.html
  dcrcheck run --target URL --requirement R7591-3.2.1 -v
  dcrcheck explain R7591-3.2.1-e
  dcrcheck replay r.json --finding F3 --target URL

Verdicts: each requirement row ends PASS, FAIL, WARN, INFO, SKIP or UNTESTED. A row FAILs only
when a sentence of the specification binds the server (docs/judgement.md); SHOULD rows WARN,
MAY rows are INFO. Only FAIL (and WARN with --deny-warnings) fails the run.

Options of `run` can also come from ./dcrcheck.toml ([profile.NAME] sections, --config,
--config-profile) and from DCRCHECK_* environment variables; the command line wins, then the
environment, then the file (docs/configuration.md). Under CI (the CI variable set) the default
seed is 7591, so a gate tests the same cases on every run of a commit.

Secrets (the initial access token, client_secret, registration_access_token) are masked in every
output unless --show-secrets is given.

Exit codes: 0 no FAIL; 1 at least one FAIL (or WARN with --deny-warnings, or a baseline
broken); 2 usage or configuration error; 3 target unreachable or run could not start;
130 interrupted (Ctrl-C; reports are written, marked incomplete).";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate cases, send them to the target and judge every response.
    Run(Box<RunArgs>),
    /// Run the embedded reference server on 127.0.0.1.
    Serve(ServeArgs),
    /// List requirements, checks, profiles or defects.
    List(ListArgs),
    /// Record a target's behaviour on the fixture corpus, or verify it has not drifted.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Measure run throughput against the embedded server, as a ratio to one request in flight.
    Bench(BenchArgs),
    /// Combine the JSON reports of a partitioned run's shards into one report.
    Merge(MergeArgs),
    /// Print a requirement: its text, the sentence it comes from, its checks and cases.
    Explain(ExplainArgs),
    /// Send a finding's minimal request again and judge the answer (exit 0 when fixed).
    Replay(ReplayArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports of the shards (`run --partition hash:M/N --report-json ...`).
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Where to write the merged JSON report.
    #[arg(
        short = 'o',
        long = "output",
        alias = "report-json",
        value_name = "PATH"
    )]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub outputs: ReportOutputs,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Requirement id (for example R7591-3.2.1-e) or check name.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Cases of this profile are listed.
    #[arg(long, value_enum, default_value = "rfc7591")]
    pub profile: ProfileArg,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A JSON report written by `run --report-json`.
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// The finding to replay (for example F3); every finding when omitted.
    #[arg(long, value_name = "ID")]
    pub finding: Option<String>,
    /// Send to this registration endpoint instead of the one in the report.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10.0, value_parser = positive_f64, value_name = "SECS")]
    pub timeout: f64,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The report files a run or a merge writes besides the JSON one.
#[derive(Debug, Args)]
pub struct ReportOutputs {
    /// Write a JUnit XML report to this file (`--junit` is an older name for it).
    #[arg(long = "report-junit", alias = "junit", value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report to this file.
    #[arg(long, value_name = "PATH")]
    pub report_html: Option<PathBuf>,
    /// Write a Markdown summary (sized for $GITHUB_STEP_SUMMARY) to this file.
    #[arg(long, value_name = "PATH")]
    pub report_markdown: Option<PathBuf>,
}

/// What makes a run (or a merged run) fail: warnings, and the accepted failures.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Accepted failures (TOML; see README): listed ones do not fail the run, unlisted ones
    /// do, and a listed one that no longer fails, or whose expiry date has passed, fails it.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    /// Write the run's failures to the --baseline file (keeping the reasons already there)
    /// instead of judging against it.
    #[arg(long, requires = "baseline")]
    pub baseline_update: bool,
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
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour: `always`/`never` decide; `auto` colours a terminal unless
    /// `NO_COLOR` is set to a non-empty value (no-color.org).
    pub fn enabled(self, terminal: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => terminal && no_color.is_none_or(str::is_empty),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    Rfc7591,
    Oidc,
    #[value(name = "seed-v3")]
    SeedV3,
    Mcp,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Self {
        match p {
            ProfileArg::Rfc7591 => Profile::Rfc7591,
            ProfileArg::Oidc => Profile::Oidc,
            ProfileArg::SeedV3 => Profile::SeedV3,
            ProfileArg::Mcp => Profile::Mcp,
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
    /// Puts the headers, the token and the TLS settings into a run configuration.
    pub fn apply(&self, config: &mut RunConfig) -> Result<(), UsageError> {
        config.headers = self.headers.clone();
        config.token = self.token.resolve()?;
        config.ca_cert = self.tls.read()?;
        config.client_identity = self.tls.identity()?;
        config.insecure = self.tls.insecure;
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct TlsArgs {
    /// Also trust the CA certificate(s) in this PEM file for https targets (for example the
    /// one `dcrcheck serve --tls` writes).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Client certificate (PEM, with any intermediates after it) offered to a server that
    /// requires mutual TLS. Needs --key.
    #[arg(long, value_name = "PATH", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1, not encrypted). Needs --cert.
    #[arg(long, value_name = "PATH", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Accept any server certificate (self-signed, expired, another host's). Nothing about the
    /// server is verified, so the token and the requests can be read by anyone on the path;
    /// every output says so, and the TLS rows are skipped. Prefer --ca-cert.
    #[arg(long)]
    pub insecure: bool,
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

    /// The client identity of `--cert` and `--key`, checked to be a certificate and the
    /// private key that belongs to it.
    pub fn identity(&self) -> Result<Option<ClientIdentity>, UsageError> {
        let (Some(cert), Some(key)) = (&self.cert, &self.key) else {
            // clap makes each require the other; a half pair from elsewhere is still refused.
            return match (&self.cert, &self.key) {
                (None, None) => Ok(None),
                (Some(_), _) => Err(UsageError("--cert needs --key".into())),
                (_, Some(_)) => Err(UsageError("--key needs --cert".into())),
            };
        };
        let read = |flag: &str, path: &PathBuf| {
            std::fs::read(path)
                .map_err(|e| UsageError(format!("cannot read {flag} {}: {e}", path.display())))
        };
        let (cert_pem, key_pem) = (read("--cert", cert)?, read("--key", key)?);
        ClientIdentity::from_pem(&cert_pem, &key_pem)
            .map(Some)
            .map_err(|e| {
                let (c, k) = (cert.display(), key.display());
                UsageError(match e {
                    IdentityError::NoCertificate | IdentityError::CertificatePem(_) => {
                        format!("--cert {c} {e}")
                    }
                    IdentityError::NoKey | IdentityError::KeyPem(_) => format!("--key {k} {e}"),
                    IdentityError::Mismatch => {
                        format!("--key {k} does not match the certificate in --cert {c}")
                    }
                    IdentityError::Unusable(why) => {
                        format!("--key {k} cannot be used with --cert {c}: {why}")
                    }
                })
            })
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Registration endpoint URL. Without it, the embedded reference server is started.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// The authorization server's issuer identifier: the target is the `registration_endpoint`
    /// of its metadata, read before the run from RFC 8414 §3.1
    /// `{origin}/.well-known/oauth-authorization-server{path}`, else from
    /// `{issuer}/.well-known/openid-configuration`; the document's `issuer` must be exactly
    /// this. The endpoint found is then judged exactly as `--target` would judge it.
    #[arg(long, value_name = "URL", conflicts_with = "target")]
    pub issuer: Option<String>,
    /// An MCP server's URL: the run follows its discovery chain (the 401's
    /// `WWW-Authenticate`, RFC 9728 protected resource metadata, the authorization server's
    /// metadata), judges each hop by --mcp-rev, then tests the registration endpoint found.
    #[arg(long, value_name = "URL", conflicts_with_all = ["target", "issuer"])]
    pub mcp_server: Option<String>,
    /// The MCP authorization revision an --mcp-server run is judged by.
    #[arg(long, value_name = "REV", default_value = "2026-07-28", value_parser = ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"])]
    pub mcp_rev: String,
    /// Let the MCP discovery chain follow URLs on private or link-local addresses (never by
    /// default: a server's documents could aim the run at an internal host).
    #[arg(long)]
    pub allow_private: bool,
    /// Let the MCP discovery chain of a server that is not on loopback follow loopback URLs
    /// its documents name (never by default: they would aim the run at this machine).
    #[arg(long)]
    pub allow_http_loopback: bool,
    /// Rules to test against.
    #[arg(long, value_enum, default_value = "rfc7591")]
    pub profile: ProfileArg,
    /// Seed for case generation; the same seed gives the same cases. If omitted: the fixed
    /// seed 7591 when the CI environment variable is set (so a gate never flakes between runs
    /// of one commit), otherwise a random one. Printed on every run.
    #[arg(long, env = "DCRCHECK_SEED")]
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
    /// Times a request answered 429 (rate limited) is sent again, after its Retry-After; 0
    /// sends each request once. While one request waits, no other is sent. Worst case: up to
    /// N+1 attempts per request (each within --timeout), and the run pauses at most
    /// requests x N x --retry-after-max seconds in all (30 s per request with the defaults).
    #[arg(long, default_value_t = crate::exec::DEFAULT_MAX_RETRIES, value_name = "N")]
    pub max_retries: u32,
    /// Longest Retry-After honoured, in seconds; longer waits are cut to this.
    #[arg(long, default_value_t = crate::exec::DEFAULT_RETRY_AFTER_MAX.as_secs_f64(), value_parser = non_negative_f64, value_name = "SECS")]
    pub retry_after_max: f64,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// The discovery document to check (`registration_endpoint` must be https). Without it,
    /// for an https target, each path prefix of the target (longest first) is tried with RFC
    /// 8414 §3.1 path insertion and with OIDC Discovery's appended path, at most 8 URLs.
    #[arg(long, value_name = "URL")]
    pub discovery: Option<String>,
    /// The token endpoint where clients registered for client_credentials use their issued
    /// secret (and a wrong one); without it, the `token_endpoint` of the server's metadata.
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    /// A private key (PEM: PKCS#8 RSA or EC P-256, or PKCS#1 RSA) the server trusts for
    /// software statements from --software-statement-iss. The run signs a statement with it
    /// (RS256 or ES256, by key type) and near misses (bad signature, unknown issuer, expired).
    #[arg(long, value_name = "PATH", requires = "software_statement_iss")]
    pub software_statement_key: Option<PathBuf>,
    /// The issuer (`iss`) the server trusts --software-statement-key for.
    #[arg(long, value_name = "ISS", requires = "software_statement_key")]
    pub software_statement_iss: Option<String>,
    /// Requests spent re-sending simpler payloads to find minimal reproductions (0 turns
    /// shrinking off).
    #[arg(long, default_value_t = crate::shrink::DEFAULT_SHRINK_BUDGET, value_name = "N")]
    pub shrink_budget: usize,
    /// Write the JSON report (schemas/report.schema.json) to this file.
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,
    #[command(flatten)]
    pub outputs: ReportOutputs,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Run shard M of N (1 <= M <= N): generated cases and fixtures are split by a fixed hash
    /// of their id (every shard generates the same cases from the same seed and keeps its
    /// share); the fixed and final probes run in every shard. Combine the shards' JSON
    /// reports with `dcrcheck merge`.
    #[arg(long, value_name = "hash:M/N")]
    pub partition: Option<String>,
    /// Report only this requirement, and send only the cases its verdict needs (prefix match:
    /// R7591-3.2.1 selects R7591-3.2.1-a, R7591-3.2.1-b...). Rows judged on any answer need
    /// every case. Repeatable.
    #[arg(long = "requirement", value_name = "ID")]
    pub requirements: Vec<String>,
    /// Report only the requirements this check covers, and send only the cases their
    /// verdicts need (see `dcrcheck list checks`). Repeatable.
    #[arg(long = "check", value_name = "NAME")]
    pub checks: Vec<String>,
    /// Read options from this file (it must exist) instead of ./dcrcheck.toml when present;
    /// see docs/configuration.md. Also DCRCHECK_CONFIG.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The [profile.NAME] section of the config file to use, on top of [profile.default]
    /// (default: `default`). Also DCRCHECK_CONFIG_PROFILE.
    #[arg(long, value_name = "NAME")]
    pub config_profile: Option<String>,
    /// List every requirement row, not only those that did not pass.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Colour in terminal output: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,
    /// Grade strictly: Derived rows, and the rows docs/judgement.md marks "strict", FAIL
    /// instead of WARN.
    #[arg(long)]
    pub strict: bool,
    /// Registration must need the initial access token: a registration accepted without it
    /// FAILs (R7591-3-d). Without this flag it is INFO, since RFC 7591 §3 lets an endpoint be
    /// open.
    #[arg(long)]
    pub require_token: bool,
    /// After the run, delete every client it registered through the client configuration
    /// endpoint the server returned (RFC 7592 §2.3); the report counts what was deleted and
    /// lists the client_ids that could not be. Without it the report lists the client_ids the
    /// run created.
    #[arg(long)]
    pub cleanup: bool,
    /// Show secrets (tokens, client secrets) in output instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
    /// Print only the result line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// The seed a run uses when none is given under CI (`CI` set and not empty or "false").
pub const CI_SEED: u64 = 7591;

/// Whether the `CI` variable's value says the run is in CI: set, and not empty, "false" or "0".
pub fn is_ci(ci: Option<&str>) -> bool {
    ci.is_some_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0")
}

/// The default seed: [`CI_SEED`] under CI, else `random`.
pub fn default_seed(ci: Option<&str>, random: u64) -> u64 {
    if is_ci(ci) {
        CI_SEED
    } else {
        random
    }
}

impl RunArgs {
    /// Converts the arguments into a run configuration, checking what clap cannot.
    pub fn to_config(&self, default_seed: u64) -> Result<RunConfig, UsageError> {
        let target = match (&self.target, &self.issuer, &self.mcp_server) {
            (None, None, Some(raw)) => TargetSpec::Mcp(parse_url("--mcp-server", raw)?),
            // clap refuses the pairs on the command line; this covers a `RunArgs` built in code.
            (_, _, Some(_)) => {
                return Err(UsageError(
                    "--mcp-server cannot be used with --target or --issuer".into(),
                ))
            }
            (Some(_), Some(_), None) => {
                return Err(UsageError(
                    "--issuer and --target cannot be used together".into(),
                ))
            }
            (Some(raw), None, None) => TargetSpec::Url(parse_target(raw)?),
            (None, Some(raw), None) => TargetSpec::Issuer(parse_issuer(raw)?),
            (None, None, None) => TargetSpec::Embedded,
        };
        let mut config = RunConfig::new(self.profile.into(), self.seed.unwrap_or(default_seed));
        config.cases = self.cases;
        config.target = target;
        config.mcp_revision = crate::mcp::Revision::from_label(&self.mcp_rev)
            .ok_or_else(|| UsageError(format!("unknown --mcp-rev {}", self.mcp_rev)))?;
        config.allow_private = self.allow_private;
        config.allow_http_loopback = self.allow_http_loopback;
        self.connect.apply(&mut config)?;
        config.exec = ExecConfig {
            concurrency: self.concurrency,
            timeout: Duration::from_secs_f64(self.timeout),
            rate: self.rate,
            body_cap: self.body_cap,
            max_retries: self.max_retries,
            retry_after_max: Duration::from_secs_f64(self.retry_after_max),
        };
        config.show_secrets = self.show_secrets;
        config.shrink_budget = self.shrink_budget;
        config.strict = self.strict;
        config.require_token = self.require_token;
        config.cleanup = self.cleanup;
        config.discovery = match &self.discovery {
            None => None,
            Some(raw) => Some(parse_url("--discovery", raw)?),
        };
        config.token_endpoint = match &self.token_endpoint {
            None => None,
            Some(raw) => Some(parse_url("--token-endpoint", raw)?),
        };
        config.software_statement =
            match (&self.software_statement_key, &self.software_statement_iss) {
                (Some(path), Some(issuer)) => {
                    let flag = "--software-statement-key";
                    let pem = std::fs::read_to_string(path)
                        .map_err(|e| UsageError(format!("{flag} {}: {e}", path.display())))?;
                    let key = crate::jose::SigningKey::from_pem(&pem)
                        .map_err(|e| UsageError(format!("{flag} {}: {e}", path.display())))?;
                    if issuer.trim().is_empty() {
                        return Err(UsageError("--software-statement-iss is empty".into()));
                    }
                    Some(crate::generate::statements::TrustedSigner {
                        key,
                        issuer: issuer.clone(),
                    })
                }
                (None, None) => None,
                // clap requires the pair on the command line; this covers a `RunArgs` built in code.
                _ => {
                    return Err(UsageError(
                        "--software-statement-key and --software-statement-iss go together".into(),
                    ))
                }
            };
        let usage = |e: crate::generate::select::SelectError| UsageError(e.to_string());
        config.partition = match &self.partition {
            None => None,
            Some(raw) => Some(raw.parse().map_err(usage)?),
        };
        config.focus = crate::run::focus_on(config.profile, &self.requirements, &self.checks)
            .map_err(usage)?;
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
    /// With --tls: require a client certificate issued by a CA in this PEM file (mutual TLS);
    /// a client without one is refused during the handshake.
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub client_ca: Option<PathBuf>,
    /// Answer 429 (Retry-After: 1) once N registration requests arrived in a window of SECS
    /// seconds, like a rate-limited open registration endpoint.
    #[arg(long, value_name = "N/SECS", value_parser = rate_limit)]
    pub rate_limit: Option<(u32, Duration)>,
    /// Trust software statements signed with this key (PEM; the private key `run
    /// --software-statement-key` takes, whose public half the server keeps) for the issuer
    /// --trust-statement-iss.
    #[arg(long, value_name = "PATH", requires = "trust_statement_iss")]
    pub trust_statement_key: Option<PathBuf>,
    /// The issuer (`iss`) whose statements --trust-statement-key verifies.
    #[arg(long, value_name = "ISS", requires = "trust_statement_key")]
    pub trust_statement_iss: Option<String>,
    /// Issued client secrets expire this many seconds after they are issued (default: never,
    /// `client_secret_expires_at: 0`).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub secret_lifetime: Option<u64>,
}

impl ServeArgs {
    /// The statement issuer of `--trust-statement-key` and `--trust-statement-iss`.
    pub fn trusted_statement(
        &self,
    ) -> Result<Option<crate::server::TrustedStatementIssuer>, UsageError> {
        let (Some(path), Some(issuer)) = (&self.trust_statement_key, &self.trust_statement_iss)
        else {
            return Ok(None);
        };
        let flag = "--trust-statement-key";
        let pem = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("{flag} {}: {e}", path.display())))?;
        let key = crate::jose::SigningKey::from_pem(&pem)
            .map_err(|e| UsageError(format!("{flag} {}: {e}", path.display())))?;
        Ok(Some(crate::server::TrustedStatementIssuer {
            issuer: issuer.clone(),
            jwk: key.public_jwk().clone(),
        }))
    }

    /// The PEM of `--client-ca`, checked to hold at least one certificate.
    pub fn client_ca(&self) -> Result<Option<String>, UsageError> {
        let Some(path) = &self.client_ca else {
            return Ok(None);
        };
        let pem = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read --client-ca {}: {e}", path.display())))?;
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(UsageError(format!(
                "--client-ca {} holds no PEM certificate",
                path.display()
            )));
        }
        Ok(Some(pem))
    }
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

/// Parses and checks an issuer identifier: an absolute http(s) URL with a host and, as RFC
/// 8414 §2 says, no query or fragment. The text is kept as given for the exact comparison.
pub fn parse_issuer(raw: &str) -> Result<crate::run::Issuer, UsageError> {
    let url = parse_url("--issuer", raw)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UsageError(format!(
            "invalid --issuer '{raw}': an issuer has no query or fragment (RFC 8414 §2)"
        )));
    }
    Ok(crate::run::Issuer {
        id: raw.to_string(),
        url,
    })
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

fn non_negative_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(n) if n.is_finite() && (0.0..=86_400.0).contains(&n) => Ok(n),
        Ok(_) => Err(format!("'{s}' must be a number of seconds from 0 to 86400")),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

/// `N/SECS`: N requests (at least 1) per window of SECS seconds (more than 0).
fn rate_limit(s: &str) -> Result<(u32, Duration), String> {
    let (n, secs) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not N/SECS (for example 20/3600)"))?;
    let n = n
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("'{s}': N must be a whole number of at least 1"))?;
    let secs = positive_f64(secs.trim()).map_err(|e| format!("'{s}': SECS {e}"))?;
    Ok((n, Duration::from_secs_f64(secs)))
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
