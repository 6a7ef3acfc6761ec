//! The MCP discovery chain (`--mcp-server`), hop by hop: the 401 and its challenge, the
//! protected resource metadata (RFC 9728), the authorization server metadata, each by the MCP
//! revision the run judges (`--mcp-rev`).

use serde_json::Value;

use super::{CaseContext, Check, Kind, ManageContext, McpContext, Out};
use crate::manage::StepName;
use crate::mcp::{PrmSource, Revision};
use crate::spec::Severity;

pub(super) const MCP_ENDPOINT_POINTS_TO_ITS_METADATA: Check = Check {
    name: "mcp_endpoint_points_to_its_metadata",
    requirements: &["MCP-PRM-a", "MCP-PRM-e"],
    kind: Kind::Mcp(mcp_endpoint_points_to_its_metadata),
};

fn mcp_endpoint_points_to_its_metadata(ctx: &McpContext, out: &mut Out) {
    let chain = ctx.chain;
    let rev = chain.revision;
    let Some(status) = chain.initial.response.as_ref().map(|r| r.status) else {
        return;
    };
    if (200..300).contains(&status) {
        out.fail(
            "MCP-PRM-a",
            "the MCP endpoint answers a request without a token",
            format!(
                "POST {} (initialize, no Authorization): status {status}",
                chain.server
            ),
        );
        return;
    }
    if status != 401 {
        out.fail(
            "MCP-PRM-a",
            "the MCP endpoint does not answer 401 to a request without a token",
            format!("POST {}: status {status}", chain.server),
        );
        return;
    }
    if rev == Revision::V2025_03_26 {
        // 2025-03-26 asks only for the 401; metadata is at the origin (the legacy fallback).
        out.pass("MCP-PRM-a");
        return;
    }
    let bearer = chain.bearer();
    let header_url = bearer.and_then(|b| b.param("resource_metadata"));
    match (chain.prm_source, header_url) {
        (Some(PrmSource::Header), _) => out.pass("MCP-PRM-a"),
        // 2025-11-25 made the header one of two ways: the well-known URIs are the other.
        (Some(PrmSource::PathInserted | PrmSource::Root), None) if rev >= Revision::V2025_11_25 => {
            out.pass_with("MCP-PRM-a", "found at the well-known URI (no resource_metadata in the challenge)".into())
        }
        (Some(_), None) => out.fail(
            "MCP-PRM-a",
            "the 401 names no resource_metadata",
            format!(
                "{rev}: \"MCP servers MUST use the HTTP header WWW-Authenticate when returning a 401 Unauthorized to indicate the location of the resource server metadata URL\"; challenges: {}",
                challenges(ctx)
            ),
        ),
        (_, Some(url)) if chain.prm.is_none() => out.fail(
            "MCP-PRM-a",
            "the challenge's resource_metadata does not give a document",
            format!("resource_metadata=\"{url}\": no 200 JSON object there or at the well-known URIs"),
        ),
        (_, _) => out.fail(
            "MCP-PRM-a",
            "no protected resource metadata where clients look",
            format!(
                "no resource_metadata in the challenge ({}) and no 200 JSON object at {}",
                challenges(ctx),
                tried(ctx, "protected resource metadata")
            ),
        ),
    }
    if rev >= Revision::V2025_11_25 {
        match bearer {
            Some(b) if b.param("scope").is_some() => out.pass("MCP-PRM-e"),
            Some(_) => out.flag(
                Severity::Warn,
                "MCP-PRM-e",
                "the 401's Bearer challenge has no scope",
                format!("challenges: {}", challenges(ctx)),
            ),
            None => out.skip("MCP-PRM-e", "the 401 has no Bearer challenge"),
        }
    } else {
        out.skip(
            "MCP-PRM-e",
            format!("{rev} does not ask for a scope in the challenge"),
        );
    }
}

fn challenges(ctx: &McpContext) -> String {
    let list: Vec<String> = ctx
        .chain
        .challenges
        .iter()
        .map(|c| {
            let params: Vec<String> = c.params.iter().map(|(k, _)| k.clone()).collect();
            format!("{} [{}]", c.scheme, params.join(", "))
        })
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join("; ")
    }
}

fn tried(ctx: &McpContext, step: &str) -> String {
    let urls: Vec<String> = ctx
        .chain
        .hops
        .iter()
        .filter(|h| h.step.starts_with(step))
        .map(|h| h.url.clone())
        .collect();
    urls.join(", ")
}

