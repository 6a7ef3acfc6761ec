//! Baselines: the accepted failures a team lists so that one known deviation does not keep
//! its CI gate red (format and semantics in `docs/baselines.md`).
//!
//! Owns: reading and writing baseline files, and deciding what a baseline makes of a report:
//! which failing findings it accepts, which are new, and which of its entries are stale or
//! expired. Must not: run anything, render output, or read the clock on its own (today's date
//! is a parameter; [`Date::today_utc`] is for the caller).
//!
//! A failing finding is one that fails the run without a baseline: severity FAIL, and WARN
//! under `--deny-warnings`. With a baseline the run fails exactly when a failing finding is
//! not accepted (new), an entry accepts nothing (stale: a baseline only shrinks) or an entry
//! has expired.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use toml::de::{DeTable, DeValue};

use crate::model::{Finding, RunReport};
use crate::spec::Severity;

/// The reason `--baseline-update` writes for a failure nobody has explained yet.
pub const TODO_REASON: &str = "TODO: say why this failure is accepted";

// ------------------------------------------------------------------------------------------
// Dates
// ------------------------------------------------------------------------------------------

/// A calendar day (proleptic Gregorian, no time zone), as `expires` and the judging day are.
/// Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// 9999-12-31 in days since 1970-01-01: the last day a four-digit year can write, which
/// bounds the day count a broken clock could hand to [`Date::from_days_since_epoch`].
const LAST_DAY: u64 = 2_932_896;

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// The date, if it exists (month 1-12, a day the month has, year up to 9999).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let valid = year <= 9999
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day);
        valid.then_some(Date { year, month, day })
    }

    /// Reads `YYYY-MM-DD` exactly (no time, no zone, no other shape).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            b.get(r.clone())
                .filter(|d| d.iter().all(u8::is_ascii_digit))
                .and_then(|_| text.get(r))
                .and_then(|s| s.parse().ok())
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        Date::new(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
    }

    /// The day `days` days after 1970-01-01 (clamped to 9999-12-31).
    pub fn from_days_since_epoch(days: u64) -> Date {
        // Counting whole years then whole months is plain and fast enough: at most a few
        // thousand steps, once per run.
        let mut left = days.min(LAST_DAY);
        let mut year = 1970;
        loop {
            let len = if is_leap(year) { 366 } else { 365 };
            if left < len {
                break;
            }
            left -= len;
            year += 1;
        }
        let mut month = 1;
        loop {
            let len = u64::from(days_in_month(year, month));
            if left < len {
                break;
            }
            left -= len;
            month += 1;
        }
        Date {
            year,
            month,
            // `left` is below the month's length here, so below 31.
            day: u8::try_from(left + 1).unwrap_or(1),
        }
    }

    /// Today in UTC by the system clock (1970-01-01 if the clock is before it).
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days_since_epoch(secs / 86_400)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s).ok_or_else(|| format!("not a date of the form YYYY-MM-DD: {s}"))
    }
}

// The report carries dates as the same `YYYY-MM-DD` text the baseline file uses.
impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// ------------------------------------------------------------------------------------------
// The file
// ------------------------------------------------------------------------------------------

/// Why a baseline file cannot be used. Every one is a usage error (exit 2): a gate must not
/// judge against a list it cannot read as written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline file {path} does not exist (create it with --baseline-update)")]
    Missing { path: String },
    #[error("cannot read baseline file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: not valid TOML: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}:{line}: unknown key `{key}` ({allowed})")]
    UnknownKey {
        path: String,
        line: usize,
        key: String,
        allowed: &'static str,
    },
    #[error("{path}:{line}: `{key}` must be {expected}, not {found}")]
    WrongType {
        path: String,
        line: usize,
        key: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{path}:{line}: entry has no `{key}`")]
    MissingKey {
        path: String,
        line: usize,
        key: &'static str,
    },
    #[error("{path}:{line}: `reason` is empty: say why this failure is accepted")]
    EmptyReason { path: String, line: usize },
    #[error("{path}:{line}: `expires` is not a date of the form YYYY-MM-DD: {value}")]
    BadDate {
        path: String,
        line: usize,
        value: String,
    },
    #[error(
        "{path}:{line}: `requirement`: unknown requirement id {id} (see `dcrcheck list requirements`)"
    )]
    UnknownRequirement {
        path: String,
        line: usize,
        id: String,
    },
    #[error("{path}:{line}: `check`: unknown check {name} (see `dcrcheck list checks`)")]
    UnknownCheck {
        path: String,
        line: usize,
        name: String,
    },
    #[error("{path}:{line}: `requirement`: {key} is already listed at line {first_line}")]
    Duplicate {
        path: String,
        line: usize,
        key: String,
        first_line: usize,
    },
    #[error(
        "{path}:{line}: `check`: {key} overlaps the entry for every check of {requirement} at line {first_line}; keep one of them"
    )]
    Overlap {
        path: String,
        line: usize,
        key: String,
        requirement: String,
        first_line: usize,
    },
    #[error(transparent)]
    Write(#[from] crate::report::write::WriteError),
}

