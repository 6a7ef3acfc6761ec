//! JUnit XML for CI: one test case per requirement (stable names), a `<failure>` for a
//! server's violation; transport problems are `<error>`s.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::run::{RequirementVerdict, RunReport};

pub fn render(report: &RunReport) -> String {
    let mut junit = Report::new("dcrcheck");
    let mut suite = TestSuite::new(format!("dcrcheck.{}", report.profile.name()));
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
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- junit serialisation failed: {e} -->\n"))
}
