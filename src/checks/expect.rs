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
        "R7591-3-e",
        "OIDCR-3-a",
        "R7591-2-a",
        "R7591-2.2-a",
        "R6749-3.1.2-c",
        "OIDCR-3.2-c",
        "MCP-REDIR-a",
        "MCP-REG-d",
    ],
    kind: Kind::Case(valid_request_is_registered),
};

fn valid_request_is_registered(ctx: &CaseContext, out: &mut Out) {
    let req = ctx.case_requirement();
    match ctx.case.expectation {
        Expectation::Register => {
            if ctx.registered() {
                ctx.pass_case_requirements(out);
                // Without a token, a registered baseline shows open registration (RFC 7591
                // §3 SHOULD); a baseline refused for lack of one stops the run before judging.
                if !ctx.policy.has_token && ctx.case.id == "probe-baseline" {
                    out.pass(open_registration_row(ctx));
                }
            } else if ctx.refused() {
                let code = error_code(ctx).unwrap_or_else(|| "no error code".into());
                out.flag_kind(
                    ctx.case.severity,
                    req,
                    format!("refused:{}", subject(ctx)),
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
        "MCP-REDIR-b",
    ],
    kind: Kind::Case(invalid_request_is_not_registered),
};

fn invalid_request_is_not_registered(ctx: &CaseContext, out: &mut Out) {
    let req = ctx.case_requirement();
    match &ctx.case.expectation {
        Expectation::Reject { .. } => {
            if ctx.registered() {
                out.flag_kind(
                    ctx.case.severity,
                    req,
                    format!("registered:{}", subject(ctx)),
                    format!("{} was registered", ctx.case.title),
                    format!("status {}", ctx.status().unwrap_or_default()),
                );
            } else if ctx.refused() {
                ctx.pass_case_requirements(out);
            }
        }
        Expectation::RejectOrSubstitute { substitution, .. } => {
            if ctx.registered() {
                let empty = Map::new();
                let body = ctx.body().unwrap_or(&empty);
                match substitution_problem(ctx, substitution, body) {
                    None => ctx.pass_case_requirements(out),
                    Some(problem) => out.flag_kind(
                        ctx.case.severity,
                        req,
                        format!("registered:{}", subject(ctx)),
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

/// What a case changed, as structured data: the members a mutation set, or for a probe or
/// fixture the members that differ from the baseline request B0 (`-name` for one it left
/// out), or the media type of a body that is not a JSON object. A mutation and a fixture that
/// change the same member the same way are one problem, whatever their titles say.
fn subject(ctx: &CaseContext) -> String {
    if !ctx.case.trigger.is_empty() {
        return ctx.case.trigger.join(",");
    }
    let Some(sent) = ctx.sent() else {
        return format!(
            "body:{}",
            ctx.case.request.content_type.as_deref().unwrap_or("none")
        );
    };
    let base = crate::generate::valid::baseline(ctx.profile);
    let mut members: Vec<String> = sent
        .iter()
        .filter(|(k, v)| base.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(
            base.keys()
                .filter(|k| !sent.contains_key(*k))
                .map(|k| format!("-{k}")),
        )
        .collect();
    members.sort();
    members.join(",")
}

/// Why a 201 is not an acceptable substitution, or `None` if it is.
fn substitution_problem(
    ctx: &CaseContext,
    rule: &Substitution,
    body: &Map<String, Value>,
) -> Option<String> {
    match rule {
        Substitution::Ignored => None,
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
            // An absent member is not read as its default: the pair is judged only when the
            // response shows both (RFC 7591 §2.1 defaults may not agree with each other).
            let grants = string_list(body, GRANT_TYPES)?;
            let responses = string_list(body, RESPONSE_TYPES)?;
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
        Substitution::NoUnsignedFrontChannelIdTokens => {
            let alg = body.get(ID_TOKEN_SIGNED_RESPONSE_ALG)?.as_str()?;
            let responses = string_list(body, RESPONSE_TYPES)?;
            let front = responses
                .iter()
                .find(|r| r.split(' ').any(|w| w == "id_token"))?;
            (alg == "none").then(|| {
                format!("id_token_signed_response_alg none registered with response type '{front}'")
            })
        }
        Substitution::NoWebImplicitOnLocalhost => {
            if let Some(replaced) = redirect_uris_replaced(ctx, body) {
                return Some(replaced);
            }
            let web = body
                .get(APPLICATION_TYPE)
                .and_then(Value::as_str)
                .is_none_or(|t| t == "web");
            let implicit = effective_grants(body).iter().any(|g| g == GRANT_IMPLICIT);
            let uris = string_list(body, REDIRECT_URIS)?;
            let bad = uris.iter().find(|u| {
                url::Url::parse(u)
                    .is_ok_and(|u| u.scheme() != "https" || u.host_str() == Some("localhost"))
            })?;
            (web && implicit)
                .then(|| format!("web client using implicit registered with redirect URI {bad}"))
        }
        Substitution::NativeRedirectsConform => {
            if let Some(replaced) = redirect_uris_replaced(ctx, body) {
                return Some(replaced);
            }
            let native = body.get(APPLICATION_TYPE).and_then(Value::as_str) == Some("native");
            let uris = string_list(body, REDIRECT_URIS)?;
            let bad = uris.iter().find(|u| {
                url::Url::parse(u).is_ok_and(|u| match u.scheme() {
                    "https" => true,
                    "http" => !matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")),
                    _ => false,
                })
            })?;
            native.then(|| format!("native client registered with redirect URI {bad}"))
        }
        Substitution::EncPairedWithAlg { enc, alg } => {
            let e = body.get(*enc)?;
            (!body.contains_key(*alg))
                .then(|| format!("{enc} registered as {} without {alg}", short(e)))
        }
    }
}

/// Under OIDC, redirect_uris may be refused but never replaced (OIDC §3.2).
fn redirect_uris_replaced(ctx: &CaseContext, body: &Map<String, Value>) -> Option<String> {
    if !ctx.profile.is_oidc() {
        return None;
    }
    let sent = ctx.sent().and_then(|s| s.get(REDIRECT_URIS))?;
    (body.get(REDIRECT_URIS) != Some(sent))
        .then(|| "redirect_uris registered other than as requested".to_string())
}

/// A member of a response as a list of strings, if it is an array.
pub(crate) fn string_list(body: &Map<String, Value>, member: &str) -> Option<Vec<String>> {
    body.get(member).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    })
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
    // OIDC §3.3: "Other error codes MAY be used", so an unexpected one is INFO there.
    let (req, severity) = if ctx.profile.is_oidc() {
        ("OIDCR-3.3-a", Severity::Info)
    } else {
        ("R7591-3.2.2-e", Severity::Warn)
    };
    let Some(code) = error_code(ctx) else { return };
    if codes.contains(&code.as_str()) {
        out.pass(req);
    } else {
        out.flag(
            severity,
            req,
            format!("registration error uses the code '{code}'"),
            format!("{}: expected {}", ctx.case.title, codes.join(" or ")),
        );
    }
}

pub const UNAUTHORIZED_WITHOUT_VALID_TOKEN: Check = Check {
    name: "unauthorized_without_valid_token",
    requirements: &["R7591-3-d", "R7591-3.2.2-f", "R7591-3-e", "OIDCR-3-a"],
    kind: Kind::Case(unauthorized_without_valid_token),
};

/// With a token configured, the same request without it (or with a wrong one). Registering it
/// is open registration, which RFC 7591 §3 recommends: INFO, or FAIL when the user said the
/// deployment requires a token. Refusing it must carry the RFC 6750 §3 challenge.
fn unauthorized_without_valid_token(ctx: &CaseContext, out: &mut Out) {
    if ctx.case.expectation != Expectation::Unauthorized {
        return;
    }
    let Some(resp) = ctx.response() else { return };
    let auth = ctx.case.request.auth;
    if auth == crate::generate::Auth::Query && ctx.registered() {
        // RFC 6750 §2.3: resource servers MAY support the query parameter (clients SHOULD NOT
        // use it: URLs end up in logs). The token is the right one, so this is no breach.
        out.flag(
            Severity::Info,
            "R7591-3-d",
            "the initial access token is accepted as an access_token query parameter",
            "RFC 6750 §2.3 allows it; URLs carrying tokens end up in logs and Referer headers",
        );
        return;
    }
    // A token in the query alone is, to a server that reads only the header, no token.
    let omitted = matches!(
        auth,
        crate::generate::Auth::Omit | crate::generate::Auth::Query
    );
    if ctx.registered() {
        let (title, open) = if omitted {
            (
                "a registration without an initial access token was accepted",
                true,
            )
        } else {
            (
                "a registration with a wrong initial access token was accepted",
                false,
            )
        };
        out.fail("R7591-3-d", title, ctx.case.title.clone());
        if open {
            out.pass(open_registration_row(ctx));
        }
        return;
    }
    // The user runs with a token, so a protected endpoint is what they deploy: recorded, not
    // judged (RFC 7591 §3 also lets the endpoint be a protected resource).
    if omitted && matches!(resp.status, 401 | 403) {
        out.flag(
            Severity::Info,
            open_registration_row(ctx),
            "registration needs an initial access token",
            "RFC 7591 §3: the endpoint SHOULD allow registration requests with no initial access token",
        );
    }
    out.pass("R7591-3-d");
    if auth == crate::generate::Auth::Query && resp.status != 401 {
        // RFC 6750 §3.1: "uses more than one method" or an unsupported way of sending the
        // token is invalid_request, answered 400; any refusal is acceptable here.
        out.pass("R7591-3.2.2-f");
        return;
    }
    if resp.status != 401 {
        out.flag(
            Severity::Warn,
            "R7591-3.2.2-f",
            format!(
                "a missing or wrong initial access token is answered with {}",
                resp.status
            ),
            "RFC 6750 §3.1: invalid_token SHOULD be answered with 401",
        );
    }
    let challenge = resp.header("www-authenticate").unwrap_or_default();
    if challenge.to_ascii_lowercase().starts_with("bearer") {
        out.pass("R7591-3.2.2-f");
        if auth == crate::generate::Auth::Bogus
            && resp.status == 401
            && !challenge.to_ascii_lowercase().contains("invalid_token")
        {
            out.flag(
                Severity::Warn,
                "R7591-3.2.2-f",
                "a wrong initial access token is refused without error=\"invalid_token\" in the challenge",
                format!("WWW-Authenticate {challenge:?}; RFC 6750 §3: if the request included an access token, the resource server SHOULD include the error attribute"),
            );
        }
    } else {
        out.fail(
            "R7591-3.2.2-f",
            "refused for lack of a valid token without a WWW-Authenticate: Bearer challenge",
            format!(
                "{}: status {}, WWW-Authenticate {challenge:?}",
                ctx.case.title, resp.status
            ),
        );
    }
}

fn open_registration_row(ctx: &CaseContext) -> &'static str {
    if ctx.profile.is_oidc() {
        "OIDCR-3-a"
    } else {
        "R7591-3-e"
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
    // R7591-3.1-a is the one row about how a body that is not a JSON object is answered;
    // every other 5xx, redirect or lost answer belongs to the rows that define the answers
    // (a 5xx for deep nesting is not a metadata-handling finding).
    if ctx.case.requirements.first() == Some(&"R7591-3.1-a") {
        "R7591-3.1-a"
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
