//! The HTML report: one self-contained page a server vendor can publish. Run metadata, the
//! result line, the requirement matrix (filterable by verdict), each finding with its minimal
//! request, the response and a curl command to copy, and the contract conflicts.
//!
//! Owns: the page's markup, its inline style and its inline script. Must not: load anything
//! (no external resource, no network: the Content-Security-Policy forbids it), put report data
//! anywhere but escaped HTML text or double-quoted attribute values (never into the script or
//! the style), or need the script to show the data (without it every row shows).

use std::collections::HashMap;
use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::model::{Finding, RequirementResult, RequirementVerdict, RunOutcome, RunReport};

/// Characters of a request or response body shown; bodies come from the server and can be as
/// long as `--body-cap`, and the JSON report keeps them whole.
const BODY_SHOWN: usize = 64 * 1024;
/// Characters of a curl command shown; a longer command is cut and not offered for copying,
/// since a cut command would not reproduce anything.
const CURL_SHOWN: usize = 256 * 1024;
/// Case names listed per finding.
const CASES_SHOWN: usize = 20;
/// Finding links shown per requirement row.
const LINKS_SHOWN: usize = 12;

/// Filter order: what needs attention first, PASS last.
const VERDICTS: [RequirementVerdict; 6] = [
    RequirementVerdict::Fail,
    RequirementVerdict::Warn,
    RequirementVerdict::Info,
    RequirementVerdict::Skip,
    RequirementVerdict::Untested,
    RequirementVerdict::Pass,
];

const STYLE: &str = r#"
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-alt: #f6f8fa;
  --fail: #b42318; --warn: #9a6700; --info: #0550ae; --pass: #1a7f37; --skip: #6e7781; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  margin: 0 auto; padding: 1.5rem; max-width: 80rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0 0 .4rem; }
h4 { font-size: .95rem; margin: .8rem 0 .2rem; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--bg-alt); border: 1px solid var(--line); padding: .5rem .7rem;
  margin: .2rem 0; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 28rem;
  overflow: auto; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--bg-alt); white-space: nowrap; }
.nw { white-space: nowrap; overflow-wrap: normal; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .5rem 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.result { font-size: 1.3rem; font-weight: 700; margin: .6rem 0; }
.banner { border: 2px solid var(--fail); background: #fff1f0; color: var(--fail);
  padding: .6rem .8rem; font-weight: 700; margin: .8rem 0; }
.v { font-weight: 700; white-space: nowrap; }
.v-fail { color: var(--fail); } .v-warn { color: var(--warn); } .v-info { color: var(--info); }
.v-pass { color: var(--pass); } .v-skip, .v-untested { color: var(--skip); }
.muted { color: var(--muted); }
#verdict-filter { border: 1px solid var(--line); padding: .4rem .7rem; margin: .4rem 0; }
#verdict-filter label { margin-right: 1rem; white-space: nowrap; }
.finding { border: 1px solid var(--line); border-left-width: 4px; padding: .7rem .9rem;
  margin: 1rem 0; break-inside: avoid-page; }
.finding.s-fail { border-left-color: var(--fail); }
.finding.s-warn { border-left-color: var(--warn); }
.finding.s-info { border-left-color: var(--info); }
.copy { margin-left: .5rem; font-size: .85rem; }
@media print {
  body { padding: 0; max-width: none; }
  #verdict-filter, .copy { display: none; }
  /* Paper gets every row, whatever the filter shows on screen. */
  #requirements tr[hidden] { display: table-row; }
  pre { max-height: none; overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Progressive enhancement only: the page is whole without it. It reads nothing but the
/// page's own markup (the curl text is read from the DOM at copy time).
const SCRIPT: &str = r##"
(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var rows = document.querySelectorAll("#requirements tbody tr");
  var boxes = document.querySelectorAll("#verdict-filter input[type=checkbox]");
  var shown = document.getElementById("rows-shown");
  function apply() {
    var on = {};
    each(boxes, function (b) { on[b.value] = b.checked; });
    var n = 0;
    each(rows, function (r) {
      var visible = on[r.getAttribute("data-verdict")] !== false;
      r.hidden = !visible;
      if (visible) { n += 1; }
    });
    if (shown) { shown.textContent = n + " of " + rows.length + " rows shown"; }
  }
  each(boxes, function (b) {
    b.checked = b.getAttribute("data-default") === "on";
    b.addEventListener("change", apply);
  });
  var all = document.getElementById("show-all");
  if (all) {
    all.addEventListener("click", function () {
      each(boxes, function (b) { b.checked = true; });
      apply();
    });
  }
  function reveal() {
    var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target && target.tagName === "TR" && target.hidden) {
      each(boxes, function (b) {
        if (b.value === target.getAttribute("data-verdict")) { b.checked = true; }
      });
      apply();
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  var filter = document.getElementById("verdict-filter");
  if (filter) { filter.hidden = false; }
  apply();
  reveal();

  function select(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  function say(btn, text) {
    btn.textContent = text;
    setTimeout(function () { btn.textContent = "Copy"; }, 2500);
  }
  each(document.querySelectorAll("button.copy"), function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var pre = document.getElementById(btn.getAttribute("data-for"));
      if (!pre) { return; }
      var fallback = function () {
        select(pre);
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        say(btn, ok ? "Copied" : "Selected: press Ctrl+C");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(pre.textContent).then(function () { say(btn, "Copied"); }, fallback);
      } else {
        fallback();
      }
    });
  });
  document.body.dataset.ready = "1";
})();
"##;

/// Escapes text for HTML text and for double-quoted attribute values alike. Control
/// characters other than newline, tab and carriage return become visible stand-ins: they are
/// parse errors in HTML and would otherwise vanish or garble the page.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\n' | '\t' | '\r' => o.push(c),
            '\u{0}'..='\u{1f}' => o.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => o.push('\u{2421}'),
            '\u{80}'..='\u{9f}' => o.push('\u{fffd}'),
            _ => o.push(c),
        }
    }
    o
}

