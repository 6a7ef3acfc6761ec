//! The human report, written for a CI log: the rows that did not pass (every row with
//! `-v`), then each finding once with its count, the sentence it is judged by, the smallest
//! request that shows it, a response excerpt and a curl command; one `Result:` line ends it.
//!
//! Owns: the terminal layout and its colours. Must not: judge, or print anything the report
//! model does not hold (secrets are masked before the model is built).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style as Paint};

use crate::checks::rulebook;
use crate::model::{RequirementVerdict, RunReport};
use crate::spec::Severity;

/// How the report is laid out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Decides the `Result:` line as it decides the exit code (`RunReport::outcome`).
    pub deny_warnings: bool,
    /// List every row (with the reason of each SKIP and UNTESTED), not only those that did
    /// not pass.
    pub verbose: bool,
    /// ANSI colours on verdict labels.
    pub color: bool,
}

fn paint(text: &str, paint: Paint, on: bool) -> String {
    if on {
        format!("{paint}{text}{paint:#}")
    } else {
        text.to_string()
    }
}

fn verdict_paint(v: RequirementVerdict) -> Paint {
    match v {
        RequirementVerdict::Fail => AnsiColor::Red.on_default().bold(),
        RequirementVerdict::Warn => AnsiColor::Yellow.on_default().bold(),
        RequirementVerdict::Info => AnsiColor::Cyan.on_default(),
        RequirementVerdict::Pass => AnsiColor::Green.on_default(),
        RequirementVerdict::Skip | RequirementVerdict::Untested => Paint::new().dimmed(),
    }
}

fn severity_paint(s: Severity) -> Paint {
    verdict_paint(match s {
        Severity::Fail => RequirementVerdict::Fail,
        Severity::Warn => RequirementVerdict::Warn,
        Severity::Info => RequirementVerdict::Info,
    })
}

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

/// Renders the report in the default layout, without colour; `deny_warnings` decides the
/// "Result:" line the same way it decides the exit code (`RunReport::outcome`).
pub fn render(report: &RunReport, deny_warnings: bool) -> String {
    render_with(
        report,
        Style {
            deny_warnings,
            ..Style::default()
        },
    )
}

