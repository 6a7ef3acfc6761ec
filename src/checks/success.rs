//! Checks on a successful registration response (RFC 7591 §3.2, §3.2.1).

use serde_json::{Map, Value};

use super::{json_object_problem, json_type, schema_errors, short, CaseContext, Check, Kind, Out};
use crate::spec::names::*;
use crate::spec::Severity;

/// Seconds of clock difference tolerated for `client_id_issued_at`.
pub const CLOCK_SKEW_SECS: u64 = 300;
/// Above this, an epoch timestamp is in milliseconds, not seconds (year 5138).
const MILLIS_THRESHOLD: f64 = 1e11;

/// The grant types a registration stands for: those the response shows, else those the
/// request asked for (a response that leaves the member out is not evidence of the RFC 7591
/// default), else the default `authorization_code`.
fn registered_grants(ctx: &CaseContext, body: &Map<String, Value>) -> Vec<String> {
    if body.contains_key(GRANT_TYPES) {
        return super::expect::effective_grants(body);
    }
    match ctx.sent() {
        Some(sent) if sent.contains_key(GRANT_TYPES) => super::expect::effective_grants(sent),
        _ => super::expect::effective_grants(body),
    }
}

/// The body of a registration of a case the server should have taken as it is (not one made
/// to be refused, which its expectation judges).
fn registered_as_asked<'a>(ctx: &'a CaseContext) -> Option<&'a Map<String, Value>> {
    if ctx.expects_refusal() {
        None
    } else {
        registered_body(ctx)
    }
}

fn registered_body<'a>(ctx: &'a CaseContext) -> Option<&'a Map<String, Value>> {
    if ctx.registered() {
        ctx.body()
    } else {
        None
    }
}

pub const SUCCESS_STATUS_IS_201: Check = Check {
    name: "success_status_is_201",
    requirements: &["R7591-3.2-a", "OIDCR-3.2-a"],
    kind: Kind::Case(success_status_is_201),
};

fn success_status_is_201(ctx: &CaseContext, out: &mut Out) {
    if !ctx.registered() {
        return;
    }
    let (req, severity) = if ctx.profile.is_oidc() {
        ("OIDCR-3.2-a", Severity::Warn)
    } else {
        ("R7591-3.2-a", Severity::Fail)
    };
    match ctx.status() {
        Some(201) => out.pass(req),
        Some(s) => out.flag(
            severity,
            req,
            format!("successful registration answered with {s}, not 201"),
            ctx.case.title.clone(),
        ),
        None => {}
    }
}

pub const SUCCESS_BODY_IS_JSON_OBJECT: Check = Check {
    name: "success_body_is_json_object",
    requirements: &["R7591-3.2-b"],
    kind: Kind::Case(success_body_is_json_object),
};

fn success_body_is_json_object(ctx: &CaseContext, out: &mut Out) {
    if !ctx.registered() || ctx.response().is_none() {
        return;
    }
    match json_object_problem(ctx) {
        Some((what, detail)) => out.fail(
            "R7591-3.2-b",
            format!("successful registration {what}"),
            detail,
        ),
        None => out.pass("R7591-3.2-b"),
    }
}

pub const CLIENT_ID_IS_NONEMPTY_STRING: Check = Check {
    name: "client_id_is_nonempty_string",
    requirements: &["R7591-3.2.1-a"],
    kind: Kind::Case(client_id_is_nonempty_string),
};

fn client_id_is_nonempty_string(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_body(ctx) else {
        return;
    };
    match body.get(CLIENT_ID) {
        Some(Value::String(s)) if !s.is_empty() => out.pass("R7591-3.2.1-a"),
        Some(Value::String(_)) => out.fail("R7591-3.2.1-a", "client_id is empty", ""),
        Some(v) => out.fail(
            "R7591-3.2.1-a",
            format!("client_id is a {}", json_type(v)),
            short(v),
        ),
        None => {
            let nested = body.values().any(|v| v.get(CLIENT_ID).is_some());
            out.fail(
                "R7591-3.2.1-a",
                "client_id is missing from the registration response",
                if nested {
                    "client_id is nested inside another member, not top-level"
                } else {
                    ""
                },
            )
        }
    }
}

