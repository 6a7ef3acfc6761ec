//! The Markdown summary: sized for a CI job summary (`$GITHUB_STEP_SUMMARY`, which GitHub caps
//! at 1 MiB per step). The result line, the counts, the requirements that did not pass, the
//! ids of those that did, and as many findings as fit in [`MAX_BYTES`].
//!
//! Owns: the summary's layout and its size budget. Must not: exceed [`MAX_BYTES`], let text
//! from the server become Markdown or HTML (every such text is escaped or fenced), or drop a
//! finding without saying how many were left out.

use std::fmt::Write as _;

use crate::model::{Finding, RequirementResult, RequirementVerdict, RunReport};

/// The whole summary's ceiling in bytes: well under GitHub's 1 MiB per step, so that other
/// steps of the job still have room.
pub const MAX_BYTES: usize = 64 * 1024;
/// Room kept for the closing line that says how much was left out.
const TRAILER_ROOM: usize = 512;
/// Characters kept of a table cell (reasons can be long).
const CELL_CHARS: usize = 200;
/// Characters kept of a finding's title.
const TITLE_CHARS: usize = 200;
/// Characters kept of a finding's detail.
const DETAIL_CHARS: usize = 800;
/// Characters kept of a curl command.
const CURL_CHARS: usize = 4000;

/// Table order: what needs attention first.
fn rank(v: RequirementVerdict) -> u8 {
    match v {
        RequirementVerdict::Fail => 0,
        RequirementVerdict::Warn => 1,
        RequirementVerdict::Info => 2,
        RequirementVerdict::Skip => 3,
        RequirementVerdict::Untested => 4,
        RequirementVerdict::Pass => 5,
    }
}

