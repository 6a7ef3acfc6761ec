//! The HTML and Markdown reporters, fed real runs against the embedded reference server (some
//! reports then altered to carry hostile text, to lose their end, or to grow 2,000 findings).
//!
//! With `DCRCHECK_WRITE_HTML` set, also writes example reports for `scripts/check-html.sh`:
//! `report-example.html` (a real run with defects), `report-example-hostile.html` and
//! `report-example.md` in the target directory, or beside the path the variable names.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use dcrcheck::profile::Profile;
use dcrcheck::report::{html, markdown};
use dcrcheck::run::{Conflict, RequirementVerdict, RunReport};
use dcrcheck::server::Defect;

use crate::support::run_against_server;

/// Two MUST violations and two SHOULD ones, so the report has FAIL, WARN and PASS rows.
const DEFECTS: &[Defect] = &[
    Defect::Status500OnMalformedJson,
    Defect::AcceptHttpRedirect,
    Defect::NoCacheControl,
    Defect::UnknownErrorCode,
];

const SCRIPT_TAG: &str = "<script>alert(1)</script>";
const ATTRIBUTE_BREAK: &str = "\"><img src=x onerror=alert(1)>";

/// One real run shared by every test here: the reporters only read it.
fn defective_run() -> RunReport {
    static REPORT: OnceLock<RunReport> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(run_against_server(Profile::Rfc7591, 42, 40, DEFECTS))
        })
        .clone()
}

/// Tag names of the page's markup. Report text has every `<` escaped, so any `<` left is the
/// reporter's own markup.
fn tag_names(page: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with("!DOCTYPE") {
            continue;
        }
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "a bare `<` in the page: {:.80}", rest);
        names.push(name.to_ascii_lowercase());
    }
    names
}

/// The only elements the reporter writes; an injected one (`img`, a second `script`...) fails.
const TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "footer", "section", "article",
    "h1", "h2", "h3", "h4", "div", "p", "dl", "dt", "dd", "code", "pre", "span", "a", "table",
    "thead", "tbody", "tr", "th", "td", "fieldset", "legend", "label", "input", "button", "script",
];

fn assert_only_own_markup(page: &str) {
    let names = tag_names(page);
    let foreign: BTreeSet<&String> = names
        .iter()
        .filter(|n| !TAGS.contains(&n.as_str()))
        .collect();
    assert!(foreign.is_empty(), "foreign elements: {foreign:?}");
    assert_eq!(
        page.matches("<script").count(),
        1,
        "exactly the reporter's own script"
    );
}

/// Splits a Markdown table row on its unescaped pipes.
fn cells(row: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '|' if !escaped => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
        escaped = c == '\\' && !escaped;
    }
    // Drop the empty text before the leading pipe and after the trailing one.
    out.remove(0);
    out.pop();
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The rows of the Markdown "not passing" table, as cells.
fn not_passing_table(md: &str) -> Vec<Vec<String>> {
    let mut lines = md
        .lines()
        .skip_while(|l| !l.starts_with("### Requirements not passing"))
        .skip(1)
        .skip_while(|l| l.is_empty());
    let header = lines.next().unwrap_or_default();
    assert_eq!(
        cells(header),
        ["id", "level", "verdict", "findings", "citation", "reason"]
    );
    assert_eq!(lines.next(), Some("|---|---|---|---|---|---|"));
    lines
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let row = cells(l);
            assert_eq!(row.len(), 6, "a row that lost its shape: {l}");
            row
        })
        .collect()
}

/// Markdown outside fenced code blocks (inside them `<` is shown literally, never rendered).
fn outside_fences(md: &str) -> String {
    let mut fence: Option<String> = None;
    let mut out = String::new();
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        match &fence {
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                out.push_str(line);
                out.push('\n');
            }
            Some(open) if ticks.len() >= open.len() && line.trim_end() == ticks => fence = None,
            Some(_) => {}
        }
    }
    assert!(fence.is_none(), "an unclosed code fence");
    out
}