/// Control characters in any text of the report (a server's error code, a response body, a
/// report read back by `merge`) shown as visible symbols, so a target cannot move the cursor,
/// recolour or rewrite the terminal or a CI log. Colour codes are added after this.
fn printable(report: &RunReport) -> std::borrow::Cow<'_, RunReport> {
    fn has_control(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.chars().any(char::is_control),
            serde_json::Value::Array(a) => a.iter().any(has_control),
            serde_json::Value::Object(m) => m.values().any(has_control),
            _ => false,
        }
    }
    fn visible(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.chars().any(char::is_control) => {
                *s = s
                    .chars()
                    .map(|c| match c {
                        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
                        c if c.is_control() => '\u{fffd}',
                        c => c,
                    })
                    .collect();
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(visible),
            serde_json::Value::Object(m) => m.values_mut().for_each(visible),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::to_value(report) else {
        return std::borrow::Cow::Borrowed(report);
    };
    if !has_control(&value) {
        return std::borrow::Cow::Borrowed(report);
    }
    visible(&mut value);
    serde_json::from_value(value)
        .map_or(std::borrow::Cow::Borrowed(report), std::borrow::Cow::Owned)
}

/// Renders the report in `style`.
pub fn render_with(report: &RunReport, style: Style) -> String {
    let report = &*printable(report);
    let mut o = String::new();
    if report.insecure {
        let warning = format!("WARNING: {}", crate::model::INSECURE_WARNING);
        let _ = writeln!(
            o,
            "{}",
            paint(&warning, AnsiColor::Red.on_default().bold(), style.color)
        );
    }
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
    if s.rate_limited > 0 {
        let _ = writeln!(
            o,
            "rate limited: {} answers were 429; dcrcheck waited out Retry-After and retried (RFC 7591 §3 allows rate limits; never judged)",
            s.rate_limited
        );
    }
    if s.truncated > 0 {
        let _ = writeln!(
            o,
            "{} responses were longer than --body-cap and were judged on their status only (raise --body-cap to judge them whole)",
            s.truncated
        );
    }
    if let Some(m) = &report.mcp {
        let _ = writeln!(
            o,
            "MCP discovery ({}, judged by revision {}):",
            m.server, m.revision
        );
        for h in &m.hops {
            let status = h.status.map_or_else(|| "-".to_string(), |s| s.to_string());
            let _ = writeln!(
                o,
                "  {} {} {status} {} ({})",
                h.method, h.url, h.outcome, h.step
            );
        }
    }
    let c = &report.clients;
    if c.cleanup {
        let left = if c.not_deleted > 0 {
            format!(
                "; {} could not be deleted (client_ids in the JSON report's clients.not_deleted_ids)",
                c.not_deleted
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "clients: {} registered, {} deleted through RFC 7592{left}",
            c.created, c.deleted
        );
    } else if c.created > c.deleted && !report.target.embedded {
        // The embedded server goes away with the run, and its clients with it.
        let _ = writeln!(
            o,
            "clients: {} registered and left on the server (client_ids in the JSON report; --cleanup deletes them where the server offers RFC 7592)",
            c.created - c.deleted
        );
    }
    if !report.complete {
        let _ = writeln!(
            o,
            "{}",
            paint(
                "INTERRUPTED: the run was stopped; verdicts cover only the cases that were sent",
                AnsiColor::Yellow.on_default().bold(),
                style.color
            )
        );
    }
    if let Some(p) = &report.partition {
        let _ = writeln!(
            o,
            "partition {p}: one shard of the run (`dcrcheck merge` combines the shards)"
        );
    }
    let _ = writeln!(o, "\nRequirements");
    // Capped: a report read back (merge) may hold any text, and a padding width past u16::MAX
    // panics in `format!`.
    let width = report
        .requirements
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(10)
        .min(32);
    let mut hidden = 0;
    for r in &report.requirements {
        let listed = style.verbose
            || matches!(
                r.verdict,
                RequirementVerdict::Fail | RequirementVerdict::Warn | RequirementVerdict::Info
            );
        if !listed {
            hidden += 1;
            continue;
        }
        let findings = match r.findings {
            0 => String::new(),
            1 => "  1 finding".to_string(),
            n => format!("  {n} findings"),
        };
        let reason = match (&r.reason, r.verdict) {
            (Some(reason), RequirementVerdict::Skip | RequirementVerdict::Untested) => {
                format!("  ({reason})")
            }
            _ => String::new(),
        };
        let label = format!("{:<8}", r.verdict.label());
        let _ = writeln!(
            o,
            "  {} {:<width$}  {:<24} {:<8}{findings}{reason}",
            paint(&label, verdict_paint(r.verdict), style.color),
            r.id,
            r.citation,
            r.level,
        );
    }
    if hidden > 0 {
        let lead = if hidden == report.requirements.len() {
            "no row failed, warned or noted:"
        } else {
            "not listed:"
        };
        let _ = writeln!(
            o,
            "  {lead} {} pass, {} skip, {} untested (-v lists every row, with the reason of each skip)",
            s.pass, s.skip, s.untested
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
            paint(f.severity.label(), severity_paint(f.severity), style.color),
            f.requirement,
            f.check,
            f.title
        );
        if !f.detail.is_empty() {
            let _ = writeln!(o, "    {}", excerpt(&f.detail));
        }
        if let Some(g) = rulebook::ground_for(&f.requirement, report.profile) {
            let _ = writeln!(
                o,
                "    rule:      \"{}\" ({})",
                excerpt(g.sentence),
                g.source
            );
        } else if let Some(r) = crate::spec::requirement(&f.requirement) {
            let _ = writeln!(
                o,
                "    rule:      {} ({})",
                excerpt(r.summary),
                r.citation()
            );
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
    if let Some(b) = &report.baseline {
        let _ = writeln!(
            o,
            "\nBaseline {}: {} accepted, {} new, {} stale, {} expired",
            b.path,
            b.accepted.len(),
            b.new.len(),
            b.stale.len(),
            b.expired.len()
        );
        for a in &b.accepted {
            let _ = writeln!(
                o,
                "  accepted {} {} [{}]: {}",
                a.finding, a.requirement, a.check, a.reason
            );
        }
        if !b.new.is_empty() {
            let _ = writeln!(o, "  new (not in the baseline): {}", b.new.join(", "));
        }
        for m in b.messages() {
            let _ = writeln!(o, "  {m}");
        }
    }
    let outcome = report.outcome(style.deny_warnings);
    let verdict = paint(
        &report.result_label(style.deny_warnings),
        if outcome.exit_code() == crate::exit_code::OK {
            AnsiColor::Green.on_default().bold()
        } else {
            AnsiColor::Red.on_default().bold()
        },
        style.color,
    );
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
