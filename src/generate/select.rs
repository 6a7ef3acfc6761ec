//! Case selection: which of a plan's cases a partitioned (`--partition hash:M/N`) or focused
//! (`--requirement`, `--check`) run sends.
//!
//! Owns: the partition syntax and the stable hash that assigns generated cases to shards, the
//! resolution of requirement-id prefixes to catalog rows, and the filter over the case stream.
//! Must not: know about checks, verdicts or reports (the run works out which cases a focused
//! row needs and says so with [`Keep`]), or change a case: a selected case is the same case,
//! with the same id and payload, as in the whole run, because every shard generates the whole
//! stream from the same seed and keeps its share.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::{probes, stream, Case, CaseKind, CaseStream, Plan};
use crate::profile::Profile;
use crate::spec;

/// Why a selection given on the command line cannot be used. One line each.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error("invalid --partition '{raw}': {why}")]
    Partition { raw: String, why: &'static str },
    #[error("--requirement '{asked}' matches no requirement of profile {profile}{}", hint(.close, "requirements"))]
    UnknownRequirement {
        asked: String,
        profile: Profile,
        close: Vec<String>,
    },
    #[error("--requirement '{asked}' matches only rows outside profile {profile}: {}", .rows.join(", "))]
    OutsideProfile {
        asked: String,
        profile: Profile,
        rows: Vec<String>,
    },
    #[error("unknown --check '{asked}'{}", hint(.close, "checks"))]
    UnknownCheck { asked: String, close: Vec<String> },
    #[error("--check '{asked}' reports on no requirement of profile {profile}")]
    CheckOutsideProfile { asked: String, profile: Profile },
}

fn hint(close: &[String], list: &str) -> String {
    if close.is_empty() {
        format!(" (see `dcrcheck list {list}`)")
    } else {
        format!(" (close: {}; see `dcrcheck list {list}`)", close.join(", "))
    }
}

/// One shard of a partitioned run: `hash:M/N`, shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Partition {
    index: u32,
    count: u32,
}

impl Partition {
    /// Shard `index` of `count`, if `1 <= index <= count`.
    pub fn new(index: u32, count: u32) -> Option<Partition> {
        (1..=count)
            .contains(&index)
            .then_some(Partition { index, count })
    }

    /// M of `hash:M/N`.
    pub fn index(self) -> u32 {
        self.index
    }

    /// N of `hash:M/N`.
    pub fn count(self) -> u32 {
        self.count
    }

    /// The shard (1-based, of `count`) a generated case with this id belongs to.
    pub fn shard_of(id: &str, count: u32) -> u32 {
        // u64 % u32 fits in u32; `count` is at least 1 for every constructed partition.
        (fnv1a(id.as_bytes()) % u64::from(count.max(1))) as u32 + 1
    }

    /// Whether this shard sends `case`. The fixed probes and the final probes go to every
    /// shard: the run-wide checks (uniqueness of client ids and secrets, what GET reveals)
    /// compare registrations made within one run, so each shard needs its own.
    pub fn keeps(self, case: &Case) -> bool {
        match case.kind {
            CaseKind::Probe | CaseKind::Final | CaseKind::Manage => true,
            CaseKind::Valid | CaseKind::Invalid | CaseKind::Fixture => {
                Partition::shard_of(&case.id, self.count) == self.index
            }
        }
    }
}

/// 64-bit FNV-1a. The shard of a case must be the same on every machine, in every process and
/// in every shard of one run, so this is a fixed function of the bytes (std's hasher is keyed
/// at random per process). Changing it reassigns cases; merge refuses shards of different
/// tool versions, so that cannot mix two assignments.
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
}

impl FromStr for Partition {
    type Err = SelectError;