/// `a` and `b` name the same URL, a terminating `/` aside.
fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

pub(super) const PROTECTED_RESOURCE_METADATA_NAMES_ITS_SERVERS: Check = Check {
    name: "protected_resource_metadata_names_its_servers",
    requirements: &["MCP-PRM-b", "MCP-PRM-d"],
    kind: Kind::Mcp(protected_resource_metadata_names_its_servers),
};

fn protected_resource_metadata_names_its_servers(ctx: &McpContext, out: &mut Out) {
    let Some(prm) = &ctx.chain.prm else {
        for row in ["MCP-PRM-b", "MCP-PRM-d"] {
            out.skip(row, "no protected resource metadata found");
        }
        return;
    };
    let url = &prm.url;
    match prm.document.get("authorization_servers") {
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => {
            out.pass("MCP-PRM-b")
        }
        other => out.fail(
            "MCP-PRM-b",
            "protected resource metadata without an authorization server",
            format!(
                "{url}: authorization_servers is {}",
                other.map_or_else(|| "absent".to_string(), super::short)
            ),
        ),
    }
    match prm.document.get("resource").and_then(Value::as_str) {
        Some(r) if same_url(r, ctx.chain.server.as_str()) => out.pass("MCP-PRM-d"),
        other => out.flag(
            Severity::Warn,
            "MCP-PRM-d",
            "the protected resource metadata's resource is not the MCP server's URL",
            format!(
                "{url}: resource is {}, the MCP server is \"{}\"",
                other.map_or_else(|| "absent".to_string(), |r| format!("\"{r}\"")),
                ctx.chain.server
            ),
        ),
    }
}

pub(super) const AUTHORIZATION_SERVER_METADATA_IS_WHERE_CLIENTS_LOOK: Check = Check {
    name: "authorization_server_metadata_is_where_clients_look",
    requirements: &["MCP-ASM-a", "MCP-ASM-b", "MCP-REG-a"],
    kind: Kind::Mcp(authorization_server_metadata_is_where_clients_look),
};

fn authorization_server_metadata_is_where_clients_look(ctx: &McpContext, out: &mut Out) {
    let chain = ctx.chain;
    let Some(issuer) = &chain.issuer else {
        for row in ["MCP-ASM-a", "MCP-ASM-b", "MCP-REG-a"] {
            out.skip(row, "no authorization server named");
        }
        return;
    };
    let Some(asm) = &chain.asm else {
        let hint = match &chain.asm_suffix {
            Some(url) => {
                format!("; a document answers at {url}, the suffix form no MCP client tries")
            }
            None => String::new(),
        };
        out.fail(
            "MCP-ASM-a",
            "no authorization server metadata where clients look",
            format!(
                "issuer \"{issuer}\": no 200 JSON object at {}{hint}",
                tried(ctx, "authorization server metadata")
            ),
        );
        for row in ["MCP-ASM-b", "MCP-REG-a"] {
            out.skip(row, "no authorization server metadata found");
        }
        return;
    };
    out.pass_with("MCP-ASM-a", format!("{}", asm.url));
    match asm.document.get("issuer").and_then(Value::as_str) {
        Some(found) if same_url(found, issuer) => out.pass("MCP-ASM-b"),
        other => out.fail(
            "MCP-ASM-b",
            "the metadata's issuer is not the authorization server it was fetched for",
            format!(
                "{}: issuer is {}, the metadata URL was built from \"{issuer}\"",
                asm.url,
                other.map_or_else(|| "absent".to_string(), |r| format!("\"{r}\""))
            ),
        ),
    }
    let dcr = asm.document.get("registration_endpoint").is_some();
    let cimd =
        asm.document.get("client_id_metadata_document_supported") == Some(&Value::Bool(true));
    let offered = dcr || (chain.revision >= Revision::V2025_11_25 && cimd);
    if offered {
        out.pass("MCP-REG-a");
    } else {
        out.flag(
            Severity::Warn,
            "MCP-REG-a",
            "the authorization server offers no way to register without a human",
            format!(
                "{}: no registration_endpoint{}",
                asm.url,
                if chain.revision >= Revision::V2025_11_25 {
                    " and no client_id_metadata_document_supported"
                } else {
                    ""
                }
            ),
        );
    }
}

