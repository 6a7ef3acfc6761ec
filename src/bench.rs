//! `dcrcheck bench`: throughput of whole runs against the embedded reference server, reported
//! as a ratio against a baseline measured in the same process (one request in flight), so the
//! figure means the same on any machine.
//!
//! Owns: timing repeated runs. Must not: judge or print (the binary prints the result).

use std::time::{Duration, Instant};

use crate::profile::Profile;
use crate::run::{self, RunConfig, RunError};

/// One measured configuration.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub label: String,
    pub concurrency: usize,
    pub runs: usize,
    pub requests: usize,
    pub elapsed: Duration,
}

impl Measurement {
    pub fn requests_per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `runs` full runs (embedded server, fixed seeds) per concurrency level; the first
/// level is the baseline.
pub async fn measure(
    profile: Profile,
    cases: usize,
    runs: usize,
    levels: &[usize],
) -> Result<Vec<Measurement>, RunError> {
    let mut out = Vec::new();
    for &concurrency in levels {
        let mut requests = 0;
        let began = Instant::now();
        for i in 0..runs {
            let mut config = RunConfig::new(profile, 1000 + i as u64);
            config.cases = cases;
            config.exec.concurrency = concurrency;
            let report = run::run(&config, &mut |_| {}).await?;
            requests += report.summary.requests;
        }
        out.push(Measurement {
            label: format!("-j {concurrency}"),
            concurrency,
            runs,
            requests,
            elapsed: began.elapsed(),
        });
    }
    Ok(out)
}