    fn from_str(raw: &str) -> Result<Partition, SelectError> {
        let err = |why| SelectError::Partition {
            raw: raw.to_string(),
            why,
        };
        let (m, n) = raw
            .strip_prefix("hash:")
            .and_then(|rest| rest.split_once('/'))
            .ok_or_else(|| err("expected hash:M/N, for example hash:1/4"))?;
        let number = |s: &str| s.parse::<u32>().ok();
        let (Some(m), Some(n)) = (number(m), number(n)) else {
            return Err(err("M and N must be whole numbers, for example hash:1/4"));
        };
        if n == 0 {
            return Err(err("N must be at least 1"));
        }
        Partition::new(m, n).ok_or_else(|| err("M must be from 1 to N"))
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hash:{}/{}", self.index, self.count)
    }
}

/// Which cases a focused run sends besides the ones that carry a selected row, ordered from
/// fewest to most. The run decides it from the checks that report on the selected rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Keep {
    /// Only the cases whose requirements name a selected row.
    Carriers,
    /// Those and every fixed and final probe (what run-wide checks compare).
    Probes,
    /// Every case: some selected row is judged on whatever answer any case gets.
    Everything,
}

/// The rows a focused run reports, and what it must send to judge them as a whole run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    rows: BTreeSet<&'static str>,
    keep: Keep,
}

impl Focus {
    pub fn new(rows: BTreeSet<&'static str>, keep: Keep) -> Focus {
        Focus { rows, keep }
    }

    /// The selected rows, in id order.
    pub fn rows(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.rows.iter().copied()
    }

    pub fn keep(&self) -> Keep {
        self.keep
    }

    /// Whether the report shows this row.
    pub fn reports(&self, row: &str) -> bool {
        self.rows.contains(row)
    }

    /// Whether the run sends `case` (the stream's first case, the baseline, is sent whatever
    /// this says: see [`Selected`]).
    pub fn keeps(&self, case: &Case) -> bool {
        match self.keep {
            Keep::Everything => true,
            Keep::Probes if matches!(case.kind, CaseKind::Probe | CaseKind::Final) => true,
            _ => case.requirements.iter().any(|r| self.rows.contains(r)),
        }
    }
}

/// Whether `id` is selected by `prefix`: equal, or `prefix` followed by a `-` or `.`, so that
/// `R7591-3.2` selects §3.2 and its subsections but `R7591-3.2` does not select `R7591-3.20`.
/// ASCII case is ignored.
fn selects(prefix: &str, id: &str) -> bool {
    let (p, i) = (prefix.as_bytes(), id.as_bytes());
    if i.len() < p.len() || !i[..p.len()].eq_ignore_ascii_case(p) {
        return false;
    }
    i.len() == p.len()
        || p.ends_with(b"-")
        || p.ends_with(b".")
        || matches!(i[p.len()], b'-' | b'.')
}

/// The catalog rows of `profile` that the `--requirement` prefixes select.
pub fn requirement_rows(
    profile: Profile,
    prefixes: &[String],
) -> Result<BTreeSet<&'static str>, SelectError> {
    let mut rows = BTreeSet::new();
    for asked in prefixes {
        let asked_trim = asked.trim();
        let matching: Vec<&'static spec::Requirement> = spec::REQUIREMENTS
            .iter()
            .filter(|r| selects(asked_trim, r.id))
            .collect();
        if matching.iter().any(|r| profile.applies(r)) {
            rows.extend(matching.iter().filter(|r| profile.applies(r)).map(|r| r.id));
            continue;
        }
        if !matching.is_empty() {
            return Err(SelectError::OutsideProfile {
                asked: asked.clone(),
                profile,
                rows: matching.iter().take(5).map(|r| r.id.to_string()).collect(),
            });
        }
        // Close names are row ids and their sections (an id without its letter), so a
        // mistyped section finds its neighbours too.
        let mut names: BTreeSet<&'static str> = BTreeSet::new();
        for r in spec::REQUIREMENTS.iter().filter(|r| profile.applies(r)) {
            names.insert(r.id);
            if let Some((section, _)) = r.id.rsplit_once('-') {
                names.insert(section);
            }
        }
        return Err(SelectError::UnknownRequirement {
            asked: asked.clone(),
            profile,
            close: close_names(asked_trim, names),
        });
    }
    Ok(rows)
}

