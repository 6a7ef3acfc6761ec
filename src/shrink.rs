//! Shrinking: when a generated case shows a problem, re-send simpler versions of its payload
//! (drop optional members, put required ones back to the baseline, shorten arrays, shorten
//! strings toward the boundary) and keep the smallest one that still shows the same problem.
//!
//! Owns: the search for a minimal reproduction within a request budget. Must not: judge on
//! its own (it asks `checks`) or print.

use serde_json::{Map, Value};

use crate::checks::{self, CaseContext, Outcome, Verdict};
use crate::exec::{Executor, Observation};
use crate::generate::{valid, Body, Case, CaseKind};
use crate::profile::{Profile, Schemas};

/// Re-sent requests per run unless `--shrink-budget` says otherwise.
pub const DEFAULT_SHRINK_BUDGET: usize = 400;
/// Requests one problem may spend before the others get their turn.
const PER_PROBLEM: usize = 80;
/// Single elements of an array tried on their own.
const ARRAY_PICKS: usize = 8;

/// What identifies "the same problem": one check's verdict on one requirement, of one kind
/// (see [`Verdict::kind`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub requirement: &'static str,
    pub check: &'static str,
    pub kind: String,
}

impl Problem {
    fn matches(&self, v: &Verdict) -> bool {
        matches!(v.outcome, Outcome::Flag(_))
            && v.requirement == self.requirement
            && v.check == self.check
            && v.kind == self.kind
    }
}

