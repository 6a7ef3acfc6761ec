//! Checks that compare what the server did with what the case allowed: register, refuse,
//! substitute, or challenge for a token; and the answers no case allows (5xx, no response,
//! a redirect).

use serde_json::{Map, Value};

use super::{json_type, short, CaseContext, Check, Kind, Out};
use crate::exec::TransportErrorKind;
use crate::generate::{Expectation, Method, Substitution};
use crate::spec::names::*;
use crate::spec::Severity;

pub const VALID_REQUEST_IS_REGISTERED: Check = Check {
    name: "valid_request_is_registered",
    requirements: &[
        "R7591-3-a",
        "R7591-2-a",
        "R7591-2.2-a",
        "R6749-3.1.2-c",
        "OIDCR-3.2-c",
    ],
    kind: Kind::Case(valid_request_is_registered),
};

fn valid_request_is_registered(ctx: &CaseContext, out: &mut Out) {
    let req = ctx.case_requirement();
    match ctx.case.expectation {
        Expectation::Register => {
            if ctx.registered() {
                ctx.pass_case_requirements(out);
            } else if ctx.refused() {
                let code = error_code(ctx).unwrap_or_else(|| "no error code".into());
                out.flag(
                    ctx.case.severity,
                    req,
                    format!("{} was refused", ctx.case.title),
                    format!("status {} ({code})", ctx.status().unwrap_or_default()),
                );
            }
        }
        Expectation::RegisterOrRefuse if ctx.registered() || ctx.refused() => out.pass(req),
        _ => {}
    }
}

pub const INVALID_REQUEST_IS_NOT_REGISTERED: Check = Check {
    name: "invalid_request_is_not_registered",
    requirements: &[
        "R6749-3.1.2-a",
        "R6749-3.1.2-b",
        "R7591-5-c",
        "R7591-5-b",
        "R7591-2-c",
        "R7591-2-p",
        "R7591-2-q",
        "R7591-2.1-a",
        "R7591-2-h",
        "R7591-3.1-a",
        "R7591-3-b",
        "OIDCR-2-b",
        "OIDCR-2-i",
        "OIDCR-3.2-b",
    ],
    kind: Kind::Case(invalid_request_is_not_registered),
};

fn invalid_request_is_not_registered(ctx: &CaseContext, out: &mut Out) {
    let req = ctx.case_requirement();
    match &ctx.case.expectation {
        Expectation::Reject { .. } => {
            if ctx.registered() {
                out.flag(
                    ctx.case.severity,
                    req,
                    format!("{} was registered", ctx.case.title),
                    format!("status {}", ctx.status().unwrap_or_default()),
                );
            } else if ctx.refused() {
                ctx.pass_case_requirements(out);
            }
        }
        Expectation::RejectOrSubstitute { substitution, .. } => {
            if ctx.registered() {
                let body = ctx.body().unwrap_or_default();
                match substitution_problem(ctx, substitution, &body) {
                    None => ctx.pass_case_requirements(out),
                    Some(problem) => out.flag(
                        ctx.case.severity,
                        req,
                        format!("{} was registered", ctx.case.title),
                        problem,
                    ),
                }
            } else if ctx.refused() {
                ctx.pass_case_requirements(out);
            }
        }
        _ => {}
    }
}

/// Why a 201 is not an acceptable substitution, or `None` if it is.
fn substitution_problem(
    ctx: &CaseContext,
    rule: &Substitution,
    body: &Map<String, Value>,
) -> Option<String> {
    match rule {
        Substitution::MemberDiffers { member, sent } => match body.get(*member) {
            Some(v) if v == sent => Some(format!("{member} echoed as sent: {}", short(v))),
            _ => None,
        },
        Substitution::RightType { member } => {
            let v = body.get(*member)?;
            let right = match *member {
                REDIRECT_URIS | GRANT_TYPES | RESPONSE_TYPES | CONTACTS | METADATA
                | DEFAULT_ACR_VALUES | REQUEST_URIS => v.as_array().is_some(),
                JWKS => v.is_object(),
                DEFAULT_MAX_AGE | CLIENT_ID_ISSUED_AT | CLIENT_SECRET_EXPIRES_AT => v.is_u64(),
                REQUIRE_PUSHED_AUTHORIZATION_REQUESTS | REQUIRE_AUTH_TIME => v.is_boolean(),
                _ => v.is_string(),
            };
            (!right).then(|| format!("{member} registered as a {}: {}", json_type(v), short(v)))
        }
        Substitution::RedirectUrisExclude { uri } => {
            let echoed = body.get(REDIRECT_URIS)?.as_array()?;
            echoed
                .iter()
                .any(|u| u.as_str() == Some(uri.as_str()))
                .then(|| format!("redirect_uris registered with {uri}"))
        }
        Substitution::NoRedirectGrants => {
            let grants = effective_grants(body);
            let redirect: Vec<&str> = grants
                .iter()
                .map(String::as_str)
                .filter(|g| REDIRECT_GRANTS.contains(g))
                .collect();
            (!redirect.is_empty()).then(|| {
                format!(
                    "registered without redirect URIs for grant types {}",
                    redirect.join(", ")
                )
            })
        }
        Substitution::ConsistentGrants => {
            let grants = effective_grants(body);
            let responses = body
                .get(RESPONSE_TYPES)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_else(|| vec!["code".to_string()]);
            inconsistency(ctx.profile.is_oidc(), &grants, &responses)
        }
        Substitution::NotBothJwks => (body.contains_key(JWKS) && body.contains_key(JWKS_URI))
            .then(|| "registered with both jwks and jwks_uri".to_string()),
        Substitution::NoPrivateKeys => {
            let keys = body.get(JWKS)?.get("keys")?.as_array()?;
            keys.iter().find_map(|k| {
                let obj = k.as_object()?;
                if obj.get("kty").and_then(Value::as_str) == Some("oct") {
                    return Some("a symmetric (oct) key was registered".to_string());
                }
                PRIVATE_JWK_MEMBERS
                    .iter()
                    .find(|m| obj.contains_key(**m))
                    .map(|m| format!("a key with the private member '{m}' was registered"))
            })
        }
    }
}

