//! Reporters: render a `RunReport` for people (human), machines (json) and CI (junit), and
//! build the curl command that reproduces a finding.
//!
//! Owns: user-facing output formats. Must not: judge, or show a secret the sanitizer masked.

pub mod curl;
pub mod human;
pub mod json;
pub mod junit;
