//! Merging the JSON reports of a partitioned run's shards (`run --partition hash:M/N`) into
//! the report of the whole run.
//!
//! Owns: reading shard reports, refusing sets of reports that are not all the shards of one
//! run, and combining rows, findings and counts. Must not: judge anything anew (a merged row
//! is the worst of its shards' verdicts), send anything, or render (the caller hands the
//! merged `RunReport` to the reporters).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::aggregate::CASES_PER_FINDING;
use crate::generate::select::Partition;
use crate::model::{Finding, RequirementResult, RequirementVerdict, RunReport};
use crate::run::{count_verdicts, number_findings};

/// Why shard reports cannot be merged. One line each; the binary exits 2.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Read(#[from] crate::report::json::ReadError),
    #[error(
        "{path} has {what} {theirs}, but {first} has {what} {ours}: shards of one run share it"
    )]
    Mismatch {
        path: String,
        first: String,
        what: &'static str,
        ours: String,
        theirs: String,
    },
    #[error(
        "{path} is not a shard (it has no partition): write shards with `run --partition hash:M/N`"
    )]
    NotAShard { path: String },
    #[error("{path} has an unusable partition: {message}")]
    BadPartition { path: String, message: String },
    #[error("partition {partition} is given twice: {first} and {path}")]
    Duplicate {
        partition: String,
        first: String,
        path: String,
    },
    #[error("{}", missing_message(*.count, .missing))]
    Missing { count: u32, missing: Vec<u32> },
    #[error("no reports to merge")]
    Empty,
}

fn missing_message(count: u32, shards: &[u32]) -> String {
    let list = shards
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let (noun, verb) = if shards.len() == 1 {
        ("shard", "is")
    } else {
        ("shards", "are")
    };
    format!("{noun} {list} of hash:M/{count} {verb} missing: merge needs all {count}")
}

/// Reads one shard report.
pub fn read(path: &Path) -> Result<RunReport, MergeError> {
    Ok(crate::report::json::read(path)?)
}

/// Reads the shard reports at `paths` and merges them.
pub fn merge_files(paths: &[PathBuf]) -> Result<RunReport, MergeError> {
    let shards = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), read(p)?)))
        .collect::<Result<Vec<_>, MergeError>>()?;
    merge(&shards)
}

/// Merges shard reports, each named for messages, into the report of the whole run: every
/// shard of one `hash:M/N` split must be there once, all of one tool version, seed, profile
/// and target.
pub fn merge(shards: &[(String, RunReport)]) -> Result<RunReport, MergeError> {
    let Some((first_name, first)) = shards.first() else {
        return Err(MergeError::Empty);
    };
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    let mut count = None;
    for (name, report) in shards {
        same_run(first_name, first, name, report)?;
        let partition = shard_of(name, report)?;
        match count {
            None => count = Some(partition.count()),
            Some(n) if n != partition.count() => {
                return Err(MergeError::Mismatch {
                    path: name.clone(),
                    first: first_name.clone(),
                    what: "a split into",
                    ours: format!("{n} shards"),
                    theirs: format!("{} shards", partition.count()),
                })
            }
            Some(_) => {}
        }
        if let Some(before) = seen.insert(partition.index(), name) {
            return Err(MergeError::Duplicate {
                partition: partition.to_string(),
                first: before.to_string(),
                path: name.clone(),
            });
        }
    }
    let count = count.unwrap_or(1);
    let missing: Vec<u32> = (1..=count).filter(|m| !seen.contains_key(m)).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { count, missing });
    }

    let reports: Vec<&RunReport> = shards.iter().map(|(_, r)| r).collect();
    let mut findings = merge_findings(&reports);
    number_findings(&mut findings);
    let requirements = merge_rows(&reports, &findings);
    let mut summary = first.summary.clone();
    summary.cases = reports.iter().map(|r| r.summary.cases).sum();
    summary.requests = reports.iter().map(|r| r.summary.requests).sum();
    summary.transport_errors = reports.iter().map(|r| r.summary.transport_errors).sum();
    summary.rate_limited = reports.iter().map(|r| r.summary.rate_limited).sum();
    summary.truncated = reports.iter().map(|r| r.summary.truncated).sum();
    // Shards run side by side, so the run took as long as the slowest.
    summary.duration_ms = reports
        .iter()
        .map(|r| r.summary.duration_ms)
        .max()
        .unwrap_or(0);
    summary.findings = findings.len();
    count_verdicts(&mut summary, &requirements);
    let mut merged = RunReport {
        complete: reports.iter().all(|r| r.complete),
        // One shard that verified nothing makes the whole run unverified.
        insecure: reports.iter().any(|r| r.insecure),
        partition: None,
        summary,
        requirements,
        findings,
        ..first.clone()
    };
    // A shard's judgement against a baseline file is about that shard's failures only; the
    // merged report is judged afresh, if at all.
    merged.baseline = None;
    // One unverified shard leaves the whole run unverified.
    merged.insecure = reports.iter().any(|r| r.insecure);
    merged.clients = merge_clients(&reports);
    Ok(merged)
}

