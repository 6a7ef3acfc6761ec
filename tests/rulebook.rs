//! The rulebook holds: no case asks for more than its row allows, every FAIL a case can ask
//! for has a written ground, and docs/judgement.md shows the grounds the code uses.

use dcrcheck::checks::rulebook::{ceiling, ground_for, Policy, GROUNDS};
use dcrcheck::generate::{cases, Case, Plan};
use dcrcheck::profile::Profile;
use dcrcheck::spec::{requirement, Requirement, Severity};

const PROFILES: [Profile; 3] = [Profile::Rfc7591, Profile::Oidc, Profile::SeedV3];
const TABLE_START: &str = "<!-- grounds-table:start -->";
const TABLE_END: &str = "<!-- grounds-table:end -->";

/// Every case of every profile for a seed (probes, fixtures, mutations, the token probes),
/// with the row it is reported against.
fn cases_with_rows(seed: u64, n: usize) -> Vec<(Profile, Case, &'static Requirement)> {
    let mut out = Vec::new();
    for profile in PROFILES {
        let plan = Plan {
            profile,
            seed,
            cases: n,
            has_token: true,
        };
        for case in cases(&plan) {
            if let Some(row) = case.row(profile) {
                out.push((profile, case, row));
            }
        }
    }
    out
}

/// A case id without its generated number, so one mutation is listed once.
fn family(case: &Case) -> &str {
    case.id.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// Every case asks for a severity the rulebook allows on the row it is reported against.
/// The rulebook would clamp it anyway; a case asking for more is a case whose stated rule is
/// wrong.
#[test]
fn no_case_asks_for_more_than_its_row_allows() {
    let mut wrong = Vec::new();
    for (profile, case, row) in cases_with_rows(7, 600) {
        let cap = ceiling(row, profile, Policy::default());
        // Severity orders worst first.
        if case.severity < cap {
            wrong.push(format!(
                "{profile:?} {} asks {:?} on {} (at most {cap:?})",
                family(&case),
                case.severity,
                row.id
            ));
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A case that asks for FAIL names a row with a ground under that profile.
#[test]
fn every_fail_a_case_asks_for_has_a_ground() {
    let mut missing = Vec::new();
    for (profile, case, row) in cases_with_rows(11, 400) {
        if case.severity == Severity::Fail && ground_for(row.id, profile).is_none() {
            missing.push(format!(
                "{profile:?} {} asks FAIL on {} with no ground",
                family(&case),
                row.id
            ));
        }
    }
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "{missing:#?}");
}

fn grounds_table() -> String {
    let mut out = String::from(
        "| row | profiles | what | graded | `--strict` | the sentence | source |\n|---|---|---|---|---|---|---|\n",
    );
    for g in GROUNDS {
        let default = match g.severity {
            Severity::Fail if g.needs_require_token => "FAIL with `--require-token`",
            Severity::Fail => "FAIL",
            Severity::Warn => "WARN",
            Severity::Info => "INFO",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {default} | {} | {}{} | {} |\n",
            g.requirement,
            g.scope.label(),
            g.what,
            g.strict.label(),
            g.sentence.replace('|', "\\|"),
            g.exception
                .map(|e| format!(" *Above its level:* {e}."))
                .unwrap_or_default(),
            g.source
        ));
    }
    out
}

/// docs/judgement.md carries the table of grounds as the code has it
/// (`DCRCHECK_UPDATE_DOCS=1 cargo test rulebook` rewrites it).
#[test]
fn judgement_doc_shows_the_grounds_in_use() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/judgement.md");
    let doc = std::fs::read_to_string(path).expect("docs/judgement.md");
    let start = doc.find(TABLE_START).expect("table start marker") + TABLE_START.len();
    let end = doc.find(TABLE_END).expect("table end marker");
    let table = format!("\n{}", grounds_table());
    if std::env::var_os("DCRCHECK_UPDATE_DOCS").is_some() {
        let updated = format!("{}{table}{}", &doc[..start], &doc[end..]);
        std::fs::write(path, updated).expect("write docs/judgement.md");
        return;
    }
    assert_eq!(
        doc[start..end].trim(),
        table.trim(),
        "docs/judgement.md is out of date: DCRCHECK_UPDATE_DOCS=1 cargo test rulebook"
    );
}

/// Each seeded defect expects what the rulebook allows on its row: FAIL only where the row has
/// a ground, and WARN on a row with a ground only for the behaviours below, which their rows
/// grade below the rest of the row.
#[test]
fn defect_severities_follow_the_rulebook() {
    use dcrcheck::server::{Defect, DefectSeverity};
    // R7591-3.2.2-e a non-RFC error code, R7591-3.2.1-e a secret expired on issue, R7591-2-i
    // and R7591-2-f a missing default and a secret for a public client, R7591-2-d an altered
    // redirect list under rfc7591, OIDCR-2-a a client_credentials client without redirect
    // URIs, OIDCR-2-x a refused request_uris fragment, R7518 incomplete or short keys,
    // R7591-3.2.2-g / OIDCR-7-a a client_id in an error, R7591-3-b form bodies and GET,
    // R7591-2-q private keys (FAIL only with --strict).
    const BELOW_THEIR_ROW: &[&str] = &[
        "unknown-error-code",
        "secret-expired",
        "reject-request-uri-fragment",
        "redirect-uris-only-for-redirect-grants",
        "accept-private-jwk",
        "client-id-in-late-error",
        // R7592-2.1-b: a 404 for an unknown client is WARN under RFC 7592 alone (the catalog's
        // grading); a 200 for it FAILs.
        "management-404-unknown-client",
    ];
    let mut wrong = Vec::new();
    for &d in Defect::ALL {
        let profile = if d.requirement().starts_with("OIDC") {
            Profile::Oidc
        } else {
            Profile::Rfc7591
        };
        let row = requirement(d.requirement()).expect("catalog row");
        let cap = ceiling(row, profile, Policy::default());
        match d.severity() {
            DefectSeverity::Fail if cap != Severity::Fail => wrong.push(format!(
                "{} expects FAIL on {} (at most {cap:?})",
                d.name(),
                row.id
            )),
            DefectSeverity::Warn
                if cap == Severity::Fail && !BELOW_THEIR_ROW.contains(&d.name()) =>
            {
                wrong.push(format!(
                    "{} expects WARN on {}, a row that may FAIL",
                    d.name(),
                    row.id
                ))
            }
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
