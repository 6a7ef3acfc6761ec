//! Checks over the whole run: uniqueness and strength of issued credentials, and what the
//! endpoint reveals when read.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::Value;

use super::{Check, Kind, Out, RunContext};
use crate::exec::Observation;
use crate::generate::{Case, CaseKind, Method};
use crate::spec::names::*;
use crate::spec::Severity;

/// RFC 6749 §10.10: guessing a credential must have probability at most 2^-128.
pub const MIN_SECRET_BITS: f64 = 128.0;
/// Case names kept per repeated value.
const CASES_PER_VALUE: usize = 20;
/// Distinct values remembered per credential kind. Uniqueness is exact among the first this
/// many; every later value is still compared with them but not remembered, so a run of a
/// million cases keeps its memory flat (about 1.6 MB per kind) instead of growing by some
/// 30 bytes per registration. A server that repeats credentials does so long before.
pub const REMEMBERED_VALUES: usize = 50_000;

/// What the run-wide checks need from a run, recorded as the exchanges stream past: 64-bit
/// digests of issued credentials (not the bodies), so memory grows by a few bytes per
/// registration, and the handful of exchanges read at the end (GET on the endpoint).
#[derive(Default)]
pub struct Ledger {
    /// Exchanges recorded, in sending order.
    seen: u32,
    /// Names of the probe, fixture and final cases by position (generated cases are named by
    /// their position only).
    names: HashMap<u32, String>,
    ids: ValueIndex,
    secrets: ValueIndex,
    /// Secrets issued, and the weak ones: how many, and the first.
    secret_count: usize,
    weak: Vec<(u32, f64)>,
    weak_count: usize,
    /// Answers to GET on the endpoint.
    reads: Vec<Observation>,
    /// Client-chosen ids that were honoured: (case name, id).
    chosen: Vec<(String, String)>,
}

/// Where each value was first seen, and the values seen more than once.
#[derive(Default)]
struct ValueIndex {
    /// Digest → (position, digest of the owning client_id).
    first: HashMap<u64, (u32, u64)>,
    repeated: BTreeMap<u64, Repeat>,
}

struct Repeat {
    cases: Vec<u32>,
    count: usize,
    owners: Vec<u64>,
}

