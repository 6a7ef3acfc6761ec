//! Execution: sends each case over HTTP with reqwest and records what came back as an
//! `Observation`. Concurrency, pacing, timeouts and the response body cap live here.
//!
//! Owns: the network. Must not: judge responses or write user-facing output. A transport
//! failure is data in the observation, never an error that aborts the run.
//!
//! Rate limiting is not a failure (RFC 7591 §3 lets open registration be limited): a `429`
//! is resent after its `Retry-After` (capped), at most `max_retries` times, and while one
//! request waits the whole executor holds back new sends until the same moment.
//!
//! A connection that closes before the response headers is resent once: a pooled connection
//! the server had just closed (a keep-alive race) says nothing about the request, while a
//! request the server really drops is dropped again, and that is what gets recorded.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
    /// The client certificate and key offered when a server asks for one (`--cert`/`--key`).
    pub client_identity: Option<ClientIdentity>,
    /// Accept any server certificate (`--insecure`): nothing about the server is verified.
    pub insecure: bool,
}

/// A client certificate chain and its private key for mutual TLS, checked to belong together
/// ([`ClientIdentity::from_pem`]). Held as the PEM that reqwest reads.
#[derive(Clone)]
pub struct ClientIdentity {
    pem: Vec<u8>,
}

// Hand-written so the private key never reaches a log line.
impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientIdentity(***)")
    }
}

/// Why a certificate and key cannot be used as a client identity.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("holds no PEM certificate")]
    NoCertificate,
    #[error("is not valid PEM: {0}")]
    CertificatePem(String),
    #[error("holds no unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey,
    #[error("is not a valid PEM private key: {0}")]
    KeyPem(String),
    #[error("does not match the certificate")]
    Mismatch,
    #[error("cannot be used with the certificate: {0}")]
    Unusable(String),
}

impl ClientIdentity {
    /// Checks `cert_pem` (the certificate first, then any intermediates) and `key_pem` (its
    /// private key) and keeps exactly those sections: other PEM sections in either file (a
    /// key next to the certificate, a CRL) would otherwise reach reqwest, which refuses
    /// unknown sections and keeps the last key it sees.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, IdentityError> {
        use rustls::pki_types::pem::{self, PemObject};
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};

        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| IdentityError::CertificatePem(e.to_string()))?;
        if certs.is_empty() {
            return Err(IdentityError::NoCertificate);
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
            pem::Error::NoItemsFound => IdentityError::NoKey,
            other => IdentityError::KeyPem(other.to_string()),
        })?;
        let label = match &key {
            PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
            PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
            _ => "PRIVATE KEY",
        };
        let mut out = String::new();
        for cert in &certs {
            out.push_str(&pem_section("CERTIFICATE", cert.as_ref()));
        }
        out.push_str(&pem_section(label, key.secret_der()));
        // The same test rustls applies when the client is built, made here so that a key of
        // another certificate is a usage error before any request instead of a failed run.
        let provider = rustls::crypto::ring::default_provider();
        rustls::sign::CertifiedKey::from_der(certs, key, &provider).map_err(|e| match e {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                IdentityError::Mismatch
            }
            other => IdentityError::Unusable(other.to_string()),
        })?;
        let pem = out.into_bytes();
        reqwest::Identity::from_pem(&pem).map_err(|e| IdentityError::Unusable(e.to_string()))?;
        Ok(ClientIdentity { pem })
    }

    fn to_reqwest(&self) -> Result<reqwest::Identity, ExecError> {
        reqwest::Identity::from_pem(&self.pem).map_err(ExecError::Client)
    }
}