/// The first `max` characters of `s`, and whether anything was cut.
fn cut(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    }
}

/// A `<pre>` of untrusted text, cut at `max` characters with a note saying so. The newline
/// after `<pre>` is there because the parser drops the first one, which may be the text's own.
fn pre(o: &mut String, id: Option<&str>, text: &str, max: usize) {
    let (shown, was_cut) = cut(text, max);
    let id = id.map(|i| format!(" id=\"{i}\"")).unwrap_or_default();
    let _ = writeln!(o, "<pre{id}>\n{}</pre>", escape(shown));
    if was_cut {
        let _ = writeln!(
            o,
            "<p class=\"muted\">Cut at {max} characters of {}; the JSON report has it whole.</p>",
            text.chars().count()
        );
    }
}

/// `'sha256-…'` of an inline element's text, so the policy admits exactly this page's own
/// style and script and nothing else, even if an escaping bug let markup through.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn verdict_class(v: RequirementVerdict) -> &'static str {
    match v {
        RequirementVerdict::Pass => "pass",
        RequirementVerdict::Fail => "fail",
        RequirementVerdict::Warn => "warn",
        RequirementVerdict::Info => "info",
        RequirementVerdict::Skip => "skip",
        RequirementVerdict::Untested => "untested",
    }
}

/// The result line's colour, from the exit code it stands for (so that outcomes added later
/// colour correctly without this reporter knowing them).
fn outcome_class(report: &RunReport, o: RunOutcome) -> &'static str {
    if o.exit_code() != crate::exit_code::OK {
        "v-fail"
    } else if report.has_warn() {
        "v-warn"
    } else {
        "v-pass"
    }
}

