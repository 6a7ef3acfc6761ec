//! A minimal OAuth 2.0 token endpoint (`POST /token`, RFC 6749 §3.2): the client credentials
//! grant only (§4.4), so a registered client can prove its credentials work. The client
//! authenticates with HTTP Basic or with form parameters (§2.3.1), or with a `private_key_jwt`
//! assertion (`assertion`), whichever it registered as its `token_endpoint_auth_method`;
//! errors follow §5.2. Nothing is stored: the access token is a fresh random string that no
//! other endpoint accepts.
//!
//! A secret whose `client_secret_expires_at` (RFC 7591 §3.2.1) has come is refused like a
//! wrong one.
//!
//! The endpoint commits only its own defects (`token-accepts-wrong-secret`,
//! `token-rejects-issued-secret`, `token-accepts-expired-secret`, and the assertion ones);
//! the registration endpoints' defects never reach it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;

use super::assertion;
use super::defects::{Defect, DefectSet};
use super::endpoint::{body_refused, constant_time_eq, digest, media_type, read_body, AppState};
use super::response::{self, protocol_error};
use super::store::{now_secs, StoredClient};
use crate::spec::names::*;

/// What `Allow` lists on a 405.
const ALLOWED: &str = "POST";
/// RFC 6749 §5.2 error codes.
const INVALID_CLIENT: &str = "invalid_client";
const UNAUTHORIZED_CLIENT: &str = "unauthorized_client";
const UNSUPPORTED_GRANT_TYPE: &str = "unsupported_grant_type";
/// The challenge of a 401 to a client that tried, or could try, HTTP Basic (RFC 6749 §5.2).
const BASIC_CHALLENGE: &str = r#"Basic realm="dcrcheck""#;
/// Seconds an access token is said to live.
pub(crate) const EXPIRES_IN: u64 = 3600;

/// Every method on `/token`.
pub(crate) async fn token(State(state): State<Arc<AppState>>, req: Request) -> Response {
    if *req.method() != Method::POST {
        return response::with_header(
            protocol_error(
                StatusCode::METHOD_NOT_ALLOWED,
                INVALID_REQUEST,
                "the token endpoint only accepts POST",
                &DefectSet::default(),
            ),
            header::ALLOW,
            HeaderValue::from_static(ALLOWED),
        );
    }
    let (parts, body) = req.into_parts();
    let bytes = match read_body(body, &parts.headers, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(e) => return body_refused(e, state.body_limit, &DefectSet::default()),
    };
    match grant(&state, &parts.headers, &parts.uri, &bytes) {
        Ok(()) => response::access_token(&super::store::random_token(32), EXPIRES_IN),
        Err(error) => error.response(),
    }
}

/// Why a token request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TokenError {
    /// 400 `invalid_request`.
    InvalidRequest(&'static str),
    /// 400 `unsupported_grant_type`.
    UnsupportedGrantType,
    /// 401 `invalid_client`; `basic` when the request used (or could have used) HTTP Basic,
    /// which adds the `WWW-Authenticate: Basic` challenge.
    InvalidClient { basic: bool, why: &'static str },
    /// 400 `unauthorized_client`.
    UnauthorizedClient,
}

impl TokenError {
    fn response(&self) -> Response {
        let clean = DefectSet::default();
        match self {
            TokenError::InvalidRequest(why) => {
                protocol_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, why, &clean)
            }
            TokenError::UnsupportedGrantType => protocol_error(
                StatusCode::BAD_REQUEST,
                UNSUPPORTED_GRANT_TYPE,
                "only grant_type client_credentials is supported",
                &clean,
            ),
            TokenError::UnauthorizedClient => protocol_error(
                StatusCode::BAD_REQUEST,
                UNAUTHORIZED_CLIENT,
                "the client is not registered for the client_credentials grant",
                &clean,
            ),
            TokenError::InvalidClient { basic, why } => {
                let res = protocol_error(StatusCode::UNAUTHORIZED, INVALID_CLIENT, why, &clean);
                if *basic {
                    response::with_header(
                        res,
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static(BASIC_CHALLENGE),
                    )
                } else {
                    res
                }
            }
        }
    }
}

/// How the client authenticated (RFC 6749 §2.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Credentials {
    client_id: String,
    secret: String,
    /// `client_secret_basic` or `client_secret_post`.
    method: &'static str,
}

impl Credentials {
    fn basic(&self) -> bool {
        self.method == AUTH_CLIENT_SECRET_BASIC
    }
}