pub const SECRET_EXPIRY_PRESENT_WHEN_SECRET_ISSUED: Check = Check {
    name: "secret_expiry_present_when_secret_issued",
    requirements: &["R7591-3.2.1-e"],
    kind: Kind::Case(secret_expiry_present_when_secret_issued),
};

fn secret_expiry_present_when_secret_issued(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_body(ctx) else {
        return;
    };
    if !body.contains_key(CLIENT_SECRET) {
        return;
    }
    const REQ: &str = "R7591-3.2.1-e";
    match body.get(CLIENT_SECRET_EXPIRES_AT) {
        None => out.fail(
            REQ,
            "client_secret issued without client_secret_expires_at",
            "",
        ),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v < 0.0 => {
                out.fail(REQ, "client_secret_expires_at is negative", n.to_string())
            }
            Some(v) if v != 0.0 && v <= ctx.now as f64 => out.flag(
                Severity::Warn,
                REQ,
                "client_secret is already expired when issued",
                format!(
                    "client_secret_expires_at {n} is not after now ({})",
                    ctx.now
                ),
            ),
            _ => out.pass(REQ),
        },
        Some(v) => out.fail(
            REQ,
            format!(
                "client_secret_expires_at is a {}, not a number",
                json_type(v)
            ),
            short(v),
        ),
    }
}

pub const ISSUED_AT_IS_SECONDS_NEAR_NOW: Check = Check {
    name: "issued_at_is_seconds_near_now",
    requirements: &["R7591-3.2.1-d"],
    kind: Kind::Case(issued_at_is_seconds_near_now),
};

fn issued_at_is_seconds_near_now(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_body(ctx) else {
        return;
    };
    const REQ: &str = "R7591-3.2.1-d";
    match body.get(CLIENT_ID_ISSUED_AT) {
        None => {}
        Some(Value::Number(n)) => {
            let v = n.as_f64().unwrap_or(-1.0);
            if v >= MILLIS_THRESHOLD {
                out.fail(
                    REQ,
                    "client_id_issued_at is in milliseconds, not seconds",
                    n.to_string(),
                );
            } else if v < 0.0 {
                // "number of seconds" says nothing against a fraction; only a negative time
                // is outside the definition.
                out.fail(
                    REQ,
                    "client_id_issued_at is before the epoch",
                    n.to_string(),
                );
            } else if (v - ctx.now as f64).abs() > CLOCK_SKEW_SECS as f64 {
                out.flag(
                    Severity::Warn,
                    REQ,
                    format!("client_id_issued_at is more than {CLOCK_SKEW_SECS} s from the harness clock"),
                    format!("{n} vs {}", ctx.now),
                );
            } else {
                out.pass(REQ);
            }
        }
        Some(v) => out.fail(
            REQ,
            format!("client_id_issued_at is a {}, not a number", json_type(v)),
            short(v),
        ),
    }
}

pub const REGISTERED_MEMBERS_ARE_RETURNED: Check = Check {
    name: "registered_members_are_returned",
    requirements: &[
        "R7591-3.2.1-f",
        "R7591-2-l",
        "R7591-2-o",
        "R7591-2-s",
        "R7591-2.2-a",
    ],
    kind: Kind::Case(registered_members_are_returned),
};

fn registered_members_are_returned(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_as_asked(ctx) else {
        return;
    };
    let Some(sent) = ctx.sent() else { return };
    // redirect_uris are provably registered for a client with a redirect-based grant (RFC 7591
    // §5 makes the server require them); any other member may have been ignored (OIDC §3.2).
    let redirect_client = registered_grants(ctx, body)
        .iter()
        .any(|g| REDIRECT_GRANTS.contains(&g.as_str()));
    for (member, value) in sent {
        let (req, severity) = match member.as_str() {
            REDIRECT_URIS if redirect_client => ("R7591-3.2.1-f", Severity::Fail),
            CLIENT_NAME => ("R7591-2-l", Severity::Warn),
            CONTACTS => ("R7591-2-o", Severity::Info),
            SOFTWARE_ID | SOFTWARE_VERSION => ("R7591-2-s", Severity::Info),
            m if is_language_tagged(m) => ("R7591-2.2-a", Severity::Info),
            m if m.contains('#') => continue,
            // A member sent with values the metadata lists is one the server says it supports:
            // registered, so it must come back (RFC 7591 §3.2.1).
            m if ctx
                .metadata
                .is_some_and(|md| super::metadata::advertised(md, m, value)) =>
            {
                ("R7591-3.2.1-f", Severity::Fail)
            }
            m if RFC7591_METADATA.contains(&m) => ("R7591-3.2.1-f", Severity::Warn),
            _ => continue,
        };
        if body.contains_key(member) {
            out.pass(req);
            continue;
        }
        out.flag(
            severity,
            req,
            format!(
                "registered member {} is not returned",
                member_family(member)
            ),
            format!("sent {member}: {}", short(value)),
        );
    }
    out.pass("R7591-3.2.1-f");
}

