//! The human report: a verdict per requirement, then each finding once with its count, the
//! smallest request that shows it, a response excerpt and a curl command to reproduce it.

use std::fmt::Write as _;

use crate::run::{RequirementVerdict, RunReport};

/// Characters of a request or response body shown inline.
const EXCERPT: usize = 240;

fn excerpt(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > EXCERPT {
        let cut: String = one_line.chars().take(EXCERPT).collect();
        format!("{cut}... ({} bytes)", s.len())
    } else {
        one_line
    }
}

pub fn render(report: &RunReport) -> String {
    let mut o = String::new();
    let target = if report.target.embedded {
        format!("{} (embedded reference server)", report.target.url)
    } else {
        report.target.url.clone()
    };
    let s = &report.summary;
    let _ = writeln!(
        o,
        "dcrcheck {} · profile {} · target {}",
        report.tool.version, report.profile, target
    );
    let _ = writeln!(
        o,
        "seed {} · {} cases · {} requests · {} transport errors · {} ms",
        report.seed, s.cases, s.requests, s.transport_errors, s.duration_ms
    );
    let _ = writeln!(o, "\nRequirements");
    let width = report
        .requirements
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(10);
    let mut quiet = 0;
    for r in &report.requirements {
        if matches!(
            r.verdict,
            RequirementVerdict::Skip | RequirementVerdict::Untested
        ) {
            quiet += 1;
            continue;
        }
        let findings = match r.findings {
            0 => String::new(),
            1 => "  1 finding".to_string(),
            n => format!("  {n} findings"),
        };
        let _ = writeln!(
            o,
            "  {:<5} {:<width$}  {:<24} {:<8}{}",
            r.verdict.label(),
            r.id,
            r.citation,
            r.level,
            findings,
        );
    }
    if quiet > 0 {
        let _ = writeln!(
            o,
            "  ({} skipped, {} untested: `dcrcheck run --report-json FILE` lists each with its reason)",
            s.skip, s.untested
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(o, "\nFindings");
    }
    for f in &report.findings {
        let cases = if f.count == 1 {
            "1 case".to_string()
        } else {
            format!("{} cases", f.count)
        };
        let example = f
            .cases
            .first()
            .map(|c| format!(", e.g. {c}"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "\n  {} {} {} [{}]\n    {} ({cases}{example})",
            f.id,
            f.severity.label(),
            f.requirement,
            f.check,
            f.title
        );
        if !f.detail.is_empty() {
            let _ = writeln!(o, "    {}", excerpt(&f.detail));
        }
        if !f.request.method.is_empty() {
            let body = if f.request.body.is_null() {
                "(no body)".to_string()
            } else if let Some(s) = f.request.body.as_str() {
                s.to_string()
            } else {
                f.request.body.to_string()
            };
            let _ = writeln!(o, "    request:   {} {}", f.request.method, excerpt(&body));
            match (f.response.status, &f.response.transport_error) {
                (Some(status), _) => {
                    let _ = writeln!(o, "    response:  {} {}", status, excerpt(&f.response.body));
                }
                (None, Some(e)) => {
                    let _ = writeln!(o, "    response:  none ({e})");
                }
                (None, None) => {}
            }
            let _ = writeln!(o, "    reproduce: {}", excerpt_curl(&f.curl));
        }
    }
    if !report.conflicts.is_empty() {
        let _ = writeln!(
            o,
            "\nContract conflicts (vendor document vs RFC; the RFC rule is checked)"
        );
        for c in &report.conflicts {
            let _ = writeln!(
                o,
                "  {} [{}]\n    vendor: {}\n    rfc:    {}",
                c.member, c.requirement, c.vendor, c.rfc
            );
        }
    }
    let verdict = if s.fail > 0 {
        "FAIL"
    } else if s.warn > 0 {
        "PASS with warnings"
    } else {
        "PASS"
    };
    let _ = writeln!(
        o,
        "\nResult: {verdict} · {} fail, {} warn, {} info, {} pass, {} skip, {} untested requirements · {} findings",
        s.fail, s.warn, s.info, s.pass, s.skip, s.untested, s.findings
    );
    // Padding leaves trailing blanks on rows without findings.
    o.lines().map(str::trim_end).collect::<Vec<_>>().join("\n") + "\n"
}

/// Curl commands are shown whole unless huge; the JSON report always has them whole.
fn excerpt_curl(curl: &str) -> String {
    if curl.len() > 2000 {
        format!(
            "{}... (full command in --report-json)",
            &curl[..curl
                .char_indices()
                .take_while(|(i, _)| *i < 2000)
                .last()
                .map_or(0, |(i, _)| i)]
        )
    } else {
        curl.to_string()
    }
}