/// Every shard's clients, the id lists concatenated up to the same bound a run keeps.
fn merge_clients(reports: &[&RunReport]) -> crate::model::Clients {
    let limit = crate::cleanup::LISTED_CLIENT_IDS;
    let mut out = crate::model::Clients::default();
    for r in reports {
        let c = &r.clients;
        out.created += c.created;
        out.deleted += c.deleted;
        out.not_deleted += c.not_deleted;
        out.cleanup |= c.cleanup;
        out.ids_truncated |= c.ids_truncated;
        out.ids
            .extend(c.ids.iter().take(limit - out.ids.len().min(limit)).cloned());
        out.not_deleted_ids.extend(
            c.not_deleted_ids
                .iter()
                .take(limit - out.not_deleted_ids.len().min(limit))
                .cloned(),
        );
    }
    out.ids_truncated |= out.created > out.ids.len();
    out
}

/// Refuses a report that is not of the same run as the first one. An embedded target listens
/// on a fresh port in each shard, so embedded targets are compared as "the embedded server".
fn same_run(
    first_name: &str,
    first: &RunReport,
    name: &str,
    report: &RunReport,
) -> Result<(), MergeError> {
    let target = |r: &RunReport| {
        if r.target.embedded {
            "the embedded server".to_string()
        } else {
            r.target.url.clone()
        }
    };
    let pairs = [
        (
            "tool version",
            first.tool.version.clone(),
            report.tool.version.clone(),
        ),
        ("seed", first.seed.to_string(), report.seed.to_string()),
        (
            "profile",
            first.profile.to_string(),
            report.profile.to_string(),
        ),
        ("target", target(first), target(report)),
    ];
    for (what, ours, theirs) in pairs {
        if ours != theirs {
            return Err(MergeError::Mismatch {
                path: name.to_string(),
                first: first_name.to_string(),
                what,
                ours,
                theirs,
            });
        }
    }
    Ok(())
}

fn shard_of(name: &str, report: &RunReport) -> Result<Partition, MergeError> {
    let raw = report
        .partition
        .as_deref()
        .ok_or_else(|| MergeError::NotAShard {
            path: name.to_string(),
        })?;
    raw.parse().map_err(
        |e: crate::generate::select::SelectError| MergeError::BadPartition {
            path: name.to_string(),
            message: e.to_string(),
        },
    )
}

/// How bad a verdict is when shards disagree: a flag anywhere is the run's flag; a PASS beats
/// a SKIP or UNTESTED from a shard that did not get the cases the row needs.
fn badness(v: RequirementVerdict) -> u8 {
    match v {
        RequirementVerdict::Fail => 5,
        RequirementVerdict::Warn => 4,
        RequirementVerdict::Info => 3,
        RequirementVerdict::Pass => 2,
        RequirementVerdict::Skip => 1,
        RequirementVerdict::Untested => 0,
    }
}

/// The worst verdict of each row across shards, with the reason of the shard it came from
/// (the first such shard on a tie), in the order rows first appear.
fn merge_rows(reports: &[&RunReport], findings: &[Finding]) -> Vec<RequirementResult> {
    let mut rows: Vec<RequirementResult> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for row in reports.iter().flat_map(|r| &r.requirements) {
        match at.get(&row.id) {
            None => {
                at.insert(row.id.clone(), rows.len());
                rows.push(row.clone());
            }
            Some(&i) if badness(row.verdict) > badness(rows[i].verdict) => {
                rows[i].verdict = row.verdict;
                rows[i].reason = row.reason.clone();
            }
            Some(_) => {}
        }
    }
    for row in &mut rows {
        row.findings = findings.iter().filter(|f| f.requirement == row.id).count();
    }
    rows
}

