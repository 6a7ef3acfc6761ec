//! The HTTP handlers of the registration endpoints: method dispatch, body limit, initial
//! access token, content type and JSON parsing, then validation and the response. Each step is
//! a small function; the input-band and transport defects are decided here, and a software
//! statement is applied (`statement`) just before validation. The client
//! configuration endpoint (`manage`) reuses the body, token and parsing steps.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use futures_util::StreamExt;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::defects::{Defect, DefectSet, DROP_EVERY, EXPIRING_SECRET_LIFETIME};
use super::response::{self, protocol_error, rejected};
use super::statement::{self, TrustedStatementIssuer};
use super::store::{self, now_secs, ClientStore, StoredClient};
use super::validate::{self, Endpoint, ErrorCode, Rejection, DEFAULT_ACR_VALUES, REQUEST_URIS};
use super::ServerConfig;
use crate::spec::names::*;

/// Shared by every request of one server.
#[derive(Debug)]
pub(crate) struct AppState {
    /// SHA-256 of the initial access token, so comparison time does not depend on content
    /// or length.
    token_digest: Option<[u8; 32]>,
    pub(super) body_limit: usize,
    pub(super) defects: DefectSet,
    /// The defects the client configuration endpoint commits
    /// ([`DefectSet::for_configuration_endpoint`]).
    pub(super) management_defects: DefectSet,
    pub(super) store: ClientStore,
    /// Served over TLS: the discovery documents and `registration_client_uri` use `https`.
    tls: bool,
    /// `ServerConfig::rate_limit`.
    limiter: Option<RateLimiter>,
    /// `ServerConfig::trusted_statement`.
    pub(super) trusted_statement: Option<TrustedStatementIssuer>,
    /// The address clients reach the server at, when known (`mcp-other-issuer`).
    pub(super) local: Option<SocketAddr>,
}

/// The URLs of the discovery documents.
pub(super) struct Advertised {
    pub(super) issuer: String,
    authorization_endpoint: String,
    registration_endpoint: String,
    token_endpoint: String,
}

/// A fixed-window request counter: `limit` requests per `window`.
#[derive(Debug)]
struct RateLimiter {
    limit: u32,
    window: Duration,
    /// Start of the current window and requests admitted in it.
    current: Mutex<(Instant, u32)>,
}

impl RateLimiter {
    fn new((limit, window): (u32, Duration)) -> Self {
        RateLimiter {
            limit,
            window,
            current: Mutex::new((Instant::now(), 0)),
        }
    }

    /// Counts one request; `false` when the window's allowance is spent.
    fn admit(&self) -> bool {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if now.duration_since(current.0) >= self.window {
            *current = (now, 0);
        }
        if current.1 >= self.limit {
            return false;
        }
        current.1 += 1;
        true
    }
}