/// A well-formed language-tagged variant of a human-readable member (RFC 7591 §2.2).
fn is_language_tagged(member: &str) -> bool {
    member.split_once('#').is_some_and(|(base, tag)| {
        LANGUAGE_TAGGED.contains(&base)
            && !tag.is_empty()
            && tag.split('-').all(|sub| {
                (1..=8).contains(&sub.len()) && sub.chars().all(|c| c.is_ascii_alphanumeric())
            })
    })
}

/// `client_name#ja-Jpan-JP` → `client_name#<tag>`, so findings group across tags.
fn member_family(member: &str) -> String {
    match member.split_once('#') {
        Some((base, _)) => format!("{base}#<tag>"),
        None => member.to_string(),
    }
}

pub const REDIRECT_URIS_ECHOED_AS_SENT: Check = Check {
    name: "redirect_uris_echoed_as_sent",
    requirements: &["R7591-2-d", "OIDCR-3.2-b", "R6749-3.1.2-c"],
    kind: Kind::Case(redirect_uris_echoed_as_sent),
};

fn redirect_uris_echoed_as_sent(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_as_asked(ctx) else {
        return;
    };
    let Some(sent) = ctx
        .sent()
        .and_then(|s| s.get(REDIRECT_URIS))
        .and_then(Value::as_array)
    else {
        return;
    };
    let Some(echoed) = body.get(REDIRECT_URIS).and_then(Value::as_array) else {
        return;
    };
    let mut a: Vec<&Value> = sent.iter().collect();
    let mut b: Vec<&Value> = echoed.iter().collect();
    a.sort_by_key(|v| v.to_string());
    b.sort_by_key(|v| v.to_string());
    a.dedup();
    b.dedup();
    // RFC 7591 §3.2.1 lets the server replace requested values; OIDC §3.2 excepts redirect_uris.
    let (req, severity) = if ctx.profile.is_oidc() {
        ("OIDCR-3.2-b", Severity::Fail)
    } else {
        ("R7591-2-d", Severity::Info)
    };
    if a == b {
        out.pass(req);
        if sent
            .iter()
            .any(|u| u.as_str().is_some_and(|s| s.contains('?')))
        {
            out.pass("R6749-3.1.2-c");
        }
        return;
    }
    // A URI with a query that comes back with another query (or none) was normalised; one
    // that was dropped altogether is the list's change, judged below.
    let base = |u: &str| u.split(['?', '#']).next().unwrap_or_default().to_string();
    let query_changed = sent.iter().filter_map(Value::as_str).any(|u| {
        u.contains('?')
            && !echoed.iter().any(|e| e.as_str() == Some(u))
            && echoed
                .iter()
                .filter_map(Value::as_str)
                .any(|e| base(e) == base(u))
    });
    if query_changed {
        out.flag(
            if ctx.profile.is_oidc() {
                Severity::Fail
            } else {
                Severity::Warn
            },
            "R6749-3.1.2-c",
            "redirect URI query component not kept byte for byte",
            format!(
                "sent {}, registered {}",
                short(&Value::from(sent.clone())),
                short(&Value::from(echoed.clone()))
            ),
        );
    }
    out.flag(
        severity,
        req,
        "registered redirect_uris differ from the request",
        format!(
            "sent {}, registered {}",
            short(&Value::from(sent.clone())),
            short(&Value::from(echoed.clone()))
        ),
    );
}

pub const JWKS_AND_JWKS_URI_NEVER_BOTH: Check = Check {
    name: "jwks_and_jwks_uri_never_both",
    requirements: &["R7591-3.2.1-i"],
    kind: Kind::Case(jwks_and_jwks_uri_never_both),
};