pub struct Shrinker<'a> {
    pub executor: &'a Executor,
    pub profile: Profile,
    pub schemas: &'a Schemas,
    pub now: u64,
    pub policy: checks::Policy,
    /// Requests left.
    pub budget: usize,
    /// Where the clients that shrinking registers are remembered (for the report and
    /// `--cleanup`).
    pub created: &'a mut crate::cleanup::Created,
    /// The server's metadata, as the run's checks saw it.
    pub metadata: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl Shrinker<'_> {
    /// Whether a case can be shrunk: a generated JSON-object payload.
    pub fn shrinkable(case: &Case) -> bool {
        matches!(case.kind, CaseKind::Valid | CaseKind::Invalid)
            && case.request.body.json_object().is_some()
    }

    /// The smallest variant of `case` that still shows `problem`, with its observation, or
    /// `None` when nothing simpler does (or the budget is spent).
    pub async fn shrink(&mut self, case: &Case, problem: &Problem) -> Option<(Case, Observation)> {
        let mut best: Option<(Case, Observation)> = None;
        let mut current = case.request.body.json_object()?.clone();
        let baseline = valid::baseline(self.profile);
        let required = self.profile.required_members();
        // Spend at most a share of what is left, so later problems get shrunk too.
        let reserve = self.budget.saturating_sub(PER_PROBLEM);
        let mut settled: Vec<(String, Value)> = Vec::new();
        loop {
            let mut improved = false;
            // 1. Drop optional members.
            let keys: Vec<String> = current.keys().cloned().collect();
            for key in keys
                .iter()
                .filter(|k| !required.contains(&k.as_str()) && !case.trigger.contains(k))
            {
                let mut candidate = current.clone();
                candidate.remove(key);
                if let Some(hit) = self.try_candidate(case, problem, &candidate).await {
                    current = candidate;
                    best = Some(hit);
                    improved = true;
                }
            }
            // 2. Put required members back to the baseline value.
            for key in required {
                let Some(base) = baseline.get(*key) else {
                    continue;
                };
                if case.trigger.iter().any(|t| t == key) {
                    continue;
                }
                if current.get(*key) == Some(base) {
                    continue;
                }
                let mut candidate = current.clone();
                candidate.insert((*key).to_string(), base.clone());
                if let Some(hit) = self.try_candidate(case, problem, &candidate).await {
                    current = candidate;
                    best = Some(hit);
                    improved = true;
                }
            }
            // 3. Shorten arrays to a single element.
            let arrays: Vec<(String, Vec<Value>)> = current
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_array()?.clone())))
                .filter(|(k, a)| a.len() > 1 && !case.trigger.contains(k))
                .collect();
            for (key, items) in arrays {
                for item in items.iter().take(ARRAY_PICKS) {
                    let mut candidate = current.clone();
                    candidate.insert(key.clone(), Value::Array(vec![item.clone()]));
                    if let Some(hit) = self.try_candidate(case, problem, &candidate).await {
                        current = candidate;
                        best = Some(hit);
                        improved = true;
                        break;
                    }
                }
            }
            // 4. Shorten strings (members, or a one-element string array) toward the boundary.
            let keys: Vec<String> = current.keys().cloned().collect();
            for key in keys {
                let value = current.get(&key).cloned().unwrap_or(Value::Null);
                // A required member at its baseline value is as simple as it gets, and a
                // string already bisected to its edge would only be bisected again.
                let at_baseline =
                    required.contains(&key.as_str()) && baseline.get(&key) == Some(&value);
                if at_baseline
                    || case.trigger.contains(&key)
                    || settled.iter().any(|(k, v)| *k == key && *v == value)
                {
                    continue;
                }
                if let Some((candidate, hit)) = self.shorten(case, problem, &current, &key).await {
                    current = candidate;
                    best = Some(hit);
                    improved = true;
                }
                settled.push((
                    key.clone(),
                    current.get(&key).cloned().unwrap_or(Value::Null),
                ));
            }
            if !improved || self.budget <= reserve {
                self.budget = self.budget.max(reserve);
                return best;
            }
        }
    }

    /// Bisects the length of one string member: the shortest prefix that still fails, next to
    /// a longer-by-one prefix that passes, is the edge of the band that triggers the problem.
    async fn shorten(
        &mut self,
        case: &Case,
        problem: &Problem,
        current: &Map<String, Value>,
        key: &str,
    ) -> Option<(Map<String, Value>, (Case, Observation))> {
        let (text, in_array) = match current.get(key)? {
            Value::String(s) => (s.clone(), false),
            Value::Array(a) if a.len() == 1 => (a[0].as_str()?.to_string(), true),
            _ => return None,
        };
        let chars: Vec<char> = text.chars().collect();
        let with_len = |n: usize| {
            let s: String = chars[..n].iter().collect();
            let mut m = current.clone();
            let v = Value::String(s);
            m.insert(
                key.to_string(),
                if in_array { Value::Array(vec![v]) } else { v },
            );
            m
        };
        // Invariant: length `hi` fails; lengths at or below `lo` were not seen to fail.
        let (mut lo, mut hi) = (0usize, chars.len());
        let mut found = None;
        while hi - lo > 1 && self.budget > 0 {
            let mid = lo + (hi - lo) / 2;
            let candidate = with_len(mid);
            match self.try_candidate(case, problem, &candidate).await {
                Some(hit) => {
                    hi = mid;
                    found = Some((candidate, hit));
                }
                None => lo = mid,
            }
        }
        found
    }

    /// Sends a candidate payload if it keeps the case's schema status, and returns its
    /// exchange when it still shows the problem.
    async fn try_candidate(
        &mut self,
        case: &Case,
        problem: &Problem,
        body: &Map<String, Value>,
    ) -> Option<(Case, Observation)> {
        if self.budget == 0 {
            return None;
        }
        // The members the mutation set stay as it set them (or absent, if it removed them).
        let original = case.request.body.json_object();
        if case
            .trigger
            .iter()
            .any(|k| original.and_then(|o| o.get(k)) != body.get(k))
        {
            return None;
        }
        let value = Value::Object(body.clone());
        // A simpler payload must stay what the case was: valid stays valid, and a mutation
        // stays rejected where it was made.
        let errors = checks::schema_errors(&self.schemas.request, &value);
        let keeps_status = match case.invalid_at {
            None => errors.is_empty(),
            Some(at) => errors.iter().any(|(p, _)| p.starts_with(at)),
        };
        if !keeps_status {
            return None;
        }
        self.budget -= 1;
        let mut candidate = case.clone();
        candidate.request.body = Body::Json(value);
        let observation = self.executor.send(&candidate).await;
        self.created.record(&observation);
        let ctx = CaseContext {
            profile: self.profile,
            case: &candidate,
            observation: &observation,
            schemas: self.schemas,
            now: self.now,
            policy: self.policy,
            metadata: self.metadata,
        };
        let still = checks::judge_case(&ctx).iter().any(|v| problem.matches(v));
        still.then_some((candidate, observation))
    }
}
