//! Checks over the whole run: uniqueness and strength of issued credentials, and what the
//! endpoint reveals when read.

use std::collections::HashMap;

use super::{Check, Kind, Out, RunContext};
use crate::generate::Method;
use crate::spec::names::*;
use crate::spec::Severity;

/// RFC 6749 §10.10: guessing a credential must have probability at most 2^-128.
pub const MIN_SECRET_BITS: f64 = 128.0;

/// Values of a member across every registration of the run, with the case that got each.
fn issued<'a>(ctx: &'a RunContext, member: &str) -> Vec<(&'a str, String)> {
    ctx.exchanges
        .iter()
        .filter(|(case, obs)| {
            case.request.method == Method::Post
                && obs
                    .response
                    .as_ref()
                    .is_some_and(|r| (200..300).contains(&r.status))
        })
        .filter_map(|(case, obs)| {
            let body = obs.json_object()?;
            let v = body.get(member)?.as_str()?.to_string();
            Some((case.id.as_str(), v))
        })
        .collect()
}

fn duplicates(values: &[(&str, String)]) -> Vec<(String, Vec<String>)> {
    let mut by_value: HashMap<&str, Vec<String>> = HashMap::new();
    for (case, v) in values {
        by_value
            .entry(v.as_str())
            .or_default()
            .push((*case).to_string());
    }
    let mut dups: Vec<(String, Vec<String>)> = by_value
        .into_iter()
        .filter(|(_, cases)| cases.len() > 1)
        .map(|(v, cases)| (v.to_string(), cases))
        .collect();
    dups.sort();
    dups
}

pub const CLIENT_IDS_ARE_UNIQUE: Check = Check {
    name: "client_ids_are_unique",
    requirements: &["R7591-3.2.1-b", "OIDCR-3.2-d"],
    kind: Kind::Run(client_ids_are_unique),
};

fn client_ids_are_unique(ctx: &RunContext, out: &mut Out) {
    let ids = issued(ctx, CLIENT_ID);
    if ids.len() < 2 {
        return;
    }
    let (req, severity) = if ctx.profile.is_oidc() {
        ("OIDCR-3.2-d", Severity::Fail)
    } else {
        ("R7591-3.2.1-b", Severity::Warn)
    };
    let dups = duplicates(&ids);
    if dups.is_empty() {
        out.pass(req);
    }
    for (_, cases) in dups {
        out.flag(
            severity,
            req,
            "the same client_id was issued to different registrations",
            format!(
                "{} registrations share one client_id: {}",
                cases.len(),
                cases.join(", ")
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
    let secrets = issued(ctx, CLIENT_SECRET);
    if secrets.len() < 2 {
        return;
    }
    let req = if ctx.profile.is_oidc() {
        "OIDCR-3.2-e"
    } else {
        "R7591-3.2.1-c"
    };
    let dups = duplicates(&secrets);
    if dups.is_empty() {
        out.pass(req);
    }
    for (_, cases) in dups {
        out.fail(
            req,
            "the same client_secret was issued to different clients",
            format!(
                "{} registrations share one secret: {}",
                cases.len(),
                cases.join(", ")
            ),
        );
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
    let secrets = issued(ctx, CLIENT_SECRET);
    if secrets.is_empty() {
        return;
    }
    let weak: Vec<(&str, f64)> = secrets
        .iter()
        .map(|(case, s)| (*case, entropy_bits(s)))
        .filter(|(_, bits)| *bits < MIN_SECRET_BITS)
        .collect();
    match weak.first() {
        None => out.pass("R7591-3.2.1-c"),
        Some((case, bits)) => out.fail(
            "R7591-3.2.1-c",
            "client_secret has fewer than 128 bits of entropy (RFC 6749 §10.10)",
            format!(
                "{} of {} secrets at most {bits:.0} bits, e.g. case {case}",
                weak.len(),
                secrets.len()
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
    let mut known: Vec<String> = issued(ctx, CLIENT_ID).into_iter().map(|(_, v)| v).collect();
    known.extend(issued(ctx, CLIENT_SECRET).into_iter().map(|(_, v)| v));
    for (case, obs) in ctx.exchanges {
        if case.request.method != Method::Get {
            continue;
        }
        let Some(resp) = &obs.response else { continue };
        let text = resp.body_text();
        let leaked = known
            .iter()
            .filter(|v| v.len() >= 4 && text.contains(v.as_str()))
            .count();
        if (200..300).contains(&resp.status) && leaked > 0 {
            out.fail(
                "R7591-3-b",
                "GET on the registration endpoint reveals registered clients",
                format!(
                    "status {}: {leaked} issued client_id/client_secret values in the body",
                    resp.status
                ),
            );
        } else {
            out.pass("R7591-3-b");
        }
    }
}

pub const CLIENT_ID_IS_NOT_CHOSEN_BY_CLIENT: Check = Check {
    name: "client_id_is_not_chosen_by_client",
    requirements: &["R7591-3.2.1-b", "OIDCR-3.2-d"],
    kind: Kind::Run(client_id_is_not_chosen_by_client),
};

/// A server that takes the client_id a request names lets one client take over another's
/// identifier (RFC 7591 §3.2.1: the server issues client_id).
fn client_id_is_not_chosen_by_client(ctx: &RunContext, out: &mut Out) {
    let chosen = crate::generate::probes::CLIENT_CHOSEN_ID;
    let (req, severity) = if ctx.profile.is_oidc() {
        ("OIDCR-3.2-d", Severity::Fail)
    } else {
        ("R7591-3.2.1-b", Severity::Warn)
    };
    for (case, id) in issued(ctx, CLIENT_ID) {
        if case == "probe-client-chosen-id" {
            if id == chosen {
                out.flag(
                    severity,
                    req,
                    "a client_id chosen by the client was registered",
                    format!("the request asked for client_id {chosen:?} and got it"),
                );
            } else {
                out.pass(req);
            }
        }
    }
}