/// The rate limit's answer: 429 with a one-second `Retry-After` and an OAuth-style body.
fn too_many_requests() -> Response {
    let mut res = Response::new(Body::from(r#"{"error":"too_many_requests"}"#));
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

impl AppState {
    pub(crate) fn new(config: ServerConfig, local: Option<SocketAddr>) -> Self {
        let defects = DefectSet::new(&config.defects);
        let secret_lifetime = config.secret_lifetime.or_else(|| {
            defects
                .has(Defect::TokenAcceptsExpiredSecret)
                .then_some(EXPIRING_SECRET_LIFETIME)
        });
        AppState {
            token_digest: config
                .initial_access_token
                .as_deref()
                .or_else(|| {
                    defects
                        .has(Defect::McpRegistrationNeedsToken)
                        .then_some(super::defects::MCP_DEFECT_TOKEN)
                })
                .map(digest),
            body_limit: config.body_limit,
            management_defects: defects.for_configuration_endpoint(),
            defects,
            store: ClientStore::with_cap(config.max_clients).with_secret_lifetime(secret_lifetime),
            tls: config.tls,
            limiter: config.rate_limit.map(RateLimiter::new),
            trusted_statement: config.trusted_statement,
            local,
        }
    }

    /// `https` in TLS mode, else `http`.
    pub(super) fn scheme(&self) -> &'static str {
        if self.tls {
            "https"
        } else {
            "http"
        }
    }

    /// `{scheme}://{host}`: the server's base URL on the host and port the request was
    /// addressed to, as every URL the server hands out is built.
    pub(super) fn base_url(&self, headers: &HeaderMap, uri: &Uri) -> String {
        format!("{}://{}", self.scheme(), request_host(headers, uri))
    }

    /// The URLs the discovery documents give, on the host and port the request was addressed
    /// to, with the discovery defects applied.
    pub(super) fn advertised(&self, headers: &HeaderMap, uri: &Uri) -> Advertised {
        let host = request_host(headers, uri);
        let scheme = self.scheme();
        let scheme_or_http = |defect| {
            if self.defects.has(defect) {
                "http"
            } else {
                scheme
            }
        };
        let issuer = if self.defects.has(Defect::MetadataIssuerMismatch) {
            format!("{scheme}://{host}/other-issuer")
        } else if let Some(own) = super::mcp::own_issuer_host(self, &host) {
            format!("{scheme}://{own}")
        } else {
            format!("{scheme}://{host}")
        };
        Advertised {
            issuer,
            authorization_endpoint: format!(
                "{}://{host}{}",
                scheme_or_http(Defect::McpHttpAuthorizationEndpoint),
                super::AUTHORIZATION_PATH
            ),
            registration_endpoint: format!(
                "{}://{host}{}",
                scheme_or_http(Defect::DiscoveryHttpRegistrationEndpoint),
                super::REGISTER_PATH
            ),
            token_endpoint: format!(
                "{}://{host}{}",
                scheme_or_http(Defect::MetadataHttpTokenEndpoint),
                super::TOKEN_PATH
            ),
        }
    }

    /// What a client assertion's `aud` may name (RFC 7523 §3): the issuer or the token
    /// endpoint, as served and as advertised. The two differ only under the discovery
    /// defects, which must not also break client authentication.
    pub(super) fn assertion_audiences(&self, headers: &HeaderMap, uri: &Uri) -> Vec<String> {
        let issuer = format!("{}://{}", self.scheme(), request_host(headers, uri));
        let token_endpoint = format!("{issuer}{}", super::TOKEN_PATH);
        let advertised = self.advertised(headers, uri);
        vec![
            issuer,
            token_endpoint,
            advertised.issuer,
            advertised.token_endpoint,
        ]
    }

    /// The `registration_client_uri` of `client_id` (RFC 7592 §3), on the host and port the
    /// request was addressed to, like the discovery documents' URLs.
    pub(super) fn configuration_uri(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
        client_id: &str,
    ) -> String {
        format!(
            "{}://{}{}/{}",
            self.scheme(),
            request_host(headers, uri),
            super::REGISTER_PATH,
            path_segment(client_id)
        )
    }
}

/// The host (and port) a request was addressed to: its `Host` header, else the authority of
/// its URI, else `localhost`.
pub(super) fn request_host(headers: &HeaderMap, uri: &Uri) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("localhost")
        .to_owned()
}

/// `text` as one URL path segment: everything but the RFC 3986 unreserved characters
/// percent-encoded (UTF-8), so any client_id survives the round trip through the route's
/// path parameter.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub(crate) async fn register(State(state): State<Arc<AppState>>, req: Request) -> Response {
    dispatch(&state, Endpoint::Register, req).await
}

pub(crate) async fn seed_v3(State(state): State<Arc<AppState>>, req: Request) -> Response {
    dispatch(&state, Endpoint::SeedV3, req).await
}

pub(crate) async fn not_found(State(state): State<Arc<AppState>>) -> Response {
    protocol_error(
        StatusCode::NOT_FOUND,
        INVALID_REQUEST,
        "no such endpoint; register with POST /register",
        &state.defects,
    )
}

/// The discovery documents (OpenID Connect Discovery 1.0 §3, RFC 8414 §2): the issuer and the
/// authorization, registration and token endpoints, on the host and port the request was
/// addressed to.
pub(crate) async fn discovery(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let advertised = state.advertised(req.headers(), req.uri());
    discovery_answer(&state, &req, advertised)
}

