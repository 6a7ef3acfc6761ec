//! End-to-end tests of the reference server: real HTTP over loopback with reqwest.

use std::net::SocketAddr;
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::header::{
    HeaderMap, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE,
};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::jws::test_keys::{jwks, EcKey};
use super::store::now_secs;
use super::*;

const CB: &str = "https://client.example.org/cb";

fn b0() -> Value {
    json!({"redirect_uris": [CB], "client_name": "dcr-harness"})
}

fn with(extra: Value) -> Value {
    let mut body = b0();
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    body
}

async fn server(config: ServerConfig) -> RunningServer {
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    start(addr, config).await.expect("server starts")
}

/// A server with `defects`; one that has a statement defect also trusts [`STATEMENT_ISSUER`].
async fn defective(defects: &[Defect]) -> RunningServer {
    let statements = defects.iter().any(|d| d.needs_statement_issuer());
    server(ServerConfig {
        defects: defects.to_vec(),
        trusted_statement: statements.then(trusted_issuer),
        ..ServerConfig::default()
    })
    .await
}

/// The clean server, trusting [`STATEMENT_ISSUER`].
async fn trusting_server() -> RunningServer {
    server(ServerConfig {
        trusted_statement: Some(trusted_issuer()),
        ..ServerConfig::default()
    })
    .await
}

// Software statements: one trusted issuer and its ES256 key, shared by every test.

const STATEMENT_ISSUER: &str = "https://statements.dcrcheck.example";
const STATEMENT_NAME: &str = "dcrcheck-statement-name";
const JSON_NAME: &str = "dcrcheck-json-name";

fn statement_key() -> &'static EcKey {
    static KEY: OnceLock<EcKey> = OnceLock::new();
    KEY.get_or_init(|| EcKey::generate("statement-key"))
}

fn trusted_issuer() -> TrustedStatementIssuer {
    TrustedStatementIssuer {
        issuer: STATEMENT_ISSUER.to_owned(),
        jwk: statement_key().jwk.clone(),
    }
}

/// The claims the harness sends: `iss` when given, and `exp` `exp_in` seconds from now.
fn statement_claims(iss: Option<&str>, exp_in: i64) -> Value {
    let now = now_secs();
    let mut claims = json!({
        "software_id": "dcrcheck-statement",
        "client_name": STATEMENT_NAME,
        "iat": now,
        "exp": now.saturating_add_signed(exp_in),
    });
    if let Some(iss) = iss {
        claims["iss"] = json!(iss);
    }
    claims
}

/// `claims` signed by the trusted key.
fn statement(claims: &Value) -> String {
    statement_key().sign(claims, Some("statement-key"))
}

/// One valid statement, the same for the whole run (ES256 signatures are randomised, and a
/// proof's predicate cannot capture it).
fn valid_statement() -> &'static str {
    static STATEMENT: OnceLock<String> = OnceLock::new();
    STATEMENT.get_or_init(|| statement(&statement_claims(Some(STATEMENT_ISSUER), 3600)))
}

/// `jwt` with one bit of its signature's first byte flipped.
fn flip_signature_byte(jwt: &str) -> String {
    let (input, signature) = jwt.rsplit_once('.').expect("three parts");
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    bytes[0] ^= 0x01;
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The harness's plain JSON with `statement`.
fn statement_request(statement: &str) -> Value {
    json!({"redirect_uris": [CB], "client_name": JSON_NAME, "software_statement": statement})
}

/// Registered with the statement's claims.
fn used_statement(r: &Reply) -> bool {
    registered(r)
        && r.member("client_name") == json!(STATEMENT_NAME)
        && r.member("software_id") == json!("dcrcheck-statement")
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn header(&self, name: impl reqwest::header::AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn member(&self, name: &str) -> Value {
        self.json().get(name).cloned().unwrap_or(Value::Null)
    }

    fn is_error(&self, code: &str) -> bool {
        self.status == 400
            && self.header(CONTENT_TYPE).starts_with("application/json")
            && self.member("error") == json!(code)
            && self.member("client_id").is_null()
    }
}

#[derive(Debug, Clone)]
enum Req {
    Json(Value),
    Raw(&'static str, &'static str),
    Get,
}

async fn send_to(url: &str, req: &Req) -> Result<Reply, reqwest::Error> {
    // Redirects are answers to judge (`redirect-on-success`), never to follow.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let builder = match req {
        Req::Json(body) => client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string()),
        Req::Raw(content_type, body) => client
            .post(url)
            .header(CONTENT_TYPE, *content_type)
            .body(*body),
        Req::Get => client.get(url),
    };
    into_reply(builder.send().await?).await
}

async fn into_reply(res: reqwest::Response) -> Result<Reply, reqwest::Error> {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await?;
    Ok(Reply {
        status,
        headers,
        text,
    })
}

async fn send(s: &RunningServer, req: Req) -> Reply {
    send_to(&s.registration_url(), &req)
        .await
        .expect("a response")
}

async fn post(s: &RunningServer, body: Value) -> Reply {
    send(s, Req::Json(body)).await
}

#[tokio::test]
async fn baseline_registration_is_a_complete_201() {
    let s = server(ServerConfig::default()).await;
    let r = post(&s, b0()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header(CONTENT_TYPE), "application/json");
    assert_eq!(r.header(CACHE_CONTROL), "no-store");
    assert_eq!(r.header("pragma"), "no-cache");
    assert_eq!(r.header(ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    let body = r.json();
    let id = body["client_id"].as_str().expect("client_id string");
    assert!(id.len() >= 22, "at least 128 bits");
    let secret = body["client_secret"].as_str().expect("secret");
    assert_eq!(secret.len(), 43);
    assert_eq!(body["client_secret_expires_at"], json!(0));
    let issued = body["client_id_issued_at"].as_u64().expect("integer");
    assert!(issued.abs_diff(now_secs()) < 60);
    assert_eq!(body["redirect_uris"], json!([CB]));
    assert_eq!(body["client_name"], json!("dcr-harness"));
    assert_eq!(body["grant_types"], json!(["authorization_code"]));
    assert_eq!(body["response_types"], json!(["code"]));
    assert_eq!(
        body["token_endpoint_auth_method"],
        json!("client_secret_basic")
    );
    assert_eq!(body["application_type"], json!("web"));
    assert_eq!(body["id_token_signed_response_alg"], json!("RS256"));
    assert_eq!(body["require_auth_time"], json!(false));
    // RFC 7592 §3: management is always on.
    let token = body["registration_access_token"].as_str().expect("token");
    assert_eq!(token.len(), 43, "256 bits in base64url");
    assert!(URL_SAFE_NO_PAD.decode(token).is_ok());
    assert_eq!(
        body["registration_client_uri"],
        json!(format!("{}/register/{id}", s.base_url()))
    );

    let again = post(&s, b0()).await.json();
    assert_ne!(again["client_id"], body["client_id"]);
    assert_ne!(again["client_secret"], body["client_secret"]);
    assert_ne!(
        again["registration_access_token"],
        body["registration_access_token"]
    );
    s.shutdown().await;
}

#[tokio::test]
async fn members_are_echoed_exactly_and_unknown_ones_dropped() {
    let s = server(ServerConfig::default()).await;
    let uris = json!([
        "https://client.example.org/cb?tenant=1&b=%41",
        "https://client.example.org/caf\u{e9}",
        "http://127.0.0.1:7777/cb",
        "com.example.app:/cb"
    ]);
    let r = post(
        &s,
        with(json!({
            "redirect_uris": uris,
            "client_name#ja-Jpan-JP": "\u{30af}\u{30e9}\u{30a4}\u{30a2}\u{30f3}\u{30c8}\u{540d}",
            "client_name#EN-us": "My Client",
            "client_name#!!": "x",
            "x_harness_unknown": "v",
            "x_obj": {"n": 1},
            "client_id": "chosen",
            "client_secret": "chosen",
            "software_statement": "eyJhbGciOiJub25lIn0.e30.",
            "software_id": "4NRB1-0XZABZI9E6-5SM3R",
            "software_version": "2.1",
            "scope": "openid profile",
            "contacts": ["ops@client.example.org"],
            "token_endpoint_auth_method": "none",
        })),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let body = r.json();
    assert_eq!(body["redirect_uris"], uris);
    assert_eq!(
        body["client_name#ja-Jpan-JP"],
        json!("\u{30af}\u{30e9}\u{30a4}\u{30a2}\u{30f3}\u{30c8}\u{540d}")
    );
    assert_eq!(body["client_name#EN-us"], json!("My Client"));
    for dropped in [
        "client_name#!!",
        "x_harness_unknown",
        "x_obj",
        "software_statement",
        "client_secret",
        "client_secret_expires_at",
    ] {
        assert!(body.get(dropped).is_none(), "{dropped} should be dropped");
    }
    assert_ne!(body["client_id"], json!("chosen"));
    assert_eq!(body["software_version"], json!("2.1"));
    assert_eq!(body["scope"], json!("openid profile"));
    assert_eq!(body["contacts"], json!(["ops@client.example.org"]));
    assert_eq!(body["token_endpoint_auth_method"], json!("none"));
}

#[tokio::test]
async fn bad_metadata_gets_a_clean_400() {
    let s = server(ServerConfig::default()).await;
    let cases = [
        (
            json!({"redirect_uris": [format!("{CB}#frag")]}),
            "invalid_redirect_uri",
        ),
        (json!({"redirect_uris": ["/cb"]}), "invalid_redirect_uri"),
        (json!({"redirect_uris": CB}), "invalid_redirect_uri"),
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["http://client.example.org/cb"]}),
            "invalid_redirect_uri",
        ),
        (json!({"scope": ["a", "b"]}), "invalid_client_metadata"),
        (json!({"contacts": "a@b"}), "invalid_client_metadata"),
        (
            json!({"token_endpoint_auth_method": "bogus_auth"}),
            "invalid_client_metadata",
        ),
        (
            json!({"grant_types": ["authorization_code"], "response_types": ["token"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"jwks": {"keys": [{"kty": "oct", "k": "AQAB"}]}}),
            "invalid_client_metadata",
        ),
        (
            json!({"initiate_login_uri": "http://client.example.org/login"}),
            "invalid_client_metadata",
        ),
        (
            json!({"client_uri": "javascript:alert(1)"}),
            "invalid_client_metadata",
        ),
    ];
    for (extra, code) in cases {
        let r = post(&s, with(extra.clone())).await;
        assert!(r.is_error(code), "{extra} → {} {}", r.status, r.text);
        assert_eq!(r.header(CACHE_CONTROL), "no-store");
        let description = r.member("error_description");
        let description = description.as_str().expect("description");
        assert!(description
            .chars()
            .all(crate::spec::names::is_error_code_char));
    }
    let mut missing = b0();
    missing.as_object_mut().map(|o| o.remove("redirect_uris"));
    assert!(post(&s, missing).await.is_error("invalid_redirect_uri"));
}

#[tokio::test]
async fn bodies_that_are_not_json_objects_are_invalid_request() {
    let s = server(ServerConfig::default()).await;
    let b0_text: &'static str =
        r#"{"redirect_uris":["https://client.example.org/cb"],"client_name":"dcr-harness"}"#;
    for req in [
        Req::Raw("application/json", "{"),
        Req::Raw("application/json", "[]"),
        Req::Raw("application/json", "null"),
        Req::Raw("application/json", "\"x\""),
        Req::Raw("application/json", ""),
        Req::Raw("application/json", "{} trailing"),
        Req::Raw("text/plain", b0_text),
        Req::Raw("application/jsonx", b0_text),
        Req::Raw(
            "application/x-www-form-urlencoded",
            "redirect_uris=https%3A%2F%2Fclient.example.org%2Fcb",
        ),
    ] {
        let r = send(&s, req.clone()).await;
        assert!(
            r.is_error("invalid_request"),
            "{req:?} → {} {}",
            r.status,
            r.text
        );
    }
    for ok_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let r = send(&s, Req::Raw(ok_type, b0_text)).await;
        assert_eq!(r.status, 201, "{ok_type}");
    }
}

#[tokio::test]
async fn other_methods_get_405_and_options_a_preflight() {
    let s = server(ServerConfig::default()).await;
    let client = reqwest::Client::new();
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        for url in [s.registration_url(), s.seed_v3_url()] {
            let r = client
                .request(method.clone(), &url)
                .send()
                .await
                .expect("response");
            assert_eq!(r.status().as_u16(), 405, "{method} {url}");
            let allow = r.headers().get("allow").and_then(|v| v.to_str().ok());
            assert_eq!(allow, Some("POST, OPTIONS"));
            let body: Value = r.json().await.expect("json body");
            assert_eq!(body["error"], json!("invalid_request"));
        }
    }
    let r = client
        .request(reqwest::Method::OPTIONS, s.registration_url())
        .header("origin", "https://client.example.org")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("response");
    assert_eq!(r.status().as_u16(), 204);
    let h = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(h("access-control-allow-origin"), "*");
    assert_eq!(h("access-control-allow-methods"), "POST");
    assert!(h("access-control-allow-headers").contains("authorization"));
    let missing = send_to(&format!("http://{}/nope", s.addr()), &Req::Json(b0()))
        .await
        .expect("response");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.member("error"), json!("invalid_request"));
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let s = server(ServerConfig {
        body_limit: 1024,
        ..ServerConfig::default()
    })
    .await;
    let big = with(json!({"client_name": "x".repeat(2000)}));
    let r = post(&s, big).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.member("error"), json!("invalid_request"));
    let small = post(&s, b0()).await;
    assert_eq!(small.status, 201);
}

