//! The MCP endpoint in front of the authorization server: `/mcp` (MCP Streamable HTTP), which
//! accepts no token and answers every request with a 401 whose `Bearer` challenge points at
//! its protected resource metadata (RFC 9728 §5.1), and that document (RFC 9728 §3), served
//! path-inserted (`/.well-known/oauth-protected-resource/mcp`) and at the root. The MCP
//! defects are decided here, except `mcp-no-s256` and the issuer half of `mcp-other-issuer`,
//! which live in the discovery documents (`endpoint`).
//!
//! Must not: speak MCP beyond the one `initialize` result `mcp-endpoint-open` needs, or issue
//! or accept access tokens; the harness only follows the discovery chain to the registration
//! endpoint.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Map, Value};

use super::defects::{Defect, DefectSet};
use super::endpoint::{self, presented_token, read_body, AppState};
use super::response::{self, protocol_error};
use super::{MCP_PATH, MCP_RESOURCE_METADATA_PATH, OAUTH_SERVER_METADATA_PATH};

/// The one scope the MCP endpoint names, in its challenge and its metadata.
const SCOPE: &str = "mcp";
/// The issuer path of the authorization server under `mcp-metadata-suffix-only`.
const SUFFIX_ISSUER_PATH: &str = "/as";
/// The MCP revision the `mcp-endpoint-open` result claims.
const PROTOCOL_VERSION: &str = "2025-11-25";

/// Adds the routes only a defect serves: the suffix-form metadata documents. Without the
/// defect those paths stay unknown (the fallback's 404).
pub(crate) fn routes(router: Router<Arc<AppState>>, defects: &DefectSet) -> Router<Arc<AppState>> {
    let mut router = router;
    if defects.has(Defect::McpUndiscoverableMetadata) {
        let path = format!("{MCP_PATH}{}", super::PROTECTED_RESOURCE_METADATA_PATH);
        router = router.route(&path, any(suffix_resource_metadata));
    }
    if defects.has(Defect::McpMetadataSuffixOnly) {
        let path = format!("{SUFFIX_ISSUER_PATH}{OAUTH_SERVER_METADATA_PATH}");
        router = router.route(&path, any(suffix_server_metadata));
    }
    router
}

/// `/mcp`: a 401 challenge for GET, POST and DELETE (the methods of the Streamable HTTP
/// transport), a CORS preflight for OPTIONS, 405 otherwise.
pub(crate) async fn endpoint(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let defects = &state.defects;
    let method = req.method().clone();
    if method == Method::OPTIONS && !defects.has(Defect::NoCors) {
        // MCP clients send their own headers along with the token; a browser asks first.
        return response::with_header(
            response::preflight("GET, POST, DELETE"),
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "content-type, authorization, mcp-protocol-version, mcp-session-id",
            ),
        );
    }
    let open = defects.has(Defect::McpEndpointOpen);
    match method {
        Method::POST => {
            let (parts, body) = req.into_parts();
            // Read before answering, so a client still sending sees the answer, not a reset.
            let bytes = read_body(body, &parts.headers, state.body_limit).await;
            if open {
                return initialize_result(bytes.as_deref().unwrap_or_default(), defects);
            }
            unauthorized(&state, &parts.headers, &parts.uri)
        }
        // An open server that offers neither a stream (GET) nor sessions (DELETE).
        Method::GET | Method::DELETE if open => not_allowed("POST", defects),
        Method::GET | Method::DELETE => unauthorized(&state, req.headers(), req.uri()),
        _ => not_allowed("GET, POST, DELETE, OPTIONS", defects),
    }
}

/// The protected resource metadata at its RFC 9728 URIs, path-inserted and root; under
/// `mcp-undiscoverable-metadata` neither exists.
pub(crate) async fn resource_metadata(
    State(state): State<Arc<AppState>>,
    req: Request,
) -> Response {
    if state.defects.has(Defect::McpUndiscoverableMetadata) {
        return endpoint::not_found(State(state)).await;
    }
    metadata_answer(&state, &req)
}