pub(super) const AUTHORIZATION_SERVER_OFFERS_S256: Check = Check {
    name: "authorization_server_offers_s256",
    requirements: &["MCP-ASM-c"],
    kind: Kind::Mcp(authorization_server_offers_s256),
};

fn authorization_server_offers_s256(ctx: &McpContext, out: &mut Out) {
    let Some(asm) = &ctx.chain.asm else {
        out.skip("MCP-ASM-c", "no authorization server metadata found");
        return;
    };
    let methods = asm.document.get("code_challenge_methods_supported");
    let s256 = methods
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|v| v == "S256"));
    if s256 {
        out.pass("MCP-ASM-c");
        return;
    }
    let severity = if ctx.chain.revision >= Revision::V2025_11_25 {
        Severity::Fail
    } else {
        Severity::Warn
    };
    out.flag(
        severity,
        "MCP-ASM-c",
        "the metadata does not list S256 in code_challenge_methods_supported",
        format!(
            "{}: code_challenge_methods_supported is {} (MCP clients MUST refuse to proceed without it)",
            asm.url,
            methods.map_or_else(|| "absent".to_string(), super::short)
        ),
    );
}

pub(super) const MCP_CLIENT_REGISTERS_AS_A_PUBLIC_CLIENT_WITHOUT_A_TOKEN: Check = Check {
    name: "mcp_client_registers_as_a_public_client_without_a_token",
    requirements: &["MCP-REG-b", "MCP-REG-c", "MCP-REG-f"],
    kind: Kind::Case(mcp_client_registers_as_a_public_client_without_a_token),
};

/// Judges the registration an MCP client makes first: no Authorization header, a public
/// client (`none`) with a loopback redirect URI, and from 2026-07-28 `application_type`.
fn mcp_client_registers_as_a_public_client_without_a_token(ctx: &CaseContext, out: &mut Out) {
    use crate::spec::names::{
        APPLICATION_TYPE, AUTH_NONE, CLIENT_SECRET, TOKEN_ENDPOINT_AUTH_METHOD,
    };
    if ctx.case.id != crate::generate::mcp::OPEN_REGISTRATION_CASE {
        return;
    }
    let Some(status) = ctx.status() else {
        return;
    };
    if status == 401 || status == 403 {
        out.flag(
            Severity::Warn,
            "MCP-REG-b",
            "registration needs a token an MCP client cannot have",
            format!("POST without Authorization: status {status}; MCP clients \"obtain OAuth client IDs without user interaction\""),
        );
        return;
    }
    out.pass("MCP-REG-b");
    if ctx.refused() {
        let code = ctx
            .body()
            .and_then(|b| b.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("no error code");
        out.flag(
            Severity::Warn,
            "MCP-REG-c",
            "an MCP public client is refused",
            format!("status {status} ({code}) for token_endpoint_auth_method none with a loopback redirect URI"),
        );
        return;
    }
    let Some(body) = ctx.body().filter(|_| ctx.registered()) else {
        return;
    };
    let method = body.get(TOKEN_ENDPOINT_AUTH_METHOD).and_then(Value::as_str);
    let advertised: Option<Vec<&str>> = ctx
        .metadata
        .and_then(|m| m.get("token_endpoint_auth_methods_supported"))
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect());
    if method.is_some_and(|m| m != AUTH_NONE) {
        out.flag(
            Severity::Warn,
            "MCP-REG-c",
            "an MCP public client is registered as a confidential one",
            format!(
                "token_endpoint_auth_method none sent, {} registered",
                method.unwrap_or_default()
            ),
        );
    } else if body.contains_key(CLIENT_SECRET) {
        out.flag(
            Severity::Warn,
            "MCP-REG-c",
            "a client_secret is issued to a public client",
            "token_endpoint_auth_method none: \"The client is a public client ... and does not have a client secret\" (RFC 7591 §2)",
        );
    } else if advertised.as_ref().is_some_and(|l| !l.contains(&AUTH_NONE)) {
        out.flag(
            Severity::Warn,
            "MCP-REG-c",
            "public clients are registered but the metadata does not list none",
            format!(
                "token_endpoint_auth_methods_supported: {}",
                advertised.unwrap_or_default().join(", ")
            ),
        );
    } else {
        out.pass("MCP-REG-c");
    }
    match (
        ctx.sent().and_then(|s| s.get(APPLICATION_TYPE)),
        body.get(APPLICATION_TYPE),
    ) {
        (None, _) => out.skip(
            "MCP-REG-f",
            "application_type is sent from MCP 2026-07-28 on (--mcp-rev)",
        ),
        (Some(sent), Some(got)) if got != sent => out.flag(
            Severity::Warn,
            "MCP-REG-f",
            "an MCP client's application_type is replaced",
            format!(
                "sent application_type {sent}, registered {got} with a loopback http redirect URI"
            ),
        ),
        _ => out.pass("MCP-REG-f"),
    }
}