#[tokio::test]
async fn initial_access_token_is_required_when_configured() {
    let s = server(ServerConfig {
        initial_access_token: Some("s3cret-token".to_owned()),
        ..ServerConfig::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = s.registration_url();
    let call = |auth: Option<&'static str>| {
        let mut b = client
            .post(&url)
            .header(CONTENT_TYPE, "application/json")
            .body(b0().to_string());
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.send()
    };
    let missing = call(None).await.expect("response");
    assert_eq!(missing.status().as_u16(), 401);
    let challenge = missing.headers().get("www-authenticate").cloned();
    assert_eq!(
        challenge.as_ref().and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="dcrcheck""#)
    );
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["error"], json!("invalid_token"));

    let wrong = call(Some("Bearer nope")).await.expect("response");
    assert_eq!(wrong.status().as_u16(), 401);
    let challenge = wrong.headers().get("www-authenticate").cloned();
    assert_eq!(
        challenge.as_ref().and_then(|v| v.to_str().ok()),
        Some(r#"Bearer realm="dcrcheck", error="invalid_token""#)
    );
    let right = call(Some("Bearer s3cret-token")).await.expect("response");
    assert_eq!(right.status().as_u16(), 201);
}

#[tokio::test]
async fn seed_v3_endpoint_adds_its_rules() {
    let s = server(ServerConfig::default()).await;
    let url = s.seed_v3_url();
    let ok = with(json!({
        "metadata": [{"name": "tier", "value": "gold", "locale": "en"}],
        "require_pushed_authorization_requests": false,
    }));
    let r = send_to(&url, &Req::Json(ok)).await.expect("response");
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.member("metadata"),
        json!([{"name": "tier", "value": "gold", "locale": "en"}])
    );
    assert_eq!(
        r.member("require_pushed_authorization_requests"),
        json!(false)
    );
    let id = r.member("client_id");
    let id = id.as_str().expect("client_id");
    assert_eq!(
        r.member("registration_client_uri"),
        json!(format!("{}/register/{id}", s.base_url()))
    );
    assert!(r.member("registration_access_token").is_string());
    let mut no_name = b0();
    no_name.as_object_mut().map(|o| o.remove("client_name"));
    for bad in [
        no_name,
        with(json!({"require_pushed_authorization_requests": "true"})),
        with(json!({"metadata": [{"name": "tier"}]})),
    ] {
        let r = send_to(&url, &Req::Json(bad.clone()))
            .await
            .expect("response");
        assert!(r.is_error("invalid_client_metadata"), "{bad}");
    }
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let s = server(ServerConfig::default()).await;
    let addr = s.addr();
    assert!(s.registration_url().starts_with("http://127.0.0.1:"));
    assert!(s
        .seed_v3_url()
        .ends_with("/v3/modules/dcrcheck/setups/default/clients"));
    s.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

// ---- RFC 7592 client configuration endpoint ------------------------------------------------

/// A registered client as the registration response described it.
#[derive(Debug, Clone)]
struct Managed {
    id: String,
    uri: String,
    token: String,
    /// The whole registration response.
    body: Value,
}

async fn register_client(s: &RunningServer, body: Value) -> Managed {
    let r = post(s, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    managed(&r)
}

fn managed(r: &Reply) -> Managed {
    let body = r.json();
    let text = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
    Managed {
        id: text("client_id"),
        uri: text("registration_client_uri"),
        token: text("registration_access_token"),
        body,
    }
}

/// One call to a configuration endpoint, with `token` as the bearer token and `body` as JSON.
async fn manage(method: Method, url: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
    let mut b = reqwest::Client::new().request(method, url);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    if let Some(body) = body {
        b = b
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    into_reply(b.send().await.expect("a response"))
        .await
        .expect("a body")
}

async fn read_client(m: &Managed) -> Reply {
    manage(Method::GET, &m.uri, Some(&m.token), None).await
}

async fn update_client(m: &Managed, body: &Value) -> Reply {
    manage(Method::PUT, &m.uri, Some(&m.token), Some(body)).await
}

async fn delete_client(m: &Managed) -> Reply {
    manage(Method::DELETE, &m.uri, Some(&m.token), None).await
}

/// The registration response minus the members only the server sets (RFC 7592 §2.2): a
/// complete update that changes nothing.
fn update_body(m: &Managed) -> Value {
    let mut body = m.body.clone();
    if let Some(o) = body.as_object_mut() {
        for name in [
            "registration_access_token",
            "registration_client_uri",
            "client_secret_expires_at",
            "client_id_issued_at",
        ] {
            o.remove(name);
        }
    }
    body
}

fn with_member(body: &Value, name: &str, value: Value) -> Value {
    let mut body = body.clone();
    body[name] = value;
    body
}

fn without_member(body: &Value, name: &str) -> Value {
    let mut body = body.clone();
    body.as_object_mut().map(|o| o.remove(name));
    body
}

/// RFC 6750 §3: a 401 with a Bearer challenge (carrying `error="invalid_token"` when a token
/// was presented) and an `invalid_token` JSON body.
fn is_401(r: &Reply, token_presented: bool) -> bool {
    let challenge = if token_presented {
        r#"Bearer realm="dcrcheck", error="invalid_token""#
    } else {
        r#"Bearer realm="dcrcheck""#
    };
    r.status == 401
        && r.header(WWW_AUTHENTICATE) == challenge
        && r.header(CONTENT_TYPE) == "application/json"
        && r.member("error") == json!("invalid_token")
}

const LOGO: &str = "https://client.example.org/logo.png";

#[tokio::test]
async fn management_lifecycle_reads_replaces_and_deletes_a_client() {
    let s = server(ServerConfig::default()).await;
    let m = register_client(&s, with(json!({"logo_uri": LOGO}))).await;
    assert_eq!(m.uri, format!("{}/register/{}", s.base_url(), m.id));
    assert_eq!(m.token.len(), 43);

    let r = read_client(&m).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header(CONTENT_TYPE), "application/json");
    assert_eq!(r.header(CACHE_CONTROL), "no-store");
    assert_eq!(r.header("pragma"), "no-cache");
    assert_eq!(
        r.json(),
        m.body,
        "the read equals the registration response"
    );
    assert_eq!(
        read_client(&m).await.json(),
        m.body,
        "a read changes nothing"
    );

    let change = with_member(
        &without_member(&update_body(&m), "logo_uri"),
        "client_name",
        json!("renamed"),
    );
    let r = update_client(&m, &change).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header(CONTENT_TYPE), "application/json");
    assert_eq!(r.header(CACHE_CONTROL), "no-store");
    let updated = r.json();
    assert_eq!(updated["client_name"], json!("renamed"));
    assert!(updated.get("logo_uri").is_none(), "{updated}");
    for kept in [
        "client_id",
        "client_secret",
        "client_id_issued_at",
        "client_secret_expires_at",
        "registration_client_uri",
        "registration_access_token",
        "redirect_uris",
        "grant_types",
    ] {
        assert_eq!(updated[kept], m.body[kept], "{kept}");
    }
    assert_eq!(read_client(&m).await.json(), updated);

    let r = delete_client(&m).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty(), "{}", r.text);
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let body = (method == Method::PUT).then_some(&change);
        let r = manage(method.clone(), &m.uri, Some(&m.token), body).await;
        assert!(
            is_401(&r, true),
            "{method} after delete: {} {}",
            r.status,
            r.text
        );
    }
    s.shutdown().await;
}

#[tokio::test]
async fn management_refuses_missing_wrong_and_foreign_tokens_with_401() {
    let s = server(ServerConfig::default()).await;
    let a = register_client(&s, b0()).await;
    let b = register_client(&s, b0()).await;
    let mut changed = a.id.clone();
    let last = if changed.pop() == Some('A') { 'B' } else { 'A' };
    changed.push(last);
    let unknown = format!("{}/register/{changed}", s.base_url());
    let nonsense = format!("{}/register/no-such-client", s.base_url());
    let not_utf8 = format!("{}/register/%FF", s.base_url());
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let body = update_body(&a);
        let body = (method == Method::PUT).then_some(&body);
        let r = manage(method.clone(), &a.uri, None, body).await;
        assert!(
            is_401(&r, false),
            "{method} no token: {} {}",
            r.status,
            r.text
        );
        for (url, token) in [
            (&a.uri, "wrong-token"),
            (&a.uri, b.token.as_str()),
            (&unknown, a.token.as_str()),
            (&nonsense, a.token.as_str()),
            (&not_utf8, a.token.as_str()),
        ] {
            let r = manage(method.clone(), url, Some(token), body).await;
            assert!(
                is_401(&r, true),
                "{method} {url} with {token:?}: {} {:?} {}",
                r.status,
                r.headers,
                r.text
            );
        }
    }
    // Nothing changed, and the scheme is case-insensitive.
    let r = reqwest::Client::new()
        .get(&a.uri)
        .header("authorization", format!("bearer {}", a.token))
        .send()
        .await
        .expect("response");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.expect("json"), a.body);
    assert_eq!(read_client(&b).await.json(), b.body);
    // Basic credentials are no bearer token.
    let r = reqwest::Client::new()
        .get(&a.uri)
        .basic_auth(&a.id, a.body["client_secret"].as_str())
        .send()
        .await
        .expect("response");
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn management_update_refusals_change_nothing() {
    let s = server(ServerConfig {
        body_limit: 4096,
        ..ServerConfig::default()
    })
    .await;
    let m = register_client(&s, with(json!({"logo_uri": LOGO}))).await;
    let base = update_body(&m);
    let cases = [
        (
            with_member(&base, "client_id", json!("someone-else")),
            "invalid_client_metadata",
        ),
        (
            without_member(&base, "client_id"),
            "invalid_client_metadata",
        ),
        (
            with_member(&base, "client_id", json!(null)),
            "invalid_client_metadata",
        ),
        (
            with_member(&base, "client_secret", json!("harness-chosen")),
            "invalid_client_metadata",
        ),
        (
            with_member(
                &base,
                "registration_access_token",
                json!("harness-made-up-token"),
            ),
            "invalid_request",
        ),
        (
            with_member(&base, "registration_client_uri", json!(m.uri)),
            "invalid_request",
        ),
        (
            with_member(&base, "client_secret_expires_at", json!(0)),
            "invalid_request",
        ),
        (
            with_member(
                &base,
                "client_id_issued_at",
                m.body["client_id_issued_at"].clone(),
            ),
            "invalid_request",
        ),
        (
            with_member(&base, "redirect_uris", json!([format!("{CB}#frag")])),
            "invalid_redirect_uri",
        ),
        (
            with_member(&base, "redirect_uris", json!(["/cb"])),
            "invalid_redirect_uri",
        ),
        (
            without_member(&base, "redirect_uris"),
            "invalid_redirect_uri",
        ),
        (
            with_member(&base, "scope", json!(["a", "b"])),
            "invalid_client_metadata",
        ),
    ];
    for (body, code) in cases {
        let r = update_client(&m, &body).await;
        assert!(r.is_error(code), "{body} → {} {}", r.status, r.text);
        assert_eq!(r.header(CACHE_CONTROL), "no-store");
        assert_eq!(read_client(&m).await.json(), m.body, "after {body}");
    }
    let made_up = manage(Method::GET, &m.uri, Some("harness-made-up-token"), None).await;
    assert!(is_401(&made_up, true));

    // The registration endpoint's content-type and body-limit rules.
    let client = reqwest::Client::new();
    for (content_type, text) in [
        ("text/plain", base.to_string()),
        ("application/json", "{".to_owned()),
        ("application/json", "[]".to_owned()),
    ] {
        let r = client
            .put(&m.uri)
            .bearer_auth(&m.token)
            .header(CONTENT_TYPE, content_type)
            .body(text.clone())
            .send()
            .await
            .expect("response");
        let r = into_reply(r).await.expect("body");
        assert!(
            r.is_error("invalid_request"),
            "{content_type} {text}: {}",
            r.text
        );
    }
    let big = with_member(&base, "client_name", json!("x".repeat(5000)));
    let r = update_client(&m, &big).await;
    assert_eq!(r.status, 413);
    assert_eq!(read_client(&m).await.json(), m.body);
}

#[tokio::test]
async fn an_update_that_changes_the_auth_method_adds_or_drops_the_secret() {
    let s = server(ServerConfig::default()).await;
    let m = register_client(&s, b0()).await;
    let public = with_member(
        &without_member(&update_body(&m), "client_secret"),
        "token_endpoint_auth_method",
        json!("none"),
    );
    let r = update_client(&m, &public).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.member("client_secret").is_null() && r.member("client_secret_expires_at").is_null());
    let back = with_member(
        &public,
        "token_endpoint_auth_method",
        json!("client_secret_basic"),
    );
    let r = update_client(&m, &back).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = r.member("client_secret");
    assert_eq!(fresh.as_str().map(str::len), Some(43));
    assert_ne!(fresh, m.body["client_secret"]);
    assert_eq!(r.member("client_secret_expires_at"), json!(0));
    assert_eq!(
        r.member("client_id_issued_at"),
        m.body["client_id_issued_at"]
    );
}

#[tokio::test]
async fn seed_v3_clients_are_managed_under_seed_v3_rules() {
    let s = server(ServerConfig::default()).await;
    let r = send_to(&s.seed_v3_url(), &Req::Json(b0()))
        .await
        .expect("response");
    assert_eq!(r.status, 201, "{}", r.text);
    let m = managed(&r);
    assert_eq!(m.uri, format!("{}/register/{}", s.base_url(), m.id));
    assert_eq!(read_client(&m).await.json(), m.body);
    let r = update_client(&m, &without_member(&update_body(&m), "client_name")).await;
    assert!(r.is_error("invalid_client_metadata"), "{}", r.text);
    let tagged = with_member(
        &update_body(&m),
        "metadata",
        json!([{"name": "tier", "value": "gold"}]),
    );
    let r = update_client(&m, &tagged).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.member("metadata"),
        json!([{"name": "tier", "value": "gold"}])
    );
}

#[tokio::test]
async fn management_answers_other_methods_with_405_and_options_with_a_preflight() {
    let s = server(ServerConfig::default()).await;
    let m = register_client(&s, b0()).await;
    for method in [Method::POST, Method::PATCH, Method::HEAD] {
        let r = manage(
            method.clone(),
            &m.uri,
            Some(&m.token),
            Some(&update_body(&m)),
        )
        .await;
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), "GET, PUT, DELETE, OPTIONS");
        if method != Method::HEAD {
            assert_eq!(r.member("error"), json!("invalid_request"));
        }
    }
    let r = reqwest::Client::new()
        .request(Method::OPTIONS, &m.uri)
        .header("origin", "https://client.example.org")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .expect("response");
    let r = into_reply(r).await.expect("body");
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), "*");
    assert_eq!(r.header("access-control-allow-methods"), "GET, PUT, DELETE");
    assert!(r
        .header("access-control-allow-headers")
        .contains("authorization"));
    // The GET answer carries the CORS header as well; the client is untouched.
    assert_eq!(
        read_client(&m).await.header(ACCESS_CONTROL_ALLOW_ORIGIN),
        "*"
    );
    assert_eq!(read_client(&m).await.json(), m.body);

    let s = defective(&[Defect::NoCors]).await;
    let m = register_client(&s, b0()).await;
    let r = manage(Method::OPTIONS, &m.uri, None, None).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn a_client_forgotten_at_the_cap_behaves_as_deleted() {
    let s = server(ServerConfig {
        max_clients: 1,
        ..ServerConfig::default()
    })
    .await;
    let a = register_client(&s, b0()).await;
    let b = register_client(&s, b0()).await;
    assert!(is_401(&read_client(&a).await, true));
    assert!(is_401(&update_client(&a, &update_body(&a)).await, true));
    assert_eq!(read_client(&b).await.json(), b.body);
}

#[tokio::test]
async fn a_chosen_client_id_is_percent_encoded_in_the_configuration_uri() {
    let s = defective(&[Defect::HonourClientId]).await;
    let m = register_client(&s, with(json!({"client_id": "a b/c\u{e9}?"}))).await;
    assert_eq!(m.id, "a b/c\u{e9}?");
    assert_eq!(
        m.uri,
        format!("{}/register/a%20b%2Fc%C3%A9%3F", s.base_url())
    );
    assert_eq!(read_client(&m).await.json(), m.body);
    assert_eq!(delete_client(&m).await.status, 204);
}

#[tokio::test]
async fn tls_mode_hands_out_an_https_configuration_uri() {
    let s = tls_server(&[]).await;
    let client = tls_client(&s, false);
    let r = client
        .post(s.registration_url())
        .header(CONTENT_TYPE, "application/json")
        .body(b0().to_string())
        .send()
        .await
        .expect("registration");
    let m = managed(&into_reply(r).await.expect("body"));
    assert_eq!(m.uri, format!("{}/register/{}", s.base_url(), m.id));
    assert!(m.uri.starts_with("https://127.0.0.1:"));
    let r = client
        .get(&m.uri)
        .bearer_auth(&m.token)
        .send()
        .await
        .expect("read");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.expect("json"), m.body);
    s.shutdown().await;
}

