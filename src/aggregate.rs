//! Aggregation: folds verdicts into per-requirement state and findings as the exchanges
//! arrive, keeping for each finding only its count, a bounded list of case ids, and one
//! exemplar (the smallest case that shows it, a shrinkable one first), so a run's memory is
//! bounded by its findings, not by its cases.
//!
//! Owns: grouping and the choice of exemplar. Must not: do I/O, judge (that is `checks`), or
//! render anything (that is `report`).

use std::collections::HashMap;

use crate::checks::{Outcome, Verdict};
use crate::exec::Observation;
use crate::generate::Case;
use crate::profile::Profile;
use crate::shrink::{Problem, Shrinker};
use crate::spec::{self, Severity};

/// Case ids kept per finding.
pub const CASES_PER_FINDING: usize = 20;

/// What a requirement row has seen so far.
#[derive(Debug, Default, Clone)]
pub struct RowState {
    /// The worst flag raised on the row.
    pub worst: Option<Severity>,
    pub passed: bool,
    /// Why a check could not judge the row (the first reason given).
    pub skip_reason: Option<String>,
}

/// The case that best shows a problem, with what it showed.
#[derive(Debug, Clone)]
pub struct Exemplar {
    pub case: Case,
    pub observation: Observation,
    /// The verdict's detail for this case.
    pub detail: String,
}

/// One problem, however many cases showed it.
#[derive(Debug, Clone)]
pub struct Group {
    pub problem: Problem,
    /// The title of the exemplar's verdict (of the first verdict for a run-wide problem).
    pub title: String,
    pub severity: Severity,
    pub count: usize,
    /// The first case ids that showed it (at most [`CASES_PER_FINDING`]).
    pub cases: Vec<String>,
    /// Detail of a run-wide verdict, or of the first case.
    pub detail: String,
    pub exemplar: Option<Exemplar>,
}

/// Everything a run keeps while it streams.
pub struct Aggregate {
    profile: Profile,
    rows: HashMap<&'static str, RowState>,
    groups: Vec<Group>,
    index: HashMap<Problem, usize>,
    /// Secret values seen in answers whose requests later exemplars may quote (the RFC 7592
    /// conversation sends registered metadata back): the report masks them wherever they
    /// appear. Bounded: only the conversation's few answers add to it.
    secrets: Vec<String>,
}

/// How an exemplar ranks: a shrinkable case first (it can become a minimal reproduction),
/// then the smallest body.
fn rank(case: &Case) -> (bool, usize) {
    (!Shrinker::shrinkable(case), case.request.body.len())
}

impl Aggregate {
    pub fn new(profile: Profile) -> Self {
        Aggregate {
            profile,
            rows: HashMap::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            secrets: Vec::new(),
        }
    }

    /// Remembers the secret members (`client_secret`, `registration_access_token`) of an
    /// answer, so that reports mask them in any request that quotes them.
    pub fn remember_secrets(&mut self, obs: &Observation) {
        if let Some(v) = obs.response.as_ref().and_then(|r| r.json()) {
            crate::sanitize::secret_values(v, &mut self.secrets);
        }
    }

