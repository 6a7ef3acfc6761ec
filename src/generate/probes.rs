//! Fixed probes from the requirement catalog: the baseline request B0 and its one-change
//! variants, body and media-type envelopes that no JSON payload can express, and the requests
//! that only make sense after the others (GET on the endpoint).

use serde_json::{json, Map, Value};

use super::valid::{baseline, public_keys};
use super::{Auth, Body, Case, CaseKind, CaseRequest, Expectation, Method, Substitution};
use crate::profile::Profile;
use crate::spec::names::*;
use crate::spec::Severity;

/// The client_id a probe asks for; a server must issue its own (RFC 7591 §3.2.1).
pub const CLIENT_CHOSEN_ID: &str = "dcrcheck-client-chosen-id";

/// The client_name an unsigned software statement asks for; a server that registers it trusted
/// a statement without a signature (RFC 7591 §2.3).
pub const STATEMENT_CLIENT_NAME: &str = "dcrcheck-unsigned-statement";

/// A JWT with `alg: none`, an issuer and a client_name claim (RFC 7591 §2.3 requires a JWS).
fn unsigned_statement() -> String {
    use base64::Engine as _;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(
            json!({"iss": "https://statements.example.org", "software_id": "dcrcheck",
            "client_name": STATEMENT_CLIENT_NAME})
        )
    )
}

/// Size of the oversized-body probe: larger than common server limits (56 KiB to 1 MiB).
pub const OVERSIZED_BODY: usize = 2 * 1024 * 1024;

struct Probe {
    id: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    expectation: Expectation,
    severity: Severity,
    request: CaseRequest,
}

fn with(base: &Map<String, Value>, extra: &[(&str, Value)]) -> Value {
    let mut m = base.clone();
    for (k, v) in extra {
        m.insert((*k).to_string(), v.clone());
    }
    Value::Object(m)
}

fn reject_any(statuses: &[u16]) -> Expectation {
    Expectation::Reject {
        statuses: statuses.to_vec(),
        codes: Vec::new(),
    }
}

fn raw(content_type: Option<&str>, body: Body) -> CaseRequest {
    CaseRequest {
        method: Method::Post,
        content_type: content_type.map(str::to_string),
        body,
        auth: Auth::Configured,
        headers: Vec::new(),
        configuration: None,
    }
}

/// The `e` a JWK carries first in the duplicate-member probe; the second, last one is the
/// key's real exponent.
const DUPLICATE_E_FIRST: &str = "Aw";

/// B0 plus a `jwks` whose RSA key names `e` twice (RFC 7517 §4: a parser keeps the last or
/// refuses). Returns the raw body and the `jwks` as a parser that kept the first would read it.
fn duplicate_member_probe(b0: &Map<String, Value>) -> (String, Value) {
    let mut key = public_keys()
        .iter()
        .find(|k| k["kty"] == "RSA")
        .cloned()
        .unwrap_or(json!({"kty": "RSA"}));
    let last_e = key.get("e").cloned().unwrap_or(json!("AQAB"));
    if let Some(o) = key.as_object_mut() {
        o.remove("e");
    }
    // Objects always serialise as "{...}": reopen them to append members.
    let open = |v: &Value| {
        let text = v.to_string();
        text[..text.len() - 1].to_string()
    };
    let raw_key = format!(
        "{},\"e\":{},\"e\":{}}}",
        open(&key),
        json!(DUPLICATE_E_FIRST),
        last_e
    );
    let raw = format!(
        "{},\"{JWKS}\":{{\"keys\":[{raw_key}]}}}}",
        open(&Value::Object(b0.clone()))
    );
    key["e"] = json!(DUPLICATE_E_FIRST);
    (raw, json!({ "keys": [key] }))
}