/// A discovery document with `advertised`'s URLs, or a 405 for a method other than GET or HEAD.
pub(super) fn discovery_answer(
    state: &AppState,
    req: &Request,
    advertised: Advertised,
) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return response::with_header(
            protocol_error(
                StatusCode::METHOD_NOT_ALLOWED,
                INVALID_REQUEST,
                "the discovery document only answers GET",
                &state.defects,
            ),
            header::ALLOW,
            HeaderValue::from_static("GET, HEAD"),
        );
    }
    let omit = state
        .defects
        .has(Defect::DiscoveryWithoutRegistrationEndpoint)
        || state.defects.has(Defect::McpNoRegistrationEndpoint);
    let mut auth_methods: Vec<&str> = if state.defects.has(Defect::AdvertiseFewerAuthMethods) {
        vec![crate::spec::names::AUTH_CLIENT_SECRET_BASIC]
    } else {
        super::validate::SUPPORTED_AUTH_METHODS.to_vec()
    };
    if state.defects.has(Defect::McpRefusePublicClients) {
        auth_methods.retain(|m| *m != crate::spec::names::AUTH_NONE);
    }
    response::discovery_document(
        &advertised.issuer,
        &advertised.authorization_endpoint,
        (!omit).then_some(advertised.registration_endpoint.as_str()),
        &advertised.token_endpoint,
        &auth_methods,
        !state.defects.has(Defect::McpNoS256),
    )
}

async fn dispatch(state: &AppState, endpoint: Endpoint, req: Request) -> Response {
    match *req.method() {
        Method::POST => post(state, endpoint, req).await,
        Method::OPTIONS if !state.defects.has(Defect::NoCors) => response::preflight("POST"),
        Method::GET if state.defects.has(Defect::ListClientsOnGet) => {
            response::client_list(state.store.all(), &state.defects)
        }
        _ => response::with_header(
            protocol_error(
                StatusCode::METHOD_NOT_ALLOWED,
                INVALID_REQUEST,
                "the registration endpoint only accepts POST",
                &state.defects,
            ),
            header::ALLOW,
            HeaderValue::from_static("POST, OPTIONS"),
        ),
    }
}

async fn post(state: &AppState, endpoint: Endpoint, req: Request) -> Response {
    // First, as a limiter in front of the endpoint would. The body is still read (up to the
    // body limit) and dropped: answering before it is in, then closing, can reset the
    // connection under a client that is still sending, and the 429 would be lost.
    if state.limiter.as_ref().is_some_and(|l| !l.admit()) {
        let (parts, body) = req.into_parts();
        let _ = read_body(body, &parts.headers, state.body_limit).await;
        return too_many_requests();
    }
    let defects = &state.defects;
    let (parts, body) = req.into_parts();
    let bytes = match read_body(body, &parts.headers, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(e) => return body_refused(e, state.body_limit, defects),
    };
    // Decided by the payload, so the same request is dropped every time it is sent.
    if defects.has(Defect::DropConnection) && drops(&bytes) {
        return response::dropped_connection();
    }
    if let Some(refusal) = authorize(state, &parts.headers) {
        return refusal;
    }
    let mut object = match parse(&parts.headers, &bytes, defects) {
        Ok(object) => object,
        Err(ParseFailure::Reject(rejection)) => return rejected(&rejection, defects),
        Err(ParseFailure::Crash) => return response::internal_error(),
    };
    if band_triggered(&object, defects) {
        return response::internal_error();
    }
    let trusted = state.trusted_statement.as_ref();
    let software_statement = match statement::apply(&mut object, trusted, defects, now_secs()) {
        Ok(statement) => statement,
        Err(rejection) => return rejected(&rejection, defects),
    };
    let mut registration = match validate::validate(&object, endpoint, defects) {
        Ok(registration) => registration,
        Err(rejection) => return rejected(&rejection, defects),
    };
    registration.software_statement = software_statement;
    let requested_id = object.get(CLIENT_ID).and_then(Value::as_str);
    let issued = state.store.issue(
        registration.needs_secret,
        requested_id,
        Sha256::digest(&bytes).into(),
        defects,
    );
    let record = response::registered_body(&registration, &issued);
    let uri = state.configuration_uri(&parts.headers, &parts.uri, &issued.client_id);
    let token = store::registration_access_token();
    let body = response::client_information(&record, &uri, Some(&token));
    let client = StoredClient {
        record,
        endpoint,
        token_digest: digest(&token),
        uri,
    };
    state.store.insert(issued.client_id, client);
    response::success(body, &object, defects)
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum BodyError {
    TooLarge,
    Broken,
}

/// The answer to a body that [`read_body`] refused: 413 or 400 `invalid_request`.
pub(super) fn body_refused(error: BodyError, limit: usize, defects: &DefectSet) -> Response {
    match error {
        BodyError::TooLarge => {
            let text = format!("the request body is larger than {limit} bytes");
            protocol_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                INVALID_REQUEST,
                &text,
                defects,
            )
        }
        BodyError::Broken => {
            let rejection = Rejection::new(
                ErrorCode::InvalidRequest,
                "the request body could not be read",
            );
            rejected(&rejection, defects)
        }
    }
}

