//! The MCP discovery chain (`run --mcp-server URL`): an MCP request without a token, the
//! `WWW-Authenticate` challenge it gets, the protected resource metadata (RFC 9728), the
//! authorization server it names and that server's metadata (RFC 8414, OpenID Discovery), in
//! the order the MCP revision (`--mcp-rev`) tells clients to look; the registration endpoint
//! found hands over to the RFC 7591 run.
//!
//! Owns the chain's requests and what each returned. Must not: judge (the MCP checks read the
//! [`Chain`]), register clients, or follow a URL a server names unless [`followable`] allows
//! it; redirects are never followed (the executor's client does not).

pub mod challenge;

use serde_json::{json, Map, Value};

use crate::exec::{
    well_known_appended, well_known_inserted, Executor, Observation, OAUTH_SERVER_METADATA,
    OPENID_CONFIGURATION,
};
use crate::generate::{Auth, Case, CaseKind, CaseRequest, Expectation};
use crate::spec::Severity;
use challenge::Challenge;

/// RFC 9728 §3 well-known suffix.
pub const PROTECTED_RESOURCE_METADATA: &str = "/.well-known/oauth-protected-resource";

/// A revision of the MCP authorization specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Revision {
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
    V2026_07_28,
}

impl Revision {
    pub const ALL: [Revision; 4] = [
        Revision::V2025_03_26,
        Revision::V2025_06_18,
        Revision::V2025_11_25,
        Revision::V2026_07_28,
    ];
    /// What `--mcp-rev` defaults to.
    pub const NEWEST: Revision = Revision::V2026_07_28;

    pub fn label(self) -> &'static str {
        match self {
            Revision::V2025_03_26 => "2025-03-26",
            Revision::V2025_06_18 => "2025-06-18",
            Revision::V2025_11_25 => "2025-11-25",
            Revision::V2026_07_28 => "2026-07-28",
        }
    }

    pub fn from_label(s: &str) -> Option<Revision> {
        Revision::ALL.into_iter().find(|r| r.label() == s)
    }
}

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Where the protected resource metadata was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrmSource {
    /// The `resource_metadata` parameter of the 401's Bearer challenge.
    Header,
    /// `/.well-known/oauth-protected-resource` inserted before the MCP URL's path.
    PathInserted,
    /// `/.well-known/oauth-protected-resource` at the root.
    Root,
}

/// A JSON document the chain found, and its URL.
#[derive(Debug, Clone)]
pub struct Found {
    pub url: reqwest::Url,
    pub document: Map<String, Value>,
}

/// One request of the chain, as the report shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hop {
    /// What the request was for, in words.
    pub step: String,
    pub method: String,
    pub url: String,
    /// `None`: no HTTP answer (or not sent; `outcome` says which).
    pub status: Option<u16>,
    pub outcome: String,
}

/// What the chain met.
#[derive(Debug, Clone)]
pub struct Chain {
    pub server: reqwest::Url,
    pub revision: Revision,
    /// The MCP request without a token.
    pub initial: Observation,
    pub challenges: Vec<Challenge>,
    pub prm: Option<Found>,
    pub prm_source: Option<PrmSource>,
    /// The authorization server identifier used (the first of `authorization_servers`, or
    /// under the 2025-03-26 fallback the MCP server's origin).
    pub issuer: Option<String>,
    pub asm: Option<Found>,
    /// The suffix form `{issuer}/.well-known/oauth-authorization-server` answered with a JSON
    /// object while the URLs clients try did not: the likely mistake.
    pub asm_suffix: Option<String>,
    /// The 2025-03-26 fallback was used (no protected resource metadata).
    pub legacy: bool,
    pub hops: Vec<Hop>,
}

impl Chain {
    /// The bearer challenge of the 401, if any.
    pub fn bearer(&self) -> Option<&Challenge> {
        self.challenges
            .iter()
            .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
    }