fn hostile(mut report: RunReport) -> RunReport {
    let payload = format!("{SCRIPT_TAG} {ATTRIBUTE_BREAK} | pipe\nsecond `line`");
    report.target.url = format!("https://evil.example/{ATTRIBUTE_BREAK}");
    report.target.embedded = false;
    report.partition = Some(format!("hash:1/2{SCRIPT_TAG}"));
    let f = report.findings.first_mut().expect("a finding to alter");
    f.title = payload.clone();
    f.detail = payload.clone();
    f.check = ATTRIBUTE_BREAK.into();
    f.cases = vec![payload.clone()];
    f.request.url = format!("https://evil.example/{SCRIPT_TAG}");
    f.request
        .headers
        .insert("x-evil".into(), ATTRIBUTE_BREAK.into());
    f.request.body = serde_json::json!({ "client_name": payload, "logo_uri": ATTRIBUTE_BREAK });
    f.response.body = payload.clone();
    f.response
        .headers
        .insert("content-type".into(), format!("text/html{ATTRIBUTE_BREAK}"));
    f.curl = format!("curl -d '{payload} ``` ````'");
    let requirement = f.requirement.clone();
    let row = report
        .requirements
        .iter_mut()
        .find(|r| r.id == requirement)
        .expect("the finding's row");
    row.reason = Some(payload.clone());
    row.citation = ATTRIBUTE_BREAK.into();
    report.conflicts.push(Conflict {
        member: SCRIPT_TAG.into(),
        vendor: ATTRIBUTE_BREAK.into(),
        rfc: payload,
        requirement: "R7591-2-a".into(),
    });
    report
}

/// Writes the example reports `scripts/check-html.sh` is tried on, when asked to.
fn maybe_write_examples(real: &RunReport) {
    let Some(wanted) = std::env::var_os("DCRCHECK_WRITE_HTML") else {
        return;
    };
    let wanted = PathBuf::from(wanted);
    let html_path = if wanted.extension().is_some_and(|e| e == "html") {
        wanted
    } else {
        // CARGO_TARGET_TMPDIR is `<target>/tmp`.
        PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("target directory")
            .join("report-example.html")
    };
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text).expect("write example");
        eprintln!("wrote {}", path.display());
    };
    write(html_path.clone(), html::render(real));
    write(
        html_path.with_file_name("report-example-hostile.html"),
        html::render(&hostile(real.clone())),
    );
    write(
        html_path.with_file_name("report-example.md"),
        markdown::render(real),
    );
}

