//! `dcrcheck list`: the catalogs, as text on stdout.

use std::fmt::Write as _;

use super::ListWhat;
use crate::checks::CHECKS;
use crate::exit_code;
use crate::profile::Profile;
use crate::spec::REQUIREMENTS;

/// Prints a catalog and returns the exit code.
pub fn print(what: ListWhat, profile: Option<Profile>) -> u8 {
    print!("{}", render(what, profile));
    exit_code::OK
}

pub fn render(what: ListWhat, profile: Option<Profile>) -> String {
    let mut o = String::new();
    match what {
        ListWhat::Requirements => {
            let width = REQUIREMENTS.iter().map(|r| r.id.len()).max().unwrap_or(10);
            let mut uncovered = 0;
            for r in REQUIREMENTS {
                if profile.is_some_and(|p| !p.applies(r)) {
                    continue;
                }
                let checks = crate::checks::covering_checks(r.id);
                let coverage = if checks.is_empty() {
                    uncovered += 1;
                    format!("NOT COVERED (testable: {:?})", r.testability)
                } else {
                    checks.join(", ")
                };
                let _ = writeln!(
                    o,
                    "{:<width$}  {:<22} {:<8} {}\n{:<width$}  covered by: {}",
                    r.id,
                    r.citation(),
                    r.level.as_str(),
                    summary_line(r.summary),
                    "",
                    coverage
                );
            }
            let _ = writeln!(
                o,
                "\n{} requirements, {} not covered by any check",
                REQUIREMENTS
                    .iter()
                    .filter(|r| profile.is_none_or(|p| p.applies(r)))
                    .count(),
                uncovered
            );
        }
        ListWhat::Checks => {
            let width = CHECKS.iter().map(|c| c.name.len()).max().unwrap_or(0);
            for c in CHECKS {
                let kind = match c.kind {
                    crate::checks::Kind::Case(_) => "per case",
                    crate::checks::Kind::Run(_) => "run-wide",
                    crate::checks::Kind::Manage(_) => "RFC 7592 conversation",
                    crate::checks::Kind::Mcp(_) => "MCP discovery chain",
                };
                let _ = writeln!(
                    o,
                    "{:<width$} {:<9} {}",
                    c.name,
                    kind,
                    c.requirements.join(", ")
                );
            }
        }
        ListWhat::Profiles => {
            for p in Profile::ALL {
                let _ = writeln!(o, "{:<8} {}", p.name(), p.description());
            }
        }
        ListWhat::Defects => {
            for d in crate::server::Defect::ALL {
                let _ = writeln!(
                    o,
                    "{:<34} {:<15} {:<5} {}",
                    d.name(),
                    d.requirement(),
                    format!("{:?}", d.severity()).to_uppercase(),
                    d.description()
                );
            }
        }
    }
    o
}

/// The first sentence of a summary, for one-line listings.
fn summary_line(summary: &str) -> String {
    let first = summary.split(". ").next().unwrap_or(summary);
    let mut s: String = first.chars().take(90).collect();
    if first.chars().count() > 90 {
        s.push_str("...");
    }
    s
}