    /// The registration endpoint the chain found: the metadata's, or under the 2025-03-26
    /// fallback without metadata the default `{origin}/register`.
    pub fn registration_endpoint(&self) -> Option<reqwest::Url> {
        match &self.asm {
            Some(found) => found
                .document
                .get("registration_endpoint")
                .and_then(Value::as_str)
                .and_then(|e| reqwest::Url::parse(e).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https")),
            None if self.legacy && self.revision == Revision::V2025_03_26 => {
                self.server.join("/register").ok()
            }
            None => None,
        }
    }

    pub fn requests(&self) -> usize {
        self.hops.iter().filter(|h| h.method != "-").count()
    }
}

/// What a run may request among the URLs a server's documents name, beyond the one it was
/// given: a server's answer could otherwise aim it at the user's own machine or network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Follow {
    /// Private and link-local addresses (`--allow-private`).
    pub private: bool,
    /// Loopback hosts: when the run starts on loopback itself (a local test setup), or with
    /// `--allow-http-loopback`.
    pub loopback: bool,
}

impl Follow {
    /// The policy of a run that starts at `start`.
    pub fn starting_at(
        start: &reqwest::Url,
        allow_private: bool,
        allow_http_loopback: bool,
    ) -> Follow {
        Follow {
            private: allow_private,
            loopback: allow_http_loopback || crate::checks::is_loopback(start),
        }
    }
}

/// Whether the run may request `url`, named by a server's answer: https, or a loopback host
/// when `follow` allows loopback; a private or link-local address only when it allows those.
pub fn followable(url: &reqwest::Url, follow: Follow) -> Result<(), String> {
    use std::net::IpAddr;
    let loopback = crate::checks::is_loopback(url);
    if loopback && !follow.loopback {
        return Err(format!(
            "not followed: {url} is on loopback, named by a server that is not (--allow-http-loopback follows it)"
        ));
    }
    if url.scheme() != "https" && !loopback {
        return Err(format!("not followed: {url} is neither https nor loopback"));
    }
    let private = match url.host() {
        Some(url::Host::Ipv4(ip)) => {
            let ip = IpAddr::V4(ip);
            !loopback && is_private(&ip)
        }
        Some(url::Host::Ipv6(ip)) => !loopback && is_private(&IpAddr::V6(ip)),
        _ => false,
    };
    if private && !follow.private {
        return Err(format!(
            "not followed: {url} is a private address (--allow-private follows it)"
        ));
    }
    Ok(())
}

fn is_private(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast()
        }
        std::net::IpAddr::V6(v6) => {
            let seg = v6.segments()[0];
            v6.is_unspecified() || (seg & 0xfe00) == 0xfc00 || (seg & 0xffc0) == 0xfe80
        }
    }
}

/// The JSON-RPC `initialize` an MCP client sends first, without a token.
fn initialize_case(revision: Revision) -> Case {
    let mut request = CaseRequest::json(json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": revision.label(),
            "capabilities": {},
            "clientInfo": {"name": "dcrcheck", "version": env!("CARGO_PKG_VERSION")}
        }
    }));
    request.auth = Auth::Omit;
    request.headers = vec![(
        "Accept".to_string(),
        "application/json, text/event-stream".to_string(),
    )];
    Case {
        id: "mcp-initialize".into(),
        kind: CaseKind::Manage,
        title: "MCP initialize without a token".into(),
        request,
        expectation: Expectation::Observe,
        requirements: vec!["MCP-PRM-a"],
        severity: Severity::Fail,
        invalid_at: None,
        mutation: None,
        trigger: Vec::new(),
    }
}

/// The authorization server metadata URLs clients try for `issuer`, in order (MCP
/// 2025-11-25, "Authorization Server Metadata Discovery").
pub fn metadata_urls(issuer: &reqwest::Url) -> Vec<reqwest::Url> {
    let mut urls = vec![
        well_known_inserted(issuer, OAUTH_SERVER_METADATA),
        well_known_inserted(issuer, OPENID_CONFIGURATION),
    ];
    if !issuer.path().trim_end_matches('/').is_empty() {
        urls.push(well_known_appended(issuer, OPENID_CONFIGURATION));
    }
    urls
}