/// `mcp-undiscoverable-metadata`: the document at `/mcp/.well-known/oauth-protected-resource`.
async fn suffix_resource_metadata(State(state): State<Arc<AppState>>, req: Request) -> Response {
    metadata_answer(&state, &req)
}

/// `mcp-metadata-suffix-only`: the authorization server metadata of the issuer `{base}/as`,
/// a copy of the root document with that issuer, at the suffix form only.
async fn suffix_server_metadata(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let mut advertised = state.advertised(req.headers(), req.uri());
    advertised.issuer = format!(
        "{}{SUFFIX_ISSUER_PATH}",
        state.base_url(req.headers(), req.uri())
    );
    endpoint::discovery_answer(&state, &req, advertised)
}

fn metadata_answer(state: &AppState, req: &Request) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return response::with_header(
            protocol_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "the metadata document only answers GET",
                &state.defects,
            ),
            header::ALLOW,
            HeaderValue::from_static("GET, HEAD"),
        );
    }
    response::json_document(resource_document(state, req.headers(), req.uri()))
}

/// RFC 9728 §2: the resource, its authorization server, the scope, and that tokens go in the
/// `Authorization` header; the resource-metadata defects applied.
fn resource_document(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Map<String, Value> {
    let defects = &state.defects;
    let base = state.base_url(headers, uri);
    let resource = if defects.has(Defect::McpOriginResource) {
        base.clone()
    } else {
        format!("{base}{MCP_PATH}")
    };
    let servers = if defects.has(Defect::McpNoAuthorizationServers) {
        Vec::new()
    } else if defects.has(Defect::McpOtherIssuer) {
        let host = endpoint::request_host(headers, uri);
        let (_, other) = spellings(state.local, &host);
        vec![format!("{}://{other}", state.scheme())]
    } else if defects.has(Defect::McpMetadataSuffixOnly) {
        vec![format!("{base}{SUFFIX_ISSUER_PATH}")]
    } else {
        vec![base]
    };
    let mut doc = Map::new();
    doc.insert("resource".into(), json!(resource));
    doc.insert("authorization_servers".into(), json!(servers));
    doc.insert("scopes_supported".into(), json!([SCOPE]));
    doc.insert("bearer_methods_supported".into(), json!(["header"]));
    doc
}

/// RFC 6750 §3, RFC 9728 §5.1: 401 with a `Bearer` challenge naming the metadata URL and the
/// scope, and an `invalid_token` body. A presented token is refused with
/// `error="invalid_token"` in the challenge too; without one the challenge carries no error
/// code (RFC 6750 §3.1).
fn unauthorized(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Response {
    let defects = &state.defects;
    let presented = presented_token(headers).is_some();
    let metadata = format!(
        "{}{MCP_RESOURCE_METADATA_PATH}",
        state.base_url(headers, uri)
    );
    let mut params = Vec::new();
    if presented {
        params.push("error=\"invalid_token\"".to_owned());
    }
    if !defects.has(Defect::McpUndiscoverableMetadata) {
        params.push(format!("resource_metadata={}", quoted(&metadata)));
        if !defects.has(Defect::McpChallengeWithoutScope) {
            params.push(format!("scope={}", quoted(SCOPE)));
        }
    }
    let challenge = if params.is_empty() {
        "Bearer".to_owned()
    } else {
        format!("Bearer {}", params.join(", "))
    };
    let description = if presented {
        "the access token is not valid"
    } else {
        "the mcp endpoint needs a bearer access token"
    };
    let res = protocol_error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        description,
        defects,
    );
    // The host comes from a header value, so the challenge is one too; the fallback is
    // unreachable in practice.
    let value =
        HeaderValue::from_str(&challenge).unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
    let res = response::with_header(res, header::WWW_AUTHENTICATE, value);
    if defects.has(Defect::NoCors) {
        res
    } else {
        // A browser-based client has to read the challenge to find the metadata.
        response::with_header(
            res,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("www-authenticate"),
        )
    }
}

/// `mcp-endpoint-open`: the JSON-RPC result of an `initialize`, for the request's `id` (1 when
/// it has none usable).
fn initialize_result(body: &[u8], defects: &DefectSet) -> Response {
    let id = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .filter(|id| id.is_string() || id.is_number())
        .unwrap_or(json!(1));
    let result = json!({
        "jsonrpc": "2.0",
        "id": id,
        "result": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "serverInfo": {"name": "dcrcheck-reference", "version": "0"},
        },
    });
    response::json_reply(StatusCode::OK, &result, defects)
}