fn digest(value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

impl ValueIndex {
    fn add(&mut self, value: &str, at: u32, owner: u64) {
        let d = digest(value);
        match self.first.get(&d) {
            None if self.first.len() >= REMEMBERED_VALUES => {}
            None => {
                self.first.insert(d, (at, owner));
            }
            Some(&(first, first_owner)) => {
                let r = self.repeated.entry(d).or_insert_with(|| Repeat {
                    cases: vec![first],
                    count: 1,
                    owners: vec![first_owner],
                });
                r.count += 1;
                if r.cases.len() < CASES_PER_VALUE {
                    r.cases.push(at);
                }
                if !r.owners.contains(&owner) {
                    r.owners.push(owner);
                }
            }
        }
    }

    fn contains(&self, value: &str) -> bool {
        self.first.contains_key(&digest(value))
    }
}

impl Ledger {
    /// Records what the run-wide checks need from one exchange.
    pub fn record(&mut self, case: &Case, obs: &Observation) {
        let at = self.seen;
        self.seen += 1;
        if case.kind != CaseKind::Valid && case.kind != CaseKind::Invalid {
            self.names.insert(at, case.id.clone());
        }
        let Some(resp) = &obs.response else { return };
        if case.request.method == Method::Get {
            self.reads.push(obs.clone());
            return;
        }
        if case.request.method != Method::Post || !(200..300).contains(&resp.status) {
            return;
        }
        let Some(body) = obs.json_object() else {
            return;
        };
        let id = body.get(CLIENT_ID).and_then(Value::as_str);
        let owner = id.map_or(0, digest);
        if let Some(id) = id {
            self.ids.add(id, at, owner);
            if case.id.starts_with("probe-client-chosen-id")
                && id == crate::generate::probes::CLIENT_CHOSEN_ID
            {
                self.chosen.push((case.id.clone(), id.to_string()));
            }
        }
        if let Some(secret) = body.get(CLIENT_SECRET).and_then(Value::as_str) {
            self.secrets.add(secret, at, owner);
            self.secret_count += 1;
            let bits = entropy_bits(secret);
            if bits < MIN_SECRET_BITS {
                self.weak_count += 1;
                if self.weak.is_empty() {
                    self.weak.push((at, bits));
                }
            }
        }
    }

    fn name(&self, at: u32) -> String {
        self.names
            .get(&at)
            .cloned()
            .unwrap_or_else(|| format!("generated case #{at}"))
    }

    fn names(&self, cases: &[u32]) -> String {
        cases
            .iter()
            .map(|c| self.name(*c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub const CLIENT_IDS_ARE_UNIQUE: Check = Check {
    name: "client_ids_are_unique",
    requirements: &["R7591-3.2.1-b", "OIDCR-3.2-d"],
    kind: Kind::Run(client_ids_are_unique),
};

fn client_ids_are_unique(ctx: &RunContext, out: &mut Out) {
    let ids = &ctx.ledger.ids;
    if ids.first.len() + ids.repeated.len() < 2 {
        return;
    }
    let (req, severity) = if ctx.profile.is_oidc() {
        ("OIDCR-3.2-d", Severity::Fail)
    } else {
        ("R7591-3.2.1-b", Severity::Warn)
    };
    if ids.repeated.is_empty() {
        out.pass(req);
    }
    for r in ids.repeated.values() {
        out.flag(
            severity,
            req,
            "the same client_id was issued to different registrations",
            format!(
                "{} registrations share one client_id: {}",
                r.count,
                ctx.ledger.names(&r.cases)
            ),
        );
    }
}

pub const CLIENT_SECRETS_ARE_UNIQUE: Check = Check {
    name: "client_secrets_are_unique",
    requirements: &["R7591-3.2.1-c", "OIDCR-3.2-e"],
    kind: Kind::Run(client_secrets_are_unique),
};

fn client_secrets_are_unique(ctx: &RunContext, out: &mut Out) {
    let secrets = &ctx.ledger.secrets;
    if ctx.ledger.secret_count < 2 {
        return;
    }
    let req = if ctx.profile.is_oidc() {
        "OIDCR-3.2-e"
    } else {
        "R7591-3.2.1-c"
    };
    if secrets.repeated.is_empty() {
        out.pass(req);
    }
    for r in secrets.repeated.values() {
        let names = ctx.ledger.names(&r.cases);
        // RFC 7591 §3.2.1: unique per client_id (MUST), and only SHOULD across instances
        // sharing one client_id (also §5).
        if r.owners.len() > 1 {
            out.fail(
                req,
                "the same client_secret was issued to different clients",
                format!(
                    "{} registrations with {} client_ids share one secret: {names}",
                    r.count,
                    r.owners.len()
                ),
            );
        } else {
            out.flag(
                Severity::Warn,
                "R7591-3.2.1-c",
                "the same client_secret was issued to instances sharing one client_id",
                format!(
                    "{} registrations share one client_id and one secret: {names}",
                    r.count
                ),
            );
        }
    }
}

pub const CLIENT_SECRETS_HAVE_128_BITS: Check = Check {
    name: "client_secrets_have_128_bits",
    requirements: &["R7591-3.2.1-c"],
    kind: Kind::Run(client_secrets_have_128_bits),
};

/// Upper bound of the entropy of a secret from its length and the character classes it
/// draws from. It cannot prove a secret strong, only show one too short to be.
pub fn entropy_bits(secret: &str) -> f64 {
    let len = secret.chars().count() as f64;
    let hex = secret.chars().all(|c| c.is_ascii_hexdigit());
    let alphabet: f64 = if hex {
        16.0
    } else {
        let mut n = 0.0;
        if secret.chars().any(|c| c.is_ascii_lowercase()) {
            n += 26.0;
        }
        if secret.chars().any(|c| c.is_ascii_uppercase()) {
            n += 26.0;
        }
        if secret.chars().any(|c| c.is_ascii_digit()) {
            n += 10.0;
        }
        if secret.chars().any(|c| !c.is_ascii_alphanumeric()) {
            n += 32.0;
        }
        n
    };
    if alphabet <= 1.0 {
        return 0.0;
    }
    len * alphabet.log2()
}

fn client_secrets_have_128_bits(ctx: &RunContext, out: &mut Out) {
    let l = ctx.ledger;
    if l.secret_count == 0 {
        return;
    }
    match l.weak.first() {
        None => out.pass("R7591-3.2.1-c"),
        Some((at, bits)) => out.fail(
            "R7591-3.2.1-c",
            "client_secret has fewer than 128 bits of entropy (RFC 6749 §10.10)",
            format!(
                "{} of {} secrets at most {bits:.0} bits, e.g. case {}",
                l.weak_count,
                l.secret_count,
                l.name(*at)
            ),
        ),
    }
}

pub const ENDPOINT_GET_EXPOSES_NO_CLIENTS: Check = Check {
    name: "endpoint_get_exposes_no_clients",
    requirements: &["R7591-3-b"],
    kind: Kind::Run(endpoint_get_exposes_no_clients),
};

fn endpoint_get_exposes_no_clients(ctx: &RunContext, out: &mut Out) {
    let l = ctx.ledger;
    for resp in l.reads.iter().filter_map(|o| o.response.as_ref()) {
        let leaked = revealed(resp, &|v| l.ids.contains(v) || l.secrets.contains(v));
        if (200..300).contains(&resp.status) && leaked > 0 {
            out.flag(
                Severity::Warn,
                "R7591-3-b",
                "GET on the registration endpoint reveals registered clients",
                format!(
                    "status {}: {leaked} issued client_id/client_secret values in the body (sent without the initial access token)",
                    resp.status
                ),
            );
        } else {
            out.pass("R7591-3-b");
        }
    }
}

/// How many issued values a response body shows: whole JSON strings (values or member
/// names) anywhere in a JSON body, or, in any other body, whole words of at least 8
/// characters (short numeric ids would match by accident).
fn revealed(resp: &crate::exec::Response, issued: &dyn Fn(&str) -> bool) -> usize {
    fn walk(v: &Value, issued: &dyn Fn(&str) -> bool, n: &mut usize) {
        match v {
            Value::String(s) if issued(s) => *n += 1,
            Value::Array(a) => a.iter().for_each(|x| walk(x, issued, n)),
            Value::Object(o) => {
                for (k, x) in o {
                    if issued(k) {
                        *n += 1;
                    }
                    walk(x, issued, n);
                }
            }
            _ => {}
        }
    }
    let mut n = 0;
    if let Some(json) = resp.json() {
        walk(json, issued, &mut n);
        return n;
    }
    let text = resp.body_text();
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| w.chars().count() >= 8 && issued(w))
        .count()
}

pub const CLIENT_ID_IS_NOT_CHOSEN_BY_CLIENT: Check = Check {
    name: "client_id_is_not_chosen_by_client",
    requirements: &["R7591-3.2.1-b", "OIDCR-3.2-d"],
    kind: Kind::Run(client_id_is_not_chosen_by_client),
};

/// Honouring a client_id the request names is allowed once (RFC 7591 §3.2.1 only says the id
/// SHOULD NOT be valid for another client): INFO. Two probes ask for the same id, so a server
/// that honours both has made one id valid for two clients, which `client_ids_are_unique`
/// grades.
fn client_id_is_not_chosen_by_client(ctx: &RunContext, out: &mut Out) {
    let req = if ctx.profile.is_oidc() {
        "OIDCR-3.2-d"
    } else {
        "R7591-3.2.1-b"
    };
    for (case, id) in &ctx.ledger.chosen {
        out.flag(
            Severity::Info,
            req,
            "a client_id chosen by the client was registered",
            format!("the request asked for client_id {id:?} and got it ({case})"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_past_the_cap_are_compared_but_not_remembered() {
        let mut index = ValueIndex::default();
        for i in 0..REMEMBERED_VALUES + 10 {
            index.add(&format!("v{i}"), i as u32, 0);
        }
        assert_eq!(index.first.len(), REMEMBERED_VALUES);
        assert!(index.repeated.is_empty());
        // A later repeat of a remembered value is found...
        index.add("v7", 1, 0);
        assert_eq!(index.repeated.len(), 1);
        // ...a value first seen past the cap is not.
        let late = format!("v{}", REMEMBERED_VALUES + 3);
        index.add(&late, 2, 0);
        assert_eq!(index.repeated.len(), 1);
    }
}