    /// Remembers one secret the run sent (a client assertion): masked like the others.
    pub fn remember_secret(&mut self, secret: &str) {
        if !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Folds the verdicts of one exchange (`exchange` is `None` for run-wide verdicts).
    /// Verdicts about rows outside the profile are dropped.
    pub fn add(&mut self, exchange: Option<(&Case, &Observation)>, verdicts: Vec<Verdict>) {
        for v in verdicts {
            let applies = spec::requirement(v.requirement).is_some_and(|r| self.profile.applies(r));
            if !applies {
                continue;
            }
            let row = self.rows.entry(v.requirement).or_default();
            match v.outcome {
                Outcome::Pass => row.passed = true,
                Outcome::Skip => {
                    if row.skip_reason.is_none() {
                        row.skip_reason = Some(v.title.clone());
                    }
                }
                Outcome::Flag(severity) => {
                    row.worst = Some(row.worst.map_or(severity, |w| w.min(severity)));
                    self.flag(exchange, v, severity);
                }
            }
        }
    }

    fn flag(&mut self, exchange: Option<(&Case, &Observation)>, v: Verdict, severity: Severity) {
        let problem = Problem {
            requirement: v.requirement,
            check: v.check,
            kind: v.kind,
        };
        let at = match self.index.get(&problem) {
            Some(&i) => i,
            None => {
                self.index.insert(problem.clone(), self.groups.len());
                self.groups.push(Group {
                    problem,
                    title: v.title.clone(),
                    severity,
                    count: 0,
                    cases: Vec::new(),
                    detail: v.detail.clone(),
                    exemplar: None,
                });
                self.groups.len() - 1
            }
        };
        let g = &mut self.groups[at];
        g.severity = g.severity.min(severity);
        g.count += 1;
        let Some((case, obs)) = exchange else { return };
        if g.cases.len() < CASES_PER_FINDING {
            g.cases.push(case.id.clone());
        }
        let better = g
            .exemplar
            .as_ref()
            .is_none_or(|e| rank(case) < rank(&e.case));
        if better {
            g.title = v.title;
            g.exemplar = Some(Exemplar {
                case: case.clone(),
                observation: obs.clone(),
                detail: v.detail,
            });
        }
    }

    /// The state of a row, if any verdict touched it.
    pub fn row(&self, id: &str) -> Option<&RowState> {
        self.rows.get(id)
    }

    /// Every finding, in the order first seen.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Exemplars that shrinking may work on, with their problem.
    pub fn shrinkable(&self) -> impl Iterator<Item = (&Problem, &Case)> {
        self.groups.iter().filter_map(|g| {
            let e = g.exemplar.as_ref()?;
            Shrinker::shrinkable(&e.case).then_some((&g.problem, &e.case))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::SentRequest;
    use crate::generate::{CaseKind, Plan};

    fn obs() -> Observation {
        Observation {
            request: SentRequest {
                method: "POST",
                url: "http://127.0.0.1/register".into(),
                headers: Vec::new(),
            },
            response: None,
            transport_error: None,
            elapsed_ms: 0,
            rate_limited: 0,
        }
    }

    fn flag(title: &str) -> Verdict {
        Verdict {
            check: "no_server_error",
            requirement: "R7591-3.2-a",
            outcome: Outcome::Flag(Severity::Fail),
            kind: title.into(),
            title: title.into(),
            detail: "d".into(),
        }
    }

    #[test]
    fn one_group_per_problem_with_a_bounded_case_list_and_the_best_exemplar() {
        let cases = crate::generate::cases(&Plan {
            profile: Profile::Rfc7591,
            seed: 3,
            cases: 60,
            has_token: false,
        });
        let mut agg = Aggregate::new(Profile::Rfc7591);
        for c in &cases {
            agg.add(Some((c, &obs())), vec![flag("server error 500")]);
        }
        agg.add(Some((&cases[0], &obs())), vec![flag("another")]);
        assert_eq!(agg.groups().len(), 2);
        let g = &agg.groups()[0];
        assert_eq!(g.count, cases.len());
        assert_eq!(g.cases.len(), CASES_PER_FINDING);
        let e = g.exemplar.as_ref().expect("exemplar");
        assert!(matches!(e.case.kind, CaseKind::Valid | CaseKind::Invalid));
        let smallest = cases
            .iter()
            .filter(|c| Shrinker::shrinkable(c))
            .map(|c| c.request.body.len())
            .min();
        assert_eq!(Some(e.case.request.body.len()), smallest);
        assert_eq!(
            agg.row("R7591-3.2-a").and_then(|r| r.worst),
            Some(Severity::Fail)
        );
    }

    #[test]
    fn rows_outside_the_profile_are_dropped() {
        let mut agg = Aggregate::new(Profile::Rfc7591);
        let mut v = flag("x");
        v.requirement = "OIDCR-2-a";
        agg.add(None, vec![v]);
        assert!(agg.groups().is_empty());
        assert!(agg.row("OIDCR-2-a").is_none());
    }
}
