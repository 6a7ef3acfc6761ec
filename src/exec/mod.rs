//! Execution: sends each case over HTTP with reqwest and records what came back as an
//! `Observation`. Concurrency, pacing, timeouts and the response body cap live here.
//!
//! Owns: the network. Must not: judge responses or write user-facing output. A transport
//! failure is data in the observation, never an error that aborts the run.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde::Serialize;
use serde_json::Value;

use crate::generate::{Auth, Case, Method};

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: reqwest::Url,
    /// Extra headers from `--header`, sent on every request.
    pub headers: Vec<(String, String)>,
    /// The initial access token, sent as `Authorization: Bearer`.
    pub token: Option<String>,
    /// PEM certificates trusted for https on top of the built-in roots (`--ca-cert`).
    pub ca_cert_pem: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy)]
pub struct ExecConfig {
    pub concurrency: usize,
    pub timeout: Duration,
    /// Requests per second; `None` sends as fast as concurrency allows.
    pub rate: Option<f64>,
    /// Bytes of a response body kept; the rest is dropped and the body marked truncated.
    pub body_cap: usize,
}

impl Default for ExecConfig {
    fn default() -> Self {
        ExecConfig {
            concurrency: 8,
            timeout: Duration::from_secs(10),
            rate: None,
            body_cap: 1024 * 1024,
        }
    }
}

/// What was sent, as sent (secrets are masked later, when output is written).
#[derive(Debug, Clone, Serialize)]
pub struct SentRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// What came back.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the cap.
    pub truncated: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type`, lowercased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    pub fn is_json_media_type(&self) -> bool {
        self.media_type()
            .is_some_and(|m| m == crate::spec::names::APPLICATION_JSON || m.ends_with("+json"))
    }

    /// The body parsed as JSON, whatever the declared media type.
    pub fn json(&self) -> Option<Value> {
        if self.truncated {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why no response was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportErrorKind {
    Connect,
    Timeout,
    /// The connection closed or reset before a full response.
    Dropped,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

/// One case's exchange.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub request: SentRequest,
    pub response: Option<Response>,
    pub transport_error: Option<TransportError>,
    pub elapsed_ms: u64,
}

impl Observation {
    /// A 2xx whose body is not an error object: what a client would take as a registration.
    pub fn success_without_error(&self) -> bool {
        self.response
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status))
            && !self.json_object().is_some_and(|b| b.contains_key("error"))
    }

    /// The parsed JSON object body of a response, if it has one.
    pub fn json_object(&self) -> Option<serde_json::Map<String, Value>> {
        match self.response.as_ref()?.json()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
}

/// The harness could not work at all (not a server misbehaviour).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot build the http client: {0}")]
    Client(String),
    #[error("invalid header '{0}': {1}")]
    Header(String, String),
    #[error("unusable CA certificate: {0}")]
    CaCert(String),
}

/// What the transport probes of an https target saw, for the TLS and discovery checks.
#[derive(Debug, Clone)]
pub struct TransportProbes {
    /// The registration endpoint the run targets.
    pub target: reqwest::Url,
    /// The first case (B0) sent to the same host, port and path over plain `http://`; sent
    /// for https targets only, and never with the initial access token.
    pub plaintext: Option<Observation>,
    /// The run has an initial access token that the plain-http probe left out.
    pub token_withheld: bool,
    /// A GET of the target over a client that offers TLS 1.2 and nothing else; https targets
    /// only. Any HTTP answer means the handshake succeeded.
    pub tls12: Option<Observation>,
    /// The discovery document fetched.
    pub discovery: Option<DiscoveryProbe>,
}

impl TransportProbes {
    /// Probes that record nothing (a run that sends no probes).
    pub fn none(target: reqwest::Url) -> Self {
        TransportProbes {
            target,
            plaintext: None,
            token_withheld: false,
            tls12: None,
            discovery: None,
        }
    }

    /// Requests the probes sent.
    pub fn requests(&self) -> usize {
        usize::from(self.plaintext.is_some())
            + usize::from(self.tls12.is_some())
            + self.discovery.as_ref().map_or(0, |d| d.attempts)
    }
}

/// A discovery document request.
#[derive(Debug, Clone)]
pub struct DiscoveryProbe {
    /// Given with `--discovery`; otherwise derived from an https target's origin.
    pub explicit: bool,
    /// GETs sent (a derived document tries two well-known paths).
    pub attempts: usize,
    pub observation: Observation,
}