fn outcome(obs: &Observation) -> (Option<u16>, String) {
    match (&obs.response, &obs.transport_error) {
        (Some(r), _) => {
            let what = if r.status == 200 && obs.json_object().is_some() {
                "a JSON object".to_string()
            } else {
                r.media_type().unwrap_or_else(|| "no content type".into())
            };
            (Some(r.status), what)
        }
        (None, Some(e)) => (None, e.message.clone()),
        (None, None) => (None, "no answer".into()),
    }
}

/// GETs each URL in turn until one answers 200 with a JSON object; records each as a hop.
async fn first_document(
    executor: &Executor,
    step: &str,
    urls: &[reqwest::Url],
    follow: Follow,
    hops: &mut Vec<Hop>,
) -> Option<Found> {
    for url in urls {
        if let Err(why) = followable(url, follow) {
            hops.push(Hop {
                step: step.into(),
                method: "-".into(),
                url: url.to_string(),
                status: None,
                outcome: why,
            });
            continue;
        }
        let obs = executor.get_document(url).await;
        let (status, what) = outcome(&obs);
        hops.push(Hop {
            step: step.into(),
            method: "GET".into(),
            url: url.to_string(),
            status,
            outcome: what,
        });
        if status == Some(200) {
            if let Some(doc) = obs.json_object() {
                return Some(Found {
                    url: url.clone(),
                    document: doc.clone(),
                });
            }
        }
    }
    None
}