/// Up to three of `names` nearest to `asked` by edit distance (ignoring ASCII case), if near
/// enough to be a plausible typo.
pub fn close_names<'a>(asked: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let asked = asked.to_ascii_lowercase();
    let limit = (asked.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .into_iter()
        .map(|n| (edit_distance(&asked, &n.to_ascii_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// Levenshtein distance over chars (one row of the table at a time).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// What a run sends: the whole plan, one shard of it, only what some rows need, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub partition: Option<Partition>,
    pub focus: Option<Focus>,
}

impl Selection {
    /// Whether every case of the plan is sent.
    pub fn is_whole(&self) -> bool {
        self.partition.is_none()
            && self
                .focus
                .as_ref()
                .is_none_or(|f| f.keep == Keep::Everything)
    }

    /// Whether `case` is sent (the first case of a stream aside, see [`Selected`]).
    pub fn keeps(&self, case: &Case) -> bool {
        self.partition.is_none_or(|p| p.keeps(case))
            && self.focus.as_ref().is_none_or(|f| f.keeps(case))
    }
}

/// The selected cases of a plan but the final probes, in the order [`super::stream`] makes
/// them.
pub fn select(plan: &Plan, selection: &Selection) -> Selected {
    let total = if selection.is_whole() {
        stream(plan).total()
    } else {
        // Counting needs a pass over the whole stream (what a case is, and so its id, comes
        // from the seeded generator), which costs generation time only, never a request.
        Selected::new(stream(plan), selection.clone(), 0).count()
    };
    Selected::new(stream(plan), selection.clone(), total)
}

/// The selected final probes of a profile.
pub fn final_probes(profile: Profile, selection: &Selection) -> Vec<Case> {
    probes::final_probes(profile)
        .into_iter()
        .filter(|c| selection.keeps(c))
        .collect()
}

/// Every selected case of a run, in sending order, final probes last: what [`super::cases`]
/// is for a whole run.
pub fn cases(plan: &Plan, selection: &Selection) -> Vec<Case> {
    let mut all: Vec<Case> = select(plan, selection).collect();
    all.extend(final_probes(plan.profile, selection));
    all
}

/// The iterator behind [`select`]. The stream's first case, the baseline, is always sent: the
/// run learns from it whether the target answers at all and needs a token, and the success
/// checks judge it.
pub struct Selected {
    inner: CaseStream,
    selection: Selection,
    first: bool,
    total: usize,
}

impl Selected {
    fn new(inner: CaseStream, selection: Selection, total: usize) -> Selected {
        Selected {
            inner,
            selection,
            first: true,
            total,
        }
    }

    /// How many cases the iterator yields.
    pub fn total(&self) -> usize {
        self.total
    }
}

impl Iterator for Selected {
    type Item = Case;

    fn next(&mut self) -> Option<Case> {
        if std::mem::take(&mut self.first) {
            return self.inner.next();
        }
        self.inner.by_ref().find(|c| self.selection.keeps(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(cases: usize) -> Plan {
        Plan {
            profile: Profile::Rfc7591,
            seed: 11,
            cases,
            has_token: false,
        }
    }

    #[test]
    fn partitions_parse_and_print_back() {
        for raw in ["hash:1/1", "hash:2/3", "hash:4/4"] {
            let p: Partition = raw.parse().expect(raw);
            assert_eq!(p.to_string(), raw);
        }
        let bad = [
            ("hash:0/3", "M must be from 1 to N"),
            ("hash:4/3", "M must be from 1 to N"),
            ("hash:1/0", "N must be at least 1"),
            ("hash:a/3", "whole numbers"),
            ("hash:-1/3", "whole numbers"),
            ("1/3", "expected hash:M/N"),
            ("hash:1-3", "expected hash:M/N"),
        ];
        for (raw, why) in bad {
            let e = raw.parse::<Partition>().expect_err(raw).to_string();
            assert!(
                e.starts_with(&format!("invalid --partition '{raw}': ")),
                "{e}"
            );
            assert!(e.contains(why), "{raw}: {e}");
            assert!(!e.contains('\n'));
        }
        assert_eq!(
            "hash:0/3".parse::<Partition>().expect_err("0").to_string(),
            "invalid --partition 'hash:0/3': M must be from 1 to N"
        );
    }

    #[test]
    fn the_shard_hash_is_fixed() {
        // FNV-1a test vectors: the assignment must not change between builds or machines.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shards_split_generated_cases_and_share_the_probes() {
        let whole = cases(&plan(60), &Selection::default());
        let n = 3;
        let mut seen = std::collections::HashMap::new();
        for m in 1..=n {
            let selection = Selection {
                partition: Partition::new(m, n),
                focus: None,
            };
            let shard = cases(&plan(60), &selection);
            assert_eq!(select(&plan(60), &selection).total() + 1, shard.len());
            for c in shard {
                *seen.entry(c.id).or_insert(0) += 1;
            }
        }
        for c in &whole {
            let times = seen.get(&c.id).copied().unwrap_or(0);
            let want = match c.kind {
                CaseKind::Probe | CaseKind::Final => n,
                _ => 1,
            };
            assert_eq!(times, want, "{}", c.id);
        }
        assert_eq!(seen.len(), whole.len());
    }

    #[test]
    fn prefixes_select_sections_not_longer_numbers() {
        assert!(selects("R7591-3.2.1", "R7591-3.2.1-a"));
        assert!(selects("r7591-3.2.1-A", "R7591-3.2.1-a"));
        assert!(selects("R7591-3.2", "R7591-3.2.1-a"));
        assert!(selects("R7591-3.2.1-", "R7591-3.2.1-a"));
        assert!(!selects("R7591-3.2", "R7591-3.20-a"));
        assert!(!selects("R7591-3.2.1-a", "R7591-3.2.1"));
        let rows = requirement_rows(Profile::Rfc7591, &["R7591-3.2.1".into()]).expect("rows");
        assert!(rows.contains("R7591-3.2.1-a") && rows.contains("R7591-3.2.1-b"));
        assert!(rows.iter().all(|r| r.starts_with("R7591-3.2.1-")));
    }

    #[test]
    fn unknown_requirements_name_their_neighbours() {
        let e = requirement_rows(Profile::Rfc7591, &["R7591-3.2.9".into()])
            .expect_err("no such section")
            .to_string();
        assert!(
            e.contains("matches no requirement of profile rfc7591"),
            "{e}"
        );
        assert!(
            e.contains("R7591-3.2.1") || e.contains("R7591-3.2.2"),
            "{e}"
        );
        let e = requirement_rows(Profile::Rfc7591, &["OIDCR-3.2".into()])
            .expect_err("oidc rows")
            .to_string();
        assert!(e.contains("only rows outside profile rfc7591"), "{e}");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            close_names("abc", ["abd", "xyz", "abc"]),
            vec!["abc", "abd"]
        );
    }

    #[test]
    fn a_focus_keeps_the_baseline_and_the_carriers() {
        let rows: BTreeSet<&'static str> = ["R6749-3.1.2-a"].into_iter().collect();
        let selection = Selection {
            partition: None,
            focus: Some(Focus::new(rows, Keep::Carriers)),
        };
        let kept = cases(&plan(80), &selection);
        assert_eq!(kept[0].id, "probe-baseline");
        assert!(kept[1..]
            .iter()
            .all(|c| c.requirements.contains(&"R6749-3.1.2-a")));
        assert!(kept.len() > 1 && kept.len() < cases(&plan(80), &Selection::default()).len() / 4);
    }
}