/// Well-known discovery paths tried on an https target's origin, in order: OpenID Connect
/// Discovery 1.0 §4, then RFC 8414 §3.
pub const DISCOVERY_PATHS: &[&str] = &[
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
];

/// The same URL over plain http, keeping the port the https URL used (443 when implicit).
pub fn plaintext_url(url: &reqwest::Url) -> Option<reqwest::Url> {
    if url.scheme() != "https" {
        return None;
    }
    let port = url.port_or_known_default()?;
    let mut plain = url.clone();
    plain.set_scheme("http").ok()?;
    plain.set_port(Some(port)).ok()?;
    Some(plain)
}

fn client_builder(
    target: &Target,
    config: &ExecConfig,
) -> Result<reqwest::ClientBuilder, ExecError> {
    let mut builder = reqwest::Client::builder()
        // A redirect answer is reported as what it is, never followed.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        .user_agent(concat!("dcrcheck/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = &target.ca_cert_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| ExecError::CaCert(e.to_string()))?;
        if certs.is_empty() {
            return Err(ExecError::CaCert("no certificate in the PEM data".into()));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

/// The reusable HTTP side of a run.
pub struct Executor {
    client: reqwest::Client,
    target: Target,
    config: ExecConfig,
    extra: HeaderMap,
}

/// Marker sent as the wrong token in `Auth::Bogus` cases.
pub const BOGUS_TOKEN: &str = "dcrcheck-invalid-token";

impl Executor {
    pub fn new(target: Target, config: ExecConfig) -> Result<Self, ExecError> {
        let client = client_builder(&target, &config)?
            .build()
            .map_err(|e| ExecError::Client(e.to_string()))?;
        let mut extra = HeaderMap::new();
        for (k, v) in &target.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| ExecError::Header(k.clone(), e.to_string()))?;
            let value = HeaderValue::from_str(v)
                .map_err(|e| ExecError::Header(k.clone(), e.to_string()))?;
            extra.append(name, value);
        }
        Ok(Executor {
            client,
            target,
            config,
            extra,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends every case, at most `concurrency` at once and paced to `rate`, and returns the
    /// observations in case order. `on_done` is called as each one completes (in order).
    pub async fn run_all(
        &self,
        cases: &[Case],
        mut on_done: impl FnMut(&Case, &Observation),
    ) -> Vec<Observation> {
        let start = tokio::time::Instant::now();
        let interval = self
            .config
            .rate
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        let mut out = Vec::with_capacity(cases.len());
        let mut results = stream::iter(cases.iter().enumerate())
            .map(|(i, case)| async move {
                // Pacing on an absolute schedule: request i leaves at start + i/rate, so a
                // slow response does not push every later request back.
                if let Some(step) = interval {
                    tokio::time::sleep_until(start + step * i as u32).await;
                }
                self.send(case).await
            })
            .buffered(self.config.concurrency.max(1));
        let mut i = 0;
        while let Some(obs) = results.next().await {
            on_done(&cases[i], &obs);
            out.push(obs);
            i += 1;
        }
        out
    }

    /// Sends one case.
    pub async fn send(&self, case: &Case) -> Observation {
        let method = match case.request.method {
            Method::Post => reqwest::Method::POST,
            Method::Get => reqwest::Method::GET,
            Method::Options => reqwest::Method::OPTIONS,
        };
        let mut headers = self.extra.clone();
        if let Some(ct) = &case.request.content_type {
            if let Ok(v) = HeaderValue::from_str(ct) {
                headers.insert(CONTENT_TYPE, v);
            }
        }
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let bearer = match case.request.auth {
            Auth::Configured => self.target.token.clone(),
            Auth::Omit => None,
            Auth::Bogus => Some(BOGUS_TOKEN.to_string()),
        };
        if let Some(token) = bearer {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
                headers.insert(AUTHORIZATION, v);
            }
        } else {
            headers.remove(AUTHORIZATION);
        }
        for (k, v) in &case.request.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                headers.insert(name, value);
            }
        }
        let sent = SentRequest {
            method: case.request.method.as_str(),
            url: self.target.url.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect(),
        };
        let body = case.request.body.to_bytes();
        let request = self
            .client
            .request(method, self.target.url.clone())
            .headers(headers)
            .body(body);
        self.observe(request, sent).await
    }

    /// Sends a built request and records what came back.
    async fn observe(&self, request: reqwest::RequestBuilder, sent: SentRequest) -> Observation {
        let began = Instant::now();
        let result = match request.send().await {
            Ok(resp) => self.read(resp).await,
            Err(e) => Err(classify(&e)),
        };
        let elapsed_ms = began.elapsed().as_millis() as u64;
        match result {
            Ok(response) => Observation {
                request: sent,
                response: Some(response),
                transport_error: None,
                elapsed_ms,
            },
            Err(err) => Observation {
                request: sent,
                response: None,
                transport_error: Some(err),
                elapsed_ms,
            },
        }
    }

    /// A GET with `Accept: application/json` and the `--header` headers, no token: for
    /// discovery documents and the TLS 1.2 probe.
    async fn get(&self, client: &reqwest::Client, url: &reqwest::Url) -> Observation {
        let mut headers = self.extra.clone();
        headers.remove(AUTHORIZATION);
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        let sent = SentRequest {
            method: "GET",
            url: url.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect(),
        };
        let request = client.get(url.clone()).headers(headers);
        self.observe(request, sent).await
    }

    /// Runs the transport probes: for an https target, `baseline` over plain http to the same
    /// host, port and path, and a GET over a TLS-1.2-only client; then the discovery document
    /// (`discovery`, or for an https target the well-known paths of its origin).
    pub async fn probe_transport(
        &self,
        baseline: &Case,
        discovery: Option<&reqwest::Url>,
    ) -> Result<TransportProbes, ExecError> {
        let mut probes = TransportProbes::none(self.target.url.clone());
        let https = self.target.url.scheme() == "https";
        if let Some(url) = plaintext_url(&self.target.url) {
            let plain = Executor {
                client: self.client.clone(),
                target: Target {
                    url,
                    ..self.target.clone()
                },
                config: self.config,
                extra: self.extra.clone(),
            };
            // A credential never goes over plain http: the probe asks without it.
            let mut anonymous = baseline.clone();
            anonymous.request.auth = Auth::Omit;
            probes.token_withheld = self.target.token.is_some();
            probes.plaintext = Some(plain.send(&anonymous).await);
        }
        if https {
            let tls12 = client_builder(&self.target, &self.config)?
                .min_tls_version(reqwest::tls::Version::TLS_1_2)
                .max_tls_version(reqwest::tls::Version::TLS_1_2)
                .build()
                .map_err(|e| ExecError::Client(e.to_string()))?;
            probes.tls12 = Some(self.get(&tls12, &self.target.url).await);
        }
        probes.discovery = match discovery {
            Some(url) => Some(DiscoveryProbe {
                explicit: true,
                attempts: 1,
                observation: self.get(&self.client, url).await,
            }),
            None if https => {
                let mut found: Option<DiscoveryProbe> = None;
                let mut attempts = 0;
                for path in DISCOVERY_PATHS {
                    let mut url = self.target.url.clone();
                    url.set_path(path);
                    url.set_query(None);
                    url.set_fragment(None);
                    let observation = self.get(&self.client, &url).await;
                    attempts += 1;
                    let ok = observation
                        .response
                        .as_ref()
                        .is_some_and(|r| r.status == 200);
                    // The first path's failure is the one to report when none answers.
                    if ok || found.is_none() {
                        found = Some(DiscoveryProbe {
                            explicit: false,
                            attempts,
                            observation,
                        });
                    }
                    if ok {
                        break;
                    }
                }
                if let Some(f) = found.as_mut() {
                    f.attempts = attempts;
                }
                found
            }
            None => None,
        };
        Ok(probes)
    }

    async fn read(&self, resp: reqwest::Response) -> Result<Response, TransportError> {
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| classify(&e))?;
            let room = self.config.body_cap.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
            truncated,
        })
    }
}

fn classify(e: &reqwest::Error) -> TransportError {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_request() || e.is_body() || e.is_decode() {
        TransportErrorKind::Dropped
    } else {
        TransportErrorKind::Other
    };
    // The innermost cause says what happened (e.g. "connection closed before message completed").
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message = s.to_string();
        source = s.source();
    }
    TransportError { kind, message }
}