/// One finding per (requirement, check, kind) — the title for reports without kinds, whose
/// titles of one problem may differ between shards: counts summed, case lists joined up to the
/// cap a run keeps, the worst severity, and the exemplar of the shard that first showed it at
/// that severity.
fn merge_findings(reports: &[&RunReport]) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::new();
    let mut at: HashMap<(String, String, String), usize> = HashMap::new();
    for f in reports.iter().flat_map(|r| &r.findings) {
        let kind = if f.kind.is_empty() { &f.title } else { &f.kind };
        let key = (f.requirement.clone(), f.check.clone(), kind.clone());
        let Some(&i) = at.get(&key) else {
            at.insert(key, merged.len());
            let mut f = f.clone();
            f.cases.truncate(CASES_PER_FINDING);
            merged.push(f);
            continue;
        };
        let m = &mut merged[i];
        let count = m.count + f.count;
        let mut cases = std::mem::take(&mut m.cases);
        if f.severity < m.severity {
            *m = f.clone();
        }
        for c in &f.cases {
            if cases.len() >= CASES_PER_FINDING {
                break;
            }
            if !cases.contains(c) {
                cases.push(c.clone());
            }
        }
        m.count = count;
        m.cases = cases;
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Summary, REPORT_VERSION};
    use crate::spec::Severity;

    fn row(id: &str, verdict: RequirementVerdict, reason: Option<&str>) -> RequirementResult {
        RequirementResult {
            id: id.into(),
            citation: String::new(),
            level: "MUST".into(),
            verdict,
            checks: Vec::new(),
            findings: 0,
            reason: reason.map(String::from),
        }
    }

    fn finding(requirement: &str, title: &str, severity: Severity, cases: &[&str]) -> Finding {
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "id": "F9", "requirement": requirement, "check": "no_server_error",
            "severity": "fail", "title": title, "detail": "d", "count": cases.len(),
            "cases": cases, "curl": "",
            "request": {"method": "POST", "url": "", "headers": {}, "body": null},
            "response": {"status": 500, "headers": {}, "body": "", "transport_error": null}
        }))
        .expect("finding");
        f.severity = severity;
        f
    }

    fn shard(
        partition: &str,
        rows: Vec<RequirementResult>,
        findings: Vec<Finding>,
    ) -> (String, RunReport) {
        let mut report: RunReport = serde_json::from_value(serde_json::json!({
            "version": REPORT_VERSION,
            "tool": {"name": "dcrcheck", "version": "0.1.0"},
            "target": {"url": "https://127.0.0.1:1/register", "embedded": true},
            "profile": "rfc7591", "seed": 7, "summary": {
                "cases": 0, "requests": 0, "transport_errors": 0, "rate_limited": 0,
                "truncated": 0, "pass": 0, "fail": 0, "warn": 0, "info": 0, "skip": 0,
                "untested": 0, "findings": 0, "duration_ms": 0},
            "requirements": [], "findings": [], "conflicts": []
        }))
        .expect("report");
        report.partition = Some(partition.into());
        report.requirements = rows;
        report.findings = findings;
        report.summary = Summary {
            cases: 10,
            requests: 12,
            duration_ms: partition.len() as u64,
            ..Summary::default()
        };
        (format!("{partition}.json"), report)
    }

    #[test]
    fn rows_take_the_worst_verdict_and_its_reason() {
        use RequirementVerdict::*;
        let a = shard(
            "hash:1/2",
            vec![
                row("A", Pass, None),
                row("B", Untested, Some("u")),
                row("C", Info, None),
                row("D", Skip, Some("s1")),
            ],
            Vec::new(),
        );
        let b = shard(
            "hash:2/2",
            vec![
                row("A", Fail, None),
                row("B", Skip, Some("s")),
                row("C", Pass, None),
                row("D", Skip, Some("s2")),
            ],
            Vec::new(),
        );
        let m = merge(&[a, b]).expect("merge");
        let got: Vec<(&str, RequirementVerdict, Option<&str>)> = m
            .requirements
            .iter()
            .map(|r| (r.id.as_str(), r.verdict, r.reason.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A", Fail, None),
                ("B", Skip, Some("s")),
                ("C", Info, None),
                ("D", Skip, Some("s1"))
            ]
        );
        assert_eq!((m.summary.fail, m.summary.info, m.summary.skip), (1, 1, 2));
        assert_eq!((m.summary.cases, m.summary.requests), (20, 24));
        assert_eq!(m.summary.duration_ms, 8);
        assert!(m.partition.is_none());
    }

    #[test]
    fn findings_are_deduplicated_summed_and_renumbered() {
        let many: Vec<String> = (0..15).map(|i| format!("c{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let a = shard(
            "hash:1/2",
            vec![row("R1", RequirementVerdict::Fail, None)],
            vec![
                finding("R1", "server error 500", Severity::Fail, &many),
                finding("R2", "odd", Severity::Warn, &["x"]),
            ],
        );
        let b = shard(
            "hash:2/2",
            vec![row("R1", RequirementVerdict::Pass, None)],
            vec![
                finding("R1", "server error 500", Severity::Fail, &many[..10]),
                finding("R1", "server error 502", Severity::Fail, &["y"]),
            ],
        );
        let m = merge(&[b, a]).expect("merge");
        let ids: Vec<(&str, &str, usize)> = m
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.title.as_str(), f.count))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("F1", "server error 500", 25),
                ("F2", "server error 502", 1),
                ("F3", "odd", 1)
            ]
        );
        assert_eq!(m.findings[0].cases.len(), 15, "joined without repeats");
        assert_eq!(m.requirements[0].findings, 2);
        assert_eq!(m.summary.findings, 3);
    }

    /// Shards pick their own exemplars, so one problem can carry different titles; the kind
    /// (what a run groups on) makes them one finding again.
    #[test]
    fn findings_of_one_kind_merge_whatever_their_titles() {
        let titled = |title: &str, kind: &str| {
            let mut f = finding("R1", title, Severity::Fail, &["c"]);
            f.kind = kind.into();
            f
        };
        let a = shard(
            "hash:1/2",
            vec![row("R1", RequirementVerdict::Fail, None)],
            vec![titled(
                "a plain-http redirect URI was registered",
                "registered",
            )],
        );
        let b = shard(
            "hash:2/2",
            vec![row("R1", RequirementVerdict::Fail, None)],
            vec![
                titled("plain-http redirect URI was registered", "registered"),
                titled("refused with 500", "status-500"),
            ],
        );
        let m = merge(&[a, b]).expect("merge");
        let kinds: Vec<(&str, usize)> = m
            .findings
            .iter()
            .map(|f| (f.kind.as_str(), f.count))
            .collect();
        assert_eq!(kinds, vec![("registered", 2), ("status-500", 1)]);
    }

    #[test]
    fn incomplete_or_mixed_sets_are_refused() {
        let s = |p: &str| shard(p, Vec::new(), Vec::new());
        let e = merge(&[s("hash:1/3"), s("hash:3/3")]).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "shard 2 of hash:M/3 is missing: merge needs all 3"
        );
        let e = merge(&[s("hash:2/4")]).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "shards 1, 3, 4 of hash:M/4 are missing: merge needs all 4"
        );
        let e = merge(&[s("hash:1/2"), s("hash:1/2")]).expect_err("twice");
        assert!(e.to_string().contains("given twice"), "{e}");
        let e = merge(&[s("hash:1/2"), s("hash:2/3")]).expect_err("different N");
        assert!(e.to_string().contains("a split into 3 shards, but"), "{e}");
        let mut other = s("hash:2/2");
        other.1.seed = 8;
        let e = merge(&[s("hash:1/2"), other]).expect_err("seed");
        assert!(e.to_string().contains("has seed 8, but"), "{e}");
        let mut whole = s("hash:2/2");
        whole.1.partition = None;
        let e = merge(&[s("hash:1/2"), whole]).expect_err("not a shard");
        assert!(e.to_string().contains("is not a shard"), "{e}");
        let mut external = s("hash:2/2");
        external.1.target.embedded = false;
        let e = merge(&[s("hash:1/2"), external]).expect_err("target");
        assert!(e.to_string().contains("has target"), "{e}");
        // Embedded shards listen on different ports and are still one target.
        let mut port = s("hash:2/2");
        port.1.target.url = "https://127.0.0.1:2/register".into();
        merge(&[s("hash:1/2"), port]).expect("embedded ports differ");
    }
}