/// Reads at most `limit` bytes. An oversized body is still drained (up to a cap) so the
/// client, still busy sending, actually receives the 413 instead of a reset.
pub(super) async fn read_body(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut too_large = declared.is_some_and(|n| n > limit as u64);
    let drain_cap = limit.saturating_mul(4).max(4 << 20);
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Err(if too_large {
                BodyError::TooLarge
            } else {
                BodyError::Broken
            });
        };
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            too_large = true;
            buf = Vec::new();
        }
        if too_large {
            if seen > drain_cap {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if too_large {
        Err(BodyError::TooLarge)
    } else {
        Ok(Bytes::from(buf))
    }
}

/// RFC 6750 §3: `None` when the request may proceed, else the 401 to send.
fn authorize(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let expected = state.token_digest?;
    let presented = presented_token(headers);
    match presented {
        Some(token) if constant_time_eq(&digest(token), &expected) => None,
        Some(_) => Some(unauthorized(
            true,
            "the initial access token is not valid",
            &state.defects,
        )),
        None => Some(unauthorized(
            false,
            "an initial access token is required",
            &state.defects,
        )),
    }
}

/// The bearer token of a request's `Authorization` header, if it has one.
pub(super) fn presented_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
}

/// RFC 6750 §3: a 401 with a `Bearer` challenge and an `invalid_token` body. `invalid` says
/// a token was presented and refused; without credentials the challenge carries no error
/// code (RFC 6750 §3.1).
pub(super) fn unauthorized(invalid: bool, description: &str, defects: &DefectSet) -> Response {
    let challenge = if invalid {
        r#"Bearer realm="dcrcheck", error="invalid_token""#
    } else {
        r#"Bearer realm="dcrcheck""#
    };
    let res = protocol_error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        description,
        defects,
    );
    response::with_header(
        res,
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    )
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_matches(' '))
}

pub(super) fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

pub(super) fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) enum ParseFailure {
    Reject(Rejection),
    /// One of the 500 defects fired.
    Crash,
}

/// RFC 7591 §3.1: the body is one JSON object sent as `application/json`.
pub(super) fn parse(
    headers: &HeaderMap,
    bytes: &[u8],
    defects: &DefectSet,
) -> Result<Map<String, Value>, ParseFailure> {
    let bad = |text: &str| {
        ParseFailure::Reject(Rejection::new(ErrorCode::InvalidRequest, text.to_owned()))
    };
    match media_type(headers).as_deref() {
        Some(APPLICATION_JSON)
            if defects.has(Defect::RejectJsonWithoutCharset) && !has_charset(headers) =>
        {
            return Err(bad(
                "the content type must be application/json; charset=utf-8",
            ))
        }
        Some(APPLICATION_JSON) => {}
        Some(FORM_URLENCODED) if defects.has(Defect::AcceptFormEncoded) => {
            return Ok(form_object(bytes))
        }
        _ => return Err(bad("the content type must be application/json")),
    }
    let parsed = if defects.has(Defect::KeepFirstDuplicateMember) {
        serde_json::from_slice::<FirstWins>(bytes).map(|v| v.0)
    } else {
        serde_json::from_slice::<Value>(bytes)
    };
    let value = match parsed {
        Ok(value) => value,
        Err(_) if defects.has(Defect::Status500OnMalformedJson) => return Err(ParseFailure::Crash),
        Err(_) => return Err(bad("the request body is not valid JSON")),
    };
    match value {
        Value::Object(object) => Ok(object),
        _ if defects.has(Defect::Status500OnNonObject) => Err(ParseFailure::Crash),
        _ => Err(bad("the request body must be a JSON object")),
    }
}

/// The media type without parameters, lower-cased (`Application/JSON; charset=utf-8` →
/// `application/json`).
pub(super) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    Some(essence.to_ascii_lowercase())
}