/// The first `max` characters of `s`, with an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Escapes text for inline Markdown, table cells included: HTML metacharacters become
/// entities, Markdown punctuation is backslash-escaped, and line breaks become spaces (a
/// newline would end a table row).
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\\' | '`' | '|' | '*' | '_' | '[' | ']' | '~' | '#' | '!' | '{' | '}' => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' | '\t' => o.push(' '),
            c if c.is_control() => o.push('\u{fffd}'),
            _ => o.push(c),
        }
    }
    o
}

fn cell(s: &str) -> String {
    escape(&cut(s, CELL_CHARS))
}

/// A fenced code block for `text`: the fence is longer than any run of backticks in the text,
/// so nothing in it can close the block early.
fn fenced(text: &str, info: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let body: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    format!("{fence}{info}\n{body}\n{fence}\n")
}

/// Renders the summary; never longer than [`MAX_BYTES`].
pub fn render(report: &RunReport) -> String {
    let mut o = String::with_capacity(MAX_BYTES);
    let s = &report.summary;
    let _ = writeln!(
        o,
        "## dcrcheck · Result: {}\n",
        report.recorded_result_label()
    );
    let embedded = if report.target.embedded {
        " (embedded reference server)"
    } else {
        ""
    };
    let partition = report
        .partition
        .as_deref()
        .map(|p| format!(" · partition {}", escape(&cut(p, 100))))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "Target {}{embedded} · profile {} · seed {}{partition} · {} {}\n",
        escape(&cut(&report.target.url, 500)),
        report.profile.name(),
        report.seed,
        escape(&cut(&report.tool.name, 100)),
        escape(&cut(&report.tool.version, 100)),
    );
    let _ = writeln!(
        o,
        "**{} fail** · {} warn · {} info · {} pass · {} skip · {} untested requirements · \
         **{} findings** · {} cases, {} requests, {} transport errors in {} ms\n",
        s.fail,
        s.warn,
        s.info,
        s.pass,
        s.skip,
        s.untested,
        s.findings,
        s.cases,
        s.requests,
        s.transport_errors,
        s.duration_ms
    );
    if !report.complete {
        let _ = writeln!(
            o,
            "> **This run was interrupted: verdicts cover only what was sent.**\n"
        );
    }
    if report.insecure {
        let _ = writeln!(
            o,
            "> [!WARNING]\n> **{}**\n",
            escape(crate::model::INSECURE_WARNING)
        );
    }

    let budget = MAX_BYTES - TRAILER_ROOM;
    let mut left_out_rows = 0;
    let mut not_passing: Vec<&RequirementResult> = report
        .requirements
        .iter()
        .filter(|r| r.verdict != RequirementVerdict::Pass)
        .collect();
    not_passing.sort_by_key(|r| rank(r.verdict));
    if not_passing.is_empty() {
        let _ = writeln!(o, "Every requirement passed.\n");
    } else {
        let _ = writeln!(
            o,
            "### Requirements not passing ({})\n\n| id | level | verdict | findings | citation | reason |\n|---|---|---|---|---|---|",
            not_passing.len()
        );
        for r in &not_passing {
            let row = format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&r.id),
                cell(&r.level),
                r.verdict.label(),
                r.findings,
                cell(&r.citation),
                cell(r.reason.as_deref().unwrap_or("")),
            );
            if o.len() + row.len() > budget {
                left_out_rows += 1;
            } else {
                o.push_str(&row);
            }
        }
        o.push('\n');
    }

    let passing: Vec<String> = report
        .requirements
        .iter()
        .filter(|r| r.verdict == RequirementVerdict::Pass)
        .map(|r| escape(&cut(&r.id, 80)))
        .collect();
    if !passing.is_empty() {
        let block = format!(
            "<details><summary>PASS: {} requirements</summary>\n\n{}\n\n</details>\n\n",
            passing.len(),
            passing.join(", ")
        );
        if o.len() + block.len() <= budget {
            o.push_str(&block);
        }
    }

    let mut shown = 0;
    if !report.findings.is_empty() {
        let _ = writeln!(o, "### Findings ({})\n", report.findings.len());
    }
    for f in &report.findings {
        let block = finding(f);
        if o.len() + block.len() > budget {
            // Later findings may be shorter, but skipping around would make "the first N
            // findings" false; stop at the first that does not fit.
            break;
        }
        o.push_str(&block);
        shown += 1;
    }
    let left_out = report.findings.len() - shown;
    if left_out > 0 || left_out_rows > 0 {
        let rows = if left_out_rows > 0 {
            format!(" and {left_out_rows} requirement rows")
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "**{left_out} of {} findings{rows} left out** to keep this summary under {} KiB: \
             see the JSON or HTML report for all of them.",
            report.findings.len(),
            MAX_BYTES / 1024
        );
    }
    o
}

fn finding(f: &Finding) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "#### {} · {} · {} — {}\n",
        escape(&cut(&f.id, 40)),
        f.severity.label(),
        escape(&cut(&f.requirement, 80)),
        escape(&cut(&f.title, TITLE_CHARS))
    );
    if !f.detail.is_empty() {
        let _ = writeln!(o, "{}\n", escape(&cut(&f.detail, DETAIL_CHARS)));
    }
    let _ = writeln!(
        o,
        "{} {} · check {}\n",
        f.count,
        if f.count == 1 { "case" } else { "cases" },
        escape(&cut(&f.check, 80))
    );
    if !f.curl.is_empty() {
        let curl = cut(&f.curl, CURL_CHARS);
        let note = if curl.len() < f.curl.len() {
            " (cut: the JSON report has it whole)"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "<details><summary>reproduce with curl{note}</summary>\n\n{}\n</details>\n",
            fenced(&curl, "sh")
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_table_cells_whole_and_markup_inert() {
        assert_eq!(escape("a|b\n`c` <i>&"), "a\\|b \\`c\\` &lt;i&gt;&amp;");
    }

    #[test]
    fn a_fence_outlasts_the_backticks_inside_it() {
        let block = fenced("echo ````x````", "sh");
        assert!(block.starts_with("`````sh\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
        assert_eq!(fenced("x", ""), "```\nx\n```\n");
    }

    #[test]
    fn cutting_marks_the_cut() {
        assert_eq!(cut("héllo", 2), "hé…");
        assert_eq!(cut("hé", 2), "hé");
    }
}