fn jwks_and_jwks_uri_never_both(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_body(ctx) else {
        return;
    };
    if body.contains_key(JWKS) && body.contains_key(JWKS_URI) {
        out.fail(
            "R7591-3.2.1-i",
            "response carries both jwks and jwks_uri",
            "",
        );
    } else {
        out.pass("R7591-3.2.1-i");
    }
}

pub const SECRET_MATCHES_AUTH_METHOD: Check = Check {
    name: "secret_matches_auth_method",
    requirements: &["R7591-2-e", "R7591-2-f"],
    kind: Kind::Case(secret_matches_auth_method),
};

fn secret_matches_auth_method(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_body(ctx) else {
        return;
    };
    let has_secret = body.contains_key(CLIENT_SECRET);
    match body.get(TOKEN_ENDPOINT_AUTH_METHOD).and_then(Value::as_str) {
        None => {
            let asked = ctx
                .sent()
                .is_some_and(|s| s.contains_key(TOKEN_ENDPOINT_AUTH_METHOD));
            if !asked && !ctx.expects_refusal() {
                out.flag(
                    Severity::Warn,
                    "R7591-2-e",
                    "default token_endpoint_auth_method is not returned",
                    "RFC 7591 §2 defaults it to client_secret_basic",
                );
            }
        }
        Some(m) if SECRET_AUTH_METHODS.contains(&m) => {
            if has_secret {
                out.pass("R7591-2-e");
            } else {
                out.fail(
                    "R7591-2-e",
                    "secret-based token_endpoint_auth_method registered without a client_secret",
                    format!("token_endpoint_auth_method {m}"),
                );
            }
        }
        Some(AUTH_NONE) => {
            if has_secret {
                out.flag(
                    Severity::Warn,
                    "R7591-2-f",
                    "public client (auth method none) was issued a client_secret",
                    "",
                );
            } else {
                out.pass("R7591-2-f");
            }
        }
        Some(_) => {}
    }
}

pub const DEFAULTS_ARE_RETURNED: Check = Check {
    name: "defaults_are_returned",
    requirements: &["R7591-2-i", "OIDCR-2-c"],
    kind: Kind::Case(defaults_are_returned),
};