/// Probes sent before the generated cases.
pub fn probes(profile: Profile, has_token: bool) -> Vec<Case> {
    let b0 = baseline(profile);
    let b0v = Value::Object(b0.clone());
    let json_req = |v: Value| CaseRequest::json(v);
    let (duplicate_raw, duplicate_first) = duplicate_member_probe(&b0);
    let mut list = vec![
        Probe {
            id: "baseline",
            title: "minimal valid registration (B0)",
            requirements: &["R7591-3-a", "R7591-3.2-a", "OIDCR-3.2-a"],
            expectation: Expectation::Register,
            severity: Severity::Fail,
            request: json_req(b0v.clone()),
        },
        Probe {
            id: "baseline-charset",
            title: "B0 with Content-Type: application/json; charset=utf-8",
            requirements: &["R7591-3-a"],
            expectation: Expectation::Register,
            severity: Severity::Warn,
            request: CaseRequest {
                content_type: Some("application/json; charset=utf-8".into()),
                ..json_req(b0v.clone())
            },
        },
        Probe {
            id: "confidential-1",
            title: "B0 with client_secret_basic",
            requirements: &["R7591-2-e", "R7591-3.2.1-c"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Fail,
            request: json_req(with(
                &b0,
                &[(TOKEN_ENDPOINT_AUTH_METHOD, json!(AUTH_CLIENT_SECRET_BASIC))],
            )),
        },
        Probe {
            id: "confidential-2",
            title: "B0 with client_secret_basic, again",
            requirements: &["R7591-2-e", "R7591-3.2.1-c"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Fail,
            request: json_req(with(
                &b0,
                &[(TOKEN_ENDPOINT_AUTH_METHOD, json!(AUTH_CLIENT_SECRET_BASIC))],
            )),
        },
        Probe {
            id: "secret-post",
            title: "B0 with client_secret_post",
            requirements: &["R7591-2-g"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Warn,
            request: json_req(with(
                &b0,
                &[(TOKEN_ENDPOINT_AUTH_METHOD, json!(AUTH_CLIENT_SECRET_POST))],
            )),
        },
        Probe {
            id: "public-client",
            title: "B0 as a public client (token_endpoint_auth_method none)",
            requirements: &["R7591-2-f"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Warn,
            request: json_req(with(&b0, &[(TOKEN_ENDPOINT_AUTH_METHOD, json!(AUTH_NONE))])),
        },
        Probe {
            id: "code-and-refresh",
            title: "authorization_code and refresh_token with the code response type",
            requirements: &["R7591-2.1-b"],
            expectation: Expectation::RegisterOrRefuse,
            // RFC 7591 §2 lets a server refuse any value; oidcc-refresh-token needs a 201.
            severity: if profile.is_oidc() {
                Severity::Fail
            } else {
                Severity::Warn
            },
            request: json_req(with(
                &b0,
                &[
                    (
                        GRANT_TYPES,
                        json!([GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN]),
                    ),
                    (RESPONSE_TYPES, json!(["code"])),
                ],
            )),
        },
        Probe {
            id: "redirect-query",
            title: "redirect URI with a query component",
            requirements: &["R6749-3.1.2-c"],
            expectation: Expectation::Register,
            // oidcc-redirect-uri-query-OK needs a 201.
            severity: if profile.is_oidc() {
                Severity::Fail
            } else {
                Severity::Warn
            },
            request: json_req(with(
                &b0,
                &[(
                    REDIRECT_URIS,
                    json!(["https://client.example.org/cb?tenant=1"]),
                )],
            )),
        },
        Probe {
            id: "redirect-loopback",
            title: "loopback and private-use-scheme redirect URIs",
            requirements: &["R8252-7.3-a", "R7591-5-c"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Info,
            request: json_req(with(
                &b0,
                &[(
                    REDIRECT_URIS,
                    json!([
                        "http://127.0.0.1/cb",
                        "http://localhost:8080/cb",
                        "com.example.app:/cb"
                    ]),
                )],
            )),
        },
        Probe {
            id: "unknown-members",
            title: "B0 with unknown members",
            requirements: &["R7591-2-a", "OIDCR-3.2-c"],
            expectation: Expectation::Register,
            severity: Severity::Fail,
            request: json_req(with(
                &b0,
                &[
                    ("x_harness_unknown", json!("v")),
                    ("x_obj", json!({"n": 1})),
                ],
            )),
        },
        Probe {
            id: "language-tags",
            title: "language-tagged client_name variants",
            // A server that understands tags may refuse ones it dislikes, so a refusal is a
            // WARN under the unknown-members rule (R7591-2-a), not a FAIL.
            requirements: &["R7591-2-a", "R7591-2.2-a", "OIDCR-2.1-a"],
            expectation: Expectation::Register,
            severity: Severity::Warn,
            request: json_req(with(
                &b0,
                &[
                    ("client_name#ja-Jpan-JP", json!("クライアント名")),
                    ("client_name#en", json!("My Client")),
                    ("client_name#EN-us", json!("My US Client")),
                ],
            )),
        },
        Probe {
            id: "language-tags-malformed",
            title: "malformed language tags",
            requirements: &["R7591-2.2-e"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Warn,
            request: json_req(with(
                &b0,
                &[("client_name#", json!("x")), ("client_name#!!", json!("y"))],
            )),
        },
        Probe {
            id: "software-identity",
            title: "software_id and software_version",
            requirements: &["R7591-2-s"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Warn,
            request: json_req(with(
                &b0,
                &[
                    (SOFTWARE_ID, json!("4NRB1-0XZABZI9E6-5SM3R")),
                    (SOFTWARE_VERSION, json!("2.1")),
                ],
            )),
        },
        Probe {
            id: "client-chosen-id",
            title: "B0 with a client_id chosen by the client",
            requirements: &["R7591-3.2.1-b", "OIDCR-3.2-d"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Warn,
            request: json_req(with(&b0, &[(CLIENT_ID, json!(CLIENT_CHOSEN_ID))])),
        },
        Probe {
            id: "client-chosen-id-again",
            title: "B0 asking again for the client_id chosen by the client",
            requirements: &["R7591-3.2.1-b", "OIDCR-3.2-d"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Warn,
            request: json_req(with(&b0, &[(CLIENT_ID, json!(CLIENT_CHOSEN_ID))])),
        },
        Probe {
            id: "software-statement-unsigned",
            title: "an unsigned (alg none) software statement naming another client_name",
            requirements: &["R7591-2.3-a"],
            expectation: Expectation::RejectOrSubstitute {
                codes: vec![INVALID_SOFTWARE_STATEMENT, UNAPPROVED_SOFTWARE_STATEMENT],
                substitution: Substitution::MemberDiffers {
                    member: CLIENT_NAME,
                    sent: json!(STATEMENT_CLIENT_NAME),
                },
            },
            // The MUST binds the presenter; trusting an unsigned statement is WARN (FAIL
            // under --strict).
            severity: Severity::Warn,
            request: json_req(with(
                &b0,
                &[(SOFTWARE_STATEMENT, json!(unsigned_statement()))],
            )),
        },
        Probe {
            id: "form-encoded",
            title: "B0 sent as application/x-www-form-urlencoded",
            requirements: &["R7591-3-b"],
            expectation: reject_any(&[400, 415]),
            severity: Severity::Warn,
            request: raw(
                Some(FORM_URLENCODED),
                Body::Raw(
                    "redirect_uris=https%3A%2F%2Fclient.example.org%2Fcb&client_name=dcr-harness"
                        .into(),
                ),
            ),
        },
        Probe {
            id: "text-plain",
            // text/plain is a CORS-simple content type: if it registers, any web page can
            // register clients through a visitor's browser without a preflight.
            title: "B0 sent as text/plain (a CORS-simple type any web page can send)",
            requirements: &["R7591-3-b"],
            expectation: reject_any(&[400, 415]),
            severity: Severity::Warn,
            request: raw(Some("text/plain"), Body::Raw(b0v.to_string())),
        },
        Probe {
            id: "malformed-json",
            title: "truncated JSON body",
            requirements: &["R7591-3.1-a"],
            expectation: reject_any(&[400]),
            severity: Severity::Warn,
            request: raw(
                Some(APPLICATION_JSON),
                Body::Raw("{\"redirect_uris\":[".into()),
            ),
        },
        Probe {
            id: "body-array",
            title: "JSON array body",
            requirements: &["R7591-3.1-a"],
            expectation: reject_any(&[400]),
            severity: Severity::Warn,
            request: raw(Some(APPLICATION_JSON), Body::Raw("[]".into())),
        },
        Probe {
            id: "body-null",
            title: "JSON null body",
            requirements: &["R7591-3.1-a"],
            expectation: reject_any(&[400]),
            severity: Severity::Warn,
            request: raw(Some(APPLICATION_JSON), Body::Raw("null".into())),
        },
        Probe {
            id: "body-string",
            title: "JSON string body",
            requirements: &["R7591-3.1-a"],
            expectation: reject_any(&[400]),
            severity: Severity::Warn,
            request: raw(Some(APPLICATION_JSON), Body::Raw("\"x\"".into())),
        },
        Probe {
            id: "body-empty",
            title: "empty body",
            requirements: &["R7591-3.1-a"],
            expectation: reject_any(&[400]),
            severity: Severity::Warn,
            request: raw(Some(APPLICATION_JSON), Body::Empty),
        },
        Probe {
            id: "duplicate-jwk-member",
            title: "JWK whose e member is repeated (the last one counts)",
            requirements: &["R7517-4-a", "R7591-2-q"],
            expectation: Expectation::RejectOrSubstitute {
                codes: vec![INVALID_CLIENT_METADATA],
                substitution: Substitution::MemberDiffers {
                    member: JWKS,
                    sent: duplicate_first,
                },
            },
            severity: Severity::Fail,
            request: raw(Some(APPLICATION_JSON), Body::Raw(duplicate_raw)),
        },
        Probe {
            id: "body-oversized",
            title: "2 MiB body (a huge client_name)",
            requirements: &["R7591-3.1-a"],
            expectation: Expectation::RegisterOrRefuse,
            severity: Severity::Fail,
            request: json_req(with(
                &b0,
                &[(CLIENT_NAME, json!("n".repeat(OVERSIZED_BODY)))],
            )),
        },
    ];
    if profile.is_oidc() {
        list.push(Probe {
            id: "request-uri-fragment",
            title: "request_uris entry with a SHA-256 fragment",
            requirements: &["OIDCR-2-x"],
            expectation: Expectation::Register,
            severity: Severity::Warn,
            request: json_req(with(
                &b0,
                &[(
                    REQUEST_URIS,
                    json!([
                        "https://client.example.org/rf.txt#qpXaRLh_n93TTR9F252ValdatUQvQiJi5BDub2BeznA"
                    ]),
                )],
            )),
        });
        list.push(Probe {
            id: "cors-preflight",
            title: "CORS preflight from a browser-based client",
            requirements: &["OIDCR-3-c"],
            expectation: Expectation::Observe,
            severity: Severity::Warn,
            request: CaseRequest {
                method: Method::Options,
                content_type: None,
                body: Body::Empty,
                auth: Auth::Omit,
                headers: vec![
                    ("Origin".into(), "https://client.example.org".into()),
                    ("Access-Control-Request-Method".into(), "POST".into()),
                    (
                        "Access-Control-Request-Headers".into(),
                        "content-type".into(),
                    ),
                ],
                configuration: None,
            },
        });
    }
    if has_token {
        list.push(Probe {
            id: "token-missing",
            // Graded by the token check on its own rows; registering without the token is
            // INFO unless --require-token (RFC 7591 §3 lets the endpoint be open).
            title: "B0 without the initial access token",
            requirements: &["R7591-3-d", "R7591-3.2.2-f"],
            expectation: Expectation::Unauthorized,
            severity: Severity::Info,
            request: CaseRequest {
                auth: Auth::Omit,
                ..json_req(b0v.clone())
            },
        });
        list.push(Probe {
            id: "token-bogus",
            title: "B0 with a wrong initial access token",
            requirements: &["R7591-3.2.2-f", "R7591-3-d"],
            expectation: Expectation::Unauthorized,
            severity: Severity::Info,
            request: CaseRequest {
                auth: Auth::Bogus,
                ..json_req(b0v.clone())
            },
        });
        list.push(Probe {
            id: "token-in-query",
            // RFC 6750 §2.3 lets a resource server accept the token as a query parameter:
            // accepting it is INFO, refusing it must carry the challenge (see the token check).
            title: "B0 with the initial access token in the query string, no Authorization header",
            requirements: &["R7591-3.2.2-f", "R7591-3-d"],
            expectation: Expectation::Unauthorized,
            severity: Severity::Info,
            request: CaseRequest {
                auth: Auth::Query,
                ..json_req(b0v.clone())
            },
        });
        list.push(Probe {
            id: "token-lowercase-scheme",
            title: "B0 with the initial access token sent as `Authorization: bearer ...`",
            // OIDC Registration §3 says the token is used as RFC 6750 describes; RFC 7591 has
            // no row of that weight (R7591-3-d is a MAY), so only `oidc` judges it.
            requirements: &["OIDCR-3-b"],
            expectation: Expectation::Register,
            severity: Severity::Warn,
            request: CaseRequest {
                auth: Auth::LowercaseScheme,
                ..json_req(b0v)
            },
        });
    }
    list.into_iter().map(into_case).collect()
}

/// Probes sent after every other case, when the server holds the run's clients.
pub fn final_probes(profile: Profile) -> Vec<Case> {
    let _ = profile;
    vec![into_case_kind(
        Probe {
            id: "get-endpoint",
            title: "GET on the registration endpoint",
            requirements: &["R7591-3-b"],
            expectation: Expectation::Observe,
            severity: Severity::Warn,
            request: CaseRequest {
                method: Method::Get,
                content_type: None,
                body: Body::Empty,
                // Without the token: what an anonymous visitor can read.
                auth: Auth::Omit,
                headers: Vec::new(),
                configuration: None,
            },
        },
        CaseKind::Final,
    )]
}

fn into_case(p: Probe) -> Case {
    into_case_kind(p, CaseKind::Probe)
}

fn into_case_kind(p: Probe, kind: CaseKind) -> Case {
    Case {
        id: format!("probe-{}", p.id),
        kind,
        title: p.title.to_string(),
        request: p.request,
        expectation: p.expectation,
        requirements: p.requirements.to_vec(),
        severity: p.severity,
        invalid_at: None,
        mutation: None,
        trigger: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_member_probe_differs_only_in_which_e_is_kept() {
        let b0 = baseline(Profile::Rfc7591);
        let (raw, first) = duplicate_member_probe(&b0);
        assert_eq!(raw.matches("\"e\":").count(), 2, "{raw}");
        // serde_json keeps the last of repeated names, as RFC 7517 §4 allows.
        let parsed: Value = serde_json::from_str(&raw).expect("the raw body is JSON");
        let key = &parsed[JWKS]["keys"][0];
        let real = public_keys()
            .iter()
            .find(|k| k["kty"] == "RSA")
            .expect("key");
        assert_eq!(key, real);
        assert_eq!(parsed[REDIRECT_URIS], b0[REDIRECT_URIS]);
        let mut expected_first = real.clone();
        expected_first["e"] = json!(DUPLICATE_E_FIRST);
        assert_eq!(first, json!({ "keys": [expected_first] }));
        assert_ne!(parsed[JWKS], first);
    }
}