/// The whole decision: `Ok` when a token may be issued.
fn grant(state: &AppState, headers: &HeaderMap, uri: &Uri, body: &[u8]) -> Result<(), TokenError> {
    if media_type(headers).as_deref() != Some(FORM_URLENCODED) {
        return Err(TokenError::InvalidRequest(
            "the content type must be application/x-www-form-urlencoded",
        ));
    }
    let form = parse_form(body)?;
    match form.get(GRANT_TYPE_PARAM) {
        None => return Err(TokenError::InvalidRequest("grant_type is required")),
        Some(grant) if grant == GRANT_CLIENT_CREDENTIALS => {}
        Some(_) => return Err(TokenError::UnsupportedGrantType),
    }
    let client = if assertion::is_assertion_request(&form) {
        // RFC 6749 §2.3: one authentication method per request.
        if headers.contains_key(header::AUTHORIZATION) || form.contains_key(CLIENT_SECRET) {
            return Err(TokenError::InvalidRequest(
                "the client authenticated with more than one method",
            ));
        }
        let audiences = state.assertion_audiences(headers, uri);
        assertion::authenticate(&state.store, &form, &audiences, &state.defects, now_secs())?
    } else {
        let credentials = credentials(headers, &form)?;
        let invalid = |why| TokenError::InvalidClient {
            basic: credentials.basic(),
            why,
        };
        let client = state
            .store
            .get(&credentials.client_id)
            .ok_or_else(|| invalid("client authentication failed"))?;
        check_secret(&client, &credentials, &state.defects, now_secs()).map_err(invalid)?;
        client
    };
    let grants = client.record.get(GRANT_TYPES).and_then(Value::as_array);
    if !grants.is_some_and(|g| g.iter().any(|v| v == GRANT_CLIENT_CREDENTIALS)) {
        return Err(TokenError::UnauthorizedClient);
    }
    Ok(())
}

/// The form parameter naming the grant (RFC 6749 §4.4.2).
const GRANT_TYPE_PARAM: &str = "grant_type";

/// RFC 6749 §2.3.1 and §3.2.1: the presented secret must be the client's issued secret, sent
/// the way the client registered, and not expired. The error is the `error_description`.
fn check_secret(
    client: &StoredClient,
    credentials: &Credentials,
    defects: &DefectSet,
    now: u64,
) -> Result<(), &'static str> {
    const FAILED: &str = "client authentication failed";
    let record = &client.record;
    let Some(issued) = record.get(CLIENT_SECRET).and_then(Value::as_str) else {
        return Err(FAILED);
    };
    let matches = constant_time_eq(&digest(issued), &digest(&credentials.secret));
    if defects.has(Defect::TokenRejectsIssuedSecret)
        || !(matches || defects.has(Defect::TokenAcceptsWrongSecret))
    {
        return Err(FAILED);
    }
    let registered = record
        .get(TOKEN_ENDPOINT_AUTH_METHOD)
        .and_then(Value::as_str)
        .unwrap_or(AUTH_CLIENT_SECRET_BASIC);
    if registered != credentials.method {
        return Err("the client must authenticate with its registered token_endpoint_auth_method");
    }
    // RFC 7591 §3.2.1: 0 is never; otherwise the secret is dead from that second on.
    let expires_at = record
        .get(CLIENT_SECRET_EXPIRES_AT)
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if expires_at != 0 && expires_at <= now && !defects.has(Defect::TokenAcceptsExpiredSecret) {
        return Err("the client secret has expired");
    }
    Ok(())
}

/// The form's parameters. RFC 6749 §3.2: a parameter sent without a value counts as omitted,
/// and none may be sent more than once.
fn parse_form(body: &[u8]) -> Result<std::collections::HashMap<String, String>, TokenError> {
    let mut form = std::collections::HashMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if value.is_empty() {
            continue;
        }
        if form.insert(key.into_owned(), value.into_owned()).is_some() {
            return Err(TokenError::InvalidRequest(
                "a request parameter is repeated",
            ));
        }
    }
    Ok(form)
}

/// The client's credentials: HTTP Basic or the `client_id` and `client_secret` form
/// parameters, never both (RFC 6749 §2.3.1).
fn credentials(
    headers: &HeaderMap,
    form: &std::collections::HashMap<String, String>,
) -> Result<Credentials, TokenError> {
    let form_id = form.get(CLIENT_ID);
    let form_secret = form.get(CLIENT_SECRET);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let basic = authorization.and_then(basic_credentials);
    if let Some(value) = authorization {
        if is_basic(value) {
            let Some((client_id, secret)) = basic else {
                return Err(TokenError::InvalidClient {
                    basic: true,
                    why: "the Basic credentials could not be decoded",
                });
            };
            if form_secret.is_some() || form_id.is_some_and(|id| *id != client_id) {
                return Err(TokenError::InvalidRequest(
                    "the client authenticated with more than one method",
                ));
            }
            return Ok(Credentials {
                client_id,
                secret,
                method: AUTH_CLIENT_SECRET_BASIC,
            });
        }
    }
    match (form_id, form_secret) {
        (Some(id), Some(secret)) => Ok(Credentials {
            client_id: id.clone(),
            secret: secret.clone(),
            method: AUTH_CLIENT_SECRET_POST,
        }),
        (Some(_), None) => Err(TokenError::InvalidClient {
            basic: false,
            why: "the client must authenticate with its client_secret",
        }),
        _ => Err(TokenError::InvalidClient {
            basic: true,
            why: "client authentication is required",
        }),
    }
}