// ---- Defects -----------------------------------------------------------------------------

fn rsa_jwks(private: bool) -> Value {
    let n = URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
    let mut key = json!({"kty": "RSA", "n": n, "e": "AQAB", "kid": "k1"});
    if private {
        key["d"] = json!("AQAB");
    }
    json!({"keys": [key]})
}

fn ec_jwk() -> Value {
    let coordinate = |b: u8| URL_SAFE_NO_PAD.encode([b; 32]);
    json!({"kty": "EC", "crv": "P-256", "x": coordinate(0x11), "y": coordinate(0x22)})
}

fn jwks_of(key: Value) -> Value {
    json!({"keys": [key]})
}

/// B0 with a `jwks` whose RSA key names `e` twice: first `Aw`, then `AQAB`.
fn duplicate_e_body() -> &'static str {
    let key = rsa_jwks(false)["keys"][0].clone();
    let text = format!(
        r#"{{"redirect_uris":["{CB}"],"jwks":{{"keys":[{{"kty":"RSA","n":{},"e":"Aw","e":"AQAB"}}]}}}}"#,
        key["n"]
    );
    Box::leak(text.into_boxed_str())
}

fn is_500_text(r: &Reply) -> bool {
    r.status == 500 && r.header(CONTENT_TYPE).starts_with("text/plain")
}

fn registered(r: &Reply) -> bool {
    r.status == 201 && r.member("client_id").is_string()
}

/// How this file shows that a defect changes what the server does.
enum Proof {
    /// One request, and a predicate that holds on the defective server and not on the clean one.
    Http { req: Req, shows: fn(&Reply) -> bool },
    /// The same, for a request to `path` instead of the registration endpoint.
    At {
        path: &'static str,
        req: Req,
        shows: fn(&Reply) -> bool,
    },
    /// The named test in this file, which needs several requests or a server in TLS mode.
    OwnTest(&'static str),
}

/// The proof of each defect. The match has no catch-all arm, so a new row in the defect table
/// (`src/server/defects.rs`) does not compile until it has a proof here.
fn proof(defect: Defect) -> Proof {
    use Defect::*;
    let frag = || Req::Json(with(json!({"redirect_uris": [format!("{CB}#frag")]})));
    let mut missing = b0();
    missing.as_object_mut().map(|o| o.remove("redirect_uris"));
    let rsa = || rsa_jwks(false)["keys"][0].clone();
    let mut key = rsa();
    key.as_object_mut().map(|k| k.remove("kty"));
    let without_kty = jwks_of(key);
    let mut key = ec_jwk();
    key.as_object_mut().map(|k| k.remove("y"));
    let without_y = jwks_of(key);
    let mut key = rsa();
    key["n"] = json!(URL_SAFE_NO_PAD.encode([0xc5u8; 128]));
    let short_rsa = jwks_of(key);
    match defect {
        StatementJsonWins => Proof::Http {
            req: Req::Json(statement_request(valid_statement())),
            shows: |r| registered(r) && r.member("client_name") == json!(JSON_NAME),
        },
        StatementEchoAltered => Proof::Http {
            req: Req::Json(statement_request(valid_statement())),
            shows: |r| {
                used_statement(r)
                    && r.member("software_statement").is_string()
                    && r.member("software_statement") != json!(valid_statement())
            },
        },
        StatementSignatureUnchecked => Proof::Http {
            req: Req::Json(statement_request(&flip_signature_byte(valid_statement()))),
            shows: used_statement,
        },
        StatementExpiryUnchecked => Proof::Http {
            req: Req::Json(statement_request(&statement(&statement_claims(
                Some(STATEMENT_ISSUER),
                -3600,
            )))),
            shows: used_statement,
        },
        StatementIssuerUnchecked => Proof::Http {
            req: Req::Json(statement_request(&statement(&statement_claims(
                Some("https://unknown-issuer.example"),
                3600,
            )))),
            shows: used_statement,
        },
        StatementWithoutIss => Proof::Http {
            req: Req::Json(statement_request(&statement(&statement_claims(None, 3600)))),
            shows: used_statement,
        },
        TrustUnsignedSoftwareStatement => Proof::Http {
            req: Req::Json(with(
                json!({"software_statement": "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL3guZXhhbXBsZSIsImNsaWVudF9uYW1lIjoiZnJvbS1zdGF0ZW1lbnQifQ."}),
            )),
            shows: |r| r.member("client_name") == json!("from-statement"),
        },
        Status200 => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.status == 200,
        },
        NoClientId => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.member("client_id").is_null(),
        },
        NoSecretExpiry => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| {
                r.member("client_secret").is_string()
                    && r.member("client_secret_expires_at").is_null()
            },
        },
        SecretExpiryString => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.member("client_secret_expires_at") == json!("0"),
        },
        SecretExpired => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| {
                r.member("client_secret_expires_at")
                    .as_u64()
                    .is_some_and(|t| t > 0 && t < now_secs())
            },
        },
        IssuedAtMillis => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| {
                r.member("client_id_issued_at")
                    .as_u64()
                    .is_some_and(|t| t > 100_000_000_000)
            },
        },
        IssuedAtString => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.member("client_id_issued_at").is_string(),
        },
        DropRegisteredMember => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| registered(r) && r.member("redirect_uris").is_null(),
        },
        DropAdvertisedAuthMethod => Proof::Http {
            req: Req::Json(with(
                json!({"token_endpoint_auth_method": "client_secret_post"}),
            )),
            shows: |r| registered(r) && r.member("token_endpoint_auth_method").is_null(),
        },
        ScopeAsArray => Proof::Http {
            req: Req::Json(with(json!({"scope": "openid profile"}))),
            shows: |r| r.member("scope") == json!(["openid", "profile"]),
        },
        GrantTypesAsString => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.member("grant_types") == json!("authorization_code"),
        },
        NoCacheControl => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| registered(r) && r.headers.get(CACHE_CONTROL).is_none(),
        },
        JsonContentTypeMissing => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.status == 201 && r.header(CONTENT_TYPE).starts_with("text/plain"),
        },
        AcceptFragmentRedirect => Proof::Http {
            req: frag(),
            shows: registered,
        },
        AcceptRelativeRedirect => Proof::Http {
            req: Req::Json(with(json!({"redirect_uris": ["/cb"]}))),
            shows: registered,
        },
        AcceptHttpRedirect => Proof::Http {
            req: Req::Json(with(
                json!({"redirect_uris": ["http://client.example.org/cb"]}),
            )),
            shows: registered,
        },
        AcceptMissingRedirect => Proof::Http {
            req: Req::Json(missing),
            shows: registered,
        },
        AcceptEmptyRedirect => Proof::Http {
            req: Req::Json(with(json!({"redirect_uris": []}))),
            shows: registered,
        },
        AcceptStringRedirect => Proof::Http {
            req: Req::Json(with(json!({"redirect_uris": CB}))),
            shows: |r| registered(r) && r.member("redirect_uris") == json!(CB),
        },
        AcceptJwksAndJwksUri => Proof::Http {
            req: Req::Json(with(json!({"jwks": rsa_jwks(false),
                                       "jwks_uri": "https://client.example.org/jwks"}))),
            shows: |r| {
                registered(r) && r.member("jwks").is_object() && r.member("jwks_uri").is_string()
            },
        },
        AcceptPrivateJwk => Proof::Http {
            req: Req::Json(with(json!({"jwks": rsa_jwks(true)}))),
            shows: registered,
        },
        EchoUnknownAuthMethod => Proof::Http {
            req: Req::Json(with(json!({"token_endpoint_auth_method": "bogus_auth"}))),
            shows: |r| r.member("token_endpoint_auth_method") == json!("bogus_auth"),
        },
        AcceptInconsistentGrants => Proof::Http {
            req: Req::Json(with(json!({"grant_types": ["authorization_code"],
                                       "response_types": ["token"]}))),
            shows: registered,
        },
        SubstituteRedirectUris => Proof::Http {
            req: Req::Json(with(json!({"redirect_uris": [CB, format!("{CB}#bad")]}))),
            shows: |r| registered(r) && r.member("redirect_uris") == json!([CB]),
        },
        HtmlErrors => Proof::Http {
            req: frag(),
            shows: |r| r.status == 400 && r.header(CONTENT_TYPE).starts_with("text/html"),
        },
        ErrorStatus200 => Proof::Http {
            req: frag(),
            shows: |r| r.status == 200 && r.member("error").is_string(),
        },
        UnknownErrorCode => Proof::Http {
            req: frag(),
            shows: |r| r.member("error") == json!("bad_thing"),
        },
        NonAsciiError => Proof::Http {
            req: frag(),
            shows: |r| r.member("error").as_str().is_some_and(|e| !e.is_ascii()),
        },
        ClientIdInError => Proof::Http {
            req: frag(),
            shows: |r| r.status == 400 && r.member("client_id").is_string(),
        },
        Status500OnMalformedJson => Proof::Http {
            req: Req::Raw("application/json", "{"),
            shows: is_500_text,
        },
        Status500OnNonObject => Proof::Http {
            req: Req::Raw("application/json", "[]"),
            shows: is_500_text,
        },
        AcceptFormEncoded => Proof::Http {
            req: Req::Raw(
                "application/x-www-form-urlencoded",
                "redirect_uris=https%3A%2F%2Fclient.example.org%2Fcb&client_name=form",
            ),
            shows: registered,
        },
        BandClientName41To64 => Proof::Http {
            req: Req::Json(with(json!({"client_name": "\u{e9}".repeat(50)}))),
            shows: is_500_text,
        },
        BandNonAscii => Proof::Http {
            req: Req::Json(with(json!({"client_name": "caf\u{e9}"}))),
            shows: is_500_text,
        },
        BandLanguageTag => Proof::Http {
            req: Req::Json(with(json!({"client_name#en": "My Client"}))),
            shows: is_500_text,
        },
        BandLongRedirect => Proof::Http {
            req: Req::Json(with(
                json!({"redirect_uris": [format!("{CB}/{}", "a".repeat(200))]}),
            )),
            shows: is_500_text,
        },
        ShortSecret => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| {
                r.member("client_secret")
                    .as_str()
                    .is_some_and(|s| s.len() == 8)
            },
        },
        HonourClientId => Proof::Http {
            req: Req::Json(with(json!({"client_id": "picked-by-client"}))),
            shows: |r| r.member("client_id") == json!("picked-by-client"),
        },
        ListClientsOnGet => Proof::Http {
            req: Req::Get,
            shows: |r| r.status == 200 && r.json().is_array(),
        },
        RejectUnknownMembers => Proof::Http {
            req: Req::Json(with(json!({"x_harness_unknown": "v"}))),
            shows: |r| r.is_error("invalid_client_metadata"),
        },
        RejectJsonWithoutCharset => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.is_error("invalid_request"),
        },
        KeepFirstRedirectUri => Proof::Http {
            req: Req::Json(with(json!({"redirect_uris": [CB, format!("{CB}2")]}))),
            shows: |r| registered(r) && r.member("redirect_uris") == json!([CB]),
        },
        AddJwksUriToJwksResponse => Proof::Http {
            req: Req::Json(with(json!({"jwks": rsa_jwks(false)}))),
            shows: |r| r.member("jwks").is_object() && r.member("jwks_uri").is_string(),
        },
        RedirectUrisOnlyForRedirectGrants => Proof::Http {
            req: Req::Json(json!({"grant_types": ["client_credentials"]})),
            shows: |r| registered(r) && r.member("redirect_uris").is_null(),
        },
        HybridWithoutImplicit => Proof::Http {
            req: Req::Json(with(json!({"grant_types": ["authorization_code"],
                                       "response_types": ["code id_token"]}))),
            shows: registered,
        },
        ImplicitLocalhostRedirect => Proof::Http {
            req: Req::Json(with(json!({"grant_types": ["implicit"],
                                       "response_types": ["id_token"],
                                       "redirect_uris": ["http://localhost:8080/cb"]}))),
            shows: registered,
        },
        NativeHttpAnyHost => Proof::Http {
            req: Req::Json(with(json!({"application_type": "native",
                                       "redirect_uris": ["http://client.example.org/cb"]}))),
            shows: registered,
        },
        AcceptHttpJwksUri => Proof::Http {
            req: Req::Json(with(json!({"jwks_uri": "http://client.example.org/jwks"}))),
            shows: |r| r.member("jwks_uri") == json!("http://client.example.org/jwks"),
        },
        AcceptOctJwk => Proof::Http {
            req: Req::Json(with(
                json!({"jwks": jwks_of(json!({"kty": "oct", "k": "AQAB"}))}),
            )),
            shows: registered,
        },
        JwksExclusiveOnlyForPrivateKeyJwt => Proof::Http {
            req: Req::Json(with(json!({"jwks": rsa_jwks(false),
                                       "jwks_uri": "https://client.example.org/jwks"}))),
            shows: |r| r.member("jwks").is_object() && r.member("jwks_uri").is_string(),
        },
        AcceptUnsignedIdTokenImplicit => Proof::Http {
            req: Req::Json(with(json!({"grant_types": ["implicit"],
                                       "response_types": ["id_token"],
                                       "id_token_signed_response_alg": "none"}))),
            shows: registered,
        },
        AcceptEncWithoutAlg => Proof::Http {
            req: Req::Json(with(
                json!({"id_token_encrypted_response_enc": "A128CBC-HS256"}),
            )),
            shows: |r| {
                r.member("id_token_encrypted_response_enc") == json!("A128CBC-HS256")
                    && r.member("id_token_encrypted_response_alg").is_null()
            },
        },
        AcceptAuthSigningAlgNone => Proof::Http {
            req: Req::Json(with(
                json!({"token_endpoint_auth_method": "private_key_jwt",
                                       "jwks": rsa_jwks(false),
                                       "token_endpoint_auth_signing_alg": "none"}),
            )),
            shows: registered,
        },
        AcceptStringRequestUris => Proof::Http {
            req: Req::Json(with(
                json!({"request_uris": "https://client.example.org/rf.txt"}),
            )),
            shows: |r| r.member("request_uris") == json!("https://client.example.org/rf.txt"),
        },
        RejectRequestUriFragment => Proof::Http {
            req: Req::Json(with(json!({"request_uris": [
                "https://client.example.org/rf.txt#qpXaRLh_n93TTR9F252ValdatUQvQiJi5BDub2BeznA"
            ]}))),
            shows: |r| r.is_error("invalid_client_metadata"),
        },
        ClientIdInLateError => Proof::Http {
            req: Req::Json(with(
                json!({"token_endpoint_auth_method": "private_key_jwt",
                                       "jwks": rsa_jwks(false),
                                       "token_endpoint_auth_signing_alg": "none"}),
            )),
            shows: |r| r.status == 400 && r.member("client_id").is_string(),
        },
        AcceptHttpSectorIdentifierUri => Proof::Http {
            req: Req::Json(with(
                json!({"sector_identifier_uri": "http://client.example.org/s.json"}),
            )),
            shows: |r| {
                r.member("sector_identifier_uri") == json!("http://client.example.org/s.json")
            },
        },
        AcceptJwkWithoutKty => Proof::Http {
            req: Req::Json(with(json!({"jwks": without_kty}))),
            shows: registered,
        },
        AcceptJwksWithoutKeys => Proof::Http {
            req: Req::Json(with(json!({"jwks": {}}))),
            shows: |r| registered(r) && r.member("jwks") == json!({}),
        },
        AcceptEcKeyWithoutY => Proof::Http {
            req: Req::Json(with(json!({"jwks": without_y}))),
            shows: registered,
        },
        AcceptShortRsaKey => Proof::Http {
            req: Req::Json(with(json!({"jwks": short_rsa}))),
            shows: registered,
        },
        AcceptX5cWithoutKeyMembers => Proof::Http {
            req: Req::Json(with(json!({"jwks": jwks_of(
                json!({"kty": "EC", "crv": "P-256", "x5c": ["MIIBJzCBzqADAgECAgJe7TAK"]}),
            )}))),
            shows: registered,
        },
        KeepFirstDuplicateMember => Proof::Http {
            req: Req::Raw("application/json", duplicate_e_body()),
            shows: |r| r.member("jwks")["keys"][0]["e"] == json!("Aw"),
        },
        ErrorStatus422 => Proof::Http {
            req: frag(),
            shows: |r| r.status == 422 && r.member("error").is_string(),
        },
        RedirectOnSuccess => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.status == 303 && !r.header(LOCATION).is_empty(),
        },
        NoCors => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| registered(r) && r.headers.get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none(),
        },
        CamelCaseGrantTypes => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.member("grant_types") == json!(["authorizationCode"]),
        },
        OmitDefaults => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| {
                registered(r)
                    && r.member("grant_types").is_null()
                    && r.member("response_types").is_null()
            },
        },
        ManagementTokenWithoutUri => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| {
                r.member("registration_access_token").is_string()
                    && r.member("registration_client_uri").is_null()
            },
        },
        NonAsciiErrorDescription => Proof::Http {
            req: frag(),
            shows: |r| {
                r.status == 400
                    && r.member("error_description")
                        .as_str()
                        .is_some_and(|d| !d.is_ascii())
            },
        },
        SecretForPublicClient => Proof::Http {
            req: Req::Json(with(json!({"token_endpoint_auth_method": "none"}))),
            shows: |r| registered(r) && r.member("client_secret").is_string(),
        },
        StripRedirectQuery => Proof::Http {
            req: Req::Json(with(json!({"redirect_uris": [format!("{CB}?tenant=1")]}))),
            shows: |r| registered(r) && r.member("redirect_uris") == json!([CB]),
        },
        // Several requests, or a server in TLS mode: each has a test of its own below.
        SharedClientId | SharedSecret => Proof::OwnTest("shared_credentials_repeat_across_clients"),
        ReuseClientIdForSameRequest | SecretDerivedFromRequest => Proof::OwnTest(
            "identical_requests_share_one_credential_under_the_request_derived_defects",
        ),
        DropConnection => {
            Proof::OwnTest("drop_connection_drops_the_same_payloads_every_time_without_a_response")
        }
        Tls13Only => Proof::OwnTest("defect_tls13_only_refuses_a_tls12_handshake"),
        PlaintextOnTlsPort => {
            Proof::OwnTest("defect_plaintext_on_tls_port_registers_over_plain_http")
        }
        DiscoveryHttpRegistrationEndpoint
        | DiscoveryWithoutRegistrationEndpoint
        | AdvertiseFewerAuthMethods => {
            Proof::OwnTest("discovery_defects_change_the_registration_endpoint")
        }
        ManagementIgnoresToken => {
            Proof::OwnTest("defect_management_ignores_token_serves_reads_without_a_token")
        }
        ManagementTokenAnyClient => {
            Proof::OwnTest("defect_management_token_any_client_accepts_another_clients_token")
        }
        Management404UnknownClient => {
            Proof::OwnTest("defect_management_404_unknown_client_answers_404_for_gone_clients")
        }
        ReadDropsRedirectUris => Proof::OwnTest("defect_read_drops_redirect_uris_from_the_read"),
        UpdateMergesMetadata => {
            Proof::OwnTest("defect_update_merges_metadata_keeps_omitted_members")
        }
        UpdateAdoptsClientSecret => {
            Proof::OwnTest("defect_update_adopts_client_secret_takes_the_chosen_secret")
        }
        UpdateChangesClientId => Proof::OwnTest("defect_update_changes_client_id_moves_the_client"),
        UpdateAcceptsRegistrationToken => {
            Proof::OwnTest("defect_update_accepts_registration_token_makes_it_the_token")
        }
        UpdateAcceptsFragmentRedirect => {
            Proof::OwnTest("defect_update_accepts_fragment_redirect_only_on_put")
        }
        DeleteReturns200 => Proof::OwnTest("defect_delete_returns_200_with_a_json_body"),
        DeleteKeepsClient => Proof::OwnTest("defect_delete_keeps_client_after_its_204"),
        TokenAcceptsWrongSecret => {
            Proof::OwnTest("defect_token_accepts_wrong_secret_issues_a_token_for_any_secret")
        }
        TokenRejectsIssuedSecret => {
            Proof::OwnTest("defect_token_rejects_issued_secret_refuses_the_issued_secret")
        }
        TokenAcceptsUnverifiedAssertion => {
            Proof::OwnTest("defect_token_accepts_unverified_assertion_takes_a_forged_signature")
        }
        TokenRejectsClientAssertion => {
            Proof::OwnTest("defect_token_rejects_client_assertion_refuses_a_valid_assertion")
        }
        TokenAcceptsExpiredSecret => {
            Proof::OwnTest("defect_token_accepts_expired_secret_takes_a_dead_secret")
        }
        MetadataIssuerMismatch | MetadataHttpTokenEndpoint | RefuseAdvertisedAuthMethod => {
            Proof::OwnTest("metadata_defects_change_the_discovery_documents_or_registration")
        }
        McpEndpointOpen => Proof::At {
            path: MCP_PATH,
            req: Req::Json(initialize()),
            shows: |r| {
                r.status == 200
                    && r.member("id") == json!(INITIALIZE_ID)
                    && r.json()["result"]["protocolVersion"] == json!("2025-11-25")
            },
        },
        McpNoAuthorizationServers => Proof::At {
            path: MCP_RESOURCE_METADATA_PATH,
            req: Req::Get,
            shows: |r| r.status == 200 && r.member("authorization_servers") == json!([]),
        },
        McpOriginResource => Proof::At {
            path: MCP_RESOURCE_METADATA_PATH,
            req: Req::Get,
            shows: |r| {
                r.status == 200
                    && r.member("resource")
                        .as_str()
                        .is_some_and(|u| u.starts_with("http://") && !u.ends_with(MCP_PATH))
            },
        },
        McpChallengeWithoutScope => Proof::At {
            path: MCP_PATH,
            req: Req::Json(initialize()),
            shows: |r| {
                let challenge = r.header(WWW_AUTHENTICATE);
                r.status == 401
                    && challenge.contains("resource_metadata=")
                    && !challenge.contains("scope=")
            },
        },
        McpNoS256 => Proof::At {
            path: OAUTH_SERVER_METADATA_PATH,
            req: Req::Get,
            shows: |r| r.status == 200 && r.member("code_challenge_methods_supported").is_null(),
        },
        McpUndiscoverableMetadata => {
            Proof::OwnTest("defect_mcp_undiscoverable_metadata_serves_only_the_suffix_form")
        }
        McpOtherIssuer => Proof::OwnTest("defect_mcp_other_issuer_names_another_spelling"),
        McpMetadataSuffixOnly => {
            Proof::OwnTest("defect_mcp_metadata_suffix_only_hides_the_issuers_metadata")
        }
        McpRegistrationNeedsToken => Proof::Http {
            req: Req::Json(b0()),
            shows: |r| r.status == 401,
        },
        McpRefusePublicClients => Proof::Http {
            req: Req::Json(with(json!({"token_endpoint_auth_method": "none"}))),
            shows: |r| r.status == 400,
        },
        McpRefuseCodeGrantAlone => Proof::Http {
            req: Req::Json(with(json!({
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code"],
            }))),
            shows: |r| r.status == 400,
        },
        McpApplicationTypeWeb => Proof::Http {
            req: Req::Json(with(json!({
                "application_type": "native",
                "redirect_uris": ["http://127.0.0.1:33418/callback"],
            }))),
            shows: |r| registered(r) && r.member("application_type") == json!("web"),
        },
        McpRefuseLocalhostRedirect => Proof::Http {
            req: Req::Json(with(
                json!({"redirect_uris": ["http://[::1]:33418/callback"]}),
            )),
            shows: |r| r.status == 400 && r.member("error") == json!("invalid_redirect_uri"),
        },
        McpHttpAuthorizationEndpoint => Proof::OwnTest("mcp_metadata_defects_change_the_metadata"),
        McpNoRegistrationEndpoint => Proof::At {
            path: OAUTH_SERVER_METADATA_PATH,
            req: Req::Get,
            shows: |r| r.status == 200 && r.member("registration_endpoint").is_null(),
        },
        AuthorizeErrorsToAnyRedirect | AuthorizeExactLoopbackPort | AuthorizeWithoutPkce => {
            Proof::OwnTest("authorize_checks_the_redirect_uri_first_and_requires_s256")
        }
        McpAcceptHttpRedirect => Proof::Http {
            req: Req::Json(with(
                json!({"redirect_uris": ["http://attacker.example/callback"]}),
            )),
            shows: registered,
        },
    }
}

