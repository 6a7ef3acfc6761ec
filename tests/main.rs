//! The integration suite: one binary, real HTTP over loopback against the embedded reference
//! server (and the dcrcheck binary itself for command-line behaviour).

mod cli;
mod embedded;
mod generation;
mod secrets;
mod snapshots;
mod support;
