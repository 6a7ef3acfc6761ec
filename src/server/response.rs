//! Building HTTP responses: the registered-client body, the error bodies, and the
//! response-shape and error-format defects applied on the way out.

use axum::body::{Body, Bytes};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::defects::{Defect, DefectSet};
use super::store::{random_token, Issued};
use super::validate::{
    Encryption, RedirectUris, Registration, Rejection, DEFAULT_ACR_VALUES,
    REQUEST_OBJECT_ENCRYPTION_ALG, REQUEST_OBJECT_ENCRYPTION_ENC, REQUEST_OBJECT_SIGNING_ALG,
    REQUEST_URIS, SECTOR_IDENTIFIER_URI,
};
use crate::spec::names::*;

const APPLICATION_JSON_VALUE: HeaderValue = HeaderValue::from_static("application/json");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// The clean registration response body: credentials first, then every registered member,
/// defaults included (RFC 7591 §3.2.1).
pub(crate) fn registered_body(reg: &Registration, issued: &Issued) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(CLIENT_ID.into(), json!(issued.client_id));
    if let Some(secret) = &issued.client_secret {
        m.insert(CLIENT_SECRET.into(), json!(secret));
    }
    m.insert(
        CLIENT_ID_ISSUED_AT.into(),
        json!(issued.client_id_issued_at),
    );
    if issued.client_secret.is_some() {
        m.insert(
            CLIENT_SECRET_EXPIRES_AT.into(),
            json!(issued.client_secret_expires_at),
        );
    }
    match &reg.redirect_uris {
        RedirectUris::List(uris) => {
            m.insert(REDIRECT_URIS.into(), json!(uris));
        }
        RedirectUris::BareString(uri) => {
            m.insert(REDIRECT_URIS.into(), json!(uri));
        }
        RedirectUris::Absent => {}
    }
    m.insert(
        TOKEN_ENDPOINT_AUTH_METHOD.into(),
        json!(reg.token_endpoint_auth_method),
    );
    m.insert(GRANT_TYPES.into(), json!(reg.grant_types));
    m.insert(RESPONSE_TYPES.into(), json!(reg.response_types));
    m.insert(APPLICATION_TYPE.into(), json!(reg.application_type));
    let mut put = |name: &str, value: &Option<String>| {
        if let Some(v) = value {
            m.insert(name.to_owned(), json!(v));
        }
    };
    put(CLIENT_NAME, &reg.client_name);
    put(CLIENT_URI, &reg.client_uri);
    put(LOGO_URI, &reg.logo_uri);
    put(TOS_URI, &reg.tos_uri);
    put(POLICY_URI, &reg.policy_uri);
    put(SCOPE, &reg.scope);
    put(JWKS_URI, &reg.jwks_uri);
    put(SOFTWARE_ID, &reg.software_id);
    put(SOFTWARE_VERSION, &reg.software_version);
    put(SOFTWARE_STATEMENT, &reg.software_statement);
    put(SUBJECT_TYPE, &reg.subject_type);
    put(INITIATE_LOGIN_URI, &reg.initiate_login_uri);
    put(
        USERINFO_SIGNED_RESPONSE_ALG,
        &reg.userinfo_signed_response_alg,
    );
    put(REQUEST_OBJECT_SIGNING_ALG, &reg.request_object_signing_alg);
    put(
        TOKEN_ENDPOINT_AUTH_SIGNING_ALG,
        &reg.token_endpoint_auth_signing_alg,
    );
    for (name, value) in &reg.tagged {
        m.insert(name.clone(), json!(value));
    }
    if let Some(contacts) = &reg.contacts {
        m.insert(CONTACTS.into(), json!(contacts));
    }
    if let Some(jwks) = &reg.jwks {
        m.insert(JWKS.into(), jwks.clone());
    }
    m.insert(
        ID_TOKEN_SIGNED_RESPONSE_ALG.into(),
        json!(reg.id_token_signed_response_alg),
    );
    let mut put_enc = |alg: &str, enc: &str, value: &Option<Encryption>| {
        if let Some(e) = value {
            m.insert(alg.to_owned(), json!(e.alg));
            m.insert(enc.to_owned(), json!(e.enc));
        }
    };
    put_enc(
        ID_TOKEN_ENCRYPTED_RESPONSE_ALG,
        ID_TOKEN_ENCRYPTED_RESPONSE_ENC,
        &reg.id_token_encryption,
    );
    put_enc(
        USERINFO_ENCRYPTED_RESPONSE_ALG,
        USERINFO_ENCRYPTED_RESPONSE_ENC,
        &reg.userinfo_encryption,
    );
    put_enc(
        REQUEST_OBJECT_ENCRYPTION_ALG,
        REQUEST_OBJECT_ENCRYPTION_ENC,
        &reg.request_object_encryption,
    );
    if let Some(age) = reg.default_max_age {
        m.insert(DEFAULT_MAX_AGE.into(), json!(age));
    }
    m.insert(REQUIRE_AUTH_TIME.into(), json!(reg.require_auth_time));
    if let Some(acr) = &reg.default_acr_values {
        m.insert(DEFAULT_ACR_VALUES.into(), json!(acr));
    }
    match &reg.request_uris {
        Some(uris) if reg.request_uris_as_string && uris.len() == 1 => {
            m.insert(REQUEST_URIS.into(), json!(uris[0]));
        }
        Some(uris) => {
            m.insert(REQUEST_URIS.into(), json!(uris));
        }
        None => {}
    }
    if let Some(uri) = &reg.sector_identifier_uri {
        m.insert(SECTOR_IDENTIFIER_URI.into(), json!(uri));
    }
    for (name, enc) in &reg.orphan_encs {
        m.insert(name.clone(), json!(enc));
    }
    if let Some(metadata) = &reg.metadata {
        m.insert(METADATA.into(), json!(metadata));
    }
    if let Some(par) = reg.require_pushed_authorization_requests {
        m.insert(REQUIRE_PUSHED_AUTHORIZATION_REQUESTS.into(), json!(par));
    }
    m
}

