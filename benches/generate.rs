//! Per-case cost of case generation: `generate::cases` for plans of 200 generated cases (the
//! default run) and 2,000, per profile, reported per case (probes, fixtures and final probes
//! included in the count; at 2,000 the per-case figure is close to the cost of one generated
//! case).
//!
//! `cargo bench --bench generate` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dcrcheck::generate::{self, Plan};
use dcrcheck::profile::Profile;

const SIZES: [usize; 2] = [200, 2000];

fn bench_generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    for &profile in Profile::ALL {
        for cases in SIZES {
            let plan = Plan {
                profile,
                seed: 1,
                cases,
                has_token: false,
            };
            // The plan's generated cases plus the fixed probes and fixtures: the count one call
            // returns, so the per-element time is the cost of one case as a run sees it.
            let produced = generate::cases(&plan).len();
            group.throughput(Throughput::Elements(produced as u64));
            group.bench_function(format!("{profile}/{produced}_cases"), |b| {
                b.iter(|| generate::cases(black_box(&plan)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_generate);
criterion_main!(benches);
