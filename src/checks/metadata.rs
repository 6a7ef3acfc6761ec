//! The server's own authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0):
//! its `issuer` is the one its URL was built from, the endpoints that carry credentials are
//! https, and what it lists as supported the registration endpoint accepts.
//!
//! Judged on the document the run found for its registration endpoint (or was given), over
//! any scheme; a document served over plain http from loopback (a development server) skips
//! the https row, as the TLS rows do.

use serde_json::{Map, Value};

use super::tls::is_loopback;
use super::{short, CaseContext, Check, Kind, Out, RunContext};
use crate::exec::{OAUTH_SERVER_METADATA, OPENID_CONFIGURATION};
use crate::generate::{CaseKind, Expectation};
use crate::spec::names::*;
use crate::spec::Severity;

const ISSUER_ROW: &str = "R8414-3.3-a";
const HTTPS_ROW: &str = "R8414-2-a";
const ADVERTISED_ROW: &str = "R8414-2-b";

/// The metadata document the run read, with the URL it came from.
fn document<'a>(ctx: &'a RunContext) -> Option<(reqwest::Url, &'a Map<String, Value>)> {
    let obs = &ctx.metadata?.observation;
    obs.response.as_ref().filter(|r| r.status == 200)?;
    let url = reqwest::Url::parse(&obs.request.url).ok()?;
    Some((url, obs.json_object()?))
}

/// The issuer a metadata URL was built from: RFC 8414 §3.1 inserts the well-known string
/// between host and path, OpenID Connect Discovery §4 appends its suffix to the issuer.
/// `None` for a URL built neither way (a `--discovery` document elsewhere).
pub fn issuer_of_metadata_url(url: &reqwest::Url) -> Option<reqwest::Url> {
    let path = url.path();
    let issuer_path = if let Some(rest) = path.strip_prefix(OAUTH_SERVER_METADATA) {
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)?
    } else {
        path.strip_suffix(OPENID_CONFIGURATION)?
    };
    let mut issuer = url.clone();
    issuer.set_path(issuer_path);
    issuer.set_query(None);
    issuer.set_fragment(None);
    Some(issuer)
}

/// Two issuers are the same if they differ at most in a terminating `/` (removed before the
/// well-known string is inserted, RFC 8414 §3.1) and in what URL parsing normalises (case of
/// scheme and host, a default port).
fn same_issuer(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    let norm = |u: &reqwest::Url| {
        let mut u = u.clone();
        let path = u.path().trim_end_matches('/').to_string();
        u.set_path(&path);
        u.to_string().trim_end_matches('/').to_string()
    };
    norm(a) == norm(b)
}

pub(super) const METADATA_ISSUER_MATCHES_ITS_URL: Check = Check {
    name: "metadata_issuer_matches_its_url",
    requirements: &[ISSUER_ROW],
    kind: Kind::Run(metadata_issuer_matches_its_url),
};

fn metadata_issuer_matches_its_url(ctx: &RunContext, out: &mut Out) {
    let Some((url, doc)) = document(ctx) else {
        out.skip(
            ISSUER_ROW,
            "no metadata document for this registration endpoint",
        );
        return;
    };
    let Some(expected) = issuer_of_metadata_url(&url) else {
        out.skip(
            ISSUER_ROW,
            format!("{url} is not a well-known metadata URL, so it names no issuer"),
        );
        return;
    };
    let found = match doc.get("issuer") {
        Some(Value::String(s)) => s,
        other => {
            out.fail(
                ISSUER_ROW,
                "metadata without a string issuer",
                format!(
                    "{url}: issuer is {}",
                    other.map_or_else(|| "absent".to_string(), short)
                ),
            );
            return;
        }
    };
    match reqwest::Url::parse(found) {
        Ok(issuer) if same_issuer(&issuer, &expected) => {
            out.pass_with(ISSUER_ROW, format!("{url}: issuer {found:?}"));
        }
        _ => out.fail(
            ISSUER_ROW,
            "metadata issuer differs from the issuer its URL was built from",
            format!("{url} was built from the issuer \"{expected}\", but says issuer {found:?}"),
        ),
    }
}

pub(super) const METADATA_ENDPOINTS_USE_HTTPS: Check = Check {
    name: "metadata_endpoints_use_https",
    requirements: &[HTTPS_ROW],
    kind: Kind::Run(metadata_endpoints_use_https),
};

fn metadata_endpoints_use_https(ctx: &RunContext, out: &mut Out) {
    let Some((url, doc)) = document(ctx) else {
        out.skip(
            HTTPS_ROW,
            "no metadata document for this registration endpoint",
        );
        return;
    };
    if url.scheme() != "https" && is_loopback(&url) {
        out.skip(HTTPS_ROW, super::tls::PLAIN_LOOPBACK);
        return;
    }
    let mut problems = Vec::new();
    for member in ["issuer", "authorization_endpoint", "token_endpoint"] {
        let Some(Value::String(raw)) = doc.get(member) else {
            continue;
        };
        match reqwest::Url::parse(raw) {
            // A server that serves its metadata over https has no reason to name plain-http
            // endpoints, loopback or not.
            Ok(u) if u.scheme() == "https" => {
                if member == "issuer" && (u.query().is_some() || u.fragment().is_some()) {
                    problems.push(format!("issuer {raw:?} has a query or fragment"));
                }
            }
            Ok(_) => problems.push(format!("{member} {raw:?} is not https")),
            Err(_) => problems.push(format!("{member} {raw:?} is not a URL")),
        }
    }
    if problems.is_empty() {
        out.pass_with(HTTPS_ROW, format!("{url}: issuer and endpoints are https"));
    } else {
        out.fail(
            HTTPS_ROW,
            "metadata names an issuer or endpoint that is not https",
            format!("{url}: {}", problems.join("; ")),
        );
    }
}

