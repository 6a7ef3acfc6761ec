//! The integration suite: one binary, real HTTP over loopback against the embedded reference
//! server (and the dcrcheck binary itself for command-line behaviour).

mod checks_fire;
mod cli;
mod detection;
mod embedded;
mod fixtures;
mod generation;
mod real_server;
mod secrets;
mod snapshot_drift;
mod snapshots;
mod support;
mod tls;