impl BaselineError {
    /// The documented exit code: every baseline problem is a usage error.
    pub fn exit_code(&self) -> u8 {
        crate::exit_code::USAGE
    }

    /// The line of the file the problem is on (1-based), when it is on one.
    pub fn line(&self) -> Option<usize> {
        match self {
            BaselineError::Syntax { line, .. }
            | BaselineError::UnknownKey { line, .. }
            | BaselineError::WrongType { line, .. }
            | BaselineError::MissingKey { line, .. }
            | BaselineError::EmptyReason { line, .. }
            | BaselineError::BadDate { line, .. }
            | BaselineError::UnknownRequirement { line, .. }
            | BaselineError::UnknownCheck { line, .. }
            | BaselineError::Duplicate { line, .. }
            | BaselineError::Overlap { line, .. } => Some(*line),
            BaselineError::Missing { .. }
            | BaselineError::Read { .. }
            | BaselineError::Write(_) => None,
        }
    }

    /// The key the problem is about, when it is about one.
    pub fn key(&self) -> Option<&str> {
        match self {
            BaselineError::UnknownKey { key, .. } | BaselineError::WrongType { key, .. } => {
                Some(key)
            }
            BaselineError::MissingKey { key, .. } => Some(key),
            BaselineError::EmptyReason { .. } => Some("reason"),
            BaselineError::BadDate { .. } => Some("expires"),
            BaselineError::UnknownRequirement { .. } | BaselineError::Duplicate { .. } => {
                Some("requirement")
            }
            BaselineError::UnknownCheck { .. } | BaselineError::Overlap { .. } => Some("check"),
            BaselineError::Missing { .. }
            | BaselineError::Read { .. }
            | BaselineError::Syntax { .. }
            | BaselineError::Write(_) => None,
        }
    }
}

/// One `[[accept]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub requirement: String,
    /// `None`: every check of the requirement.
    pub check: Option<String>,
    pub reason: String,
    /// From this day on the entry no longer applies.
    pub expires: Option<Date>,
    /// Line of the entry's `[[accept]]` header (1-based; 0 for an entry not read from a file).
    pub line: usize,
}

impl Entry {
    fn matches(&self, f: &Finding) -> bool {
        self.requirement == f.requirement && self.check.as_ref().is_none_or(|c| *c == f.check)
    }

    fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| d <= today)
    }

    /// `R7591-5-c / check_name`, or the requirement alone for a requirement-wide entry.
    pub fn key(&self) -> String {
        key(&self.requirement, self.check.as_deref())
    }
}

fn key(requirement: &str, check: Option<&str>) -> String {
    match check {
        Some(c) => format!("{requirement} / {c}"),
        None => format!("{requirement} (every check)"),
    }
}

/// The accepted failures of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    path: PathBuf,
    entries: Vec<Entry>,
}