/// Whether an `Authorization` value uses the Basic scheme (case-insensitive).
fn is_basic(value: &str) -> bool {
    value
        .split_once(' ')
        .map_or(value, |(scheme, _)| scheme)
        .eq_ignore_ascii_case("basic")
}

/// `Basic base64(urlencode(client_id) ":" urlencode(client_secret))` → the decoded pair
/// (RFC 6749 §2.3.1, RFC 7617).
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim_matches(' ')).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space and `%XX` a
/// byte; a malformed escape or bytes that are not UTF-8 give `None`.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_with(secret: &str, expires_at: u64) -> StoredClient {
        let mut record = serde_json::Map::new();
        record.insert(CLIENT_SECRET.into(), Value::from(secret));
        record.insert(CLIENT_SECRET_EXPIRES_AT.into(), Value::from(expires_at));
        StoredClient {
            record,
            endpoint: super::super::validate::Endpoint::Register,
            token_digest: [0; 32],
            uri: String::new(),
        }
    }

    #[test]
    fn a_secret_is_refused_from_its_expiry_second_on() {
        let presented = Credentials {
            client_id: "c".into(),
            secret: "s".into(),
            method: AUTH_CLIENT_SECRET_BASIC,
        };
        let clean = DefectSet::default();
        let check = |expires_at, now, defects: &DefectSet| {
            check_secret(&client_with("s", expires_at), &presented, defects, now)
        };
        assert_eq!(check(0, 1_000, &clean), Ok(()), "0 is never");
        assert_eq!(check(1_001, 1_000, &clean), Ok(()));
        assert!(check(1_000, 1_000, &clean).is_err(), "not later than now");
        assert!(check(999, 1_000, &clean).is_err());
        let defective = DefectSet::new(&[Defect::TokenAcceptsExpiredSecret]);
        assert_eq!(check(999, 1_000, &defective), Ok(()));
        // The defect skips only the expiry check.
        let wrong = check_secret(&client_with("t", 999), &presented, &defective, 1_000);
        assert!(wrong.is_err());
    }

    fn basic_header(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn form_values_decode_plus_and_percent_escapes() {
        assert_eq!(form_decode("a+b%3A%2b%C3%A9").as_deref(), Some("a b:+é"));
        assert_eq!(form_decode("plain").as_deref(), Some("plain"));
        assert_eq!(form_decode(""), Some(String::new()));
        assert_eq!(form_decode("%"), None);
        assert_eq!(form_decode("%4"), None);
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%+1"), None);
        assert_eq!(form_decode("%FF"), None, "not UTF-8");
    }

    #[test]
    fn basic_credentials_are_decoded_case_insensitively() {
        assert_eq!(
            basic_credentials(&basic_header("id%3Ax", "s+s%25")),
            Some(("id:x".to_owned(), "s s%".to_owned()))
        );
        let lower = basic_header("a", "b").replacen("Basic", "bASIC", 1);
        assert_eq!(
            basic_credentials(&lower),
            Some(("a".to_owned(), "b".to_owned()))
        );
        assert_eq!(
            basic_credentials(&basic_header("a", "b:c")),
            Some(("a".to_owned(), "b:c".to_owned())),
            "the first colon splits"
        );
        assert_eq!(basic_credentials("Basic !!!"), None);
        assert_eq!(
            basic_credentials(&format!("Basic {}", STANDARD.encode("nocolon"))),
            None
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert!(is_basic("basic") && is_basic("BASIC x") && !is_basic("Bearer x"));
    }

    #[test]
    fn forms_drop_empty_values_and_refuse_repeats() {
        let form =
            parse_form(b"grant_type=client_credentials&scope=&client_id=a%20b").unwrap_or_default();
        assert_eq!(form.get("client_id").map(String::as_str), Some("a b"));
        assert!(!form.contains_key("scope"));
        assert!(parse_form(b"grant_type=a&grant_type=b").is_err());
    }

    #[test]
    fn basic_and_form_secrets_together_are_invalid_request() {
        let mut headers = HeaderMap::new();
        let value = basic_header("a", "s");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("")),
        );
        let form = parse_form(b"client_secret=s").unwrap_or_default();
        assert!(matches!(
            credentials(&headers, &form),
            Err(TokenError::InvalidRequest(_))
        ));
        let same_id = parse_form(b"client_id=a").unwrap_or_default();
        assert_eq!(
            credentials(&headers, &same_id).map(|c| c.method),
            Ok(AUTH_CLIENT_SECRET_BASIC)
        );
        let none = credentials(&HeaderMap::new(), &Default::default());
        assert!(matches!(
            none,
            Err(TokenError::InvalidClient { basic: true, .. })
        ));
    }
}
