//! The registrations an MCP client makes, sent in an `--mcp-server` run once the discovery
//! chain has found the registration endpoint: a public client (`none`, no secret) with a
//! loopback redirect URI, as the MCP SDK clients register, on each loopback host form, with a
//! plain-http remote redirect URI that must not be registered, and with the code grant alone.
//!
//! Owns the cases and their expectations only; what a registration must show beyond the
//! expectation (no secret, `none` advertised) is judged in `checks::mcp`.

use serde_json::{json, Map, Value};

use super::{Auth, Case, CaseKind, CaseRequest, Expectation, Substitution};
use crate::mcp::Revision;
use crate::spec::names::*;
use crate::spec::Severity;

/// The case an MCP client's first registration is: no Authorization header, a public client.
pub const OPEN_REGISTRATION_CASE: &str = "mcp-open-registration";

/// The loopback port the cases' redirect URIs name (any port must be allowed, RFC 8252 §7.3).
const LOOPBACK_PORT: u16 = 33418;

/// A remote plain-http redirect URI: neither https nor loopback.
pub const REMOTE_HTTP_REDIRECT: &str = "http://attacker.example/callback";

/// The body an MCP SDK client registers with (the TypeScript and Python clients send these
/// members), for `redirect`; from 2026-07-28 with the `application_type` clients MUST send.
pub fn public_client(revision: Revision, redirect: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(REDIRECT_URIS.into(), json!([redirect]));
    m.insert(TOKEN_ENDPOINT_AUTH_METHOD.into(), json!(AUTH_NONE));
    m.insert(
        GRANT_TYPES.into(),
        json!([GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN]),
    );
    m.insert(RESPONSE_TYPES.into(), json!([RESPONSE_CODE]));
    m.insert(CLIENT_NAME.into(), json!("dcrcheck-mcp-client"));
    if revision >= Revision::V2026_07_28 {
        m.insert(APPLICATION_TYPE.into(), json!("native"));
    }
    m
}

/// The loopback redirect URI on `host` the MCP cases register.
pub fn loopback(host: &str) -> String {
    format!("http://{host}:{LOOPBACK_PORT}/callback")
}

fn case(
    id: &str,
    title: String,
    requirement: &'static str,
    expectation: Expectation,
    severity: Severity,
    body: Map<String, Value>,
    auth: Auth,
) -> Case {
    let mut request = CaseRequest::json(Value::Object(body));
    request.auth = auth;
    Case {
        id: id.into(),
        kind: CaseKind::Probe,
        title,
        request,
        expectation,
        requirements: vec![requirement],
        severity,
        invalid_at: None,
        mutation: None,
        trigger: Vec::new(),
    }
}

/// The MCP registration cases for `revision`.
pub fn cases(revision: Revision) -> Vec<Case> {
    let native = if revision >= Revision::V2026_07_28 {
        " (application_type native)"
    } else {
        ""
    };
    let mut out = vec![case(
        OPEN_REGISTRATION_CASE,
        format!("an MCP public client registering without an Authorization header{native}"),
        "MCP-REG-b",
        // Judged by `checks::mcp`: who may register, and what a public client gets back.
        Expectation::Observe,
        Severity::Warn,
        public_client(revision, &loopback("127.0.0.1")),
        Auth::Omit,
    )];
    for (id, host) in [
        ("mcp-redirect-localhost", "localhost"),
        ("mcp-redirect-ipv6-loopback", "[::1]"),
    ] {
        out.push(case(
            id,
            format!(
                "an MCP public client whose redirect URI is {}",
                loopback(host)
            ),
            "MCP-REDIR-a",
            Expectation::Register,
            Severity::Warn,
            public_client(revision, &loopback(host)),
            Auth::Configured,
        ));
    }
    out.push(case(
        "mcp-redirect-http-remote",
        format!("an MCP public client whose redirect URI is {REMOTE_HTTP_REDIRECT}"),
        "MCP-REDIR-b",
        Expectation::RejectOrSubstitute {
            codes: vec![INVALID_REDIRECT_URI, INVALID_CLIENT_METADATA],
            substitution: Substitution::RedirectUrisExclude {
                uri: REMOTE_HTTP_REDIRECT.into(),
            },
        },
        Severity::Fail,
        public_client(revision, REMOTE_HTTP_REDIRECT),
        Auth::Configured,
    ));
    let mut code_only = public_client(revision, &loopback("127.0.0.1"));
    code_only.insert(GRANT_TYPES.into(), json!([GRANT_AUTHORIZATION_CODE]));
    out.push(case(
        "mcp-code-grant-only",
        "an MCP public client asking for the authorization_code grant alone".into(),
        "MCP-REG-d",
        Expectation::Register,
        Severity::Warn,
        code_only,
        Auth::Configured,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_2026_07_28_sends_application_type() {
        for rev in Revision::ALL {
            let sent = cases(rev).iter().all(|c| {
                c.request
                    .body
                    .json_object()
                    .unwrap()
                    .contains_key(APPLICATION_TYPE)
            });
            assert_eq!(sent, rev >= Revision::V2026_07_28, "{rev:?}");
        }
    }

    #[test]
    fn the_open_registration_carries_no_token_and_the_others_the_configured_one() {
        for c in cases(Revision::NEWEST) {
            let want = if c.id == OPEN_REGISTRATION_CASE {
                Auth::Omit
            } else {
                Auth::Configured
            };
            assert_eq!(c.request.auth, want, "{}", c.id);
        }
    }
}