fn not_allowed(allow: &'static str, defects: &DefectSet) -> Response {
    response::with_header(
        protocol_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "the mcp endpoint does not answer this method",
            defects,
        ),
        header::ALLOW,
        HeaderValue::from_static(allow),
    )
}

/// `text` as an RFC 9110 §5.6.4 quoted-string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `mcp-other-issuer`: the host the discovery documents give as issuer for a request addressed
/// to `host`, when that is the other spelling the protected resource metadata names; `None`
/// when the request used any other host (or the defect is off), so the documents stay as
/// they are for a client that came the normal way.
pub(super) fn own_issuer_host(state: &AppState, host: &str) -> Option<String> {
    if !state.defects.has(Defect::McpOtherIssuer) {
        return None;
    }
    let (own, other) = spellings(state.local, host);
    host.eq_ignore_ascii_case(&other).then_some(own)
}

/// `(own, other)` host-and-port spellings of the server's origin: its own address
/// (`local`, else 127.0.0.1 on the request's port), and `localhost` when that is 127.0.0.1,
/// else `127.0.0.1`, on the same port.
fn spellings(local: Option<SocketAddr>, host: &str) -> (String, String) {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let (ip, port) = match local {
        Some(addr) => (addr.ip(), Some(addr.port())),
        None => (loopback, host_port(host)),
    };
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    let own = match ip {
        IpAddr::V6(v6) => format!("[{v6}]{port}"),
        IpAddr::V4(v4) => format!("{v4}{port}"),
    };
    let other = if ip == loopback {
        format!("localhost{port}")
    } else {
        format!("127.0.0.1{port}")
    };
    (own, other)
}

/// The port of a `Host` value (`h:1`, `[::1]:1`), if it names one.
fn host_port(host: &str) -> Option<u16> {
    let after_name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.1,
        None => host,
    };
    after_name.rsplit_once(':')?.1.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_come_from_any_host_form() {
        assert_eq!(host_port("127.0.0.1:8080"), Some(8080));
        assert_eq!(host_port("[::1]:9"), Some(9));
        assert_eq!(host_port("[::1]"), None);
        assert_eq!(host_port("localhost"), None);
        assert_eq!(host_port("h:x"), None);
    }

    #[test]
    fn the_other_spelling_is_localhost_for_127_0_0_1_and_127_0_0_1_otherwise() {
        let v4: SocketAddr = ([127, 0, 0, 1], 80).into();
        assert_eq!(
            spellings(Some(v4), "ignored"),
            ("127.0.0.1:80".to_owned(), "localhost:80".to_owned())
        );
        let v6: SocketAddr = "[::1]:81".parse().expect("address");
        assert_eq!(
            spellings(Some(v6), "ignored"),
            ("[::1]:81".to_owned(), "127.0.0.1:81".to_owned())
        );
        assert_eq!(
            spellings(None, "localhost:82"),
            ("127.0.0.1:82".to_owned(), "localhost:82".to_owned())
        );
    }

    #[test]
    fn quoted_strings_escape_quotes_and_backslashes() {
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