#[tokio::test]
async fn each_defect_changes_the_http_behaviour() {
    // The clean server trusts the statement issuer too, so that the statement defects are
    // contrasted with a server that checks statements rather than one that ignores them.
    let clean = trusting_server().await;
    for &defect in Defect::ALL {
        let (path, req, shows) = match proof(defect) {
            Proof::Http { req, shows } => (REGISTER_PATH, req, shows),
            Proof::At { path, req, shows } => (path, req, shows),
            Proof::OwnTest(_) => continue,
        };
        let at = |s: &RunningServer| format!("{}{path}", s.base_url());
        let bad = defective(&[defect]).await;
        let seen = send_to(&at(&bad), &req).await.expect("a response");
        assert!(
            shows(&seen),
            "{defect} not visible: {} {} {:?}",
            seen.status,
            seen.text,
            seen.headers
        );
        let normal = send_to(&at(&clean), &req).await.expect("a response");
        assert!(
            !shows(&normal),
            "{defect} visible on the clean server too: {} {}",
            normal.status,
            normal.text
        );
        bad.shutdown().await;
    }
}

/// The source of `name`, an async test in this file, up to its closing brace.
fn own_test_source(name: &str) -> Option<&'static str> {
    let source = include_str!("tests.rs");
    let start = source.find(&format!("\nasync fn {name}() {{\n"))?;
    let body = &source[start..];
    Some(&body[..body.find("\n}\n").unwrap_or(body.len())])
}

#[test]
fn every_defect_without_an_http_proof_has_a_test_that_switches_it_on() {
    for &defect in Defect::ALL {
        if let Proof::OwnTest(name) = proof(defect) {
            let source =
                own_test_source(name).unwrap_or_else(|| panic!("{defect}: no test {name}"));
            assert!(
                source.contains(&format!("Defect::{defect:?}")),
                "{defect}: the test {name} never switches it on"
            );
        }
    }
}

