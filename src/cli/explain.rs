//! `dcrcheck explain ID`: one requirement row (or one check) in full, as a person fixing a
//! server needs it: what must be true, the sentence a FAIL stands on, how dcrcheck tests it,
//! the checks and cases that exercise it, and what a fix usually looks like.
//!
//! Owns: that text. Must not: send anything (it reads the catalogs and generates cases
//! offline).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::UsageError;
use crate::checks::{rulebook, CHECKS};
use crate::generate::{self, Plan};
use crate::profile::Profile;
use crate::spec::{self, Requirement, REQUIREMENTS};

/// Generated cases looked through for the families that exercise a row.
const SAMPLE_CASES: usize = 400;

/// The explanation of a requirement id or a check name under `profile`.
pub fn render(id: &str, profile: Profile) -> Result<String, UsageError> {
    if let Some(r) = spec::requirement(id) {
        return Ok(requirement(r, profile));
    }
    if let Some(c) = CHECKS.iter().find(|c| c.name == id) {
        let mut o = String::new();
        let _ = writeln!(o, "check {}\n", c.name);
        let _ = writeln!(o, "Reports on:");
        for r in c.requirements.iter().filter_map(|r| spec::requirement(r)) {
            let _ = writeln!(
                o,
                "  {:<18} {:<22} {}",
                r.id,
                r.citation(),
                r.level.as_str()
            );
        }
        let _ = writeln!(o, "\n`dcrcheck explain ROW` gives each row in full.");
        return Ok(o);
    }
    let near: Vec<&str> = REQUIREMENTS
        .iter()
        .map(|r| r.id)
        .chain(CHECKS.iter().map(|c| c.name))
        .filter(|known| {
            let (a, b) = (known.to_ascii_lowercase(), id.to_ascii_lowercase());
            a.starts_with(&b) || b.starts_with(&a) || a.contains(&b)
        })
        .take(8)
        .collect();
    let hint = if near.is_empty() {
        "see `dcrcheck list requirements` and `dcrcheck list checks`".to_string()
    } else {
        format!("did you mean: {}", near.join(", "))
    };
    Err(UsageError(format!(
        "no requirement or check named '{id}' ({hint})"
    )))
}

fn requirement(r: &Requirement, profile: Profile) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}  {}  {} ({})\n",
        r.id,
        r.citation(),
        r.level.as_str(),
        r.level_text
    );
    let _ = writeln!(o, "What must be true:\n  {}\n", r.summary);
    if !profile.applies(r) {
        let _ = writeln!(
            o,
            "Not judged under the {profile} profile (`--profile` picks another).\n"
        );
    }
    match rulebook::ground_for(r.id, profile) {
        Some(g) => {
            let _ = writeln!(
                o,
                "Graded at most {} ({} under --strict) for {}; the sentence:\n  \"{}\" ({})",
                g.severity.label(),
                g.strict.label(),
                g.what,
                g.sentence,
                g.source
            );
            if let Some(why) = g.exception {
                let _ = writeln!(o, "  Above the row's level because: {why}");
            }
            if g.needs_require_token {
                let _ = writeln!(o, "  FAIL only with --require-token; INFO otherwise.");
            }
        }
        None => {
            let _ = writeln!(
                o,
                "Graded at most {}: the row has no written ground for a FAIL (docs/judgement.md).",
                rulebook::level_cap(r.level).label()
            );
        }
    }
    let _ = writeln!(o, "\nHow dcrcheck tests it:\n  {}", r.how_to_test);
    let checks = crate::checks::covering_checks(r.id);
    let _ = writeln!(
        o,
        "\nChecks: {}",
        if checks.is_empty() {
            "none (the row is not covered)".to_string()
        } else {
            checks.join(", ")
        }
    );
    let families = case_families(r.id, profile);
    if families.is_empty() {
        let _ = writeln!(
            o,
            "Cases: none aimed at this row; the checks judge every response that applies."
        );
    } else {
        let _ = writeln!(o, "Cases aimed at it ({profile}, any seed):");
        for (family, (count, title)) in &families {
            let times = if *count > 1 {
                format!(" (x{count} in {SAMPLE_CASES} generated)")
            } else {
                String::new()
            };
            let _ = writeln!(o, "  {family}{times}: {title}");
        }
    }
    let bugs: Vec<_> = crate::server::Defect::ALL
        .iter()
        .filter(|d| d.requirement() == r.id)
        .collect();
    let _ = writeln!(o, "\nWhat a fix usually looks like:");
    if bugs.is_empty() {
        let _ = writeln!(o, "  Make the endpoint do what \"What must be true\" says.");
    } else {
        let _ = writeln!(o, "  Servers that break this row usually:");
        for d in bugs {
            let _ = writeln!(
                o,
                "    - {} (reference server defect `{}`)",
                d.description(),
                d.name()
            );
        }
        let _ = writeln!(
            o,
            "  The fix is to stop doing that, so that \"What must be true\" holds."
        );
    }
    let _ = writeln!(
        o,
        "  Then confirm: `dcrcheck run --requirement {} --target URL`, or `dcrcheck replay REPORT.json --finding F1`.",
        r.id
    );
    o
}

/// Case families (ids without their counter) whose cases name `id`, with how many and a title.
fn case_families(id: &str, profile: Profile) -> BTreeMap<String, (usize, String)> {
    let plan = Plan {
        profile,
        seed: 1,
        cases: SAMPLE_CASES,
        has_token: true,
    };
    let mut families: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for case in generate::cases(&plan) {
        if !case.requirements.contains(&id) {
            continue;
        }
        let family = generate::case_family(&case.id).to_string();
        let entry = families.entry(family).or_insert((0, case.title.clone()));
        entry.0 += 1;
    }
    families
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_explained_with_its_sentence_checks_cases_and_fix() {
        let text = render("R7591-3.2.1-e", Profile::Rfc7591).expect("known row");
        assert!(text.contains("client_secret_expires_at REQUIRED"), "{text}");
        assert!(
            text.contains("secret_expiry_present_when_secret_issued"),
            "{text}"
        );
        assert!(text.contains("Cases aimed at it"), "{text}");
        assert!(text.contains("no-secret-expiry"), "{text}");
    }

    #[test]
    fn a_check_lists_its_rows_and_unknown_names_get_suggestions() {
        let text = render("success_status_is_201", Profile::Rfc7591).expect("known check");
        assert!(text.contains("R7591-3.2-a"), "{text}");
        let e = render("R7591-3.2.1", Profile::Rfc7591).expect_err("a prefix is not a row");
        assert!(
            e.0.contains("did you mean") && e.0.contains("R7591-3.2.1-e"),
            "{e}"
        );
        assert!(!e.0.contains('\n'));
    }
}