/// The full client information (RFC 7592 §3): the stored record, then
/// `registration_client_uri` and, when known, `registration_access_token`. The registration
/// response and the configuration endpoint's read and update answers all have this shape.
pub(crate) fn client_information(
    record: &Map<String, Value>,
    uri: &str,
    token: Option<&str>,
) -> Map<String, Value> {
    let mut m = record.clone();
    m.insert(REGISTRATION_CLIENT_URI.into(), json!(uri));
    if let Some(token) = token {
        m.insert(REGISTRATION_ACCESS_TOKEN.into(), json!(token));
    }
    m
}

/// The 201 for a registered client, with any response-shape defects applied; `sent` is the
/// request (a few defects drop only what the client left out).
pub(crate) fn success(
    mut body: Map<String, Value>,
    sent: &Map<String, Value>,
    defects: &DefectSet,
) -> Response {
    if defects.has(Defect::NoClientId) {
        body.shift_remove(CLIENT_ID);
    }
    if body.contains_key(CLIENT_SECRET_EXPIRES_AT) {
        if defects.has(Defect::NoSecretExpiry) {
            body.shift_remove(CLIENT_SECRET_EXPIRES_AT);
        } else if defects.has(Defect::SecretExpiryString) {
            body.insert(CLIENT_SECRET_EXPIRES_AT.into(), json!("0"));
        } else if defects.has(Defect::SecretExpired) {
            let issued = body.get(CLIENT_ID_ISSUED_AT).and_then(Value::as_u64);
            let past = issued.unwrap_or(0).saturating_sub(86_400);
            body.insert(CLIENT_SECRET_EXPIRES_AT.into(), json!(past));
        }
    }
    if let Some(issued) = body.get(CLIENT_ID_ISSUED_AT).and_then(Value::as_u64) {
        if defects.has(Defect::IssuedAtMillis) {
            body.insert(
                CLIENT_ID_ISSUED_AT.into(),
                json!(issued.saturating_mul(1000)),
            );
        } else if defects.has(Defect::IssuedAtString) {
            body.insert(CLIENT_ID_ISSUED_AT.into(), json!(issued.to_string()));
        }
    }
    if defects.has(Defect::CamelCaseGrantTypes) {
        if let Some(Value::Array(grants)) = body.get_mut(GRANT_TYPES) {
            for g in grants.iter_mut() {
                if g == GRANT_AUTHORIZATION_CODE {
                    *g = json!("authorizationCode");
                }
            }
        }
    }
    if defects.has(Defect::OmitDefaults) {
        if !sent.contains_key(GRANT_TYPES)
            && body.get(GRANT_TYPES) == Some(&json!([GRANT_AUTHORIZATION_CODE]))
        {
            body.shift_remove(GRANT_TYPES);
        }
        if !sent.contains_key(RESPONSE_TYPES) && body.get(RESPONSE_TYPES) == Some(&json!(["code"]))
        {
            body.shift_remove(RESPONSE_TYPES);
        }
    }
    if defects.has(Defect::ManagementTokenWithoutUri) {
        body.shift_remove(REGISTRATION_CLIENT_URI);
    }
    if defects.has(Defect::SecretForPublicClient)
        && body.get(TOKEN_ENDPOINT_AUTH_METHOD) == Some(&json!(AUTH_NONE))
    {
        body.insert(CLIENT_SECRET.into(), json!(random_token(32)));
        body.insert(CLIENT_SECRET_EXPIRES_AT.into(), json!(0));
    }
    if defects.has(Defect::StripRedirectQuery) {
        if let Some(Value::Array(uris)) = body.get_mut(REDIRECT_URIS) {
            for u in uris.iter_mut() {
                if let Some((base, _)) = u.as_str().and_then(|s| s.split_once('?')) {
                    *u = json!(base);
                }
            }
        }
    }
    if defects.has(Defect::KeepFirstRedirectUri) {
        if let Some(Value::Array(uris)) = body.get_mut(REDIRECT_URIS) {
            uris.truncate(1);
        }
    }
    if defects.has(Defect::AddJwksUriToJwksResponse)
        && body.contains_key(JWKS)
        && !body.contains_key(JWKS_URI)
    {
        let id = body
            .get(CLIENT_ID)
            .and_then(Value::as_str)
            .unwrap_or("client");
        let uri = format!("https://as.dcrcheck.invalid/clients/{id}/jwks.json");
        body.insert(JWKS_URI.into(), json!(uri));
    }
    if defects.has(Defect::StatementEchoAltered) {
        if let Some((signed, _)) = body
            .get(SOFTWARE_STATEMENT)
            .and_then(Value::as_str)
            .and_then(|s| s.rsplit_once('.'))
        {
            let unsigned = format!("{signed}.");
            body.insert(SOFTWARE_STATEMENT.into(), json!(unsigned));
        }
    }
    if defects.has(Defect::DropRegisteredMember) {
        body.shift_remove(REDIRECT_URIS);
    }
    if defects.has(Defect::DropAdvertisedAuthMethod) {
        body.shift_remove(TOKEN_ENDPOINT_AUTH_METHOD);
    }
    if defects.has(Defect::ScopeAsArray) {
        if let Some(Value::String(scope)) = body.get(SCOPE) {
            let tokens: Vec<&str> = scope.split(' ').collect();
            let tokens = json!(tokens);
            body.insert(SCOPE.into(), tokens);
        }
    }
    if defects.has(Defect::GrantTypesAsString) {
        if let Some(Value::Array(grants)) = body.get(GRANT_TYPES) {
            let joined: Vec<&str> = grants.iter().filter_map(Value::as_str).collect();
            let joined = json!(joined.join(" "));
            body.insert(GRANT_TYPES.into(), joined);
        }
    }
    if defects.has(Defect::RedirectOnSuccess) {
        let mut res = build(
            StatusCode::SEE_OTHER,
            APPLICATION_JSON_VALUE,
            Value::Object(body).to_string(),
        );
        res.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_static("https://client.example.org/registered"),
        );
        no_store(&mut res, defects);
        return res;
    }
    let status = if defects.has(Defect::Status200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let content_type = if defects.has(Defect::JsonContentTypeMissing) {
        HeaderValue::from_static("text/plain; charset=utf-8")
    } else {
        APPLICATION_JSON_VALUE
    };
    let mut res = build(status, content_type, Value::Object(body).to_string());
    no_store(&mut res, defects);
    res
}