/// Follows the chain from `server` (the executor's target).
pub async fn discover(
    executor: &Executor,
    server: &reqwest::Url,
    revision: Revision,
    follow: Follow,
) -> Chain {
    let mut hops = Vec::new();
    let initial = executor.send(&initialize_case(revision)).await;
    let (status, what) = outcome(&initial);
    let challenges = initial
        .response
        .as_ref()
        .map(|r| {
            challenge::parse(
                r.headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
                    .map(|(_, v)| v.as_str()),
            )
        })
        .unwrap_or_default();
    hops.push(Hop {
        step: "MCP initialize without a token".into(),
        method: "POST".into(),
        url: server.to_string(),
        status,
        outcome: match challenges.is_empty() {
            true => what,
            false => format!(
                "{what}; WWW-Authenticate: {} challenge(s)",
                challenges.len()
            ),
        },
    });
    let mut chain = Chain {
        server: server.clone(),
        revision,
        initial,
        challenges,
        prm: None,
        prm_source: None,
        issuer: None,
        asm: None,
        asm_suffix: None,
        legacy: false,
        hops: Vec::new(),
    };

    // The protected resource metadata: the challenge's URL, then the well-known URIs.
    let mut candidates: Vec<(PrmSource, reqwest::Url)> = Vec::new();
    if let Some(raw) = chain.bearer().and_then(|b| b.param("resource_metadata")) {
        match reqwest::Url::parse(raw) {
            Ok(url) => candidates.push((PrmSource::Header, url)),
            Err(_) => hops.push(Hop {
                step: "protected resource metadata".into(),
                method: "-".into(),
                url: raw.to_string(),
                status: None,
                outcome: "resource_metadata is not an absolute URL".into(),
            }),
        }
    }
    if !server.path().trim_end_matches('/').is_empty() {
        candidates.push((
            PrmSource::PathInserted,
            well_known_inserted(server, PROTECTED_RESOURCE_METADATA),
        ));
    }
    let mut root = server.clone();
    root.set_path(PROTECTED_RESOURCE_METADATA);
    root.set_query(None);
    candidates.push((PrmSource::Root, root));
    for (source, url) in candidates {
        if let Some(found) = first_document(
            executor,
            "protected resource metadata",
            &[url],
            follow,
            &mut hops,
        )
        .await
        {
            chain.prm = Some(found);
            chain.prm_source = Some(source);
            break;
        }
    }

    // The authorization server: the first one listed, or the 2025-03-26 origin fallback.
    let listed = chain
        .prm
        .as_ref()
        .and_then(|p| p.document.get("authorization_servers"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .map(str::to_string);
    let issuer = match listed {
        Some(issuer) => Some(issuer),
        None if chain.prm.is_none() => {
            chain.legacy = true;
            let mut origin = server.clone();
            origin.set_path("");
            origin.set_query(None);
            Some(origin.as_str().trim_end_matches('/').to_string())
        }
        None => None,
    };
    chain.issuer = issuer.clone();
    if let Some(issuer_url) = issuer.as_deref().and_then(|i| reqwest::Url::parse(i).ok()) {
        let step = if chain.legacy {
            "authorization server metadata (2025-03-26 fallback: the MCP server's origin)"
        } else {
            "authorization server metadata"
        };
        let urls = if chain.legacy {
            vec![well_known_inserted(&issuer_url, OAUTH_SERVER_METADATA)]
        } else {
            metadata_urls(&issuer_url)
        };
        chain.asm = first_document(executor, step, &urls, follow, &mut hops).await;
        if chain.asm.is_none() && !issuer_url.path().trim_end_matches('/').is_empty() {
            // Not where clients look; asked only to name the likely mistake.
            let mut suffix = issuer_url.clone();
            suffix.set_path(&format!(
                "{}{OAUTH_SERVER_METADATA}",
                issuer_url.path().trim_end_matches('/')
            ));
            if let Some(found) = first_document(
                executor,
                "authorization server metadata at the suffix form (not a URL clients try)",
                &[suffix],
                follow,
                &mut hops,
            )
            .await
            {
                chain.asm_suffix = Some(found.url.to_string());
            }
        }
    }
    chain.hops = hops;
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn metadata_urls_follow_the_revision_order() {
        let with_path: Vec<String> = metadata_urls(&url("https://as.example/tenant1"))
            .iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            with_path,
            [
                "https://as.example/.well-known/oauth-authorization-server/tenant1",
                "https://as.example/.well-known/openid-configuration/tenant1",
                "https://as.example/tenant1/.well-known/openid-configuration",
            ]
        );
        let root: Vec<String> = metadata_urls(&url("https://as.example/"))
            .iter()
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            root,
            [
                "https://as.example/.well-known/oauth-authorization-server",
                "https://as.example/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn protected_resource_metadata_is_path_inserted() {
        assert_eq!(
            well_known_inserted(
                &url("https://mcp.example/public/mcp"),
                PROTECTED_RESOURCE_METADATA
            )
            .as_str(),
            "https://mcp.example/.well-known/oauth-protected-resource/public/mcp"
        );
    }

    #[test]
    fn only_https_or_loopback_urls_are_followed_and_private_ones_on_request() {
        let local = Follow::starting_at(&url("http://127.0.0.1:3000/mcp"), false, false);
        let remote = Follow::starting_at(&url("https://mcp.example/mcp"), false, false);
        let private = Follow {
            private: true,
            ..remote
        };
        assert!(followable(&url("https://as.example/x"), remote).is_ok());
        assert!(followable(&url("http://127.0.0.1:8080/x"), local).is_ok());
        assert!(followable(&url("http://localhost/x"), local).is_ok());
        // A remote server's documents do not aim the run at the user's own machine.
        assert!(followable(&url("http://127.0.0.1:8080/x"), remote).is_err());
        assert!(followable(&url("https://localhost/x"), remote).is_err());
        let allowed = Follow::starting_at(&url("https://mcp.example/mcp"), false, true);
        assert!(followable(&url("http://127.0.0.1:8080/x"), allowed).is_ok());
        assert!(followable(&url("http://as.example/x"), local).is_err());
        assert!(followable(&url("https://10.0.0.5/x"), remote).is_err());
        assert!(followable(&url("https://10.0.0.5/x"), private).is_ok());
        assert!(followable(&url("https://169.254.169.254/latest"), remote).is_err());
        assert!(followable(&url("https://[fd00::1]/x"), remote).is_err());
    }

    #[test]
    fn revisions_parse_and_order() {
        for r in Revision::ALL {
            assert_eq!(Revision::from_label(r.label()), Some(r));
        }
        assert!(Revision::V2025_11_25 > Revision::V2025_06_18);
        assert_eq!(Revision::from_label("2024-01-01"), None);
    }
}