/// What the authorization endpoint did with a request: where a 3xx sends the user agent,
/// and whether that carries an `error`.
struct AuthorizeAnswer<'a> {
    status: u16,
    location: Option<&'a str>,
}

impl AuthorizeAnswer<'_> {
    fn of(step: &crate::manage::Step) -> Option<AuthorizeAnswer<'_>> {
        let response = step.observation.response.as_ref()?;
        Some(AuthorizeAnswer {
            status: response.status,
            location: response.header("location"),
        })
    }

    fn redirects_with_error(&self) -> bool {
        (300..400).contains(&self.status)
            && self
                .location
                .and_then(|l| reqwest::Url::parse(l).ok())
                .is_some_and(|u| u.query_pairs().any(|(k, _)| k == "error"))
    }

    /// Refused: a 4xx, or the error sent back to the client (RFC 6749 §4.1.2.1).
    fn refused(&self) -> bool {
        (400..500).contains(&self.status) || self.redirects_with_error()
    }

    fn describe(&self) -> String {
        match self.location {
            Some(l) => format!("status {}, Location {l}", self.status),
            None => format!("status {}", self.status),
        }
    }
}

/// The valid request's answer, if it was taken (a login page or a redirect to one); the other
/// requests are judged against it. `Err` says why the rows cannot be judged.
fn valid_authorization(ctx: &ManageContext) -> Result<(), String> {
    let Some(step) = ctx.conversation.step(StepName::AuthorizeValid) else {
        return Err("no public client was registered to send to the authorization endpoint".into());
    };
    match AuthorizeAnswer::of(step) {
        None => Err("the authorization endpoint did not answer".into()),
        Some(a) if a.refused() || a.status >= 500 => Err(format!(
            "the authorization endpoint refused the valid request too ({}), so a refusal says nothing",
            a.describe()
        )),
        Some(_) => Ok(()),
    }
}

/// The step's answer, to be judged against the valid request's; `None` after a SKIP on `row`
/// when the valid request was not taken (a refusal would then say nothing).
fn beside_the_valid_request<'a>(
    ctx: &'a ManageContext,
    out: &mut Out,
    row: &'static str,
) -> Option<AuthorizeAnswer<'a>> {
    if let Err(why) = valid_authorization(ctx) {
        out.skip(row, why);
        return None;
    }
    AuthorizeAnswer::of(ctx.step)
}

pub(super) const AUTHORIZATION_ENDPOINT_NEVER_REDIRECTS_TO_AN_UNREGISTERED_URI: Check = Check {
    name: "authorization_endpoint_never_redirects_to_an_unregistered_uri",
    requirements: &["MCP-REDIR-d"],
    kind: Kind::Manage(authorization_endpoint_never_redirects_to_an_unregistered_uri),
};

fn authorization_endpoint_never_redirects_to_an_unregistered_uri(
    ctx: &ManageContext,
    out: &mut Out,
) {
    const ROW: &str = "MCP-REDIR-d";
    if ctx.step.name != StepName::AuthorizeUnregisteredRedirect {
        return;
    }
    let Some(answer) = AuthorizeAnswer::of(ctx.step) else {
        return;
    };
    let to_it = (300..400).contains(&answer.status)
        && answer
            .location
            .is_some_and(|l| l.starts_with(crate::manage::UNREGISTERED_REDIRECT));
    if to_it {
        out.fail(
            ROW,
            "the authorization endpoint redirects to a redirect URI the client never registered",
            format!(
                "{}: \"the authorization server ... MUST NOT automatically redirect the user-agent to the invalid redirection URI\" (RFC 6749 §4.1.2.1)",
                answer.describe()
            ),
        );
    } else {
        out.pass_with(
            ROW,
            format!("not sent to the unregistered URI ({})", answer.describe()),
        );
    }
}