#[tokio::test]
async fn bands_fire_only_inside_their_band() {
    let s = defective(&[Defect::BandClientName41To64, Defect::BandLongRedirect]).await;
    for n in [40usize, 65] {
        let r = post(&s, with(json!({"client_name": "n".repeat(n)}))).await;
        assert_eq!(r.status, 201, "client_name of {n}");
    }
    for n in [41usize, 64] {
        let r = post(&s, with(json!({"client_name": "n".repeat(n)}))).await;
        assert_eq!(r.status, 500, "client_name of {n}");
    }
    let exactly_200 = format!("{CB}/{}", "a".repeat(200 - CB.len() - 1));
    let r = post(&s, with(json!({"redirect_uris": [exactly_200]}))).await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn shared_credentials_repeat_across_clients() {
    let s = defective(&[Defect::SharedClientId, Defect::SharedSecret]).await;
    let a = post(&s, b0()).await.json();
    let b = post(&s, b0()).await.json();
    assert!(a["client_id"].is_string());
    assert_eq!(a["client_id"], b["client_id"]);
    assert!(a["client_secret"].is_string());
    assert_eq!(a["client_secret"], b["client_secret"]);
}

#[tokio::test]
async fn identical_requests_share_one_credential_under_the_request_derived_defects() {
    let other = with(json!({"client_name": "another client"}));
    let s = defective(&[Defect::ReuseClientIdForSameRequest]).await;
    let (a, b, c) = (
        post(&s, b0()).await.json(),
        post(&s, b0()).await.json(),
        post(&s, other.clone()).await.json(),
    );
    assert!(a["client_id"].is_string());
    assert_eq!(a["client_id"], b["client_id"]);
    assert_ne!(a["client_id"], c["client_id"]);
    assert_ne!(a["client_secret"], b["client_secret"]);

    let s = defective(&[Defect::SecretDerivedFromRequest]).await;
    let (a, b, c) = (
        post(&s, b0()).await.json(),
        post(&s, b0()).await.json(),
        post(&s, other).await.json(),
    );
    assert!(a["client_secret"].is_string());
    assert_eq!(a["client_secret"], b["client_secret"]);
    assert_ne!(a["client_secret"], c["client_secret"]);
    assert_ne!(a["client_id"], b["client_id"]);

    let clean = server(ServerConfig::default()).await;
    let (a, b) = (
        post(&clean, b0()).await.json(),
        post(&clean, b0()).await.json(),
    );
    assert_ne!(a["client_id"], b["client_id"]);
    assert_ne!(a["client_secret"], b["client_secret"]);
}

#[tokio::test]
async fn only_late_errors_carry_the_half_created_client_id() {
    let s = defective(&[Defect::ClientIdInLateError]).await;
    let early = post(&s, with(json!({"redirect_uris": [format!("{CB}#frag")]}))).await;
    assert!(early.is_error("invalid_redirect_uri"), "{}", early.text);
}

#[tokio::test]
async fn list_clients_on_get_leaks_secrets() {
    let s = defective(&[Defect::ListClientsOnGet]).await;
    let secret = post(&s, b0()).await.member("client_secret");
    let list = send(&s, Req::Get).await.json();
    assert_eq!(list[0]["client_secret"], secret);
}

#[tokio::test]
async fn drop_connection_drops_the_same_payloads_every_time_without_a_response() {
    let s = defective(&[Defect::DropConnection]).await;
    let named = |i: usize| with(json!({ "client_name": format!("client-{i}") }));
    let dropped: Vec<usize> = (0..40)
        .filter(|i| super::endpoint::drops(named(*i).to_string().as_bytes()))
        .collect();
    let kept = (0..40)
        .find(|i| !dropped.contains(i))
        .expect("a kept payload");
    let first = *dropped.first().expect("some payload in 40 is dropped");
    assert_eq!(post(&s, named(kept)).await.status, 201);
    // Raw TCP, to prove not a single byte comes back.
    let mut tcp = tokio::net::TcpStream::connect(s.addr())
        .await
        .expect("connect");
    let body = named(first).to_string();
    let request = format!(
        "POST /register HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut received = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tcp.read_to_end(&mut received),
    )
    .await
    .expect("the server closes the connection");
    // Either a clean close or a reset; never any response bytes.
    if read.is_ok() {
        assert!(
            received.is_empty(),
            "got {:?}",
            String::from_utf8_lossy(&received)
        );
    }
    // Resent, it is dropped again: through reqwest, a transport error each time.
    for _ in 0..2 {
        let again = send_to(&s.registration_url(), &Req::Json(named(first))).await;
        assert!(again.is_err(), "{again:?}");
    }
    assert_eq!(post(&s, named(kept)).await.status, 201);
}

#[tokio::test]
async fn shutdown_ends_even_with_a_stalled_request() {
    let s = server(ServerConfig::default()).await;
    let mut tcp = tokio::net::TcpStream::connect(s.addr())
        .await
        .expect("connect");
    // Headers promise a body that never comes.
    tcp.write_all(b"POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .await
        .expect("write");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    s.shutdown().await;
    assert!(started.elapsed() < SHUTDOWN_GRACE + std::time::Duration::from_secs(2));
}

// TLS mode and its defects.

async fn tls_server(defects: &[Defect]) -> RunningServer {
    server(ServerConfig {
        defects: defects.to_vec(),
        tls: true,
        ..ServerConfig::default()
    })
    .await
}

/// A client trusting the server's CA; `tls12_only` offers TLS 1.2 and nothing else.
fn tls_client(s: &RunningServer, tls12_only: bool) -> reqwest::Client {
    let pem = s.ca_cert_pem().expect("TLS mode has a CA");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA parses");
    let mut b = reqwest::Client::builder().add_root_certificate(ca);
    if tls12_only {
        b = b
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .max_tls_version(reqwest::tls::Version::TLS_1_2);
    }
    b.build().expect("client")
}

fn plain_url(s: &RunningServer) -> String {
    format!("http://{}{REGISTER_PATH}", s.addr())
}

#[tokio::test]
async fn tls_mode_serves_https_with_tls_12_and_13_and_refuses_plain_http() {
    let s = tls_server(&[]).await;
    assert!(s.registration_url().starts_with("https://127.0.0.1:"));
    assert!(s.discovery_url().starts_with("https://127.0.0.1:"));
    for tls12_only in [false, true] {
        let r = tls_client(&s, tls12_only)
            .post(s.registration_url())
            .header(CONTENT_TYPE, "application/json")
            .body(b0().to_string())
            .send()
            .await
            .expect("handshake and response");
        assert_eq!(r.status().as_u16(), 201, "tls12_only={tls12_only}");
    }
    // The same port over plain http: no registration, the connection is closed.
    assert!(send_to(&plain_url(&s), &Req::Json(b0())).await.is_err());
    // A client that does not trust the generated CA cannot connect.
    assert!(reqwest::Client::new()
        .get(s.registration_url())
        .send()
        .await
        .is_err());
    s.shutdown().await;
}

#[tokio::test]
async fn plain_mode_has_no_ca() {
    let s = server(ServerConfig::default()).await;
    assert!(s.ca_cert_pem().is_none());
    assert!(s.registration_url().starts_with("http://"));
}

#[tokio::test]
async fn discovery_documents_name_the_https_registration_endpoint() {
    let s = tls_server(&[]).await;
    let client = tls_client(&s, false);
    for path in [OPENID_CONFIGURATION_PATH, OAUTH_SERVER_METADATA_PATH] {
        let r = client
            .get(format!("{}{path}", s.base_url()))
            .send()
            .await
            .expect("discovery");
        assert_eq!(r.status().as_u16(), 200);
        let doc: Value = r.json().await.expect("json");
        assert_eq!(doc["issuer"], json!(s.base_url()));
        assert_eq!(doc["registration_endpoint"], json!(s.registration_url()));
    }
    s.shutdown().await;
}

#[tokio::test]
async fn defect_tls13_only_refuses_a_tls12_handshake() {
    let s = tls_server(&[Defect::Tls13Only]).await;
    let err = tls_client(&s, true)
        .get(s.registration_url())
        .send()
        .await
        .expect_err("TLS 1.2 is refused");
    assert!(err.is_connect(), "{err:?}");
    let r = tls_client(&s, false)
        .get(s.registration_url())
        .send()
        .await
        .expect("TLS 1.3 works");
    assert_eq!(r.status().as_u16(), 405);
    s.shutdown().await;
}

#[tokio::test]
async fn defect_plaintext_on_tls_port_registers_over_plain_http() {
    let s = tls_server(&[Defect::PlaintextOnTlsPort]).await;
    let r = send_to(&plain_url(&s), &Req::Json(b0()))
        .await
        .expect("plain http answered");
    assert_eq!(r.status, 201, "{}", r.text);
    let r = tls_client(&s, false)
        .post(s.registration_url())
        .header(CONTENT_TYPE, "application/json")
        .body(b0().to_string())
        .send()
        .await
        .expect("TLS still works");
    assert_eq!(r.status().as_u16(), 201);
    s.shutdown().await;
}

#[tokio::test]
async fn discovery_defects_change_the_registration_endpoint() {
    let s = tls_server(&[Defect::DiscoveryHttpRegistrationEndpoint]).await;
    let doc: Value = tls_client(&s, false)
        .get(s.discovery_url())
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["registration_endpoint"], json!(plain_url(&s)));
    s.shutdown().await;

    let s = tls_server(&[Defect::DiscoveryWithoutRegistrationEndpoint]).await;
    let doc: Value = tls_client(&s, false)
        .get(s.discovery_url())
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert!(doc.get("registration_endpoint").is_none(), "{doc}");
    assert_eq!(doc["issuer"], json!(s.base_url()));
    s.shutdown().await;

    // The clean document lists every method the endpoint registers; the defect lists one.
    for (defects, listed) in [(&[][..], 5), (&[Defect::AdvertiseFewerAuthMethods][..], 1)] {
        let s = tls_server(defects).await;
        let doc: Value = tls_client(&s, false)
            .get(s.discovery_url())
            .send()
            .await
            .expect("discovery")
            .json()
            .await
            .expect("json");
        let methods = doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .expect("a list")
            .len();
        assert_eq!(methods, listed, "{doc}");
        s.shutdown().await;
    }
    // Under the defect a client_secret_post client is still registered.
    let s = defective(&[Defect::AdvertiseFewerAuthMethods]).await;
    let r = post(
        &s,
        with(json!({"token_endpoint_auth_method": "client_secret_post"})),
    )
    .await;
    assert!(registered(&r), "{r:?}");
    s.shutdown().await;
}

// RFC 7592 management defects: each needs a registration and then calls to the configuration
// endpoint, and is contrasted with the clean server.

#[tokio::test]
async fn defect_management_ignores_token_serves_reads_without_a_token() {
    let s = defective(&[Defect::ManagementIgnoresToken]).await;
    let m = register_client(&s, b0()).await;
    for token in [None, Some("wrong-token")] {
        let r = manage(Method::GET, &m.uri, token, None).await;
        assert_eq!(r.status, 200, "{token:?}: {}", r.text);
        assert_eq!(r.member("client_secret"), m.body["client_secret"]);
    }
    // Updates and deletes still check the token; unknown clients are still refused.
    let r = manage(Method::PUT, &m.uri, None, Some(&update_body(&m))).await;
    assert!(is_401(&r, false), "{}", r.text);
    assert!(is_401(
        &manage(Method::DELETE, &m.uri, Some("wrong-token"), None).await,
        true
    ));
    let unknown = format!("{}/register/no-such-client", s.base_url());
    assert_eq!(manage(Method::GET, &unknown, None, None).await.status, 401);
    assert_eq!(read_client(&m).await.json(), m.body);

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    assert!(is_401(
        &manage(Method::GET, &m.uri, None, None).await,
        false
    ));
    assert!(is_401(
        &manage(Method::GET, &m.uri, Some("wrong-token"), None).await,
        true
    ));
}

#[tokio::test]
async fn defect_management_token_any_client_accepts_another_clients_token() {
    let s = defective(&[Defect::ManagementTokenAnyClient]).await;
    let a = register_client(&s, b0()).await;
    let b = register_client(&s, b0()).await;
    let r = manage(Method::GET, &b.uri, Some(&a.token), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.member("client_id"), json!(b.id));
    let renamed = with_member(&update_body(&b), "client_name", json!("taken over"));
    let r = manage(Method::PUT, &b.uri, Some(&a.token), Some(&renamed)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        read_client(&b).await.member("client_name"),
        json!("taken over")
    );
    // B keeps its own token; made-up tokens still fail.
    assert!(is_401(
        &manage(Method::GET, &b.uri, Some("wrong-token"), None).await,
        true
    ));
    let r = manage(Method::DELETE, &b.uri, Some(&a.token), None).await;
    assert_eq!(r.status, 204);
    assert!(is_401(&read_client(&b).await, true));

    let clean = server(ServerConfig::default()).await;
    let a = register_client(&clean, b0()).await;
    let b = register_client(&clean, b0()).await;
    assert!(is_401(
        &manage(Method::GET, &b.uri, Some(&a.token), None).await,
        true
    ));
}

#[tokio::test]
async fn defect_management_404_unknown_client_answers_404_for_gone_clients() {
    let s = defective(&[Defect::Management404UnknownClient]).await;
    let m = register_client(&s, b0()).await;
    let unknown = format!("{}/register/no-such-client", s.base_url());
    for token in [None, Some(m.token.as_str())] {
        let r = manage(Method::GET, &unknown, token, None).await;
        assert_eq!(r.status, 404, "{token:?}");
        assert_eq!(r.header(CONTENT_TYPE), "application/json");
        assert!(r.member("error").is_string());
    }
    // A known client with a bad token is still a 401.
    assert!(is_401(
        &manage(Method::GET, &m.uri, Some("wrong-token"), None).await,
        true
    ));
    assert!(is_401(
        &manage(Method::GET, &m.uri, None, None).await,
        false
    ));
    assert_eq!(delete_client(&m).await.status, 204);
    assert_eq!(read_client(&m).await.status, 404, "a deleted client");

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    let unknown = format!("{}/register/no-such-client", clean.base_url());
    assert!(is_401(
        &manage(Method::GET, &unknown, Some(&m.token), None).await,
        true
    ));
    assert_eq!(delete_client(&m).await.status, 204);
    assert!(is_401(&read_client(&m).await, true));
}

#[tokio::test]
async fn defect_read_drops_redirect_uris_from_the_read() {
    let s = defective(&[Defect::ReadDropsRedirectUris]).await;
    let m = register_client(&s, b0()).await;
    assert_eq!(
        m.body["redirect_uris"],
        json!([CB]),
        "registration is untouched"
    );
    let r = read_client(&m).await;
    assert_eq!(r.status, 200);
    assert!(r.member("redirect_uris").is_null(), "{}", r.text);
    assert_eq!(r.member("client_id"), json!(m.id));

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    assert_eq!(read_client(&m).await.member("redirect_uris"), json!([CB]));
}

#[tokio::test]
async fn defect_update_merges_metadata_keeps_omitted_members() {
    let change = |m: &Managed| {
        with_member(
            &without_member(&update_body(m), "logo_uri"),
            "client_name",
            json!("renamed"),
        )
    };
    let s = defective(&[Defect::UpdateMergesMetadata]).await;
    let m = register_client(&s, with(json!({"logo_uri": LOGO}))).await;
    let r = update_client(&m, &change(&m)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.member("client_name"), json!("renamed"));
    assert_eq!(
        r.member("logo_uri"),
        json!(LOGO),
        "the omitted member survived"
    );
    assert_eq!(read_client(&m).await.member("logo_uri"), json!(LOGO));

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, with(json!({"logo_uri": LOGO}))).await;
    let r = update_client(&m, &change(&m)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.member("logo_uri").is_null());
}

#[tokio::test]
async fn defect_update_adopts_client_secret_takes_the_chosen_secret() {
    let s = defective(&[Defect::UpdateAdoptsClientSecret]).await;
    let m = register_client(&s, b0()).await;
    let chosen = with_member(&update_body(&m), "client_secret", json!("harness-chosen"));
    let r = update_client(&m, &chosen).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.member("client_secret"), json!("harness-chosen"));
    assert_eq!(
        read_client(&m).await.member("client_secret"),
        json!("harness-chosen")
    );

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    let chosen = with_member(&update_body(&m), "client_secret", json!("harness-chosen"));
    assert!(update_client(&m, &chosen)
        .await
        .is_error("invalid_client_metadata"));
    assert_eq!(
        read_client(&m).await.member("client_secret"),
        m.body["client_secret"]
    );
}

#[tokio::test]
async fn defect_update_changes_client_id_moves_the_client() {
    let s = defective(&[Defect::UpdateChangesClientId]).await;
    let m = register_client(&s, b0()).await;
    let moved = with_member(&update_body(&m), "client_id", json!("harness-new-id"));
    let r = update_client(&m, &moved).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.member("client_id"), json!("harness-new-id"));
    let new_uri = format!("{}/register/harness-new-id", s.base_url());
    assert_eq!(r.member("registration_client_uri"), json!(new_uri));
    let r = manage(Method::GET, &new_uri, Some(&m.token), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.member("client_secret"), m.body["client_secret"]);
    assert!(is_401(&read_client(&m).await, true), "the old id is gone");

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    let moved = with_member(&update_body(&m), "client_id", json!("harness-new-id"));
    assert!(update_client(&m, &moved)
        .await
        .is_error("invalid_client_metadata"));
    assert_eq!(read_client(&m).await.json(), m.body);
}

#[tokio::test]
async fn defect_update_accepts_registration_token_makes_it_the_token() {
    let made_up = "harness-made-up-token";
    let s = defective(&[Defect::UpdateAcceptsRegistrationToken]).await;
    let m = register_client(&s, b0()).await;
    let sent = with_member(
        &update_body(&m),
        "registration_access_token",
        json!(made_up),
    );
    let r = update_client(&m, &sent).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = manage(Method::GET, &m.uri, Some(made_up), None).await;
    assert_eq!(r.status, 200, "the made-up token works: {}", r.text);
    assert!(
        is_401(&read_client(&m).await, true),
        "the issued token no longer does"
    );
    // The other server-only members are still refused.
    let r = manage(
        Method::PUT,
        &m.uri,
        Some(made_up),
        Some(&with_member(
            &update_body(&m),
            "client_id_issued_at",
            json!(1),
        )),
    )
    .await;
    assert!(r.is_error("invalid_request"), "{}", r.text);

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    let sent = with_member(
        &update_body(&m),
        "registration_access_token",
        json!(made_up),
    );
    assert!(update_client(&m, &sent).await.is_error("invalid_request"));
    assert!(is_401(
        &manage(Method::GET, &m.uri, Some(made_up), None).await,
        true
    ));
    assert_eq!(read_client(&m).await.status, 200);
}