fn defaults_are_returned(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_as_asked(ctx) else {
        return;
    };
    let Some(sent) = ctx.sent() else { return };
    let mut defaults: Vec<(&str, &'static str)> =
        vec![(GRANT_TYPES, "R7591-2-i"), (RESPONSE_TYPES, "R7591-2-i")];
    if ctx.profile.is_oidc() {
        defaults.extend([
            (APPLICATION_TYPE, "OIDCR-2-c"),
            (ID_TOKEN_SIGNED_RESPONSE_ALG, "OIDCR-2-c"),
        ]);
    }
    for (member, req) in defaults {
        if sent.contains_key(member) {
            continue;
        }
        if body.contains_key(member) {
            out.pass(req);
        } else {
            out.flag(
                Severity::Warn,
                req,
                format!("default {member} is not returned"),
                "the server supplied the value, so it is registered metadata (RFC 7591 §3.2.1)",
            );
        }
    }
}

pub const REGISTRATION_IS_SELF_CONSISTENT: Check = Check {
    name: "registration_is_self_consistent",
    requirements: &["R7591-5-b", "OIDCR-2-a", "R7591-2.1-a", "OIDCR-2-b"],
    kind: Kind::Case(registration_is_self_consistent),
};

/// Cross-member rules on every registration, not only in the cases made to test them: a
/// client with a redirect-based grant has redirect URIs (RFC 7591 §5), and the grant and
/// response types agree (RFC 7591 §2.1, OIDC §2). Cases that test these rules on purpose are
/// judged by their expectation instead, so one problem is one finding.
fn registration_is_self_consistent(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_as_asked(ctx) else {
        return;
    };
    let oidc = ctx.profile.is_oidc();
    let sent_redirects = ctx.sent().is_some_and(|s| s.contains_key(REDIRECT_URIS));
    let has_redirects = body
        .get(REDIRECT_URIS)
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let redirect_grants: Vec<String> = registered_grants(ctx, body)
        .into_iter()
        .filter(|g| REDIRECT_GRANTS.contains(&g.as_str()))
        .collect();
    let row = if oidc { "OIDCR-2-a" } else { "R7591-5-b" };
    // A request that sent redirect URIs the response drops is R7591-3.2.1-f's finding.
    if !sent_redirects && !redirect_grants.is_empty() {
        if has_redirects {
            out.pass(row);
        } else {
            out.fail(
                row,
                "client with a redirect-based grant registered without redirect URIs",
                format!("grant types {}", redirect_grants.join(", ")),
            );
        }
    }
    let list = |m: &str| super::expect::string_list(body, m);
    if let (Some(grants), Some(responses)) = (list(GRANT_TYPES), list(RESPONSE_TYPES)) {
        let row = if oidc { "OIDCR-2-b" } else { "R7591-2.1-a" };
        match super::expect::inconsistency(oidc, &grants, &responses) {
            None => out.pass(row),
            Some(problem) => out.flag(
                Severity::Warn,
                row,
                "registered grant_types and response_types disagree",
                problem,
            ),
        }
    }
}

pub const GRANT_TYPES_USE_STANDARD_NAMES: Check = Check {
    name: "grant_types_use_standard_names",
    requirements: &["R7591-2-j"],
    kind: Kind::Case(grant_types_use_standard_names),
};

fn grant_types_use_standard_names(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_body(ctx) else {
        return;
    };
    let Some(grants) = body.get(GRANT_TYPES).and_then(Value::as_array) else {
        return;
    };
    let odd: Vec<&str> = grants
        .iter()
        .filter_map(Value::as_str)
        .filter(|g| !GRANT_TYPES_KNOWN.contains(g) && !g.contains(':'))
        .collect();
    if odd.is_empty() {
        out.pass("R7591-2-j");
    } else {
        out.fail(
            "R7591-2-j",
            "registered grant_types use non-standard names",
            odd.join(", "),
        );
    }
}

pub const MANAGEMENT_CREDENTIALS_COME_AS_A_PAIR: Check = Check {
    name: "management_credentials_come_as_a_pair",
    requirements: &["OIDCR-3.2-g"],
    kind: Kind::Case(management_credentials_come_as_a_pair),
};

fn management_credentials_come_as_a_pair(ctx: &CaseContext, out: &mut Out) {
    if !ctx.profile.is_oidc() {
        return;
    }
    let Some(body) = registered_body(ctx) else {
        return;
    };
    let token = body.get(REGISTRATION_ACCESS_TOKEN);
    let uri = body.get(REGISTRATION_CLIENT_URI);
    let nonempty = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    match (token, uri) {
        (None, None) => out.pass("OIDCR-3.2-g"),
        (Some(_), Some(u)) if nonempty(token) && nonempty(uri) => {
            if u.as_str().is_some_and(|s| s.starts_with("https://")) || plain_loopback(ctx) {
                // A plain-http loopback target cannot offer an https configuration endpoint;
                // the TLS rows skip there for the same reason.
                out.pass("OIDCR-3.2-g");
            } else {
                out.fail(
                    "OIDCR-3.2-g",
                    "registration_client_uri is not https",
                    short(u),
                );
            }
        }
        _ => out.fail(
            "OIDCR-3.2-g",
            "registration_access_token and registration_client_uri do not come as a non-empty pair",
            "",
        ),
    }
}

/// The run targets plain http on a loopback host (a development server).
fn plain_loopback(ctx: &CaseContext) -> bool {
    reqwest::Url::parse(&ctx.observation.request.url)
        .is_ok_and(|u| u.scheme() == "http" && super::tls::is_loopback(&u))
}

pub const CREDENTIALS_ARE_NOT_CACHED: Check = Check {
    name: "credentials_are_not_cached",
    requirements: &["R7591-BP-a"],
    kind: Kind::Case(credentials_are_not_cached),
};

fn credentials_are_not_cached(ctx: &CaseContext, out: &mut Out) {
    let Some(body) = registered_body(ctx) else {
        return;
    };
    if !SECRET_MEMBERS.iter().any(|m| body.contains_key(*m)) {
        return;
    }
    let Some(resp) = ctx.response() else { return };
    let no_store = resp.header("cache-control").is_some_and(|v| {
        v.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
    });
    if no_store {
        out.pass("R7591-BP-a");
    } else {
        out.flag(
            Severity::Warn,
            "R7591-BP-a",
            "credential-bearing response lacks Cache-Control: no-store",
            format!(
                "Cache-Control: {}",
                resp.header("cache-control").unwrap_or("absent")
            ),
        );
    }
}

pub const SUCCESS_BODY_MATCHES_SCHEMA: Check = Check {
    name: "success_body_matches_schema",
    requirements: &["R7591-2-c", "R7591-2-q", "R7591-3.2-b"],
    kind: Kind::Case(success_body_matches_schema),
};

/// Members judged by a named check of their own; the schema check leaves them to it so one
/// defect is one finding.
const OWNED: &[&str] = &[
    CLIENT_ID,
    CLIENT_ID_ISSUED_AT,
    CLIENT_SECRET_EXPIRES_AT,
    CLIENT_SECRET,
];

fn success_body_matches_schema(ctx: &CaseContext, out: &mut Out) {
    if registered_body(ctx).is_none() {
        return;
    }
    // The parsed body itself (a JSON object, or registered_body would be None).
    let Some(value) = ctx.response().and_then(|r| r.json()) else {
        return;
    };
    let mut clean = true;
    for (pointer, message) in schema_errors(&ctx.schemas.response, value) {
        let member = pointer
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        // Root-level rules (required, pairs, exclusions) belong to named checks.
        if member.is_empty() || OWNED.contains(&member) || member.starts_with("registration_") {
            continue;
        }
        clean = false;
        // RFC 7517 §5: receivers SHOULD ignore keys with missing members or unknown kty, so a
        // key's content is a WARN; a jwks that is not a JWK Set at all is a FAIL.
        let key_content = member == JWKS && pointer.split('/').count() > 3;
        let (req, severity, title) = match member {
            JWKS if key_content => (
                "R7591-2-q",
                Severity::Warn,
                "registered jwks holds a key RFC 7517 §5 says receivers should ignore".to_string(),
            ),
            JWKS => (
                "R7591-2-q",
                Severity::Fail,
                "registered jwks is not a JWK Set".to_string(),
            ),
            _ => (
                "R7591-2-c",
                Severity::Fail,
                format!("registration response member {member} breaks the response schema"),
            ),
        };
        out.flag(severity, req, title, format!("{pointer}: {message}"));
    }
    if clean {
        out.pass("R7591-2-c");
    }
}

pub const REGISTERED_VALUES_ARE_ADVERTISED: Check = Check {
    name: "registered_values_are_advertised",
    requirements: &["R7591-3.2.1-g"],
    kind: Kind::Case(registered_values_are_advertised),
};

/// What a registration returns for a client's token endpoint method and grants must be what
/// the server's metadata says it supports (RFC 8414 §2): a substitute, or an echo, that the
/// server cannot use leaves the client unable to work. Lists the metadata leaves out are not
/// judged (their RFC 8414 defaults are guesses about an unpublished policy).
fn registered_values_are_advertised(ctx: &CaseContext, out: &mut Out) {
    let (Some(metadata), Some(body)) = (ctx.metadata, registered_body(ctx)) else {
        return;
    };
    const ROW: &str = "R7591-3.2.1-g";
    let mut judged = false;
    for (member, list) in [
        (
            TOKEN_ENDPOINT_AUTH_METHOD,
            "token_endpoint_auth_methods_supported",
        ),
        (GRANT_TYPES, "grant_types_supported"),
        (RESPONSE_TYPES, "response_types_supported"),
    ] {
        let Some(advertised) = metadata.get(list).and_then(Value::as_array) else {
            continue;
        };
        let values: Vec<&str> = match body.get(member) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        judged = true;
        for v in values {
            if !advertised.iter().any(|a| a.as_str() == Some(v)) {
                out.flag_kind(
                    Severity::Warn,
                    ROW,
                    // The value is part of the identity, so shrinking keeps it as found.
                    format!("{member}-not-advertised:{v}"),
                    format!("a registered {member} value is not in the metadata's {list}"),
                    format!(
                        "{member} {v:?} registered; {list}: {}",
                        short(&Value::Array(advertised.clone()))
                    ),
                );
                return;
            }
        }
    }
    if judged {
        out.pass(ROW);
    }
}