/// Grant types a response registers, with RFC 7591's default when the member is absent.
pub(crate) fn effective_grants(body: &Map<String, Value>) -> Vec<String> {
    body.get(GRANT_TYPES)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_else(|| vec![GRANT_AUTHORIZATION_CODE.to_string()])
}

/// Describes how grant and response types contradict each other (RFC 7591 §2.1; OIDC §2 adds
/// the hybrid and id_token response types), or `None` if they agree.
pub(crate) fn inconsistency(oidc: bool, grants: &[String], responses: &[String]) -> Option<String> {
    let has = |g: &str| grants.iter().any(|x| x == g);
    for r in responses {
        let needed: &[&str] = RESPONSE_TYPE_GRANTS
            .iter()
            .find(|(name, _)| *name == r.as_str())
            .map(|(_, g)| *g)
            .unwrap_or(&[]);
        if let Some(missing) = needed.iter().find(|g| !has(g)) {
            return Some(format!(
                "response type '{r}' registered without the {missing} grant"
            ));
        }
    }
    let words = |r: &String| r.split(' ').map(String::from).collect::<Vec<_>>();
    if has(GRANT_AUTHORIZATION_CODE)
        && !responses
            .iter()
            .any(|r| words(r).iter().any(|w| w == "code"))
    {
        return Some("authorization_code grant registered without a code response type".into());
    }
    if has(GRANT_IMPLICIT)
        && !responses.iter().any(|r| {
            words(r)
                .iter()
                .any(|w| w == "token" || (oidc && w == "id_token"))
        })
    {
        return Some("implicit grant registered without a token response type".into());
    }
    None
}

pub const REFUSAL_USES_EXPECTED_STATUS: Check = Check {
    name: "refusal_uses_expected_status",
    requirements: &["R7591-3.2.2-a", "R7591-3-b"],
    kind: Kind::Case(refusal_uses_expected_status),
};

fn refusal_uses_expected_status(ctx: &CaseContext, out: &mut Out) {
    let allowed: &[u16] = match &ctx.case.expectation {
        Expectation::Reject { statuses, .. } => statuses,
        Expectation::RejectOrSubstitute { .. } => &[400],
        _ => return,
    };
    let Some(status) = ctx.status() else { return };
    if !(400..500).contains(&status) {
        return;
    }
    if allowed.contains(&status) {
        out.pass("R7591-3.2.2-a");
    } else {
        let list: Vec<String> = allowed.iter().map(u16::to_string).collect();
        out.fail(
            "R7591-3.2.2-a",
            format!("registration error answered with {status}"),
            format!(
                "{}: status {status}, expected {}",
                ctx.case.title,
                list.join(" or ")
            ),
        );
    }
}

pub const REFUSAL_USES_EXPECTED_ERROR_CODE: Check = Check {
    name: "refusal_uses_expected_error_code",
    requirements: &["R7591-3.2.2-e", "OIDCR-3.3-a"],
    kind: Kind::Case(refusal_uses_expected_error_code),
};

fn refusal_uses_expected_error_code(ctx: &CaseContext, out: &mut Out) {
    let codes: &[&str] = match &ctx.case.expectation {
        Expectation::Reject { codes, .. } | Expectation::RejectOrSubstitute { codes, .. } => codes,
        _ => return,
    };
    if codes.is_empty() || ctx.status() != Some(400) {
        return;
    }
    let req = if ctx.profile.is_oidc() {
        "OIDCR-3.3-a"
    } else {
        "R7591-3.2.2-e"
    };
    let Some(code) = error_code(ctx) else { return };
    if codes.contains(&code.as_str()) {
        out.pass(req);
    } else {
        out.flag(
            Severity::Warn,
            req,
            format!("registration error uses the code '{code}'"),
            format!("{}: expected {}", ctx.case.title, codes.join(" or ")),
        );
    }
}

pub const UNAUTHORIZED_WITHOUT_VALID_TOKEN: Check = Check {
    name: "unauthorized_without_valid_token",
    requirements: &["R7591-3-d", "R7591-3.2.2-f"],
    kind: Kind::Case(unauthorized_without_valid_token),
};