#[tokio::test]
async fn defect_update_accepts_fragment_redirect_only_on_put() {
    let fragment = json!([format!("{CB}#frag")]);
    let s = defective(&[Defect::UpdateAcceptsFragmentRedirect]).await;
    let r = post(&s, with(json!({"redirect_uris": fragment}))).await;
    assert!(
        r.is_error("invalid_redirect_uri"),
        "registration still refuses"
    );
    let m = register_client(&s, b0()).await;
    let r = update_client(
        &m,
        &with_member(&update_body(&m), "redirect_uris", fragment.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(read_client(&m).await.member("redirect_uris"), fragment);

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    let r = update_client(
        &m,
        &with_member(&update_body(&m), "redirect_uris", fragment),
    )
    .await;
    assert!(r.is_error("invalid_redirect_uri"), "{}", r.text);
    assert_eq!(read_client(&m).await.member("redirect_uris"), json!([CB]));
}

#[tokio::test]
async fn defect_delete_returns_200_with_a_json_body() {
    let s = defective(&[Defect::DeleteReturns200]).await;
    let m = register_client(&s, b0()).await;
    let r = delete_client(&m).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header(CONTENT_TYPE), "application/json");
    assert!(r.json().is_object(), "{}", r.text);
    assert!(is_401(&read_client(&m).await, true), "the client is gone");

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    let r = delete_client(&m).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
}

#[tokio::test]
async fn defect_delete_keeps_client_after_its_204() {
    let s = defective(&[Defect::DeleteKeepsClient]).await;
    let m = register_client(&s, b0()).await;
    assert_eq!(delete_client(&m).await.status, 204);
    let r = read_client(&m).await;
    assert_eq!(r.status, 200, "the client is still there");
    assert_eq!(r.json(), m.body);
    assert_eq!(
        delete_client(&m).await.status,
        204,
        "and can be deleted again"
    );

    let clean = server(ServerConfig::default()).await;
    let m = register_client(&clean, b0()).await;
    assert_eq!(delete_client(&m).await.status, 204);
    assert!(is_401(&read_client(&m).await, true));
    assert!(is_401(&delete_client(&m).await, true), "a second delete");
}

// The token endpoint (client_credentials only).

/// How a token request authenticates the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// `Authorization: Basic` (RFC 6749 §2.3.1, each part form-urlencoded first).
    Basic,
    /// `client_id` and `client_secret` form parameters.
    Post,
    /// Both at once.
    Both,
}

/// A client registered for the client credentials grant with `method`.
async fn cc_client(s: &RunningServer, method: &str) -> Managed {
    register_client(
        s,
        with(json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": method})),
    )
    .await
}

fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A POST to `/token` with `grant_type` (left out when `None`), authenticated as `id` with
/// `secret` in the `auth` way.
async fn token_request(
    s: &RunningServer,
    grant_type: Option<&str>,
    auth: Auth,
    id: &str,
    secret: &str,
) -> Reply {
    let mut form = Vec::new();
    if let Some(g) = grant_type {
        form.push(format!("grant_type={}", form_encode(g)));
    }
    let mut b = reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", s.base_url()))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    if matches!(auth, Auth::Basic | Auth::Both) {
        let pair = format!("{}:{}", form_encode(id), form_encode(secret));
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        b = b.header("authorization", format!("Basic {encoded}"));
    }
    if matches!(auth, Auth::Post | Auth::Both) {
        form.push(format!("client_id={}", form_encode(id)));
        form.push(format!("client_secret={}", form_encode(secret)));
    }
    into_reply(b.body(form.join("&")).send().await.expect("a response"))
        .await
        .expect("a body")
}

/// A client_credentials token request for the registered client `m`.
async fn client_token(s: &RunningServer, m: &Managed, auth: Auth, secret: &str) -> Reply {
    token_request(s, Some("client_credentials"), auth, &m.id, secret).await
}