/// Whether the metadata lists every value of `value` (a string or an array of them) in the
/// `*_supported` list for `member`.
pub(super) fn advertised(metadata: &Map<String, Value>, member: &str, value: &Value) -> bool {
    let Some(list) = supported_list(member)
        .and_then(|l| metadata.get(l))
        .and_then(Value::as_array)
    else {
        return false;
    };
    let values: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    !values.is_empty() && values.iter().all(|v| list.contains(v))
}

pub(super) const ADVERTISED_VALUES_ARE_ACCEPTED: Check = Check {
    name: "advertised_values_are_accepted",
    requirements: &[ADVERTISED_ROW],
    kind: Kind::Case(advertised_values_are_accepted),
};

/// The metadata list that advertises a registration member's values.
pub(super) fn supported_list(member: &str) -> Option<&'static str> {
    match member {
        TOKEN_ENDPOINT_AUTH_METHOD => Some("token_endpoint_auth_methods_supported"),
        GRANT_TYPES => Some("grant_types_supported"),
        RESPONSE_TYPES => Some("response_types_supported"),
        _ => None,
    }
}

/// A fixed probe that changes only members with a `*_supported` list, to values all listed,
/// refused with a 400: the server turned away what it says it supports. A refusal is still
/// policy (RFC 7591 §2 lets a server refuse any value), so this is a WARN.
fn advertised_values_are_accepted(ctx: &CaseContext, out: &mut Out) {
    let Some(metadata) = ctx.metadata else {
        return;
    };
    if ctx.case.kind != CaseKind::Probe
        || !matches!(
            ctx.case.expectation,
            Expectation::Register | Expectation::RegisterOrRefuse
        )
    {
        return;
    }
    let Some(sent) = ctx.sent() else {
        return;
    };
    let base = crate::generate::valid::baseline(ctx.profile);
    if base.keys().any(|k| !sent.contains_key(k)) {
        return;
    }
    let changed: Vec<(&String, &Value)> = sent
        .iter()
        .filter(|(k, v)| base.get(*k) != Some(*v))
        .collect();
    if changed.is_empty() {
        return;
    }
    let mut asked = Vec::new();
    for (member, value) in &changed {
        if !advertised(metadata, member, value) {
            return;
        }
        asked.push(format!("{member} {}", short(value)));
    }
    if ctx.status() == Some(400) {
        let code = ctx
            .body()
            .and_then(|b| b.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("(none)");
        out.flag_kind(
            Severity::Warn,
            ADVERTISED_ROW,
            format!("refused-advertised:{}", asked.join(",")),
            format!(
                "a registration asking only for advertised values was refused ({})",
                asked.join(", ")
            ),
            format!(
                "{}: 400 {code}, though the metadata lists every value asked for",
                ctx.case.title
            ),
        );
    } else if ctx.registered() {
        out.pass(ADVERTISED_ROW);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn metadata_urls_name_their_issuers() {
        for (metadata, issuer) in [
            (
                "https://as.example/.well-known/oauth-authorization-server",
                Some("https://as.example/"),
            ),
            (
                "https://as.example/.well-known/oauth-authorization-server/tenant/a",
                Some("https://as.example/tenant/a"),
            ),
            (
                "https://as.example/tenant/.well-known/openid-configuration",
                Some("https://as.example/tenant"),
            ),
            (
                "https://as.example/.well-known/openid-configuration",
                Some("https://as.example/"),
            ),
            (
                "https://as.example/.well-known/oauth-authorization-serverx",
                None,
            ),
            ("https://as.example/metadata.json", None),
        ] {
            assert_eq!(
                issuer_of_metadata_url(&url(metadata)).map(|u| u.to_string()),
                issuer.map(str::to_string),
                "{metadata}"
            );
        }
    }

    #[test]
    fn a_terminating_slash_and_normalised_forms_are_the_same_issuer() {
        let from_url = url("https://as.example/");
        assert!(same_issuer(&url("https://as.example"), &from_url));
        assert!(same_issuer(&url("https://AS.example:443/"), &from_url));
        let tenant = url("https://as.example/tenant");
        assert!(same_issuer(&url("https://as.example/tenant/"), &tenant));
        assert!(!same_issuer(&url("https://as.example/other"), &tenant));
        assert!(!same_issuer(&url("http://as.example/tenant"), &tenant));
        assert!(!same_issuer(
            &url("https://as.example:8443/tenant"),
            &tenant
        ));
    }
}