/// Whether a finding fails the run when no baseline accepts it.
pub fn is_failing(f: &Finding, deny_warnings: bool) -> bool {
    match f.severity {
        Severity::Fail => true,
        Severity::Warn => deny_warnings,
        Severity::Info => false,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or_else(
        || text.lines().count().max(1),
        |t| t.matches('\n').count() + 1,
    )
}

impl Baseline {
    /// A baseline with no entries, for `path` (what `--baseline-update` starts from when the
    /// file does not exist yet).
    pub fn empty(path: &Path) -> Baseline {
        Baseline {
            path: path.to_path_buf(),
            entries: Vec::new(),
        }
    }

    /// Reads and checks a baseline file; a missing file is an error.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                BaselineError::Missing { path: shown }
            } else {
                BaselineError::Read {
                    path: shown,
                    source,
                }
            }
        })?;
        Baseline::parse(&text, path)
    }

    /// As [`Baseline::load`], but a missing file is an empty baseline (`--baseline-update`
    /// creates the file).
    pub fn load_or_empty(path: &Path) -> Result<Baseline, BaselineError> {
        match Baseline::load(path) {
            Err(BaselineError::Missing { .. }) => Ok(Baseline::empty(path)),
            other => other,
        }
    }

    /// Reads baseline text; `path` names the file in errors and in the judged result.
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let doc = DeTable::parse(text).map_err(|e| BaselineError::Syntax {
            path: shown.clone(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: e.message().to_string(),
        })?;
        let mut entries = Vec::new();
        for (k, v) in doc.get_ref().iter() {
            if k.get_ref() != "accept" {
                return Err(BaselineError::UnknownKey {
                    path: shown,
                    line: line_of(text, k.span().start),
                    key: k.get_ref().to_string(),
                    allowed: "a baseline has only [[accept]] entries",
                });
            }
            let DeValue::Array(items) = v.get_ref() else {
                return Err(BaselineError::WrongType {
                    path: shown,
                    line: line_of(text, v.span().start),
                    key: "accept".into(),
                    expected: "an array of tables ([[accept]])",
                    found: v.get_ref().type_str(),
                });
            };
            for item in items.iter() {
                let line = line_of(text, item.span().start);
                let DeValue::Table(table) = item.get_ref() else {
                    return Err(BaselineError::WrongType {
                        path: shown,
                        line,
                        key: "accept".into(),
                        expected: "an array of tables ([[accept]])",
                        found: item.get_ref().type_str(),
                    });
                };
                entries.push(read_entry(text, &shown, line, table)?);
            }
        }
        check_unique(&shown, &entries)?;
        Ok(Baseline {
            path: path.to_path_buf(),
            entries,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Decides what the baseline makes of a report on `today`.
    pub fn judge(&self, report: &RunReport, deny_warnings: bool, today: Date) -> BaselineResult {
        let mut used = vec![false; self.entries.len()];
        let mut accepted = Vec::new();
        let mut new = Vec::new();
        for f in report
            .findings
            .iter()
            .filter(|f| is_failing(f, deny_warnings))
        {
            // Entries never overlap (`check_unique`), so at most one matches.
            match self.entries.iter().position(|e| e.matches(f)) {
                Some(i) if !self.entries[i].expired(today) => {
                    used[i] = true;
                    accepted.push(Accepted {
                        finding: f.id.clone(),
                        requirement: f.requirement.clone(),
                        check: f.check.clone(),
                        reason: self.entries[i].reason.clone(),
                    });
                }
                // An expired entry accepts nothing: its failures are new again.
                _ => new.push(f.id.clone()),
            }
        }
        let mut stale = Vec::new();
        let mut expired = Vec::new();
        for (e, used) in self.entries.iter().zip(used) {
            match e.expires {
                Some(date) if e.expired(today) => expired.push(ExpiredEntry {
                    requirement: e.requirement.clone(),
                    check: e.check.clone(),
                    reason: e.reason.clone(),
                    expires: date,
                    line: e.line,
                }),
                _ if !used => stale.push(StaleEntry {
                    requirement: e.requirement.clone(),
                    check: e.check.clone(),
                    reason: e.reason.clone(),
                    line: e.line,
                }),
                _ => {}
            }
        }
        BaselineResult {
            path: self.path.display().to_string(),
            date: today,
            deny_warnings,
            counts: BaselineCounts {
                accepted: accepted.len(),
                new: new.len(),
                stale: stale.len(),
                expired: expired.len(),
            },
            accepted,
            new,
            stale,
            expired,
        }
    }

    /// The file `--baseline-update` writes for this report: one entry per failing
    /// (requirement, check), keeping the reason and expiry of the entry that already covers
    /// it, dropping entries that cover nothing.
    pub fn updated(&self, report: &RunReport, deny_warnings: bool) -> String {
        self.plan_update(report, deny_warnings).render()
    }

    /// Writes [`Baseline::updated`] over the baseline's file, atomically.
    pub fn write_updated(
        &self,
        report: &RunReport,
        deny_warnings: bool,
    ) -> Result<UpdateSummary, BaselineError> {
        let plan = self.plan_update(report, deny_warnings);
        crate::report::write::write_atomically(&self.path, &plan.render())?;
        Ok(plan.summary)
    }

    fn plan_update(&self, report: &RunReport, deny_warnings: bool) -> UpdatePlan {
        let mut planned: BTreeMap<(String, Option<String>), Planned> = BTreeMap::new();
        let mut kept = vec![false; self.entries.len()];
        for f in report
            .findings
            .iter()
            .filter(|f| is_failing(f, deny_warnings))
        {
            let existing = self.entries.iter().position(|e| e.matches(f));
            let (slot, reason, expires) = match existing {
                Some(i) => {
                    kept[i] = true;
                    let e = &self.entries[i];
                    (
                        (e.requirement.clone(), e.check.clone()),
                        e.reason.clone(),
                        e.expires,
                    )
                }
                None => (
                    (f.requirement.clone(), Some(f.check.clone())),
                    TODO_REASON.to_string(),
                    None,
                ),
            };
            let p = planned.entry(slot).or_insert_with(|| Planned {
                reason,
                expires,
                titles: Vec::new(),
                added: existing.is_none(),
            });
            let title = f.title.split_whitespace().collect::<Vec<_>>().join(" ");
            if !p.titles.contains(&title) {
                p.titles.push(title);
            }
        }
        let summary = UpdateSummary {
            entries: planned.len(),
            added: planned.values().filter(|p| p.added).count(),
            kept: kept.iter().filter(|k| **k).count(),
            dropped: kept.iter().filter(|k| !**k).count(),
        };
        UpdatePlan { planned, summary }
    }
}

/// What `--baseline-update` changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateSummary {
    /// Entries in the written file.
    pub entries: usize,
    /// Entries written with the TODO reason, for failures no entry covered.
    pub added: usize,
    /// Entries of the old file carried over.
    pub kept: usize,
    /// Entries of the old file that covered no failure and were left out.
    pub dropped: usize,
}

struct Planned {
    reason: String,
    expires: Option<Date>,
    titles: Vec<String>,
    added: bool,
}

struct UpdatePlan {
    planned: BTreeMap<(String, Option<String>), Planned>,
    summary: UpdateSummary,
}

impl UpdatePlan {
    fn render(&self) -> String {
        let mut o = String::from(
            "# dcrcheck baseline: the failures this gate accepts (format: docs/baselines.md).\n\
             # A failure not listed here fails the run; so does an entry that no longer matches\n\
             # a failure (delete it) and an entry on or after its `expires` day.\n\
             # `--baseline-update` rewrites this file from a run, keeping reasons and expiries.\n",
        );
        for ((requirement, check), p) in &self.planned {
            o.push_str("\n[[accept]]\n");
            for t in &p.titles {
                o.push_str("# ");
                o.push_str(t);
                o.push('\n');
            }
            o.push_str(&format!("requirement = {}\n", quote(requirement)));
            if let Some(c) = check {
                o.push_str(&format!("check = {}\n", quote(c)));
            }
            o.push_str(&format!("reason = {}\n", quote(&p.reason)));
            if let Some(d) = p.expires {
                o.push_str(&format!("expires = \"{d}\"\n"));
            }
        }
        o
    }
}

/// A TOML basic string: one line whatever the text holds, so every entry keeps its shape.
fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if c.is_control() => o.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn read_entry(
    text: &str,
    path: &str,
    line: usize,
    table: &DeTable<'_>,
) -> Result<Entry, BaselineError> {
    let (mut requirement, mut check, mut reason, mut expires) = (None, None, None, None);
    for (k, v) in table.iter() {
        let name: &str = k.get_ref();
        let at = line_of(text, v.span().start);
        let wrong = |expected| BaselineError::WrongType {
            path: path.to_string(),
            line: at,
            key: name.to_string(),
            expected,
            found: v.get_ref().type_str(),
        };
        match name {
            "requirement" | "check" | "reason" => {
                let s = v.get_ref().as_str().ok_or_else(|| wrong("a string"))?;
                let slot = match name {
                    "requirement" => &mut requirement,
                    "check" => &mut check,
                    _ => &mut reason,
                };
                *slot = Some((s.to_string(), at));
            }
            "expires" => {
                let date = match v.get_ref() {
                    DeValue::String(s) => Date::parse(s).ok_or_else(|| BaselineError::BadDate {
                        path: path.to_string(),
                        line: at,
                        value: s.to_string(),
                    })?,
                    // A bare TOML date (`expires = 2027-03-31`) reads the same as the string.
                    DeValue::Datetime(d) => d
                        .date
                        .filter(|_| d.time.is_none() && d.offset.is_none())
                        .and_then(|d| Date::new(d.year, d.month, d.day))
                        .ok_or_else(|| BaselineError::BadDate {
                            path: path.to_string(),
                            line: at,
                            value: d.to_string(),
                        })?,
                    _ => return Err(wrong("a date string (\"YYYY-MM-DD\")")),
                };
                expires = Some(date);
            }
            _ => {
                return Err(BaselineError::UnknownKey {
                    path: path.to_string(),
                    line: line_of(text, k.span().start),
                    key: name.to_string(),
                    allowed: "an entry has requirement, check, reason and expires",
                })
            }
        }
    }
    let missing = |key| BaselineError::MissingKey {
        path: path.to_string(),
        line,
        key,
    };
    let (requirement, requirement_line) = requirement.ok_or_else(|| missing("requirement"))?;
    let (reason, reason_line) = reason.ok_or_else(|| missing("reason"))?;
    if reason.trim().is_empty() {
        return Err(BaselineError::EmptyReason {
            path: path.to_string(),
            line: reason_line,
        });
    }
    if crate::spec::requirement(&requirement).is_none() {
        return Err(BaselineError::UnknownRequirement {
            path: path.to_string(),
            line: requirement_line,
            id: requirement,
        });
    }
    if let Some((name, check_line)) = &check {
        if crate::checks::check(name).is_none() {
            return Err(BaselineError::UnknownCheck {
                path: path.to_string(),
                line: *check_line,
                name: name.clone(),
            });
        }
    }
    Ok(Entry {
        requirement,
        check: check.map(|(c, _)| c),
        reason,
        expires,
        line,
    })
}

/// Two entries for the same (requirement, check), or a requirement-wide entry beside one for
/// a check of the same requirement, would make "which entry accepted this failure" (and so
/// "which entry is stale") ambiguous: both are refused.
fn check_unique(path: &str, entries: &[Entry]) -> Result<(), BaselineError> {
    for (i, e) in entries.iter().enumerate() {
        for first in &entries[..i] {
            if first.requirement != e.requirement {
                continue;
            }
            if first.check == e.check {
                return Err(BaselineError::Duplicate {
                    path: path.to_string(),
                    line: e.line,
                    key: e.key(),
                    first_line: first.line,
                });
            }
            if first.check.is_none() || e.check.is_none() {
                return Err(BaselineError::Overlap {
                    path: path.to_string(),
                    line: e.line,
                    key: e.key(),
                    requirement: e.requirement.clone(),
                    first_line: first.line,
                });
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// What the gate decided (part of the report)
// ------------------------------------------------------------------------------------------

/// What a baseline made of a report: `RunReport::baseline`, read by `RunReport::outcome`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineResult {
    /// The baseline file, as given.
    pub path: String,
    /// The day expiries were judged on.
    pub date: Date,
    /// Whether WARN findings counted as failures.
    pub deny_warnings: bool,
    pub counts: BaselineCounts,
    /// Failing findings an entry accepts.
    pub accepted: Vec<Accepted>,
    /// Ids of failing findings no (unexpired) entry accepts.
    pub new: Vec<String>,
    /// Entries that accept no failing finding of this run.
    pub stale: Vec<StaleEntry>,
    /// Entries on or after their `expires` day.
    pub expired: Vec<ExpiredEntry>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineCounts {
    pub accepted: usize,
    pub new: usize,
    pub stale: usize,
    pub expired: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// Finding id (`F3`).
    pub finding: String,
    pub requirement: String,
    pub check: String,
    /// The entry's reason.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleEntry {
    pub requirement: String,
    /// `None` for a requirement-wide entry.
    pub check: Option<String>,
    pub reason: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredEntry {
    pub requirement: String,
    /// `None` for a requirement-wide entry.
    pub check: Option<String>,
    pub reason: String,
    pub expires: Date,
    pub line: usize,
}

impl BaselineResult {
    /// Whether the run passes the gate: nothing new, stale or expired.
    pub fn passed(&self) -> bool {
        self.new.is_empty() && self.stale.is_empty() && self.expired.is_empty()
    }

    /// One line per stale or expired entry, saying what to do about it, for reporters.
    pub fn messages(&self) -> Vec<String> {
        let stale = self.stale.iter().map(|s| {
            format!(
                "{}:{}: {} no longer fails: delete this entry (its reason was: {})",
                self.path,
                s.line,
                key(&s.requirement, s.check.as_deref()),
                s.reason
            )
        });
        let expired = self.expired.iter().map(|e| {
            format!(
                "{}:{}: {} expired on {} (reason: {}): fix the failure, or renew the entry",
                self.path,
                e.line,
                key(&e.requirement, e.check.as_deref()),
                e.expires,
                e.reason
            )
        });
        stale.chain(expired).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_only_real_days_written_as_yyyy_mm_dd() {
        let cases = [
            ("2027-03-31", Some((2027, 3, 31))),
            ("2024-02-29", Some((2024, 2, 29))),
            ("2000-02-29", Some((2000, 2, 29))),
            ("1900-02-29", None),
            ("2023-02-29", None),
            ("2027-04-31", None),
            ("2027-13-01", None),
            ("2027-00-10", None),
            ("2027-3-31", None),
            ("31/03/2027", None),
            ("2027-03-31T00:00:00Z", None),
            ("+027-03-31", None),
            ("", None),
        ];
        for (text, want) in cases {
            let got = Date::parse(text).map(|d| (d.year, d.month, d.day));
            assert_eq!(got, want, "{text}");
            if let Some(d) = Date::parse(text) {
                assert_eq!(d.to_string(), text);
            }
        }
    }

    #[test]
    fn days_since_the_epoch_count_leap_years() {
        let cases = [
            (0, "1970-01-01"),
            (31, "1970-02-01"),
            (365, "1971-01-01"),
            (10_957, "2000-01-01"),
            (11_016, "2000-02-29"),
            (11_017, "2000-03-01"),
            (20_513, "2026-03-01"),
            (LAST_DAY, "9999-12-31"),
            (u64::MAX, "9999-12-31"),
        ];
        for (days, want) in cases {
            assert_eq!(
                Date::from_days_since_epoch(days).to_string(),
                want,
                "{days}"
            );
        }
        assert!(Date::today_utc() >= Date::new(2025, 1, 1).expect("date"));
    }

    #[test]
    fn quoted_strings_stay_on_one_line_and_read_back() {
        for s in [
            "plain",
            "say \"why\"",
            "back\\slash",
            "two\nlines\ttab\u{1}",
            "é ✓",
        ] {
            let doc = format!("v = {}\n", quote(s));
            assert_eq!(doc.lines().count(), 1, "{doc}");
            let table = DeTable::parse(&doc).expect("parses");
            let v = table
                .get_ref()
                .iter()
                .next()
                .map(|(_, v)| v.get_ref().clone());
            assert_eq!(v.as_ref().and_then(|v| v.as_str()), Some(s));
        }
    }
}