fn secret_of(m: &Managed) -> String {
    m.body["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// RFC 6749 §5.1: a bearer token of 256 random bits, never cached.
fn is_token(r: &Reply) -> bool {
    r.status == 200
        && r.header(CONTENT_TYPE) == "application/json"
        && r.header(CACHE_CONTROL) == "no-store"
        && r.header("pragma") == "no-cache"
        && r.member("token_type") == json!("Bearer")
        && r.member("expires_in") == json!(3600)
        && r.member("access_token")
            .as_str()
            .is_some_and(|t| t.len() == 43 && URL_SAFE_NO_PAD.decode(t).is_ok())
}

/// RFC 6749 §5.2: a 401 `invalid_client`, with a Basic challenge when `basic`.
fn is_invalid_client(r: &Reply, basic: bool) -> bool {
    let challenge = if basic {
        r#"Basic realm="dcrcheck""#
    } else {
        ""
    };
    r.status == 401
        && r.header(WWW_AUTHENTICATE) == challenge
        && r.header(CONTENT_TYPE) == "application/json"
        && r.header(CACHE_CONTROL) == "no-store"
        && r.member("error") == json!("invalid_client")
        && r.member("error_description").is_string()
}

fn is_token_error(r: &Reply, code: &str) -> bool {
    r.status == 400
        && r.header(CONTENT_TYPE) == "application/json"
        && r.member("error") == json!(code)
}

#[tokio::test]
async fn token_endpoint_issues_tokens_to_basic_and_post_clients() {
    let s = server(ServerConfig::default()).await;
    let basic = cc_client(&s, "client_secret_basic").await;
    let post_client = cc_client(&s, "client_secret_post").await;
    let first = client_token(&s, &basic, Auth::Basic, &secret_of(&basic)).await;
    assert!(is_token(&first), "{first:?}");
    let second = client_token(&s, &basic, Auth::Basic, &secret_of(&basic)).await;
    assert!(is_token(&second), "{second:?}");
    assert_ne!(first.member("access_token"), second.member("access_token"));
    let r = client_token(&s, &post_client, Auth::Post, &secret_of(&post_client)).await;
    assert!(is_token(&r), "{r:?}");
    // A client that has other grants too, and the Basic scheme in lower case.
    let both = register_client(
        &s,
        with(json!({"grant_types": ["authorization_code", "client_credentials"]})),
    )
    .await;
    let pair = format!("{}:{}", both.id, secret_of(&both));
    let r = reqwest::Client::new()
        .post(format!("{}{TOKEN_PATH}", s.base_url()))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            "authorization",
            format!(
                "basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
        )
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("a response");
    assert!(is_token(&into_reply(r).await.expect("a body")));
    s.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_refuses_bad_client_authentication_with_401() {
    let s = server(ServerConfig::default()).await;
    let basic = cc_client(&s, "client_secret_basic").await;
    let post_client = cc_client(&s, "client_secret_post").await;
    let wrong = format!("{}x", secret_of(&basic));
    let r = client_token(&s, &basic, Auth::Basic, &wrong).await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    let r = client_token(&s, &post_client, Auth::Post, "wrong").await;
    assert!(is_invalid_client(&r, false), "{r:?}");
    // The right secret, sent the other way than the registered one.
    let r = client_token(&s, &basic, Auth::Post, &secret_of(&basic)).await;
    assert!(is_invalid_client(&r, false), "{r:?}");
    let r = client_token(&s, &post_client, Auth::Basic, &secret_of(&post_client)).await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    // An unknown client, and another client's secret.
    let r = token_request(&s, Some("client_credentials"), Auth::Basic, "nobody", "x").await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    let r = client_token(&s, &basic, Auth::Basic, &secret_of(&post_client)).await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    // No authentication at all; a client without a secret.
    let r = token_request(&s, Some("client_credentials"), Auth::Post, "", "").await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    let public = cc_client(&s, "none").await;
    assert!(public.body.get("client_secret").is_none());
    let r = client_token(&s, &public, Auth::Post, "").await;
    assert_eq!(r.status, 401, "{r:?}");
    assert_eq!(r.member("error"), json!("invalid_client"));
    // Both methods at once.
    let r = client_token(&s, &basic, Auth::Both, &secret_of(&basic)).await;
    assert!(is_token_error(&r, "invalid_request"), "{r:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_refuses_a_client_without_the_client_credentials_grant() {
    let s = server(ServerConfig::default()).await;
    let m = register_client(&s, b0()).await;
    assert_eq!(m.body["grant_types"], json!(["authorization_code"]));
    let r = client_token(&s, &m, Auth::Basic, &secret_of(&m)).await;
    assert!(is_token_error(&r, "unauthorized_client"), "{r:?}");
    // A wrong secret is still an authentication failure first.
    let r = client_token(&s, &m, Auth::Basic, "wrong").await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_refuses_a_deleted_client() {
    let s = server(ServerConfig::default()).await;
    let m = cc_client(&s, "client_secret_basic").await;
    let secret = secret_of(&m);
    assert!(is_token(&client_token(&s, &m, Auth::Basic, &secret).await));
    assert_eq!(delete_client(&m).await.status, 204);
    let r = client_token(&s, &m, Auth::Basic, &secret).await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_supports_only_the_client_credentials_grant() {
    let s = server(ServerConfig::default()).await;
    let m = cc_client(&s, "client_secret_basic").await;
    let secret = secret_of(&m);
    for grant in ["password", "authorization_code", "refresh_token"] {
        let r = token_request(&s, Some(grant), Auth::Basic, &m.id, &secret).await;
        assert!(
            is_token_error(&r, "unsupported_grant_type"),
            "{grant}: {r:?}"
        );
    }
    let r = token_request(&s, None, Auth::Basic, &m.id, &secret).await;
    assert!(is_token_error(&r, "invalid_request"), "{r:?}");
    // A JSON body is not a token request.
    let r = send_to(
        &format!("{}{TOKEN_PATH}", s.base_url()),
        &Req::Json(json!({"grant_type": "client_credentials"})),
    )
    .await
    .expect("a response");
    assert!(is_token_error(&r, "invalid_request"), "{r:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_answers_other_methods_with_405() {
    let s = server(ServerConfig::default()).await;
    let url = format!("{}{TOKEN_PATH}", s.base_url());
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let r = manage(method.clone(), &url, None, None).await;
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), "POST");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn registration_of_client_credentials_clients_for_the_token_endpoint() {
    let s = server(ServerConfig::default()).await;
    for method in ["client_secret_basic", "client_secret_post"] {
        let body = json!({"grant_types": ["client_credentials"], "response_types": [],
                          "token_endpoint_auth_method": method, "client_name": "x"});
        // OIDC Registration §2 always requires redirect_uris, and the clean server reads RFC
        // 7591 with OIDC the strictest way: accepting this without them is the
        // `redirect-uris-only-for-redirect-grants` defect.
        let r = post(&s, body.clone()).await;
        assert!(r.is_error("invalid_redirect_uri"), "{r:?}");
        let with_uris = with_member(&body, "redirect_uris", json!([CB]));
        let r = post(&s, with_uris).await;
        assert!(registered(&r), "{r:?}");
        assert!(r.member("client_secret").is_string());
        assert_eq!(r.member("grant_types"), json!(["client_credentials"]));
        assert_eq!(r.member("response_types"), json!([]));
        let m = managed(&r);
        let auth = if method == "client_secret_basic" {
            Auth::Basic
        } else {
            Auth::Post
        };
        assert!(is_token(&client_token(&s, &m, auth, &secret_of(&m)).await));
    }
    s.shutdown().await;
}

#[tokio::test]
async fn discovery_documents_name_the_token_endpoint() {
    let s = server(ServerConfig::default()).await;
    for path in [OPENID_CONFIGURATION_PATH, OAUTH_SERVER_METADATA_PATH] {
        let r = send_to(&format!("{}{path}", s.base_url()), &Req::Get)
            .await
            .expect("discovery");
        assert_eq!(r.status, 200);
        assert_eq!(
            r.member("token_endpoint"),
            json!(format!("{}/token", s.base_url()))
        );
        assert!(r
            .member("grant_types_supported")
            .as_array()
            .is_some_and(|g| g.contains(&json!("client_credentials"))));
    }
    s.shutdown().await;
}

#[tokio::test]
async fn defect_token_accepts_wrong_secret_issues_a_token_for_any_secret() {
    let s = defective(&[Defect::TokenAcceptsWrongSecret]).await;
    let m = cc_client(&s, "client_secret_basic").await;
    let r = client_token(&s, &m, Auth::Basic, "not-the-secret").await;
    assert!(is_token(&r), "{r:?}");
    // Still only for a known client.
    let r = token_request(&s, Some("client_credentials"), Auth::Basic, "nobody", "x").await;
    assert!(is_invalid_client(&r, true), "{r:?}");

    let clean = server(ServerConfig::default()).await;
    let m = cc_client(&clean, "client_secret_basic").await;
    let r = client_token(&clean, &m, Auth::Basic, "not-the-secret").await;
    assert!(is_invalid_client(&r, true), "{r:?}");
}

#[tokio::test]
async fn defect_token_rejects_issued_secret_refuses_the_issued_secret() {
    let s = defective(&[Defect::TokenRejectsIssuedSecret]).await;
    for (method, auth) in [
        ("client_secret_basic", Auth::Basic),
        ("client_secret_post", Auth::Post),
    ] {
        let m = cc_client(&s, method).await;
        let r = client_token(&s, &m, auth, &secret_of(&m)).await;
        assert!(is_invalid_client(&r, auth == Auth::Basic), "{r:?}");
    }

    let clean = server(ServerConfig::default()).await;
    let m = cc_client(&clean, "client_secret_basic").await;
    assert!(is_token(
        &client_token(&clean, &m, Auth::Basic, &secret_of(&m)).await
    ));
}

/// `client_secret_expires_at` of a registration response; 0 when absent.
fn expiry_of(m: &Managed) -> u64 {
    m.body["client_secret_expires_at"].as_u64().unwrap_or(0)
}

/// Sleeps until the Unix second `at` has begun, plus a margin.
async fn sleep_past(at: u64) {
    let deadline = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at);
    let left = deadline
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    tokio::time::sleep(left + std::time::Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_secret_lifetime_sets_client_secret_expires_at_and_updates_keep_it() {
    let hour = std::time::Duration::from_secs(3600);
    let s = server(ServerConfig {
        secret_lifetime: Some(hour),
        ..ServerConfig::default()
    })
    .await;
    let before = now_secs();
    let m = cc_client(&s, "client_secret_basic").await;
    let issued = m.body["client_id_issued_at"].as_u64().unwrap_or(0);
    let expires = expiry_of(&m);
    // Issue time + lifetime, rounded up: at most one second past the whole-second issue time.
    assert!(
        (issued + 3600..=issued + 3601).contains(&expires) && expires > before + 3600,
        "issued {issued}, expires {expires}"
    );
    assert!(is_token(
        &client_token(&s, &m, Auth::Basic, &secret_of(&m)).await
    ));
    // Reads and updates keep the secret and its expiry: an update does not rotate it.
    assert_eq!(
        read_client(&m).await.member("client_secret_expires_at"),
        json!(expires)
    );
    let r = update_client(&m, &update_body(&m)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.member("client_secret_expires_at"), json!(expires));
    // A secret drawn afresh in an update lives a full lifetime from then.
    let public = with_member(
        &without_member(&update_body(&m), "client_secret"),
        "token_endpoint_auth_method",
        json!("none"),
    );
    assert_eq!(update_client(&m, &public).await.status, 200);
    let back = with_member(
        &public,
        "token_endpoint_auth_method",
        json!("client_secret_basic"),
    );
    let before = now_secs();
    let r = update_client(&m, &back).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = r.member("client_secret_expires_at").as_u64().unwrap_or(0);
    assert!(
        fresh > before + 3600 && fresh <= now_secs() + 3601,
        "{fresh}"
    );
    // A client without a secret has no expiry.
    let public = cc_client(&s, "none").await;
    assert!(public.body.get("client_secret_expires_at").is_none());
    s.shutdown().await;

    // Without a lifetime the secret never expires.
    let s = server(ServerConfig::default()).await;
    let m = cc_client(&s, "client_secret_post").await;
    assert_eq!(m.body["client_secret_expires_at"], json!(0));
    s.shutdown().await;
}

#[tokio::test]
async fn defect_token_accepts_expired_secret_takes_a_dead_secret() {
    let s = defective(&[Defect::TokenAcceptsExpiredSecret]).await;
    let clean = server(ServerConfig {
        secret_lifetime: Some(std::time::Duration::from_secs(2)),
        ..ServerConfig::default()
    })
    .await;
    let bad = cc_client(&s, "client_secret_basic").await;
    let basic = cc_client(&clean, "client_secret_basic").await;
    let post_client = cc_client(&clean, "client_secret_post").await;
    for m in [&bad, &basic, &post_client] {
        let issued = m.body["client_id_issued_at"].as_u64().unwrap_or(0);
        let expires = expiry_of(m);
        assert!((issued + 2..=issued + 3).contains(&expires), "{:?}", m.body);
    }
    // Before expiry the secrets work everywhere.
    assert!(is_token(
        &client_token(&s, &bad, Auth::Basic, &secret_of(&bad)).await
    ));
    assert!(is_token(
        &client_token(&clean, &basic, Auth::Basic, &secret_of(&basic)).await
    ));
    assert!(is_token(
        &client_token(&clean, &post_client, Auth::Post, &secret_of(&post_client)).await
    ));

    sleep_past(
        expiry_of(&bad)
            .max(expiry_of(&basic))
            .max(expiry_of(&post_client)),
    )
    .await;
    let r = client_token(&s, &bad, Auth::Basic, &secret_of(&bad)).await;
    assert!(is_token(&r), "{r:?}");
    let r = client_token(&clean, &basic, Auth::Basic, &secret_of(&basic)).await;
    assert!(is_invalid_client(&r, true), "{r:?}");
    let r = client_token(&clean, &post_client, Auth::Post, &secret_of(&post_client)).await;
    assert!(is_invalid_client(&r, false), "{r:?}");
    s.shutdown().await;
    clean.shutdown().await;
}

// Software statements over HTTP (the verification outcomes one by one are unit-tested in
// `statement.rs`).

#[tokio::test]
async fn a_trusted_statement_is_used_echoed_byte_for_byte_and_kept_for_reads() {
    let s = trusting_server().await;
    let sent = valid_statement();
    let r = post(&s, statement_request(sent)).await;
    assert!(used_statement(&r), "{r:?}");
    // Byte for byte: the raw body carries the statement as one unescaped JSON string.
    assert_eq!(r.member("software_statement"), json!(sent));
    assert!(r.text.contains(&format!("\"{sent}\"")));
    for claim in ["iss", "exp", "iat"] {
        assert!(r.member(claim).is_null(), "{claim} is not metadata");
    }
    let m = managed(&r);
    let read = read_client(&m).await;
    assert_eq!(read.status, 200, "{read:?}");
    assert_eq!(read.member("software_statement"), json!(sent));
    assert_eq!(read.member("client_name"), json!(STATEMENT_NAME));
    // An update carrying the statement again keeps it (RFC 7592 §2.2).
    let updated = update_client(&m, &update_body(&m)).await;
    assert_eq!(updated.status, 200, "{updated:?}");
    assert_eq!(updated.member("software_statement"), json!(sent));
    // The same request without a trusted issuer: the statement is ignored.
    let ignoring = server(ServerConfig::default()).await;
    let r = post(&ignoring, statement_request(sent)).await;
    assert!(registered(&r), "{r:?}");
    assert_eq!(r.member("client_name"), json!(JSON_NAME));
    assert!(r.member("software_statement").is_null());
    s.shutdown().await;
}

#[tokio::test]
async fn bad_statements_get_the_statement_error_codes() {
    let s = trusting_server().await;
    let stranger = EcKey::generate("statement-key");
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let none_payload =
        URL_SAFE_NO_PAD.encode(statement_claims(Some(STATEMENT_ISSUER), 3600).to_string());
    let good = statement_claims(Some(STATEMENT_ISSUER), 3600);
    let invalid = "invalid_software_statement";
    for (name, sent, code) in [
        ("flipped", flip_signature_byte(valid_statement()), invalid),
        (
            "unknown iss",
            statement(&statement_claims(
                Some("https://unknown-issuer.example"),
                3600,
            )),
            "unapproved_software_statement",
        ),
        ("no iss", statement(&statement_claims(None, 3600)), invalid),
        (
            "expired",
            statement(&statement_claims(Some(STATEMENT_ISSUER), -3600)),
            invalid,
        ),
        (
            "alg none",
            format!("{none_header}.{none_payload}."),
            invalid,
        ),
        ("abc", "abc".to_owned(), invalid),
        (
            "unknown key",
            stranger.sign(&good, Some("statement-key")),
            invalid,
        ),
    ] {
        let r = post(&s, statement_request(&sent)).await;
        assert!(r.is_error(code), "{name}: {} {}", r.status, r.text);
    }
    let r = post(&s, with(json!({"software_statement": 5}))).await;
    assert!(r.is_error(invalid), "{r:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn an_rs256_statement_from_an_rsa_issuer_is_used() {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::traits::PublicKeyParts as _;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("rsa key");
    let jwk = json!({
        "kty": "RSA", "kid": "rsa-1",
        "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
    });
    let der = key.to_pkcs1_der().expect("pkcs1");
    let encoding = jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-1".to_owned());
    let claims = statement_claims(Some(STATEMENT_ISSUER), 3600);
    let sent = jsonwebtoken::encode(&header, &claims, &encoding).expect("RS256");
    let s = server(ServerConfig {
        trusted_statement: Some(TrustedStatementIssuer {
            issuer: STATEMENT_ISSUER.to_owned(),
            jwk,
        }),
        ..ServerConfig::default()
    })
    .await;
    let r = post(&s, statement_request(&sent)).await;
    assert!(used_statement(&r), "{r:?}");
    assert_eq!(r.member("software_statement"), json!(sent));
    // The ES256 key is not this server's.
    let r = post(&s, statement_request(valid_statement())).await;
    assert!(r.is_error("invalid_software_statement"), "{r:?}");
    s.shutdown().await;
}

// private_key_jwt at the token endpoint.

/// A client registered for client_credentials with private_key_jwt and `key`'s JWK.
async fn pkj_client(s: &RunningServer, key: &EcKey) -> Managed {
    let m = register_client(
        s,
        with(json!({
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": jwks(&key.jwk),
        })),
    )
    .await;
    assert!(m.body.get("client_secret").is_none(), "{:?}", m.body);
    m
}

fn token_url(s: &RunningServer) -> String {
    format!("{}{TOKEN_PATH}", s.base_url())
}

/// Assertion claims for client `id`: audience `aud`, expiring `exp_in` seconds from now.
fn assertion_claims(id: &str, aud: &str, exp_in: i64) -> Value {
    let now = now_secs();
    json!({
        "iss": id, "sub": id, "aud": aud, "iat": now,
        "exp": now.saturating_add_signed(exp_in),
        "jti": super::store::random_token(16),
    })
}

/// A client_credentials request with these extra form parameters.
async fn form_token_request(s: &RunningServer, params: &[(&str, &str)]) -> Reply {
    let mut form = vec!["grant_type=client_credentials".to_owned()];
    for (name, value) in params {
        form.push(format!("{name}={}", form_encode(value)));
    }
    let res = reqwest::Client::new()
        .post(token_url(s))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form.join("&"))
        .send()
        .await
        .expect("a response");
    into_reply(res).await.expect("a body")
}

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

async fn assertion_token(s: &RunningServer, assertion: &str) -> Reply {
    form_token_request(
        s,
        &[
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ],
    )
    .await
}

#[tokio::test]
async fn private_key_jwt_clients_get_tokens_for_valid_assertions_only() {
    let s = server(ServerConfig::default()).await;
    let key = EcKey::generate("client-key");
    let other = EcKey::generate("client-key");
    let m = pkj_client(&s, &key).await;
    let url = token_url(&s);
    let valid = key.sign(&assertion_claims(&m.id, &url, 300), Some("client-key"));
    let r = assertion_token(&s, &valid).await;
    assert!(is_token(&r), "{r:?}");
    // No kid: any EC key of the client; the issuer as aud, in an array; client_id repeated.
    let no_kid = key.sign(&assertion_claims(&m.id, &s.base_url(), 300), None);
    let r = form_token_request(
        &s,
        &[
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &no_kid),
            ("client_id", &m.id),
        ],
    )
    .await;
    assert!(is_token(&r), "{r:?}");
    let mut array_aud = assertion_claims(&m.id, &url, 300);
    array_aud["aud"] = json!(["https://elsewhere.example", url]);
    assert!(is_token(
        &assertion_token(&s, &key.sign(&array_aud, None)).await
    ));

    let mut wrong_sub = assertion_claims(&m.id, &url, 300);
    wrong_sub["sub"] = json!("someone-else");
    let refused = [
        (
            "another key",
            other.sign(&assertion_claims(&m.id, &url, 300), Some("client-key")),
        ),
        (
            "wrong aud",
            key.sign(
                &assertion_claims(&m.id, "https://elsewhere.example/token", 300),
                None,
            ),
        ),
        (
            "expired",
            key.sign(&assertion_claims(&m.id, &url, -3600), None),
        ),
        ("sub is not iss", key.sign(&wrong_sub, None)),
        (
            "unknown kid",
            key.sign(&assertion_claims(&m.id, &url, 300), Some("nope")),
        ),
        (
            "unknown client",
            key.sign(&assertion_claims("nobody", &url, 300), None),
        ),
        ("flipped", flip_signature_byte(&valid)),
        ("not a jwt", "abc".to_owned()),
    ];
    for (name, assertion) in refused {
        let r = assertion_token(&s, &assertion).await;
        assert!(is_invalid_client(&r, false), "{name}: {r:?}");
    }
    // A client_id that is not the assertion's.
    let r = form_token_request(
        &s,
        &[
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &valid),
            ("client_id", "someone-else"),
        ],
    )
    .await;
    assert!(is_invalid_client(&r, false), "{r:?}");
    // An unknown assertion type; an assertion together with a secret.
    let r = form_token_request(
        &s,
        &[
            ("client_assertion_type", "urn:example:other"),
            ("client_assertion", &valid),
        ],
    )
    .await;
    assert!(is_invalid_client(&r, false), "{r:?}");
    let r = form_token_request(&s, &[("client_assertion", &valid)]).await;
    assert!(is_token_error(&r, "invalid_request"), "{r:?}");
    let r = form_token_request(
        &s,
        &[
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", &valid),
            ("client_secret", "x"),
        ],
    )
    .await;
    assert!(is_token_error(&r, "invalid_request"), "{r:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn assertions_and_secrets_each_need_their_registered_method() {
    let s = server(ServerConfig::default()).await;
    let key = EcKey::generate("k");
    // A secret client signs an assertion with a key it never registered: refused; and a
    // private_key_jwt client has no secret to send.
    let secret_client = cc_client(&s, "client_secret_basic").await;
    let url = token_url(&s);
    let r = assertion_token(
        &s,
        &key.sign(&assertion_claims(&secret_client.id, &url, 300), None),
    )
    .await;
    assert!(is_invalid_client(&r, false), "{r:?}");
    let pkj = pkj_client(&s, &key).await;
    let r = client_token(&s, &pkj, Auth::Post, "guess").await;
    assert_eq!(r.status, 401, "{r:?}");
    // A registered signing algorithm that is not the assertion's.
    let rs256_only = register_client(
        &s,
        with(json!({
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "jwks": jwks(&key.jwk),
        })),
    )
    .await;
    let r = assertion_token(
        &s,
        &key.sign(&assertion_claims(&rs256_only.id, &url, 300), None),
    )
    .await;
    assert!(is_invalid_client(&r, false), "{r:?}");
    // A private_key_jwt client without the client_credentials grant.
    let code_client = register_client(
        &s,
        with(json!({"token_endpoint_auth_method": "private_key_jwt", "jwks": jwks(&key.jwk)})),
    )
    .await;
    let r = assertion_token(
        &s,
        &key.sign(&assertion_claims(&code_client.id, &url, 300), None),
    )
    .await;
    assert!(is_token_error(&r, "unauthorized_client"), "{r:?}");
    s.shutdown().await;
}

#[tokio::test]
async fn discovery_documents_advertise_private_key_jwt_and_its_algorithms() {
    let s = server(ServerConfig::default()).await;
    for path in [OPENID_CONFIGURATION_PATH, OAUTH_SERVER_METADATA_PATH] {
        let r = send_to(&format!("{}{path}", s.base_url()), &Req::Get)
            .await
            .expect("discovery");
        assert_eq!(r.member("issuer"), json!(s.base_url()));
        let methods = r.member("token_endpoint_auth_methods_supported");
        assert!(methods
            .as_array()
            .is_some_and(|m| m.contains(&json!("private_key_jwt"))));
        assert_eq!(
            r.member("token_endpoint_auth_signing_alg_values_supported"),
            json!(["RS256", "ES256"])
        );
    }
    s.shutdown().await;
    // Listing client_secret_basic alone, the defect has no algorithms to list.
    let s = defective(&[Defect::AdvertiseFewerAuthMethods]).await;
    let r = send_to(&s.discovery_url(), &Req::Get)
        .await
        .expect("discovery");
    assert!(r
        .member("token_endpoint_auth_signing_alg_values_supported")
        .is_null());
    s.shutdown().await;
}

/// Registers a private_key_jwt client with `key` on a server with `defects`, presents an
/// assertion signed by `signer`, and checks it gets a token exactly when `accepted` (and
/// invalid_client otherwise); returns the server, still running.
async fn assertion_answer(
    defects: &[Defect],
    key: &EcKey,
    signer: &EcKey,
    accepted: bool,
) -> RunningServer {
    let s = defective(defects).await;
    let m = pkj_client(&s, key).await;
    let assertion = signer.sign(&assertion_claims(&m.id, &token_url(&s), 300), Some("k"));
    let r = assertion_token(&s, &assertion).await;
    assert_eq!(is_token(&r), accepted, "{defects:?}: {r:?}");
    assert_eq!(
        is_invalid_client(&r, false),
        !accepted,
        "{defects:?}: {r:?}"
    );
    s
}

#[tokio::test]
async fn defect_token_accepts_unverified_assertion_takes_a_forged_signature() {
    let key = EcKey::generate("k");
    let forger = EcKey::generate("k");
    for (defects, accepted) in [
        (&[Defect::TokenAcceptsUnverifiedAssertion][..], true),
        (&[][..], false),
    ] {
        assertion_answer(defects, &key, &forger, accepted)
            .await
            .shutdown()
            .await;
    }
}

#[tokio::test]
async fn defect_token_rejects_client_assertion_refuses_a_valid_assertion() {
    let key = EcKey::generate("k");
    for (defects, accepted) in [
        (&[Defect::TokenRejectsClientAssertion][..], false),
        (&[][..], true),
    ] {
        let s = assertion_answer(defects, &key, &key, accepted).await;
        // Secrets still work.
        let c = cc_client(&s, "client_secret_basic").await;
        assert!(is_token(
            &client_token(&s, &c, Auth::Basic, &secret_of(&c)).await
        ));
        s.shutdown().await;
    }
}

// RFC 8414 metadata defects.

#[tokio::test]
async fn metadata_defects_change_the_discovery_documents_or_registration() {
    let s = defective(&[Defect::MetadataIssuerMismatch]).await;
    for path in [OPENID_CONFIGURATION_PATH, OAUTH_SERVER_METADATA_PATH] {
        let r = send_to(&format!("{}{path}", s.base_url()), &Req::Get)
            .await
            .expect("discovery");
        assert_eq!(r.status, 200);
        assert_eq!(
            r.member("issuer"),
            json!(format!("{}/other-issuer", s.base_url()))
        );
        assert_eq!(
            r.member("registration_endpoint"),
            json!(s.registration_url())
        );
        assert_eq!(r.member("token_endpoint"), json!(token_url(&s)));
    }
    // A client that believes the advertised issuer still authenticates: the defect breaks the
    // metadata only.
    let key = EcKey::generate("k");
    let m = pkj_client(&s, &key).await;
    let aud = format!("{}/other-issuer", s.base_url());
    let r = assertion_token(&s, &key.sign(&assertion_claims(&m.id, &aud, 300), None)).await;
    assert!(is_token(&r), "{r:?}");
    s.shutdown().await;

    for (defects, scheme) in [
        (&[Defect::MetadataHttpTokenEndpoint][..], "http"),
        (&[][..], "https"),
    ] {
        let s = tls_server(defects).await;
        let doc: Value = tls_client(&s, false)
            .get(s.discovery_url())
            .send()
            .await
            .expect("discovery")
            .json()
            .await
            .expect("json");
        let expected = format!("{scheme}://{}{TOKEN_PATH}", s.addr());
        assert_eq!(doc["token_endpoint"], json!(expected), "{defects:?}");
        assert_eq!(doc["registration_endpoint"], json!(s.registration_url()));
        assert_eq!(doc["issuer"], json!(s.base_url()));
        s.shutdown().await;
    }

    let s = defective(&[Defect::RefuseAdvertisedAuthMethod]).await;
    let post_method = with(json!({"token_endpoint_auth_method": "client_secret_post"}));
    let r = post(&s, post_method.clone()).await;
    assert!(r.is_error("invalid_client_metadata"), "{r:?}");
    let doc = send_to(&s.discovery_url(), &Req::Get)
        .await
        .expect("discovery");
    assert!(doc
        .member("token_endpoint_auth_methods_supported")
        .as_array()
        .is_some_and(|m| m.contains(&json!("client_secret_post"))));
    assert!(registered(&post(&s, b0()).await));
    s.shutdown().await;
    let clean = server(ServerConfig::default()).await;
    assert!(registered(&post(&clean, post_method).await));
}

// The MCP endpoint and its metadata.

const INITIALIZE_ID: u64 = 7;

/// The JSON-RPC `initialize` an MCP client opens with.
fn initialize() -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": INITIALIZE_ID,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "dcrcheck", "version": "0"},
        },
    })
}

/// `method` on `url`, with a bearer `token` if given (and the `initialize` body on a POST).
async fn mcp_request(method: Method, url: &str, token: Option<&str>) -> Reply {
    let mut b = reqwest::Client::new().request(method.clone(), url);
    if let Some(token) = token {
        b = b.bearer_auth(token);
    }
    if method == Method::POST {
        b = b
            .header(CONTENT_TYPE, "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(initialize().to_string());
    }
    into_reply(b.send().await.expect("a response"))
        .await
        .expect("a body")
}

async fn get_at(s: &RunningServer, path: &str) -> Reply {
    send_to(&format!("{}{path}", s.base_url()), &Req::Get)
        .await
        .expect("a response")
}

/// The clean protected resource metadata of `s`'s MCP endpoint.
fn resource_document(s: &RunningServer) -> Value {
    json!({
        "resource": s.mcp_url(),
        "authorization_servers": [s.base_url()],
        "scopes_supported": ["mcp"],
        "bearer_methods_supported": ["header"],
    })
}

#[tokio::test]
async fn the_mcp_endpoint_challenges_every_request_and_its_metadata_is_found() {
    let s = server(ServerConfig::default()).await;
    let base = s.base_url();
    let challenge = format!(
        "Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\""
    );
    for method in [Method::POST, Method::GET, Method::DELETE] {
        let r = mcp_request(method.clone(), &s.mcp_url(), None).await;
        assert_eq!(r.status, 401, "{method}: {}", r.text);
        assert_eq!(r.header(WWW_AUTHENTICATE), challenge, "{method}");
        assert_eq!(r.header(CONTENT_TYPE), "application/json");
        assert_eq!(r.member("error"), json!("invalid_token"));
        assert!(r.member("error_description").is_string());
        assert_eq!(r.header(CACHE_CONTROL), "no-store");
        assert_eq!(
            r.header("access-control-expose-headers"),
            "www-authenticate"
        );
    }
    // No token is valid here: a presented one is refused by name (RFC 6750 §3.1).
    let r = mcp_request(Method::POST, &s.mcp_url(), Some("some-token")).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header(WWW_AUTHENTICATE),
        format!(
            "Bearer error=\"invalid_token\", {}",
            &challenge["Bearer ".len()..]
        )
    );
    let r = mcp_request(Method::OPTIONS, &s.mcp_url(), None).await;
    assert_eq!(r.status, 204);
    assert!(r
        .header("access-control-allow-headers")
        .contains("mcp-protocol-version"));
    let r = mcp_request(Method::PUT, &s.mcp_url(), None).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), "GET, POST, DELETE, OPTIONS");

    for path in [MCP_RESOURCE_METADATA_PATH, PROTECTED_RESOURCE_METADATA_PATH] {
        let r = get_at(&s, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header(CONTENT_TYPE), "application/json");
        assert_eq!(r.json(), resource_document(&s), "{path}");
        let r = mcp_request(Method::POST, &format!("{base}{path}"), None).await;
        assert_eq!(r.status, 405, "{path}");
    }
    for path in [OAUTH_SERVER_METADATA_PATH, OPENID_CONFIGURATION_PATH] {
        let r = get_at(&s, path).await;
        assert_eq!(r.member("issuer"), json!(base));
        assert_eq!(
            r.member("authorization_endpoint"),
            json!(format!("{base}/authorize"))
        );
        assert_eq!(
            r.member("code_challenge_methods_supported"),
            json!(["S256"])
        );
    }
    // The suffix forms some servers use instead are not served.
    for path in [
        "/mcp/.well-known/oauth-protected-resource",
        "/as/.well-known/oauth-authorization-server",
    ] {
        assert_eq!(get_at(&s, path).await.status, 404, "{path}");
    }
    s.shutdown().await;

    // In TLS mode every URL is https.
    let s = tls_server(&[]).await;
    let client = tls_client(&s, false);
    let r = client.post(s.mcp_url()).send().await.expect("a response");
    assert_eq!(r.status().as_u16(), 401);
    let challenge = r.headers()[WWW_AUTHENTICATE].to_str().expect("ascii");
    assert!(
        challenge.contains(&format!("\"{}/.well-known", s.base_url())),
        "{challenge}"
    );
    let doc: Value = client
        .get(format!("{}{MCP_RESOURCE_METADATA_PATH}", s.base_url()))
        .send()
        .await
        .expect("a response")
        .json()
        .await
        .expect("json");
    assert_eq!(doc, resource_document(&s));
    s.shutdown().await;
}