pub(super) const AUTHORIZATION_ENDPOINT_ALLOWS_ANY_LOOPBACK_PORT: Check = Check {
    name: "authorization_endpoint_allows_any_loopback_port",
    requirements: &["MCP-REDIR-e"],
    kind: Kind::Manage(authorization_endpoint_allows_any_loopback_port),
};

fn authorization_endpoint_allows_any_loopback_port(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "MCP-REDIR-e";
    if ctx.step.name != StepName::AuthorizeLoopbackOtherPort {
        return;
    }
    let Some(answer) = beside_the_valid_request(ctx, out, ROW) else {
        return;
    };
    // Refused outright, or the error sent back (to the moved URI, as the MCP TypeScript SDK
    // does with "Unregistered redirect_uri").
    if answer.refused() {
        out.flag(
            Severity::Warn,
            ROW,
            "the registered loopback redirect URI is refused on another port",
            format!(
                "{}; \"The authorization server MUST allow any port to be specified at the time of the request for loopback IP redirect URIs\" (RFC 8252 §7.3)",
                answer.describe()
            ),
        );
    } else {
        out.pass(ROW);
    }
}

pub(super) const AUTHORIZATION_ENDPOINT_REQUIRES_S256: Check = Check {
    name: "authorization_endpoint_requires_s256",
    requirements: &["MCP-PKCE-a"],
    kind: Kind::Manage(authorization_endpoint_requires_s256),
};

fn authorization_endpoint_requires_s256(ctx: &ManageContext, out: &mut Out) {
    const ROW: &str = "MCP-PKCE-a";
    let what = match ctx.step.name {
        StepName::AuthorizeWithoutPkce => "without a code_challenge",
        StepName::AuthorizePlainPkce => "with code_challenge_method plain",
        _ => return,
    };
    let Some(answer) = beside_the_valid_request(ctx, out, ROW) else {
        return;
    };
    if answer.refused() {
        out.pass(ROW);
    } else {
        out.flag(
            Severity::Warn,
            ROW,
            format!("the authorization endpoint takes a request {what}"),
            format!(
                "{}, as for the valid request; MCP: \"PKCE is REQUIRED for all clients\", and clients \"MUST use the S256 code challenge method\"",
                answer.describe()
            ),
        );
    }
}

pub(super) const AUTHORIZATION_SERVER_ENDPOINTS_USE_HTTPS: Check = Check {
    name: "authorization_server_endpoints_use_https",
    requirements: &["MCP-ASM-d"],
    kind: Kind::Mcp(authorization_server_endpoints_use_https),
};

/// Every authorization server URL the chain's documents name is https. A chain served over
/// plain http on loopback is a local setup: SKIP, as for the other TLS rows.
fn authorization_server_endpoints_use_https(ctx: &McpContext, out: &mut Out) {
    const ROW: &str = "MCP-ASM-d";
    let chain = ctx.chain;
    let Some(asm) = &chain.asm else {
        out.skip(ROW, "no authorization server metadata was found");
        return;
    };
    if asm.url.scheme() != "https" && crate::checks::is_loopback(&asm.url) {
        out.skip(ROW, super::tls::PLAIN_LOOPBACK);
        return;
    }
    let named = chain
        .prm
        .iter()
        .flat_map(|p| {
            p.document
                .get("authorization_servers")
                .and_then(Value::as_array)
        })
        .flatten()
        .filter_map(Value::as_str)
        .map(|u| ("authorization_servers", u));
    let endpoints = [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "registration_endpoint",
    ]
    .into_iter()
    .filter_map(|m| asm.document.get(m).and_then(Value::as_str).map(|u| (m, u)));
    let problems: Vec<String> = named
        .chain(endpoints)
        .filter(|(_, u)| reqwest::Url::parse(u).map_or(true, |u| u.scheme() != "https"))
        .map(|(m, u)| format!("{m} {u:?}"))
        .collect();
    if problems.is_empty() {
        out.pass(ROW);
    } else {
        out.fail(
            ROW,
            "an authorization server endpoint is not https",
            format!(
                "{}: \"All authorization server endpoints MUST be served over HTTPS\"",
                problems.join("; ")
            ),
        );
    }
}
