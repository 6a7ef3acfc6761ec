//! JUnit XML for CI: one test case per requirement (stable names), a `<failure>` for a
//! server's violation; transport problems are `<error>`s.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::model::{RequirementVerdict, RunReport};

pub fn render(report: &RunReport) -> String {
    let mut junit = Report::new("dcrcheck");
    let mut suite = TestSuite::new(format!("dcrcheck.{}", report.profile.name()));
    // What a CI page needs to rerun the same cases: the seed, target, profile and version.
    let properties = [
        ("seed", report.seed.to_string()),
        ("target", report.target.url.clone()),
        ("profile", report.profile.name().to_string()),
        ("dcrcheck.version", report.tool.version.clone()),
        ("complete", report.complete.to_string()),
    ];
    for (name, value) in properties {
        suite.add_property(Property::new(name, value));
    }
    if let Some(p) = &report.partition {
        suite.add_property(Property::new("partition", p.clone()));
    }
    if report.insecure {
        // A property for tools that read them, and system-err for CI pages that show it.
        suite.add_property(Property::new("insecure", "true"));
        suite.set_system_err(format!("WARNING: {}", crate::model::INSECURE_WARNING));
    }
    for r in &report.requirements {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.requirement == r.id)
            .collect();
        let transport = findings
            .iter()
            .any(|f| f.response.transport_error.is_some());
        let status = match r.verdict {
            RequirementVerdict::Fail => {
                let kind = if transport {
                    NonSuccessKind::Error
                } else {
                    NonSuccessKind::Failure
                };
                let mut s = TestCaseStatus::non_success(kind);
                s.set_message(
                    findings
                        .iter()
                        .map(|f| f.title.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                s.set_description(
                    findings
                        .iter()
                        .map(|f| {
                            format!(
                                "{} ({}x)\n{}\nreproduce with: {}",
                                f.title, f.count, f.detail, f.curl
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n\n"),
                );
                s
            }
            RequirementVerdict::Skip | RequirementVerdict::Untested => {
                let mut s = TestCaseStatus::skipped();
                if let Some(reason) = &r.reason {
                    s.set_message(reason.clone());
                }
                s
            }
            _ => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(format!("{} {}", r.id, r.citation), status);
        case.set_classname(format!("dcrcheck.{}", report.profile.name()));
        if matches!(
            r.verdict,
            RequirementVerdict::Warn | RequirementVerdict::Info
        ) {
            let text: Vec<String> = findings
                .iter()
                .map(|f| format!("{}: {} ({}x)", f.severity.label(), f.title, f.count))
                .collect();
            case.set_system_out(text.join("\n"));
        }
        suite.add_test_case(case);
    }
    junit.add_test_suite(suite);
    let xml = junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- junit serialisation failed: {e} -->\n"));
    // U+FFFE and U+FFFF are not XML characters, and a server can put them in any text a
    // finding quotes; strict parsers reject the whole file for one of them.
    xml.replace(['\u{fffe}', '\u{ffff}'], "\u{fffd}")
}
