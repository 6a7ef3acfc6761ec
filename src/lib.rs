//! dcrcheck: contract and conformance tests for OAuth 2.0 Dynamic Client Registration
//! (RFC 7591) endpoints, with the OpenID Connect registration rules as a profile.
//!
//! Data flows one way:
//!
//! ```text
//! profile + seed ─► generate (a lazy stream of Case; select: partition and focus)
//!   ─► exec (Observation, as each arrives)
//!   ─► manage (after the stream: the RFC 7592 conversation, each request built from the
//!      answers before it, when the server offers a configuration endpoint)
//!   ─► checks (Verdict; the run-wide Ledger of credential digests)
//!   ─► aggregate (row state; findings with one exemplar each) ─► shrink (minimal reproductions)
//!   ─► model (RunReport, RunOutcome) ─► baseline (accepted failures)
//!   ─► report (human | json | junit | html | markdown) ─► exit code
//! ```
//!
//! Two commands start from a finished JSON report instead: `merge` combines the reports of a
//! partitioned run's shards into one `RunReport`, and `replay` rebuilds a finding's case from
//! the report's seed and re-sends its minimal request through `exec` and `checks`.
//!
//! `run` orders these steps; no step keeps an exchange after it is judged except the
//! aggregate's exemplars, so a run's memory is bounded by its findings, not its cases.
//!
//! `baseline` sits beside the gate: it reads a file of accepted failures and decides, from a
//! finished report, which failures it accepts and which are new, stale or expired; the
//! report carries that decision and `RunReport::outcome` reads it.
//!
//! `spec` is the shared vocabulary and depends on nothing; `server` is an independent
//! reference implementation that never uses `checks` or `generate`.

pub mod aggregate;
pub mod baseline;
pub mod bench;
pub mod checks;
pub mod cleanup;
pub mod cli;
pub mod exec;
pub mod exit_code;
pub mod generate;
pub mod jose;
pub mod manage;
pub mod mcp;
pub mod merge;
pub mod model;
pub mod profile;
pub mod replay;
pub mod report;
pub mod run;
pub mod sanitize;
pub mod server;
pub mod shrink;
pub mod snapshot;
pub mod spec;