/// One PEM section: base64 in lines of 64 characters (RFC 7468 §2).
fn pem_section(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[derive(Debug, Clone, Copy)]
pub struct ExecConfig {
    pub concurrency: usize,
    pub timeout: Duration,
    /// Requests per second; `None` sends as fast as concurrency allows.
    pub rate: Option<f64>,
    /// Bytes of a response body kept; the rest is dropped and the body marked truncated.
    pub body_cap: usize,
    /// Times a request answered `429` is sent again; 0 sends every request once.
    pub max_retries: u32,
    /// Longest wait honoured for one `Retry-After`; longer values are cut to this.
    pub retry_after_max: Duration,
}

/// The observation of a case whose configuration endpoint URL cannot be parsed: nothing
/// was sent.
fn unusable_url(case: &Case, url: &str, why: &str) -> Observation {
    Observation {
        request: SentRequest {
            method: case.request.method.as_str(),
            url: url.to_string(),
            headers: Vec::new(),
        },
        response: None,
        transport_error: Some(TransportError {
            kind: TransportErrorKind::Other,
            message: format!("not a usable URL ({why}); nothing was sent"),
        }),
        elapsed_ms: 0,
        rate_limited: 0,
    }
}

/// Default of [`ExecConfig::max_retries`] (`--max-retries`).
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Default of [`ExecConfig::retry_after_max`] (`--retry-after-max`).
pub const DEFAULT_RETRY_AFTER_MAX: Duration = Duration::from_secs(10);
/// The wait after a `429` without a usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Longest wait of the plain-http probe to port 80: a firewalled port must not stall a run.
pub const PORT80_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

impl Default for ExecConfig {
    fn default() -> Self {
        ExecConfig {
            concurrency: 8,
            timeout: Duration::from_secs(10),
            rate: None,
            body_cap: 1024 * 1024,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_after_max: DEFAULT_RETRY_AFTER_MAX,
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
    /// The body parsed once, on first use: every check reads it, none re-parses it.
    #[serde(skip)]
    parsed: std::sync::OnceLock<Option<Value>>,
}

impl Response {
    pub fn new(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        truncated: bool,
    ) -> Self {
        Response {
            status,
            headers,
            body,
            truncated,
            parsed: std::sync::OnceLock::new(),
        }
    }

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

    /// The body parsed as JSON, whatever the declared media type (`None` for a body cut at
    /// the cap: a cut body is never evidence of anything).
    pub fn json(&self) -> Option<&Value> {
        self.parsed
            .get_or_init(|| {
                if self.truncated {
                    return None;
                }
                serde_json::from_slice(&self.body).ok()
            })
            .as_ref()
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
    /// Connected, but no response headers within the timeout.
    Timeout,
    /// The connection closed or reset before a full response.
    Dropped,
    /// Status and headers arrived, then the body stopped (timeout or reset).
    Incomplete,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

/// One case's exchange. After `429` answers it is the last attempt's (so a case still
/// limited after the retries ends with status 429).
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub request: SentRequest,
    pub response: Option<Response>,
    pub transport_error: Option<TransportError>,
    /// Time of the last attempt, without the waits before it.
    pub elapsed_ms: u64,
    /// `429` answers this case got, the final one included; 0 when never rate-limited.
    #[serde(default)]
    pub rate_limited: u32,
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
    pub fn json_object(&self) -> Option<&serde_json::Map<String, Value>> {
        self.response.as_ref()?.json()?.as_object()
    }

    /// The JSON object of a 2xx answer without an `error` member.
    pub fn success_body(&self) -> Option<&serde_json::Map<String, Value>> {
        self.success_without_error()
            .then(|| self.json_object())
            .flatten()
    }

    /// What a registration answer registered: the success body of a POST.
    pub fn registration_body(&self) -> Option<&serde_json::Map<String, Value>> {
        (self.request.method == "POST")
            .then(|| self.success_body())
            .flatten()
    }
}

/// The harness could not work at all (not a server misbehaviour).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot build the http client: {0}")]
    Client(#[source] reqwest::Error),
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
    /// The same probe sent to port 80 of the host (same path), for https targets not on port
    /// 80, with a short timeout ([`PORT80_PROBE_TIMEOUT`]).
    pub plaintext_port80: Option<Observation>,
    /// The run has an initial access token that the plain-http probe left out.
    pub token_withheld: bool,
    /// A GET of the target over a client that offers TLS 1.2 and nothing else; https targets
    /// only. Any HTTP answer means the handshake succeeded.
    pub tls12: Option<Observation>,
    /// The cipher suites the TLS 1.2 probe offered (IANA names); empty when not sent.
    pub tls12_suites: Vec<String>,
    /// The discovery document fetched.
    pub discovery: Option<DiscoveryProbe>,
    /// The server's certificate was not verified (`--insecure`): a handshake that succeeded
    /// may have been with anyone, so it shows nothing about the server's TLS.
    pub insecure: bool,
}

impl TransportProbes {
    /// Probes that record nothing (a run that sends no probes).
    pub fn none(target: reqwest::Url) -> Self {
        TransportProbes {
            target,
            plaintext: None,
            plaintext_port80: None,
            token_withheld: false,
            tls12: None,
            tls12_suites: Vec::new(),
            discovery: None,
            insecure: false,
        }
    }

    /// Requests the probes sent (the discovery document is counted where it was fetched, by
    /// [`Executor::find_metadata`]).
    pub fn requests(&self) -> usize {
        usize::from(self.plaintext.is_some())
            + usize::from(self.plaintext_port80.is_some())
            + usize::from(self.tls12.is_some())
    }
}

/// A discovery document request.
#[derive(Debug, Clone)]
pub struct DiscoveryProbe {
    /// Given with `--discovery`; otherwise derived from an https target's URL
    /// ([`discovery_urls`]).
    pub explicit: bool,
    /// GETs sent (a derived document tries up to [`MAX_DISCOVERY_ATTEMPTS`] URLs).
    pub attempts: usize,
    /// The document used; its `request.url` says which URL that was.
    pub observation: Observation,
}

impl DiscoveryProbe {
    /// The document, when it is a 200 JSON object naming `endpoint` as its
    /// `registration_endpoint` (a document of another endpoint says nothing about this one).
    pub fn metadata_for(&self, endpoint: &reqwest::Url) -> Option<&serde_json::Map<String, Value>> {
        let obs = &self.observation;
        obs.response.as_ref().filter(|r| r.status == 200)?;
        obs.json_object().filter(|doc| {
            doc.get("registration_endpoint")
                .and_then(Value::as_str)
                .and_then(|e| reqwest::Url::parse(e).ok())
                .is_some_and(|e| &e == endpoint)
        })
    }
}

/// RFC 8414 §3 well-known suffix, inserted between host and path (§3.1).
pub const OAUTH_SERVER_METADATA: &str = "/.well-known/oauth-authorization-server";
/// OpenID Connect Discovery 1.0 §4 suffix, appended to the issuer's path.
pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
/// Upper bound on the GETs spent looking for a derived discovery document.
pub const MAX_DISCOVERY_ATTEMPTS: usize = 8;

/// Discovery URLs tried for a target without `--discovery`, in order. The issuer is guessed
/// as each path prefix of the target, longest first, ending at the origin (a multi-tenant
/// `https://as.example.com/tenant1/register` belongs to `https://as.example.com/tenant1`);
/// for each, RFC 8414 §3.1 path insertion and then OpenID Connect Discovery appending. At
/// most [`MAX_DISCOVERY_ATTEMPTS`] URLs: the longest prefixes and always the origin.
pub fn discovery_urls(target: &reqwest::Url) -> Vec<reqwest::Url> {
    let segments: Vec<&str> = target.path().split('/').filter(|s| !s.is_empty()).collect();
    let per_prefix = 2;
    let deepest = MAX_DISCOVERY_ATTEMPTS / per_prefix - 1;
    // Dropping the last segment(s): the endpoint itself is not the issuer.
    let mut prefixes: Vec<String> = (1..segments.len())
        .rev()
        .take(deepest)
        .map(|n| format!("/{}", segments[..n].join("/")))
        .collect();
    prefixes.push(String::new());
    let mut out = Vec::with_capacity(prefixes.len() * per_prefix);
    for prefix in prefixes {
        for path in [
            format!("{OAUTH_SERVER_METADATA}{prefix}"),
            format!("{prefix}{OPENID_CONFIGURATION}"),
        ] {
            out.push(at_path(target, &path));
        }
    }
    out
}

/// `base` at `path`, without query or fragment: a well-known metadata URL carries neither.
fn at_path(base: &reqwest::Url, path: &str) -> reqwest::Url {
    let mut url = base.clone();
    url.set_path(path);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// `base` with the well-known `suffix` inserted between its host and its path, a terminating
/// `/` of the path removed first (RFC 8414 §3.1, RFC 9728 §3.1).
pub fn well_known_inserted(base: &reqwest::Url, suffix: &str) -> reqwest::Url {
    at_path(
        base,
        &format!("{suffix}{}", base.path().trim_end_matches('/')),
    )
}

/// `base` with the well-known `suffix` appended to its path, a terminating `/` of the path
/// removed first (OpenID Connect Discovery 1.0 §4).
pub fn well_known_appended(base: &reqwest::Url, suffix: &str) -> reqwest::Url {
    at_path(
        base,
        &format!("{}{suffix}", base.path().trim_end_matches('/')),
    )
}

/// Metadata URLs of an issuer given with `--issuer`, in the order they are tried: RFC 8414
/// §3.1 inserts the well-known suffix between the host and the issuer's path (after removing
/// a terminating `/`), then OpenID Connect Discovery 1.0 §4 appends its suffix to the issuer.
/// An issuer has no query or fragment (RFC 8414 §2), so none is carried over.
pub fn issuer_metadata_urls(issuer: &reqwest::Url) -> [reqwest::Url; 2] {
    [
        well_known_inserted(issuer, OAUTH_SERVER_METADATA),
        well_known_appended(issuer, OPENID_CONFIGURATION),
    ]
}

/// The same URL over plain http on port 80, for an https URL not on port 80.
pub fn plaintext_port80_url(url: &reqwest::Url) -> Option<reqwest::Url> {
    if url.scheme() != "https" || url.port_or_known_default() == Some(80) {
        return None;
    }
    let mut plain = url.clone();
    plain.set_scheme("http").ok()?;
    // No explicit port: http's default, 80.
    plain.set_port(None).ok()?;
    Some(plain)
}

/// IANA names of the TLS 1.2 cipher suites the TLS 1.2 probe offers: those of the crypto
/// provider reqwest builds its client from (the process default, else *ring*).
pub fn tls12_cipher_suites() -> Vec<String> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    provider
        .cipher_suites
        .iter()
        .filter(|s| matches!(s, rustls::SupportedCipherSuite::Tls12(_)))
        .map(|s| format!("{:?}", s.suite()))
        .collect()
}

/// How long a `Retry-After` value asks to wait: delta-seconds or an HTTP-date (RFC 9110
/// §10.2.3), measured from `now`. `None` when the value is neither.
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits to parse is still a long wait; the cap applies later.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = UNIX_EPOCH + Duration::from_secs(http_date(value)?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds since the epoch of an HTTP-date in any of the three formats RFC 9110 §5.6.7 has
/// recipients accept: IMF-fixdate, RFC 850 and asctime.
fn http_date(value: &str) -> Option<u64> {
    let cleaned = value.replace([',', '-'], " ");
    let t: Vec<&str> = cleaned.split_whitespace().collect();
    // (day, month, year, time)
    let (day, month, year, time) = match t.as_slice() {
        [_, day, month, year, time, "GMT"] => (*day, *month, *year, *time),
        [_, month, day, time, year] => (*day, *month, *year, *time),
        _ => return None,
    };
    let day: u64 = day.parse().ok()?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut year: u64 = year.parse().ok()?;
    if year < 100 {
        // RFC 850's two-digit year; a date this tool meets is never before 1970.
        year += if year < 70 { 2000 } else { 1900 };
    }
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || year < 1970 || *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    Some(days_since_epoch(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days from 1970-01-01 to a proleptic Gregorian date (year ≥ 1970), counting years from
/// March so the leap day falls at the end.
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719468: days from 0000-03-01 to 1970-01-01.
    era * 146_097 + doe - 719_468
}

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
    if let Some(identity) = &target.client_identity {
        builder = builder.identity(identity.to_reqwest()?);
    }
    if target.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

/// The reusable HTTP side of a run.
pub struct Executor {
    client: reqwest::Client,
    target: Target,
    config: ExecConfig,
    extra: HeaderMap,
    /// No request leaves before this instant: set when a `429` is retried, so the run as a
    /// whole waits out the server's limit instead of every request in flight hitting it.
    /// Shared with the probe executors derived from this one.
    not_before: Arc<Mutex<Option<tokio::time::Instant>>>,
}

use crate::generate::BOGUS_TOKEN;

impl Executor {
    pub fn new(target: Target, config: ExecConfig) -> Result<Self, ExecError> {
        let client = client_builder(&target, &config)?
            .build()
            .map_err(ExecError::Client)?;
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
            not_before: Arc::new(Mutex::new(None)),
        })
    }

    /// The same executor aimed at `url` over `client` with `config`, sharing the pause.
    fn derived(&self, url: reqwest::Url, client: reqwest::Client, config: ExecConfig) -> Self {
        Executor {
            client,
            target: Target {
                url,
                ..self.target.clone()
            },
            config,
            extra: self.extra.clone(),
            not_before: Arc::clone(&self.not_before),
        }
    }

    /// Waits until no `429` pause is in force (pauses may be extended while waiting).
    async fn wait_out_pause(&self) {
        loop {
            let until = *self
                .not_before
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Holds back every send until `until` (never shortens a pause already set).
    fn pause_until(&self, until: tokio::time::Instant) {
        let mut slot = self
            .not_before
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.is_none_or(|t| t < until) {
            *slot = Some(until);
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends the cases as the iterator makes them, at most `concurrency` at once and paced
    /// to `rate`, and hands each exchange to `on_done` in case order as soon as it (and every
    /// earlier one) is complete. Nothing is kept after `on_done` returns.
    pub async fn run_stream(
        &self,
        cases: impl Iterator<Item = Case>,
        on_done: &mut impl FnMut(&Case, &Observation),
    ) {
        let start = tokio::time::Instant::now();
        let interval = self
            .config
            .rate
            .filter(|r| *r > 0.0)
            .map(|r| Duration::from_secs_f64(1.0 / r));
        let mut results = stream::iter(cases.enumerate())
            .map(|(i, case)| async move {
                // Pacing on an absolute schedule: request i leaves at start + i/rate, so a
                // slow response does not push every later request back.
                if let Some(step) = interval {
                    tokio::time::sleep_until(start + step * i as u32).await;
                }
                let obs = self.send(&case).await;
                (case, obs)
            })
            .buffered(self.config.concurrency.max(1));
        while let Some((case, obs)) = results.next().await {
            on_done(&case, &obs);
        }
    }

    /// Sends one case.
    pub async fn send(&self, case: &Case) -> Observation {
        let method = match case.request.method {
            Method::Post => reqwest::Method::POST,
            Method::Get => reqwest::Method::GET,
            Method::Options => reqwest::Method::OPTIONS,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        // RFC 7592 steps go to the client configuration endpoint the server named; one that
        // is not a URL is recorded as a transport error of that request.
        let url = match &case.request.configuration {
            Some(c) => match reqwest::Url::parse(&c.url) {
                Ok(u) => u,
                Err(e) => return unusable_url(case, &c.url, &e.to_string()),
            },
            None => self.target.url.clone(),
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
        let mut url = url;
        if case.request.auth == Auth::Query {
            if let Some(token) = &self.target.token {
                url.query_pairs_mut().append_pair("access_token", token);
            }
        }
        let scheme = match case.request.auth {
            Auth::LowercaseScheme => "bearer",
            Auth::Basic => "Basic",
            _ => "Bearer",
        };
        let bearer = match case.request.auth {
            Auth::Configured | Auth::LowercaseScheme => self.target.token.clone(),
            Auth::Query => None,
            Auth::Omit => None,
            Auth::Bogus => Some(BOGUS_TOKEN.to_string()),
            Auth::Registration | Auth::Basic => case
                .request
                .configuration
                .as_ref()
                .and_then(|c| c.token.clone()),
        };
        if let Some(token) = bearer {
            if let Ok(v) = HeaderValue::from_str(&format!("{scheme} {token}")) {
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
            url: url.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                .collect(),
        };
        let body = case.request.body.to_bytes();
        let build = || {
            self.client
                .request(method.clone(), url.clone())
                .headers(headers.clone())
                .body(body.clone())
        };
        let mut rate_limited = 0;
        let mut resent_after_drop = false;
        loop {
            self.wait_out_pause().await;
            let mut obs = self.observe(build(), sent.clone()).await;
            // A connection that closes before the answer may be a pooled one the server had
            // just timed out (keep-alive): sent once more (the pool lets that one go), a request the
            // server really drops is dropped again, and only that is judged.
            let dropped = obs
                .transport_error
                .as_ref()
                .is_some_and(|e| e.kind == TransportErrorKind::Dropped);
            if dropped && !resent_after_drop {
                resent_after_drop = true;
                continue;
            }
            let Some(limited) = obs.response.as_ref().filter(|r| r.status == 429) else {
                obs.rate_limited = rate_limited;
                return obs;
            };
            rate_limited += 1;
            if rate_limited > self.config.max_retries {
                obs.rate_limited = rate_limited;
                return obs;
            }
            let wait = limited
                .header("retry-after")
                .and_then(|v| retry_after(v, SystemTime::now()))
                .unwrap_or(DEFAULT_RETRY_AFTER)
                .min(self.config.retry_after_max);
            self.pause_until(tokio::time::Instant::now() + wait);
        }
    }

    /// Sends a built request once, after any `429` pause, and records what came back.
    async fn observe(&self, request: reqwest::RequestBuilder, sent: SentRequest) -> Observation {
        let began = Instant::now();
        let result = match request.send().await {
            Ok(resp) => self.read(resp, began).await,
            Err(e) => Err(before_headers(&e, began.elapsed())),
        };
        let elapsed_ms = began.elapsed().as_millis() as u64;
        match result {
            Ok(response) => Observation {
                request: sent,
                response: Some(response),
                transport_error: None,
                elapsed_ms,
                rate_limited: 0,
            },
            Err(err) => Observation {
                request: sent,
                response: None,
                transport_error: Some(err),
                elapsed_ms,
                rate_limited: 0,
            },
        }
    }

    /// A GET with `Accept: application/json` and the `--header` headers, no token: for
    /// discovery documents and the TLS 1.2 probe. It waits out a `429` pause but is not
    /// retried: these probes only read the status, and discovery tries several URLs.
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
        self.wait_out_pause().await;
        let mut obs = self.observe(request, sent).await;
        obs.rate_limited = u32::from(obs.response.as_ref().is_some_and(|r| r.status == 429));
        obs
    }

    /// A GET of a metadata document, as [`Executor::get`] sends it (never with the initial
    /// access token): for resolving `--issuer` before the run.
    pub async fn get_document(&self, url: &reqwest::Url) -> Observation {
        self.get(&self.client, url).await
    }

    /// Runs the transport probes: for an https target, `baseline` over plain http to the same
    /// host, port and path and to port 80, and a GET over a TLS-1.2-only client. `discovery`
    /// is the document [`Executor::find_metadata`] already fetched: the TLS rows judge it when
    /// it was given (`--discovery`) or the target is https.
    pub async fn probe_transport(
        &self,
        baseline: &Case,
        discovery: Option<&DiscoveryProbe>,
    ) -> Result<TransportProbes, ExecError> {
        let mut probes = TransportProbes::none(self.target.url.clone());
        probes.insecure = self.target.insecure;
        let https = self.target.url.scheme() == "https";
        // A credential never goes over plain http: the probes ask without it.
        let mut anonymous = baseline.clone();
        anonymous.request.auth = Auth::Omit;
        if let Some(url) = plaintext_url(&self.target.url) {
            let plain = self.derived(url, self.client.clone(), self.config);
            probes.token_withheld = self.target.token.is_some();
            probes.plaintext = Some(plain.send(&anonymous).await);
        }
        if let Some(url) = plaintext_port80_url(&self.target.url) {
            let config = ExecConfig {
                timeout: self.config.timeout.min(PORT80_PROBE_TIMEOUT),
                ..self.config
            };
            let client = client_builder(&self.target, &config)?
                .build()
                .map_err(ExecError::Client)?;
            let plain = self.derived(url, client, config);
            probes.token_withheld = self.target.token.is_some();
            probes.plaintext_port80 = Some(plain.send(&anonymous).await);
        }
        if https {
            let tls12 = client_builder(&self.target, &self.config)?
                .min_tls_version(reqwest::tls::Version::TLS_1_2)
                .max_tls_version(reqwest::tls::Version::TLS_1_2)
                .build()
                .map_err(ExecError::Client)?;
            probes.tls12 = Some(self.get(&tls12, &self.target.url).await);
            probes.tls12_suites = tls12_cipher_suites();
        }
        probes.discovery = discovery.filter(|d| d.explicit || https).cloned();
        Ok(probes)
    }

    /// The authorization server metadata of the target, read before the run so that checks can
    /// compare registrations with what the server advertises (RFC 8414 §2): `explicit`
    /// (`--discovery`), else the first of the [`discovery_urls`] answering 200 with a JSON
    /// object whose `registration_endpoint` is the target, else the first 200 JSON object,
    /// else the first failure. `None` only when no URL was tried.
    pub async fn find_metadata(&self, explicit: Option<&reqwest::Url>) -> Option<DiscoveryProbe> {
        match explicit {
            Some(url) => Some(DiscoveryProbe {
                explicit: true,
                attempts: 1,
                observation: self.get(&self.client, url).await,
            }),
            None => self.find_discovery().await,
        }
    }

    async fn find_discovery(&self) -> Option<DiscoveryProbe> {
        let mut attempts = 0;
        let mut first_document = None;
        let mut first_failure = None;
        for url in discovery_urls(&self.target.url) {
            let observation = self.get(&self.client, &url).await;
            attempts += 1;
            let document = observation
                .response
                .as_ref()
                .filter(|r| r.status == 200)
                .and_then(|_| observation.json_object());
            match document {
                Some(doc) => {
                    let ours = doc
                        .get("registration_endpoint")
                        .and_then(Value::as_str)
                        .and_then(|e| reqwest::Url::parse(e).ok())
                        .is_some_and(|e| e == self.target.url);
                    if ours {
                        first_document = Some(observation);
                        break;
                    }
                    first_document.get_or_insert(observation);
                }
                None => {
                    first_failure.get_or_insert(observation);
                }
            }
        }
        Some(DiscoveryProbe {
            explicit: false,
            attempts,
            observation: first_document.or(first_failure)?,
        })
    }

    async fn read(
        &self,
        resp: reqwest::Response,
        began: Instant,
    ) -> Result<Response, TransportError> {
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
            let chunk = chunk.map_err(|e| {
                let cause = classify(&e).message;
                TransportError {
                    kind: TransportErrorKind::Incomplete,
                    message: format!(
                        "status {status} and headers received, then the body stopped after {} bytes and {:.1} s ({cause})",
                        body.len(),
                        began.elapsed().as_secs_f64()
                    ),
                }
            })?;
            let room = self.config.body_cap.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response::new(status, headers, body, truncated))
    }
}

/// A failure before any response headers, described by how far the exchange got.
fn before_headers(e: &reqwest::Error, elapsed: Duration) -> TransportError {
    let TransportError { kind, message } = classify(e);
    let message = match kind {
        TransportErrorKind::Connect => format!("could not connect ({message})"),
        TransportErrorKind::Timeout => format!(
            "connected, but no response headers within {:.1} s",
            elapsed.as_secs_f64()
        ),
        _ => format!("no response: the connection ended before the response headers ({message})"),
    };
    TransportError { kind, message }
}

fn classify(e: &reqwest::Error) -> TransportError {
    let refusal = client_certificate_refusal(e);
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() || refusal.is_some() {
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
    match refusal {
        Some(rustls::AlertDescription::CertificateRequired) => {
            message.push_str("; the server requires a client certificate (--cert and --key)");
        }
        Some(_) => message.push_str("; the server did not accept the client certificate"),
        None => {}
    }
    TransportError { kind, message }
}

/// The alert of a server that refused the client's certificate, or its absence. Under TLS 1.3
/// a server judges the client certificate after the client has finished its side of the
/// handshake, so the refusal only arrives with the first read and would otherwise look like a
/// connection dropped mid-request instead of one that could not be made.
fn client_certificate_refusal(e: &reqwest::Error) -> Option<rustls::AlertDescription> {
    use rustls::AlertDescription as A;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        // rustls errors reach reqwest wrapped in the io::Error of the stream.
        let tls = s.downcast_ref::<rustls::Error>().or_else(|| {
            s.downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(rustls::Error::AlertReceived(alert)) = tls {
            if matches!(
                alert,
                A::CertificateRequired
                    | A::BadCertificate
                    | A::UnsupportedCertificate
                    | A::CertificateRevoked
                    | A::CertificateExpired
                    | A::CertificateUnknown
                    | A::UnknownCA
                    | A::AccessDenied
                    | A::DecryptError
            ) {
                return Some(*alert);
            }
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::{HeaderMap as AxumHeaders, StatusCode};
    use axum::routing::{any, get};
    use axum::Router;

    use super::*;

    fn url(u: &str) -> reqwest::Url {
        reqwest::Url::parse(u).expect("url")
    }

    /// Serves `router` on an ephemeral 127.0.0.1 port; returns its base URL.
    async fn serve(router: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{addr}")
    }

    fn executor(target: &str, config: ExecConfig) -> Executor {
        Executor::new(
            Target {
                url: url(target),
                headers: Vec::new(),
                token: None,
                ca_cert_pem: None,
                client_identity: None,
                insecure: false,
            },
            config,
        )
        .expect("executor")
    }

    fn baseline() -> Case {
        crate::generate::cases(&crate::generate::Plan {
            profile: crate::profile::Profile::Rfc7591,
            seed: 1,
            cases: 0,
            has_token: false,
        })
        .remove(0)
    }

    /// A transport error says how far the exchange got: no connection, connected without
    /// headers, or headers and then a body that stopped.
    #[tokio::test]
    async fn transport_errors_say_what_was_seen() {
        let base = serve(
            Router::new()
                .route(
                    "/stall-body",
                    any(|| async {
                        let first = futures_util::stream::once(async {
                            Ok::<_, std::io::Error>(bytes_chunk())
                        });
                        let body = axum::body::Body::from_stream(
                            first.chain(futures_util::stream::pending()),
                        );
                        (StatusCode::CREATED, body)
                    }),
                )
                .route(
                    "/no-headers",
                    any(|| async {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        StatusCode::CREATED
                    }),
                ),
        )
        .await;
        let config = ExecConfig {
            timeout: Duration::from_millis(700),
            ..ExecConfig::default()
        };
        let err = |obs: Observation| obs.transport_error.expect("a transport error");
        let e = err(executor(&format!("{base}/stall-body"), config)
            .send(&baseline())
            .await);
        assert_eq!(e.kind, TransportErrorKind::Incomplete, "{}", e.message);
        assert!(
            e.message.starts_with(
                "status 201 and headers received, then the body stopped after 4 bytes"
            ),
            "{}",
            e.message
        );
        let e = err(executor(&format!("{base}/no-headers"), config)
            .send(&baseline())
            .await);
        assert_eq!(e.kind, TransportErrorKind::Timeout, "{}", e.message);
        assert!(
            e.message
                .starts_with("connected, but no response headers within 0."),
            "{}",
            e.message
        );
        // A port nothing listens on.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind")
            .local_addr()
            .expect("addr");
        let e = err(executor(&format!("http://{closed}/register"), config)
            .send(&baseline())
            .await);
        assert_eq!(e.kind, TransportErrorKind::Connect, "{}", e.message);
        assert!(e.message.starts_with("could not connect"), "{}", e.message);
    }

    fn bytes_chunk() -> axum::body::Bytes {
        axum::body::Bytes::from_static(b"{\"cl")
    }

    /// `--body-cap` bounds what is held: a 16 MiB answer is read up to the cap, marked cut,
    /// and never parsed.
    #[tokio::test]
    async fn a_body_longer_than_the_cap_is_cut_and_marked() {
        let big = "x".repeat(16 * 1024 * 1024);
        let base = serve(Router::new().route(
            "/register",
            any(move || {
                let body = big.clone();
                async move { (StatusCode::CREATED, body) }
            }),
        ))
        .await;
        let config = ExecConfig {
            body_cap: 64 * 1024,
            ..ExecConfig::default()
        };
        let obs = executor(&format!("{base}/register"), config)
            .send(&baseline())
            .await;
        let resp = obs.response.expect("a response");
        assert!(resp.truncated);
        assert_eq!(resp.body.len(), 64 * 1024);
        assert!(resp.json().is_none());
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        for later in [
            "Sun, 06 Nov 1994 08:49:47 GMT",
            "Sunday, 06-Nov-94 08:49:47 GMT",
            "Sun Nov  6 08:49:47 1994",
        ] {
            assert_eq!(
                retry_after(later, now),
                Some(Duration::from_secs(10)),
                "{later}"
            );
        }
        // A date in the past asks for no wait.
        assert_eq!(
            retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400)
        );
        for bad in ["", "-1", "1.5", "soon", "Sun, 06 Foo 1994 08:49:37 GMT"] {
            assert_eq!(retry_after(bad, now), None, "{bad}");
        }
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn plain_http_urls_keep_the_path_and_try_port_80() {
        let same = plaintext_url(&url("https://as.example.com:8443/t/register?x=1"));
        assert_eq!(
            same.map(String::from).as_deref(),
            Some("http://as.example.com:8443/t/register?x=1")
        );
        let p80 = |u: &str| plaintext_port80_url(&url(u)).map(String::from);
        assert_eq!(
            p80("https://as.example.com:8443/t/register").as_deref(),
            Some("http://as.example.com/t/register")
        );
        assert_eq!(
            p80("https://as.example.com/register").as_deref(),
            Some("http://as.example.com/register")
        );
        assert_eq!(
            p80("https://127.0.0.1:3000/r").as_deref(),
            Some("http://127.0.0.1/r")
        );
        // Already port 80, or not https: nothing more to probe.
        assert_eq!(p80("https://as.example.com:80/register"), None);
        assert_eq!(p80("http://as.example.com:8080/register"), None);
    }

    #[test]
    fn issuer_metadata_urls_insert_then_append_the_issuer_path() {
        let urls = |issuer: &str| issuer_metadata_urls(&url(issuer)).map(String::from);
        assert_eq!(
            urls("https://as.example.com/tenant1/"),
            [
                "https://as.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://as.example.com/tenant1/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            urls("http://127.0.0.1:8080"),
            [
                "http://127.0.0.1:8080/.well-known/oauth-authorization-server",
                "http://127.0.0.1:8080/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn discovery_urls_insert_and_append_each_path_prefix() {
        let urls: Vec<String> = discovery_urls(&url("https://as.example.com/tenant1/register"))
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            urls,
            [
                "https://as.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://as.example.com/tenant1/.well-known/openid-configuration",
                "https://as.example.com/.well-known/oauth-authorization-server",
                "https://as.example.com/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            discovery_urls(&url("https://as.example.com/register")).len(),
            2
        );
        assert_eq!(discovery_urls(&url("https://as.example.com/")).len(), 2);
        let deep = discovery_urls(&url("https://h.example/a/b/c/d/e/register?q=1"));
        assert_eq!(deep.len(), MAX_DISCOVERY_ATTEMPTS);
        assert_eq!(
            deep[0].as_str(),
            "https://h.example/.well-known/oauth-authorization-server/a/b/c/d/e"
        );
        assert_eq!(
            deep[7].as_str(),
            "https://h.example/.well-known/openid-configuration"
        );
    }

    #[test]
    fn the_tls12_probe_offers_the_ring_tls12_suites() {
        let suites = tls12_cipher_suites();
        assert_eq!(
            suites,
            [
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            ]
        );
    }

    /// A document at `path` naming `registration` as its registration endpoint.
    fn document(registration: String) -> axum::Json<Value> {
        axum::Json(serde_json::json!({"issuer": "x", "registration_endpoint": registration}))
    }

    #[tokio::test]
    async fn discovery_prefers_the_document_of_the_targets_issuer() {
        // The tenant's document only at the RFC 8414 §3.1 path-inserted URL; the origin's
        // document belongs to another issuer.
        let port = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", port.local_addr().expect("addr"));
        let target = format!("{base}/tenant1/register");
        let router = Router::new()
            .route(
                "/.well-known/oauth-authorization-server/tenant1",
                get({
                    let t = target.clone();
                    move || async move { document(t) }
                }),
            )
            .route(
                "/.well-known/openid-configuration",
                get({
                    let other = format!("{base}/register");
                    move || async move { document(other) }
                }),
            );
        tokio::spawn(async move { axum::serve(port, router).await });
        let found = executor(&target, ExecConfig::default())
            .find_discovery()
            .await
            .expect("a probe");
        assert_eq!(
            found.observation.request.url,
            format!("{base}/.well-known/oauth-authorization-server/tenant1")
        );
        assert_eq!(found.attempts, 1);

        // Another tenant has no document of its own: the origin's (a 200 JSON object) is
        // used after every URL was tried.
        let found = executor(&format!("{base}/tenant2/register"), ExecConfig::default())
            .find_discovery()
            .await
            .expect("a probe");
        assert_eq!(
            found.observation.request.url,
            format!("{base}/.well-known/openid-configuration")
        );
        assert_eq!(found.attempts, 4);

        // Nothing anywhere: the first failure is reported.
        let empty = serve(Router::new()).await;
        let found = executor(&format!("{empty}/t/register"), ExecConfig::default())
            .find_discovery()
            .await
            .expect("a probe");
        assert_eq!(
            found.observation.request.url,
            format!("{empty}/.well-known/oauth-authorization-server/t")
        );
        assert_eq!(found.attempts, 4);
    }

    /// A registration endpoint that answers 429 to the first `limited` requests.
    async fn limited_server(limited: usize, retry_after: &'static str) -> String {
        let seen = Arc::new(AtomicUsize::new(0));
        let router = Router::new().route(
            "/register",
            any(move || {
                let seen = Arc::clone(&seen);
                async move {
                    let mut headers = AxumHeaders::new();
                    if seen.fetch_add(1, Ordering::SeqCst) < limited {
                        headers.insert("retry-after", retry_after.parse().expect("value"));
                        (StatusCode::TOO_MANY_REQUESTS, headers, "{}")
                    } else {
                        (StatusCode::CREATED, headers, r#"{"client_id":"c"}"#)
                    }
                }
            }),
        );
        format!("{}/register", serve(router).await)
    }

    #[tokio::test]
    async fn a_429_is_resent_after_retry_after_and_counted() {
        let case = baseline();
        let config = ExecConfig {
            retry_after_max: Duration::from_millis(50),
            ..ExecConfig::default()
        };
        // Retry-After far beyond the cap: the cap is what is waited.
        let began = Instant::now();
        let obs = executor(&limited_server(2, "3600").await, config)
            .send(&case)
            .await;
        assert_eq!(obs.response.as_ref().map(|r| r.status), Some(201));
        assert_eq!(obs.rate_limited, 2);
        assert!(began.elapsed() >= Duration::from_millis(100));
        assert!(began.elapsed() < Duration::from_secs(5));

        // Still limited after the retries: the observation is the last 429.
        let obs = executor(
            &limited_server(10, "0").await,
            ExecConfig {
                max_retries: 1,
                ..config
            },
        )
        .send(&case)
        .await;
        assert_eq!(obs.response.as_ref().map(|r| r.status), Some(429));
        assert_eq!(obs.rate_limited, 2);

        // Retrying off: one request.
        let obs = executor(
            &limited_server(10, "0").await,
            ExecConfig {
                max_retries: 0,
                ..config
            },
        )
        .send(&case)
        .await;
        assert_eq!(obs.rate_limited, 1);
    }

    #[tokio::test]
    async fn a_429_pauses_every_other_send() {
        // The first request gets 429 with Retry-After: 1 (capped to 400 ms); a second one,
        // started while the first waits, must not reach the server before the pause ends.
        let arrivals = Arc::new(Mutex::new(Vec::<Instant>::new()));
        let router = Router::new().route(
            "/register",
            any({
                let arrivals = Arc::clone(&arrivals);
                move || {
                    let arrivals = Arc::clone(&arrivals);
                    async move {
                        let mut seen = arrivals.lock().unwrap_or_else(PoisonError::into_inner);
                        seen.push(Instant::now());
                        if seen.len() == 1 {
                            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "{}")
                        } else {
                            (StatusCode::CREATED, [("retry-after", "0")], "{}")
                        }
                    }
                }
            }),
        );
        let target = format!("{}/register", serve(router).await);
        let exec = executor(
            &target,
            ExecConfig {
                retry_after_max: Duration::from_millis(400),
                ..ExecConfig::default()
            },
        );
        let case = baseline();
        let first = exec.send(&case);
        let second = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            exec.send(&case).await
        };
        let (a, b) = tokio::join!(first, second);
        assert_eq!((a.rate_limited, b.rate_limited), (1, 0));
        let seen = arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(seen.len(), 3);
        for later in &seen[1..] {
            assert!(
                *later - seen[0] >= Duration::from_millis(390),
                "{:?}",
                *later - seen[0]
            );
        }
    }
}