/// The configuration endpoint's 200 for a read or an update (RFC 7592 §2.1, §2.2): the
/// client information as JSON, never cached.
pub(crate) fn client_read(body: Map<String, Value>, defects: &DefectSet) -> Response {
    let mut res = build(
        StatusCode::OK,
        APPLICATION_JSON_VALUE,
        Value::Object(body).to_string(),
    );
    no_store(&mut res, defects);
    res
}

/// The answer to a successful delete: 204 No Content with an empty body (RFC 7592 §2.3), or
/// under `delete-returns-200` a 200 with a JSON body.
pub(crate) fn client_deleted(client_id: &str, defects: &DefectSet) -> Response {
    let mut res = if defects.has(Defect::DeleteReturns200) {
        let body = json!({ CLIENT_ID: client_id, "deleted": true });
        build(StatusCode::OK, APPLICATION_JSON_VALUE, body.to_string())
    } else {
        let mut res = Response::new(Body::empty());
        *res.status_mut() = StatusCode::NO_CONTENT;
        res
    };
    no_store(&mut res, defects);
    res
}

/// A 400 registration error, with any error-format defects applied.
pub(crate) fn rejected(rejection: &Rejection, defects: &DefectSet) -> Response {
    let mut code = rejection.code.as_str().to_owned();
    if defects.has(Defect::UnknownErrorCode) {
        code = "bad_thing".to_owned();
    }
    if defects.has(Defect::NonAsciiError) {
        code = "ung\u{fc}ltige_anfrage".to_owned();
    }
    let mut description = ascii_description(&rejection.description);
    if defects.has(Defect::NonAsciiErrorDescription) {
        description = format!("ungültig: {description}");
    }
    let mut body = Map::new();
    body.insert(ERROR.into(), json!(code));
    body.insert(ERROR_DESCRIPTION.into(), json!(description));
    let half_created = rejection.late && defects.has(Defect::ClientIdInLateError);
    if defects.has(Defect::ClientIdInError) || half_created {
        body.insert(CLIENT_ID.into(), json!(random_token(18)));
    }
    let status = if defects.has(Defect::ErrorStatus200) {
        StatusCode::OK
    } else if defects.has(Defect::ErrorStatus422) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut res = if defects.has(Defect::HtmlErrors) {
        let page = format!(
            "<!DOCTYPE html><html><head><title>Bad Request</title></head>\
             <body><h1>Bad Request</h1><p>{}: {}</p></body></html>",
            html_escape(&code),
            html_escape(&description)
        );
        build(
            status,
            HeaderValue::from_static("text/html; charset=utf-8"),
            page,
        )
    } else {
        build(
            status,
            APPLICATION_JSON_VALUE,
            Value::Object(body).to_string(),
        )
    };
    no_store(&mut res, defects);
    res
}