fn unauthorized_without_valid_token(ctx: &CaseContext, out: &mut Out) {
    if ctx.case.expectation != Expectation::Unauthorized {
        return;
    }
    let Some(resp) = ctx.response() else { return };
    let req = ctx.case_requirement();
    if ctx.registered() {
        out.fail(
            req,
            "a registration without a valid initial access token was accepted",
            ctx.case.title.clone(),
        );
        return;
    }
    if resp.status != 401 {
        out.flag(
            Severity::Warn,
            req,
            format!(
                "a missing or wrong initial access token is answered with {}",
                resp.status
            ),
            "RFC 6750 §3 answers 401".to_string(),
        );
        return;
    }
    let challenge = resp.header("www-authenticate").unwrap_or_default();
    if !challenge.to_ascii_lowercase().starts_with("bearer") {
        out.flag(
            Severity::Warn,
            "R7591-3-d",
            "401 without a WWW-Authenticate: Bearer challenge",
            format!("{}: WWW-Authenticate {challenge:?}", ctx.case.title),
        );
    } else {
        out.pass(req);
    }
}

pub const NO_SERVER_ERROR: Check = Check {
    name: "no_server_error",
    requirements: &["R7591-3.2-a", "R7591-3.2.2-a"],
    kind: Kind::Case(no_server_error),
};

/// The requirement a request breaks when it gets no proper answer. A catalog probe names its
/// own row (R7591-3.1-a says a 5xx for a non-object body is a FAIL); otherwise a valid request
/// is owed a 201 (§3.2) and an invalid one a 400 (§3.2.2).
fn answer_requirement(ctx: &CaseContext) -> &'static str {
    if matches!(
        ctx.case.kind,
        crate::generate::CaseKind::Probe | crate::generate::CaseKind::Fixture
    ) {
        ctx.case_requirement()
    } else if ctx.expects_refusal() {
        "R7591-3.2.2-a"
    } else {
        "R7591-3.2-a"
    }
}

fn no_server_error(ctx: &CaseContext, out: &mut Out) {
    let Some(status) = ctx.status() else { return };
    let req = answer_requirement(ctx);
    if status >= 500 {
        out.fail(
            req,
            format!("server error {status}"),
            format!("{}: status {status}", ctx.case.title),
        );
    } else {
        out.pass(req);
    }
}

/// Bodies above this size are oversized on purpose (1 MiB).
const OVERSIZED: usize = 1024 * 1024;

pub const EVERY_REQUEST_GETS_A_RESPONSE: Check = Check {
    name: "every_request_gets_a_response",
    requirements: &["R7591-3.2-a", "R7591-3.2.2-a"],
    kind: Kind::Case(every_request_gets_a_response),
};

fn every_request_gets_a_response(ctx: &CaseContext, out: &mut Out) {
    let Some(err) = &ctx.observation.transport_error else {
        return;
    };
    // A server may stop reading an oversized body and close the connection while the client
    // is still sending; that is a refusal, not a lost answer.
    if ctx.case.request.body.len() > OVERSIZED && err.kind == TransportErrorKind::Dropped {
        out.flag(
            Severity::Info,
            answer_requirement(ctx),
            "connection closed while an oversized body was being sent",
            format!("{}: {}", ctx.case.title, err.message),
        );
        return;
    }
    out.fail(
        answer_requirement(ctx),
        format!("no HTTP response ({:?})", err.kind).to_lowercase(),
        format!("{}: {}", ctx.case.title, err.message),
    );
}

pub const NO_REDIRECT_RESPONSE: Check = Check {
    name: "no_redirect_response",
    requirements: &["R7591-3.2-a", "R7591-3.2.2-a"],
    kind: Kind::Case(no_redirect_response),
};

fn no_redirect_response(ctx: &CaseContext, out: &mut Out) {
    let Some(resp) = ctx.response() else { return };
    if (300..400).contains(&resp.status) {
        out.fail(
            answer_requirement(ctx),
            format!("answered with a redirect ({})", resp.status),
            format!(
                "{}: Location {} (not followed)",
                ctx.case.title,
                resp.header("location").unwrap_or("absent")
            ),
        );
    }
}

pub const CORS_PREFLIGHT_ALLOWS_ORIGIN: Check = Check {
    name: "cors_preflight_allows_origin",
    requirements: &["OIDCR-3-c"],
    kind: Kind::Case(cors_preflight_allows_origin),
};

fn cors_preflight_allows_origin(ctx: &CaseContext, out: &mut Out) {
    if ctx.case.request.method != Method::Options {
        return;
    }
    let Some(resp) = ctx.response() else { return };
    if resp.header("access-control-allow-origin").is_some() {
        out.pass("OIDCR-3-c");
    } else {
        out.flag(
            Severity::Warn,
            "OIDCR-3-c",
            "CORS preflight answered without Access-Control-Allow-Origin",
            format!("status {}", resp.status),
        );
    }
}

/// The `error` member of a JSON error body.
pub(crate) fn error_code(ctx: &CaseContext) -> Option<String> {
    ctx.body()?.get(ERROR)?.as_str().map(String::from)
}
