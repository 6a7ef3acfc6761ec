//! dcrcheck: contract and conformance tests for OAuth 2.0 Dynamic Client Registration
//! (RFC 7591) endpoints, with the OpenID Connect registration rules as a profile.
//!
//! Data flows one way:
//!
//! ```text
//! profile + seed ─► generate (Case) ─► exec (Observation) ─► checks (Verdict)
//!                ─► run (Finding, RunReport) ─► report (human | json | junit) ─► exit code
//! ```
//!
//! `spec` is the shared vocabulary and depends on nothing; `server` is an independent
//! reference implementation that never uses `checks` or `generate`.

pub mod bench;
pub mod checks;
pub mod cli;
pub mod exec;
pub mod exit_code;
pub mod generate;
pub mod profile;
pub mod report;
pub mod run;
pub mod sanitize;
pub mod server;
pub mod shrink;
pub mod snapshot;
pub mod spec;
