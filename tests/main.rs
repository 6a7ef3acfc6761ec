//! The integration suite: one binary, real HTTP over loopback against the embedded reference
//! server (and the dcrcheck binary itself for command-line behaviour).

mod bad_input;
mod baseline;
mod checks_fire;
mod cli;
mod config;
mod credentials;
mod detection;
mod embedded;
mod fixtures;
mod focus;
mod fuzz;
mod generation;
mod interrupt;
mod issuer;
mod manage;
mod mcp;
mod mtls;
mod rate_limit;
mod real_server;
mod replay;
mod report_formats;
mod rulebook;
mod secrets;
mod sharding;
mod snapshot_drift;
mod snapshots;
mod statements;
mod support;
mod tls;
mod token;