#[tokio::test]
async fn defect_mcp_undiscoverable_metadata_serves_only_the_suffix_form() {
    let s = defective(&[Defect::McpUndiscoverableMetadata]).await;
    let r = mcp_request(Method::POST, &s.mcp_url(), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header(WWW_AUTHENTICATE), "Bearer");
    for path in [MCP_RESOURCE_METADATA_PATH, PROTECTED_RESOURCE_METADATA_PATH] {
        assert_eq!(get_at(&s, path).await.status, 404, "{path}");
    }
    let r = get_at(&s, "/mcp/.well-known/oauth-protected-resource").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), resource_document(&s));
    s.shutdown().await;
    let clean = server(ServerConfig::default()).await;
    let r = get_at(&clean, "/mcp/.well-known/oauth-protected-resource").await;
    assert_eq!(r.status, 404);
}

/// GET `path` on `s` addressed to `localhost` (resolved to the server's address).
async fn get_as_localhost(s: &RunningServer, path: &str) -> Reply {
    let client = reqwest::Client::builder()
        .resolve("localhost", s.addr())
        .build()
        .expect("client");
    let url = format!("http://localhost:{}{path}", s.addr().port());
    into_reply(client.get(url).send().await.expect("a response"))
        .await
        .expect("a body")
}

#[tokio::test]
async fn defect_mcp_other_issuer_names_another_spelling() {
    let s = defective(&[Defect::McpOtherIssuer]).await;
    let other = format!("http://localhost:{}", s.addr().port());
    let prm = get_at(&s, MCP_RESOURCE_METADATA_PATH).await;
    assert_eq!(prm.member("authorization_servers"), json!([other]));
    // Fetched for that issuer, the metadata names the server's own address.
    for path in [OAUTH_SERVER_METADATA_PATH, OPENID_CONFIGURATION_PATH] {
        let r = get_as_localhost(&s, path).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.member("issuer"), json!(s.base_url()), "{path}");
        assert_eq!(
            r.member("token_endpoint"),
            json!(format!("{other}{TOKEN_PATH}"))
        );
        // Asked the normal way, the metadata is what it always is.
        assert_eq!(get_at(&s, path).await.member("issuer"), json!(s.base_url()));
    }
    s.shutdown().await;

    let clean = server(ServerConfig::default()).await;
    let prm = get_at(&clean, MCP_RESOURCE_METADATA_PATH).await;
    assert_eq!(
        prm.member("authorization_servers"),
        json!([clean.base_url()])
    );
    let r = get_as_localhost(&clean, OAUTH_SERVER_METADATA_PATH).await;
    let other = format!("http://localhost:{}", clean.addr().port());
    assert_eq!(r.member("issuer"), json!(other));
}

#[tokio::test]
async fn defect_mcp_metadata_suffix_only_hides_the_issuers_metadata() {
    let s = defective(&[Defect::McpMetadataSuffixOnly]).await;
    let base = s.base_url();
    let issuer = format!("{base}/as");
    let prm = get_at(&s, MCP_RESOURCE_METADATA_PATH).await;
    assert_eq!(prm.member("authorization_servers"), json!([issuer]));
    // Where RFC 8414 and OpenID Discovery put an issuer's metadata: nothing.
    for path in [
        "/.well-known/oauth-authorization-server/as",
        "/.well-known/openid-configuration/as",
        "/as/.well-known/openid-configuration",
    ] {
        assert_eq!(get_at(&s, path).await.status, 404, "{path}");
    }
    let r = get_at(&s, "/as/.well-known/oauth-authorization-server").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.member("issuer"), json!(issuer));
    assert_eq!(
        r.member("registration_endpoint"),
        json!(s.registration_url())
    );
    assert_eq!(r.member("token_endpoint"), json!(token_url(&s)));
    assert_eq!(
        r.member("code_challenge_methods_supported"),
        json!(["S256"])
    );
    // The root metadata is unchanged.
    let root = get_at(&s, OAUTH_SERVER_METADATA_PATH).await;
    assert_eq!(root.member("issuer"), json!(base));
    s.shutdown().await;
}

/// GET /authorize on `s` for `client_id` with `redirect_uri` and an optional (challenge,
/// method), never following a redirect: (status, Location).
async fn authorize_at(
    s: &RunningServer,
    client_id: &str,
    redirect_uri: &str,
    pkce: Option<(&str, &str)>,
) -> (u16, String) {
    let mut url = reqwest::Url::parse(&format!("{}/authorize", s.base_url())).expect("url");
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", "st");
        if let Some((c, m)) = pkce {
            q.append_pair("code_challenge", c)
                .append_pair("code_challenge_method", m);
        }
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = client.get(url).send().await.expect("a response");
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (r.status().as_u16(), location)
}

#[tokio::test]
async fn authorize_checks_the_redirect_uri_first_and_requires_s256() {
    const CB: &str = "http://127.0.0.1:33418/callback";
    const S256: Option<(&str, &str)> =
        Some(("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256"));
    for defects in [
        vec![],
        vec![Defect::AuthorizeErrorsToAnyRedirect],
        vec![Defect::AuthorizeExactLoopbackPort],
        vec![Defect::AuthorizeWithoutPkce],
    ] {
        let s = defective(&defects).await;
        let has = |d: Defect| defects.contains(&d);
        let r = post(
            &s,
            json!({"redirect_uris": [CB], "token_endpoint_auth_method": "none"}),
        )
        .await;
        let id = r
            .member("client_id")
            .as_str()
            .expect("client_id")
            .to_string();
        // The valid request reaches the stand-in login page.
        assert_eq!(authorize_at(&s, &id, CB, S256).await.0, 200, "{defects:?}");
        // An unregistered redirect URI: 400, or with the defect the PKCE error sent there.
        let (status, location) =
            authorize_at(&s, &id, "https://attacker.example/callback", None).await;
        if has(Defect::AuthorizeErrorsToAnyRedirect) {
            assert_eq!(status, 302);
            assert!(location.starts_with("https://attacker.example/callback?error=invalid_request"));
        } else if has(Defect::AuthorizeWithoutPkce) {
            assert_eq!(status, 400, "the redirect URI is still checked");
        } else {
            assert_eq!((status, location.as_str()), (400, ""));
        }
        // Any port on a loopback redirect URI (RFC 8252 §7.3).
        let moved = authorize_at(&s, &id, "http://127.0.0.1:40000/callback", S256)
            .await
            .0;
        assert_eq!(
            moved,
            if has(Defect::AuthorizeExactLoopbackPort) {
                400
            } else {
                200
            }
        );
        // No challenge, or plain: the error goes to the registered URI.
        for pkce in [None, Some(("verifier", "plain"))] {
            let (status, location) = authorize_at(&s, &id, CB, pkce).await;
            if has(Defect::AuthorizeWithoutPkce) {
                assert_eq!(status, 200);
            } else {
                assert_eq!(status, 302);
                assert!(
                    location.starts_with(&format!("{CB}?error=invalid_request")),
                    "{location}"
                );
            }
        }
        s.shutdown().await;
    }
}

#[tokio::test]
async fn mcp_metadata_defects_change_the_metadata() {
    // Over TLS, mcp-http-authorization-endpoint names an http:// authorization endpoint.
    for (defects, scheme) in [
        (vec![], "https"),
        (vec![Defect::McpHttpAuthorizationEndpoint], "http"),
    ] {
        let s = server(ServerConfig {
            tls: true,
            defects,
            ..Default::default()
        })
        .await;
        let doc: Value = tls_client(&s, false)
            .get(format!("{}{OAUTH_SERVER_METADATA_PATH}", s.base_url()))
            .send()
            .await
            .expect("a response")
            .json()
            .await
            .expect("json");
        let endpoint = doc["authorization_endpoint"].as_str().expect("a string");
        assert!(endpoint.starts_with(&format!("{scheme}://")), "{endpoint}");
        assert!(doc["token_endpoint"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
        s.shutdown().await;
    }
}