/// Whether the `Content-Type` has a `charset` parameter (`reject-json-without-charset`).
fn has_charset(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .skip(1)
                .any(|p| p.trim().to_ascii_lowercase().starts_with("charset="))
        })
}

/// A JSON value parsed keeping the first of repeated member names
/// (`keep-first-duplicate-member`); serde_json, like RFC 7517 §4 asks, keeps the last.
struct FirstWins(Value);

impl<'de> Deserialize<'de> for FirstWins {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(FirstWinsVisitor)
            .map(FirstWins)
    }
}

struct FirstWinsVisitor;

impl<'de> Visitor<'de> for FirstWinsVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(FirstWins(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let FirstWins(value) = map.next_value()?;
            members.entry(key).or_insert(value);
        }
        Ok(Value::Object(members))
    }
}

/// `accept-form-encoded`: reads a form as a registration object, repeated keys of array
/// members becoming arrays.
fn form_object(bytes: &[u8]) -> Map<String, Value> {
    const ARRAYS: &[&str] = &[
        REDIRECT_URIS,
        GRANT_TYPES,
        RESPONSE_TYPES,
        CONTACTS,
        DEFAULT_ACR_VALUES,
        REQUEST_URIS,
    ];
    let mut object = Map::new();
    for (key, value) in url::form_urlencoded::parse(bytes) {
        let value = Value::String(value.into_owned());
        if ARRAYS.contains(&key.as_ref()) {
            let entry = object
                .entry(key.into_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(value);
            }
        } else {
            object.insert(key.into_owned(), value);
        }
    }
    object
}

/// The input-band defects: a 500 for otherwise fine input in a narrow band.
/// Whether `drop-connection` drops this payload: one body in [`DROP_EVERY`], by its digest.
pub(crate) fn drops(body: &[u8]) -> bool {
    Sha256::digest(body)[0] % DROP_EVERY as u8 == 0
}

fn band_triggered(object: &Map<String, Value>, defects: &DefectSet) -> bool {
    let name_len = object
        .get(CLIENT_NAME)
        .and_then(Value::as_str)
        .map(|n| n.chars().count());
    let long_redirect = || {
        object
            .get(REDIRECT_URIS)
            .and_then(Value::as_array)
            .is_some_and(|uris| {
                uris.iter()
                    .filter_map(Value::as_str)
                    .any(|u| u.chars().count() > 200)
            })
    };
    (defects.has(Defect::BandClientName41To64) && name_len.is_some_and(|n| (41..=64).contains(&n)))
        || (defects.has(Defect::BandNonAscii) && object.values().any(has_non_ascii))
        || (defects.has(Defect::BandLanguageTag) && object.keys().any(|k| k.contains('#')))
        || (defects.has(Defect::BandLongRedirect) && long_redirect())
}

fn has_non_ascii(value: &Value) -> bool {
    match value {
        Value::String(s) => !s.is_ascii(),
        Value::Array(items) => items.iter().any(has_non_ascii),
        Value::Object(members) => members.values().any(has_non_ascii),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_parsed_case_insensitively() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert!(constant_time_eq(&digest("t"), &digest("t")));
        assert!(!constant_time_eq(&digest("t"), &digest("u")));
    }

    #[test]
    fn the_rate_limit_admits_n_per_window() {
        let limiter = RateLimiter::new((2, Duration::from_millis(200)));
        assert!(limiter.admit() && limiter.admit());
        assert!(!limiter.admit());
        std::thread::sleep(Duration::from_millis(250));
        assert!(limiter.admit());
        let res = too_many_requests();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn media_types_ignore_parameters_and_case() {
        let mut h = HeaderMap::new();
        assert_eq!(media_type(&h), None);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Application/JSON ; charset=utf-8"),
        );
        assert_eq!(media_type(&h).as_deref(), Some("application/json"));
    }

    #[test]
    fn forms_become_objects() {
        let o = form_object(
            b"redirect_uris=https%3A%2F%2Fa.example%2Fcb&client_name=x&redirect_uris=b",
        );
        assert_eq!(
            o.get(REDIRECT_URIS),
            Some(&serde_json::json!(["https://a.example/cb", "b"]))
        );
        assert_eq!(o.get(CLIENT_NAME), Some(&serde_json::json!("x")));
    }
}