/// A JSON error outside the registration rules (401, 404, 405, 413): never altered by
/// defects except `no-cache-control`.
pub(crate) fn protocol_error(
    status: StatusCode,
    code: &str,
    description: &str,
    defects: &DefectSet,
) -> Response {
    let body = json!({ ERROR: code, ERROR_DESCRIPTION: ascii_description(description) });
    let mut res = build(status, APPLICATION_JSON_VALUE, body.to_string());
    no_store(&mut res, defects);
    res
}

/// Any JSON body with `status`, never cached (unless `no-cache-control`).
pub(crate) fn json_reply(status: StatusCode, body: &Value, defects: &DefectSet) -> Response {
    let mut res = build(status, APPLICATION_JSON_VALUE, body.to_string());
    no_store(&mut res, defects);
    res
}

/// The registered clients as a JSON array (`list-clients-on-get`).
pub(crate) fn client_list(clients: Vec<Value>, defects: &DefectSet) -> Response {
    let mut res = build(
        StatusCode::OK,
        APPLICATION_JSON_VALUE,
        Value::Array(clients).to_string(),
    );
    no_store(&mut res, defects);
    res
}

/// A plain-text 500, for the defects that crash.
pub(crate) fn internal_error() -> Response {
    build(
        StatusCode::INTERNAL_SERVER_ERROR,
        HeaderValue::from_static("text/plain; charset=utf-8"),
        "internal server error".to_owned(),
    )
}