#[test]
fn both_formats_name_every_failing_row_and_every_finding_of_a_real_run() {
    let report = defective_run();
    maybe_write_examples(&report);
    let fail: Vec<&str> = report
        .requirements
        .iter()
        .filter(|r| r.verdict == RequirementVerdict::Fail)
        .map(|r| r.id.as_str())
        .collect();
    assert!(fail.len() >= 2, "the defects fail rows: {fail:?}");
    assert!(report.has_warn() && report.summary.pass > 0);
    assert!(!report.findings.is_empty());

    let page = html::render(&report);
    let md = markdown::render(&report);
    assert!(page.contains("Result: FAIL") && md.contains("Result: FAIL"));
    assert_only_own_markup(&page);

    // Every row is in the HTML matrix, under its verdict, with its findings counted.
    assert_eq!(
        page.matches("<tr id=\"req-").count(),
        report.requirements.len()
    );
    for (i, r) in report.requirements.iter().enumerate() {
        let linked = report
            .findings
            .iter()
            .filter(|f| f.requirement == r.id)
            .count();
        let start = page
            .find(&format!("<tr id=\"req-{i}\" "))
            .expect("row present");
        let line = page[start..].lines().next().unwrap_or_default();
        assert!(
            line.contains(&format!("<code>{}</code>", html::escape(&r.id))),
            "{line}"
        );
        assert!(
            line.contains(&format!(
                "data-verdict=\"{}\"",
                r.verdict.label().to_lowercase()
            )),
            "{line}"
        );
        let cell = if linked == 0 {
            "<td>0</td></tr>".to_string()
        } else {
            format!("<td>{linked}: <a href=\"#finding-")
        };
        assert!(line.contains(&cell), "{linked} findings: {line}");
    }
    // The matrix lists what needs attention first.
    let first = |verdict: &str| {
        page.find(&format!("data-verdict=\"{verdict}\""))
            .expect(verdict)
    };
    assert!(first("fail") < first("warn") && first("warn") < first("pass"));
    for f in &report.findings {
        assert!(
            page.contains(&format!(
                "{} · {}</h3>",
                html::escape(&f.id),
                html::escape(&f.title)
            )),
            "finding {} in the HTML",
            f.id
        );
        assert!(
            md.contains(&format!("#### {} · {}", f.id, f.severity.label())),
            "finding {} in the Markdown",
            f.id
        );
    }

    // The Markdown table holds exactly the rows that did not pass, FAIL first.
    let table = not_passing_table(&md);
    let in_table: BTreeSet<&str> = table.iter().map(|r| r[0].as_str()).collect();
    let not_pass: BTreeSet<String> = report
        .requirements
        .iter()
        .filter(|r| r.verdict != RequirementVerdict::Pass)
        .map(|r| markdown::escape(&r.id))
        .collect();
    assert_eq!(
        in_table,
        not_pass.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    for r in &report.requirements {
        let id = markdown::escape(&r.id);
        if r.verdict == RequirementVerdict::Pass {
            assert!(
                !in_table.contains(id.as_str()),
                "PASS row {id} in the table"
            );
        }
    }
    for id in &fail {
        let row = table
            .iter()
            .find(|r| r[0] == markdown::escape(id))
            .expect("FAIL row in the table");
        assert_eq!(row[2], "FAIL");
    }
    assert_eq!(table[0][2], "FAIL", "FAIL rows come first");
    let passing = md
        .split("<summary>PASS: ")
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .expect("the PASS list");
    for r in report
        .requirements
        .iter()
        .filter(|r| r.verdict == RequirementVerdict::Pass)
    {
        assert!(passing.contains(&markdown::escape(&r.id)), "{}", r.id);
    }
}

#[test]
fn text_from_the_server_is_escaped_in_both_formats() {
    let report = hostile(defective_run());
    let page = html::render(&report);
    assert_only_own_markup(&page);
    for raw in [
        SCRIPT_TAG,
        ATTRIBUTE_BREAK,
        "<img",
        "\"><img",
        "onerror=alert(1)>",
    ] {
        assert!(!page.contains(raw), "raw {raw:?} in the HTML");
    }
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // The script is the reporter's own, with no report data in it.
    let script = page
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("the script");
    assert!(!script.contains("alert") && !script.contains("evil"));

    let md = markdown::render(&report);
    let prose = outside_fences(&md);
    for raw in ["<script", "<img", "\"><"] {
        assert!(!prose.contains(raw), "raw {raw:?} in the Markdown");
    }
    assert!(prose.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(prose.contains("\\| pipe"));
    // The pipe and the newline in the reason did not break the row: it still has six cells.
    let row = not_passing_table(&md)
        .into_iter()
        .find(|r| r[5].contains("pipe"))
        .expect("the altered row");
    assert!(row[5].contains("\\| pipe second \\`line\\`"), "{row:?}");
    // The curl, backticks and all, stays whole inside one fence.
    let curl = &report.findings[0].curl;
    assert!(md.contains(&format!("`````sh\n{curl}\n`````\n")), "{md}");
}

#[test]
fn a_report_with_2000_long_findings_keeps_the_markdown_under_64_kib() {
    let mut report = defective_run();
    let template = report.findings[0].clone();
    report.findings = (0..2000)
        .map(|i| {
            let mut f = template.clone();
            f.id = format!("F{}", i + 1);
            f.title = format!("long title {i} ").repeat(40);
            f.detail = "detail | with <markup> ".repeat(300);
            f.curl = format!("curl -d '{}'", "x".repeat(20_000));
            f
        })
        .collect();
    report.summary.findings = 2000;
    let md = markdown::render(&report);
    assert!(
        md.len() <= markdown::MAX_BYTES && markdown::MAX_BYTES == 64 * 1024,
        "{} bytes",
        md.len()
    );
    let shown = md.lines().filter(|l| l.starts_with("#### F")).count();
    assert!(shown > 0 && shown < 2000, "{shown} findings shown");
    let last = md.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!(
            "**{} of 2000 findings left out** to keep this summary under 64 KiB: see the JSON or \
             HTML report for all of them.",
            2000 - shown
        )
    );
    // The findings shown are the first ones, in order.
    assert!(
        md.contains(&format!("#### F{shown} ·")) && !md.contains(&format!("#### F{} ·", shown + 1))
    );

    // The HTML has no budget: every finding is there.
    let page = html::render(&report);
    assert!(page.contains("id=\"finding-1999\""));
}

#[test]
fn an_interrupted_run_says_so_in_both_formats() {
    let phrase = "interrupted: verdicts cover only what was sent";
    let mut report = defective_run();
    assert!(report.complete);
    assert!(!html::render(&report).contains(phrase));
    assert!(!markdown::render(&report).contains(phrase));
    report.complete = false;
    let page = html::render(&report);
    assert!(page.contains(&format!("role=\"alert\">This run was {phrase}")));
    // Above the result line, where it cannot be missed.
    assert!(page.find(phrase).expect("banner") < page.find("id=\"result\"").expect("result"));
    let md = markdown::render(&report);
    assert!(md.contains(&format!("> **This run was {phrase}.**")));
    assert!(md.find(phrase).expect("note") < md.find("### Requirements").expect("table"));
}

#[test]
fn the_html_loads_nothing() {
    let real = defective_run();
    assert!(real.target.url.starts_with("http://127.0.0.1:"));
    for report in [real.clone(), hostile(real.clone())] {
        let page = html::render(&report);
        let csp = page
            .split("http-equiv=\"Content-Security-Policy\" content=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a Content-Security-Policy meta");
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(!csp.contains("unsafe") && !csp.contains(':'), "{csp}");
        for directive in [
            "style-src 'sha256-",
            "script-src 'sha256-",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{csp}");
        }
        // Every URL-bearing attribute of the page is an in-page anchor. (`"` in report text is
        // always `&quot;`, so `src="` can only be the reporter's own.)
        for attribute in [
            " src=\"",
            " href=\"",
            " action=\"",
            " srcset=\"",
            " data=\"",
        ] {
            for value in page.split(attribute).skip(1) {
                assert!(value.starts_with('#'), "{attribute}{value:.60}");
            }
        }
        for load in [
            "url(", "@import", "<link", "<img", "<iframe", "<object", "<embed",
        ] {
            assert!(!page.contains(load), "{load}");
        }
        // Every URL in the page is text between tags, never inside one.
        for scheme in ["http://", "https://"] {
            let mut from = 0;
            while let Some(i) = page[from..].find(scheme) {
                let at = from + i;
                let open = page[..at].rfind('<');
                let close = page[..at].rfind('>');
                assert!(close > open, "a URL inside a tag: {:.80}", &page[at..]);
                from = at + scheme.len();
            }
        }
        assert!(page.contains(&format!(
            "<code>{}</code>",
            html::escape(&report.target.url)
        )));
    }
}

#[test]
fn without_the_script_every_row_shows_and_pass_rows_are_only_unchecked_by_default() {
    let page = html::render(&defective_run());
    // No row is hidden in the markup; only the script hides the rows whose box is unchecked.
    assert!(
        !page.contains("<tr id=\"req-0\" hidden") && !page.contains("data-verdict=\"pass\" hidden")
    );
    assert!(page.contains("<fieldset id=\"verdict-filter\" hidden>"));
    assert!(page.contains("value=\"pass\" data-default=\"off\">"));
    assert!(page.contains("value=\"fail\" data-default=\"on\" checked>"));
    // Each filter shows its count of rows.
    let report = defective_run();
    let fails = report
        .requirements
        .iter()
        .filter(|r| r.verdict == RequirementVerdict::Fail)
        .count();
    assert!(page.contains(&format!(
        "<span class=\"v v-fail\">FAIL</span> ({fails})</label>"
    )));
    // Copy buttons point at the curl they copy.
    for n in 0..report.findings.len() {
        assert!(page.contains(&format!("data-for=\"curl-{n}\"")));
        assert!(page.contains(&format!("<pre id=\"curl-{n}\">")));
    }
}
