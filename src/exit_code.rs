//! The exit codes dcrcheck promises (documented in README.md). They are a contract: CI
//! pipelines branch on them.

/// No FAIL (and no WARN under `--deny-warnings`).
pub const OK: u8 = 0;
/// At least one FAIL, or a WARN under `--deny-warnings`; for `snapshot verify`, drift.
pub const FINDINGS: u8 = 1;
/// Bad command line, config file, token file or other usage error.
pub const USAGE: u8 = 2;
/// The target could not be reached, or the run could not start.
pub const UNREACHABLE: u8 = 3;
/// Interrupted (Ctrl-C): the reports were written, marked `"complete": false`.
pub const INTERRUPTED: u8 = 130;