/// A response hyper never sends: its body fails before the first byte, so hyper abandons the
/// connection with the head still unflushed and the client sees the connection close.
pub(crate) fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped on purpose"))
    });
    let mut res = Response::new(Body::from_stream(failing));
    *res.status_mut() = StatusCode::OK;
    res
}

/// A discovery document: `issuer`, `authorization_endpoint`, `registration_endpoint` when
/// given, `token_endpoint`, and what the registration and token endpoints support; `s256`
/// lists the PKCE method MCP clients require (RFC 8414 §2, RFC 7636).
pub(crate) fn discovery_document(
    issuer: &str,
    authorization_endpoint: &str,
    registration_endpoint: Option<&str>,
    token_endpoint: &str,
    auth_methods: &[&str],
    s256: bool,
) -> Response {
    let mut doc = Map::new();
    doc.insert("issuer".into(), json!(issuer));
    doc.insert(
        "authorization_endpoint".into(),
        json!(authorization_endpoint),
    );
    if let Some(url) = registration_endpoint {
        doc.insert("registration_endpoint".into(), json!(url));
    }
    doc.insert("token_endpoint".into(), json!(token_endpoint));
    doc.insert(
        "token_endpoint_auth_methods_supported".into(),
        json!(auth_methods),
    );
    // RFC 8414 §2: present whenever a JWT-based method is listed; the token endpoint verifies
    // private_key_jwt assertions signed with these.
    if auth_methods
        .iter()
        .any(|m| *m == AUTH_PRIVATE_KEY_JWT || *m == AUTH_CLIENT_SECRET_JWT)
    {
        doc.insert(
            "token_endpoint_auth_signing_alg_values_supported".into(),
            json!(super::jws::SUPPORTED_ALGS),
        );
    }
    doc.insert(
        "grant_types_supported".into(),
        json!(crate::spec::names::GRANT_TYPES_KNOWN),
    );
    doc.insert(
        "response_types_supported".into(),
        json!(crate::spec::names::RESPONSE_TYPE_GRANTS
            .iter()
            .map(|(r, _)| *r)
            .collect::<Vec<_>>()),
    );
    if s256 {
        doc.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    }
    json_document(doc)
}

/// A public JSON metadata document (discovery, protected resource metadata): 200, cacheable
/// for a minute.
pub(crate) fn json_document(doc: Map<String, Value>) -> Response {
    let mut res = build(
        StatusCode::OK,
        HeaderValue::from_static("application/json"),
        Value::Object(doc).to_string(),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=60"),
    );
    res
}

/// A successful token response (RFC 6749 §5.1): a bearer `access_token`, never cached
/// (`Cache-Control: no-store` and `Pragma: no-cache` whatever the defects).
pub(crate) fn access_token(token: &str, expires_in: u64) -> Response {
    let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in});
    let mut res = build(StatusCode::OK, APPLICATION_JSON_VALUE, body.to_string());
    no_store(&mut res, &DefectSet::default());
    res
}

/// The OPTIONS preflight answer (OIDCR §3, §4: the endpoints should support CORS), allowing
/// `methods` (`"POST"` on the registration endpoints).
pub(crate) fn preflight(methods: &'static str) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NO_CONTENT;
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, authorization"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}

/// Adds `Access-Control-Allow-Origin: *` to every response (used as a router layer).
pub(crate) async fn allow_any_origin(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

/// Sets one header on a built response.
pub(crate) fn with_header(mut res: Response, name: HeaderName, value: HeaderValue) -> Response {
    res.headers_mut().insert(name, value);
    res
}

fn build(status: StatusCode, content_type: HeaderValue, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, content_type);
    res
}

fn no_store(res: &mut Response, defects: &DefectSet) {
    if !defects.has(Defect::NoCacheControl) {
        res.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
        res.headers_mut().insert(header::PRAGMA, NO_CACHE);
    }
}

/// RFC 6749 §5.2 allows only %x20-21 / %x23-5B / %x5D-7E in `error_description`.
fn ascii_description(text: &str) -> String {
    text.chars()
        .map(|c| if is_error_code_char(c) { c } else { '?' })
        .collect()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_forced_into_the_rfc_6749_charset() {
        assert_eq!(ascii_description("a\"b\\c\u{e9}\n"), "a?b?c??");
        assert_eq!(ascii_description("plain text ok"), "plain text ok");
    }
}