fn duration(ms: u64) -> String {
    if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

/// Renders the whole page. The result line is the one without `--deny-warnings`
/// (`RunReport::outcome(false)`): the page describes the server, not a CI gate's policy.
pub fn render(report: &RunReport) -> String {
    let mut o = String::with_capacity(32 * 1024 + report.findings.len() * 4096);
    let outcome = report.outcome(false);
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src 'none'; font-src 'none'; \
         connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; \
         worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    let _ = writeln!(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>");
    let _ = writeln!(o, "<meta charset=\"utf-8\">");
    let _ = writeln!(
        o,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
    );
    let _ = writeln!(o, "<meta name=\"referrer\" content=\"no-referrer\">");
    let _ = writeln!(
        o,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    );
    let _ = writeln!(
        o,
        "<title>dcrcheck {}: {}</title>",
        escape(&report.recorded_result_label()),
        escape(&report.target.url)
    );
    let _ = writeln!(o, "<style>{STYLE}</style>\n</head>\n<body>");

    header(&mut o, report, outcome);
    let anchors: HashMap<&str, usize> = report
        .requirements
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    matrix(&mut o, report);
    findings(&mut o, report, &anchors);
    conflicts(&mut o, report);

    let _ = writeln!(
        o,
        "<footer><p class=\"muted\">Generated by {} {}. Everything above that came from the \
         server is shown as text.</p></footer>",
        escape(&report.tool.name),
        escape(&report.tool.version)
    );
    let _ = writeln!(o, "<script>{SCRIPT}</script>\n</body>\n</html>");
    o
}

fn header(o: &mut String, report: &RunReport, outcome: RunOutcome) {
    let s = &report.summary;
    let _ = writeln!(o, "<header>");
    let _ = writeln!(o, "<h1>dcrcheck conformance report</h1>");
    if !report.complete {
        let _ = writeln!(
            o,
            "<div class=\"banner\" id=\"interrupted\" role=\"alert\">This run was \
             interrupted: verdicts cover only what was sent.</div>"
        );
    }
    if report.insecure {
        let _ = writeln!(
            o,
            "<div class=\"banner\" id=\"insecure\" role=\"alert\">WARNING: {}</div>",
            escape(crate::model::INSECURE_WARNING)
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"result {}\" id=\"result\">Result: {}</p>",
        outcome_class(report, outcome),
        escape(&report.recorded_result_label())
    );
    let _ = writeln!(
        o,
        "<p>{} fail, {} warn, {} info, {} pass, {} skip, {} untested requirements · {} findings</p>",
        s.fail, s.warn, s.info, s.pass, s.skip, s.untested, s.findings
    );
    let _ = writeln!(o, "<dl class=\"meta\">");
    let mut item = |k: &str, v: String| {
        let _ = writeln!(o, "<dt>{k}</dt><dd>{v}</dd>");
    };
    let target = if report.target.embedded {
        format!(
            "<code>{}</code> (embedded reference server)",
            escape(&report.target.url)
        )
    } else {
        format!("<code>{}</code>", escape(&report.target.url))
    };
    item("target", target);
    item("profile", escape(report.profile.name()));
    item("seed", report.seed.to_string());
    if let Some(p) = &report.partition {
        item("partition", format!("<code>{}</code>", escape(p)));
    }
    item(
        "tool",
        format!(
            "{} {}",
            escape(&report.tool.name),
            escape(&report.tool.version)
        ),
    );
    item("duration", duration(s.duration_ms));
    item(
        "traffic",
        format!(
            "{} cases · {} requests · {} transport errors",
            s.cases, s.requests, s.transport_errors
        ),
    );
    if s.rate_limited > 0 {
        item(
            "rate limited",
            format!(
                "{} answers were 429 (RFC 7591 §3 allows rate limits; never judged)",
                s.rate_limited
            ),
        );
    }
    if s.truncated > 0 {
        item(
            "truncated",
            format!(
                "{} responses were longer than --body-cap and were judged on their status only",
                s.truncated
            ),
        );
    }
    let _ = writeln!(o, "</dl>\n</header>");
}

fn matrix(o: &mut String, report: &RunReport) {
    let _ = writeln!(
        o,
        "<section>\n<h2>Requirements ({})</h2>",
        report.requirements.len()
    );
    // Hidden until the script runs: without it the checkboxes could not do anything, and
    // every row shows.
    let _ = writeln!(
        o,
        "<fieldset id=\"verdict-filter\" hidden>\n<legend>Show verdicts</legend>"
    );
    for v in VERDICTS {
        let n = report
            .requirements
            .iter()
            .filter(|r| r.verdict == v)
            .count();
        let default = if v == RequirementVerdict::Pass {
            "off"
        } else {
            "on"
        };
        let checked = if default == "on" { " checked" } else { "" };
        let _ = writeln!(
            o,
            "<label><input type=\"checkbox\" value=\"{c}\" data-default=\"{default}\"{checked}> \
             <span class=\"v v-{c}\">{}</span> ({n})</label>",
            v.label(),
            c = verdict_class(v),
        );
    }
    let _ = writeln!(
        o,
        "<button type=\"button\" id=\"show-all\">Show all</button> \
         <span class=\"muted\" id=\"rows-shown\"></span>\n</fieldset>"
    );
    let _ = writeln!(
        o,
        "<table id=\"requirements\">\n<thead><tr><th>verdict</th><th>id</th><th>level</th>\
         <th>citation</th><th>reason</th><th>findings</th></tr></thead>\n<tbody>"
    );
    // What needs attention first; `req-N` keeps the report's index, which findings link to.
    let mut rows: Vec<(usize, &RequirementResult)> =
        report.requirements.iter().enumerate().collect();
    rows.sort_by_key(|(_, r)| VERDICTS.iter().position(|v| *v == r.verdict));
    for (i, r) in rows {
        let linked: Vec<(usize, &Finding)> = report
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.requirement == r.id)
            .collect();
        let mut cell = linked.len().to_string();
        if !linked.is_empty() {
            let links: Vec<String> = linked
                .iter()
                .take(LINKS_SHOWN)
                .map(|(n, f)| format!("<a href=\"#finding-{n}\">{}</a>", escape(&f.id)))
                .collect();
            let more = linked.len().saturating_sub(LINKS_SHOWN);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let _ = write!(cell, ": {}{more}", links.join(", "));
        }
        let c = verdict_class(r.verdict);
        let _ = writeln!(
            o,
            "<tr id=\"req-{i}\" data-verdict=\"{c}\"><td class=\"v v-{c}\">{}</td>\
             <td class=\"nw\"><code>{}</code></td><td class=\"nw\">{}</td><td>{}</td><td>{}</td>\
             <td>{cell}</td></tr>",
            r.verdict.label(),
            escape(&r.id),
            escape(&r.level),
            escape(&r.citation),
            escape(r.reason.as_deref().unwrap_or("")),
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>\n</section>");
}

fn findings(o: &mut String, report: &RunReport, anchors: &HashMap<&str, usize>) {
    let _ = writeln!(
        o,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>",
        report.findings.len()
    );
    if report.findings.is_empty() {
        let _ = writeln!(o, "<p>No findings.</p>\n</section>");
        return;
    }
    // An index first: with many findings, the sections below are long.
    let _ = writeln!(
        o,
        "<table>\n<thead><tr><th>id</th><th>severity</th><th>requirement</th><th>title</th>\
         <th>cases</th></tr></thead>\n<tbody>"
    );
    for (n, f) in report.findings.iter().enumerate() {
        let s = f.severity.as_str();
        let _ = writeln!(
            o,
            "<tr><td><a href=\"#finding-{n}\">{}</a></td><td class=\"v v-{s}\">{}</td>\
             <td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(&f.id),
            f.severity.label(),
            escape(&f.requirement),
            escape(&f.title),
            f.count
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>");
    for (n, f) in report.findings.iter().enumerate() {
        finding(o, n, f, anchors);
    }
    let _ = writeln!(o, "</section>");
}

fn finding(o: &mut String, n: usize, f: &Finding, anchors: &HashMap<&str, usize>) {
    let s = f.severity.as_str();
    let _ = writeln!(
        o,
        "<article class=\"finding s-{s}\" id=\"finding-{n}\">\n<h3><span class=\"v v-{s}\">{}</span> \
         {} · {}</h3>",
        f.severity.label(),
        escape(&f.id),
        escape(&f.title)
    );
    let requirement = match anchors.get(f.requirement.as_str()) {
        Some(i) => format!(
            "<a href=\"#req-{i}\"><code>{}</code></a>",
            escape(&f.requirement)
        ),
        None => format!("<code>{}</code>", escape(&f.requirement)),
    };
    let _ = writeln!(
        o,
        "<dl class=\"meta\"><dt>requirement</dt><dd>{requirement}</dd><dt>check</dt>\
         <dd><code>{}</code></dd><dt>seen in</dt><dd>{} {}</dd></dl>",
        escape(&f.check),
        f.count,
        if f.count == 1 { "case" } else { "cases" }
    );
    if !f.detail.is_empty() {
        let _ = writeln!(o, "<h4>Detail</h4>");
        pre(o, None, &f.detail, BODY_SHOWN);
    }
    if !f.cases.is_empty() {
        let listed: Vec<String> = f
            .cases
            .iter()
            .take(CASES_SHOWN)
            .map(|c| format!("<code>{}</code>", escape(c)))
            .collect();
        let more = f.cases.len().saturating_sub(CASES_SHOWN);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let _ = writeln!(o, "<p>Cases: {}{more}</p>", listed.join(", "));
    }
    if !f.request.method.is_empty() {
        let _ = writeln!(o, "<h4>Minimal request</h4>");
        let mut head = format!("{} {}\n", f.request.method, f.request.url);
        for (k, v) in &f.request.headers {
            let _ = writeln!(head, "{k}: {v}");
        }
        pre(o, None, head.trim_end(), BODY_SHOWN);
        let body = if f.request.body.is_null() {
            "(no body)".to_string()
        } else if let Some(text) = f.request.body.as_str() {
            // A raw (non-JSON) payload is carried as a JSON string: show it as sent.
            text.to_string()
        } else {
            serde_json::to_string_pretty(&f.request.body)
                .unwrap_or_else(|_| f.request.body.to_string())
        };
        pre(o, None, &body, BODY_SHOWN);
    }
    let _ = writeln!(o, "<h4>Response</h4>");
    match (f.response.status, &f.response.transport_error) {
        (Some(status), _) => {
            let mut head = format!("status {status}\n");
            for (k, v) in &f.response.headers {
                let _ = writeln!(head, "{k}: {v}");
            }
            pre(o, None, head.trim_end(), BODY_SHOWN);
            if f.response.body.is_empty() {
                let _ = writeln!(o, "<p class=\"muted\">(empty body)</p>");
            } else {
                pre(o, None, &f.response.body, BODY_SHOWN);
            }
        }
        (None, Some(e)) => {
            let _ = writeln!(o, "<p>No response: {}</p>", escape(e));
        }
        (None, None) => {
            let _ = writeln!(o, "<p class=\"muted\">(no exchange recorded)</p>");
        }
    }
    if !f.curl.is_empty() {
        let (_, too_long) = cut(&f.curl, CURL_SHOWN);
        let button = if too_long {
            String::new()
        } else {
            format!(
                "<button type=\"button\" class=\"copy\" data-for=\"curl-{n}\" hidden>Copy</button>"
            )
        };
        let _ = writeln!(o, "<h4>Reproduce{button}</h4>");
        pre(o, Some(&format!("curl-{n}")), &f.curl, CURL_SHOWN);
    }
    let _ = writeln!(o, "</article>");
}

fn conflicts(o: &mut String, report: &RunReport) {
    if report.conflicts.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<section id=\"conflicts\">\n<h2>Contract conflicts ({})</h2>\n<p>Statements of the \
         vendor document that the RFC contradicts; the RFC rule is checked.</p>\n<table>\n\
         <thead><tr><th>member</th><th>vendor document</th><th>RFC</th><th>requirement</th>\
         </tr></thead>\n<tbody>",
        report.conflicts.len()
    );
    for c in &report.conflicts {
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape(&c.member),
            escape(&c.vendor),
            escape(&c.rfc),
            escape(&c.requirement)
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>\n</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_shows_control_characters() {
        let e = escape("<a href=\"x\" onclick='y'>&\u{1}\u{7f}\u{85}\n");
        assert_eq!(
            e,
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;\u{2401}\u{2421}\u{fffd}\n"
        );
    }

    #[test]
    fn cutting_respects_character_boundaries() {
        assert_eq!(cut("héllo", 2), ("hé", true));
        assert_eq!(cut("hé", 2), ("hé", false));
    }

    #[test]
    fn the_policy_names_the_hashes_of_the_style_and_script_shipped() {
        let r = csp_hash("x");
        assert!(r.starts_with("'sha256-") && r.ends_with('\''), "{r}");
        // The page must carry exactly these texts, or the browser would refuse them.
        assert!(!STYLE.contains("</style") && !SCRIPT.contains("</script"));
    }
}
