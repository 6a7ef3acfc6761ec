//! Request validation: a parsed JSON object in, a typed [`Registration`] or a [`Rejection`]
//! out. Pure (no I/O, no clock, no randomness). Every rule is applied the strictest way the
//! RFC 7591 and OpenID Connect Registration texts allow: a bad value is refused, never
//! replaced.

use serde_json::{Map, Value};

use super::defects::{Defect, DefectSet};
use super::jwks::check_jwks;
use super::uri::{check_https_url, check_web_url, parse_absolute, UriProblem};
use crate::spec::names::{self, *};

// OpenID Connect Registration §2 members that `names` does not list.
pub(crate) const DEFAULT_ACR_VALUES: &str = "default_acr_values";
pub(crate) const REQUEST_URIS: &str = "request_uris";
pub(crate) const REQUEST_OBJECT_SIGNING_ALG: &str = "request_object_signing_alg";
pub(crate) const REQUEST_OBJECT_ENCRYPTION_ALG: &str = "request_object_encryption_alg";
pub(crate) const REQUEST_OBJECT_ENCRYPTION_ENC: &str = "request_object_encryption_enc";
pub(crate) const SECTOR_IDENTIFIER_URI: &str = "sector_identifier_uri";

/// The `enc` registered when only the `alg` of a pair is given (OIDCR §2).
pub(crate) const DEFAULT_ENC: &str = "A128CBC-HS256";

/// Methods this server supports; anything else, URIs included, is refused.
pub(crate) const SUPPORTED_AUTH_METHODS: &[&str] = &[
    AUTH_NONE,
    AUTH_CLIENT_SECRET_BASIC,
    AUTH_CLIENT_SECRET_POST,
    AUTH_CLIENT_SECRET_JWT,
    AUTH_PRIVATE_KEY_JWT,
];

/// JWS `alg` values (RFC 7518 §3.1, RFC 8037, RFC 8812, fully-specified EdDSA).
const JWS_ALGS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256",
    "PS384", "PS512", "none", "EdDSA", "ES256K", "Ed25519", "Ed448",
];

/// JWE `alg` values (RFC 7518 §4.1).
const JWE_ALGS: &[&str] = &[
    "RSA1_5",
    "RSA-OAEP",
    "RSA-OAEP-256",
    "A128KW",
    "A192KW",
    "A256KW",
    "dir",
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A192KW",
    "ECDH-ES+A256KW",
    "A128GCMKW",
    "A192GCMKW",
    "A256GCMKW",
    "PBES2-HS256+A128KW",
    "PBES2-HS384+A192KW",
    "PBES2-HS512+A256KW",
];

/// JWE `enc` values (RFC 7518 §5.1).
const JWE_ENCS: &[&str] = &[
    "A128CBC-HS256",
    "A192CBC-HS384",
    "A256CBC-HS512",
    "A128GCM",
    "A192GCM",
    "A256GCM",
];

/// Response members a client may send but that the server ignores (it chooses them itself).
const IGNORED_MEMBERS: &[&str] = &[
    CLIENT_ID,
    CLIENT_SECRET,
    CLIENT_ID_ISSUED_AT,
    CLIENT_SECRET_EXPIRES_AT,
    REGISTRATION_ACCESS_TOKEN,
    REGISTRATION_CLIENT_URI,
];

/// OpenID Connect Registration §2 members (besides RFC 7591's).
const OIDC_MEMBERS: &[&str] = &[
    APPLICATION_TYPE,
    ID_TOKEN_SIGNED_RESPONSE_ALG,
    ID_TOKEN_ENCRYPTED_RESPONSE_ALG,
    ID_TOKEN_ENCRYPTED_RESPONSE_ENC,
    USERINFO_SIGNED_RESPONSE_ALG,
    USERINFO_ENCRYPTED_RESPONSE_ALG,
    USERINFO_ENCRYPTED_RESPONSE_ENC,
    REQUEST_OBJECT_SIGNING_ALG,
    REQUEST_OBJECT_ENCRYPTION_ALG,
    REQUEST_OBJECT_ENCRYPTION_ENC,
    TOKEN_ENDPOINT_AUTH_SIGNING_ALG,
    SUBJECT_TYPE,
    SECTOR_IDENTIFIER_URI,
    DEFAULT_MAX_AGE,
    REQUIRE_AUTH_TIME,
    DEFAULT_ACR_VALUES,
    INITIATE_LOGIN_URI,
    REQUEST_URIS,
];

/// Which registration endpoint received the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `POST /register`: RFC 7591 + OpenID Connect Registration.
    Register,
    /// The vendor `seed-v3` endpoint: the same rules plus its own.
    SeedV3,
}

/// The `error` codes this server answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // named after the RFC 7591 / RFC 6749 codes they stand for
pub(crate) enum ErrorCode {
    InvalidRedirectUri,
    InvalidClientMetadata,
    InvalidSoftwareStatement,
    UnapprovedSoftwareStatement,
    InvalidRequest,
}

impl ErrorCode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRedirectUri => INVALID_REDIRECT_URI,
            ErrorCode::InvalidClientMetadata => INVALID_CLIENT_METADATA,
            ErrorCode::InvalidSoftwareStatement => INVALID_SOFTWARE_STATEMENT,
            ErrorCode::UnapprovedSoftwareStatement => UNAPPROVED_SOFTWARE_STATEMENT,
            ErrorCode::InvalidRequest => INVALID_REQUEST,
        }
    }
}

/// Why a registration request is refused (becomes a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub(crate) struct Rejection {
    pub code: ErrorCode,
    pub description: String,
    /// Raised by a cross-member rule, after every member on its own was accepted (where
    /// `client-id-in-late-error` has already created the client).
    pub late: bool,
}

impl Rejection {
    pub(crate) fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Rejection {
            code,
            description: description.into(),
            late: false,
        }
    }

    fn late(self) -> Self {
        Rejection { late: true, ..self }
    }

    fn metadata(description: impl Into<String>) -> Self {
        Rejection::new(ErrorCode::InvalidClientMetadata, description)
    }

    fn redirect(description: impl Into<String>) -> Self {
        Rejection::new(ErrorCode::InvalidRedirectUri, description)
    }
}

/// `redirect_uris` as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RedirectUris {
    List(Vec<String>),
    /// Only with `accept-missing-redirect`.
    Absent,
    /// Only with `accept-string-redirect`: echoed as the bare string it came as.
    BareString(String),
}

/// An encryption `alg`/`enc` pair; `enc` is the default when the client gave only `alg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Encryption {
    pub alg: String,
    pub enc: String,
}

/// A registration request that passed validation: what will be stored and echoed. Strings
/// are kept exactly as sent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Registration {
    pub redirect_uris: RedirectUris,
    pub token_endpoint_auth_method: String,
    pub grant_types: Vec<String>,
    pub response_types: Vec<String>,
    pub application_type: String,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
    pub tos_uri: Option<String>,
    pub policy_uri: Option<String>,
    /// Language-tagged variants (`client_name#en`), member name and value verbatim.
    pub tagged: Vec<(String, String)>,
    pub scope: Option<String>,
    pub contacts: Option<Vec<String>>,
    pub jwks_uri: Option<String>,
    pub jwks: Option<Value>,
    pub software_id: Option<String>,
    pub software_version: Option<String>,
    /// A software statement the server verified and used, exactly as received; set by the
    /// caller after validation (`statement::apply`), never by `validate`.
    pub software_statement: Option<String>,
    pub subject_type: Option<String>,
    pub id_token_signed_response_alg: String,
    pub id_token_encryption: Option<Encryption>,
    pub userinfo_signed_response_alg: Option<String>,
    pub userinfo_encryption: Option<Encryption>,
    pub request_object_signing_alg: Option<String>,
    pub request_object_encryption: Option<Encryption>,
    pub token_endpoint_auth_signing_alg: Option<String>,
    pub default_max_age: Option<u64>,
    pub require_auth_time: bool,
    pub default_acr_values: Option<Vec<String>>,
    pub initiate_login_uri: Option<String>,
    pub request_uris: Option<Vec<String>>,
    /// Only with `accept-string-request-uris`: the one entry is echoed as the bare string it
    /// came as.
    pub request_uris_as_string: bool,
    /// Only with `accept-http-sector-identifier-uri` (the clean server refuses the member).
    pub sector_identifier_uri: Option<String>,
    /// Only with `accept-enc-without-alg`: `*_enc` members registered without their `*_alg`,
    /// as (member, value).
    pub orphan_encs: Vec<(String, String)>,
    /// seed-v3 `metadata` entries, reduced to `name`, `value` and `locale`.
    pub metadata: Option<Vec<Value>>,
    /// seed-v3 (RFC 9126) flag.
    pub require_pushed_authorization_requests: Option<bool>,
    /// Whether a `client_secret` is issued: secret-based methods, and `private_key_jwt` when
    /// a symmetric algorithm needs a secret-derived key (OIDC Core §10.1–10.2).
    pub needs_secret: bool,
}

/// Validates one registration request object.
/// The `client_name` claim of a JWT's payload, read without any signature check: only the
/// `trust-unsigned-software-statement` defect does this.
fn statement_claim_name(jwt: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get(CLIENT_NAME)?.as_str().map(str::to_owned)
}

pub(crate) fn validate(
    obj: &Map<String, Value>,
    endpoint: Endpoint,
    defects: &DefectSet,
) -> Result<Registration, Rejection> {
    if defects.has(Defect::RejectUnknownMembers) {
        if let Some(name) = obj.keys().find(|k| !is_known_member(k, endpoint)) {
            return Err(Rejection::metadata(format!("unknown member {name}")));
        }
    }

    let application_type = match opt_string(obj, APPLICATION_TYPE)? {
        None => "web".to_owned(),
        Some(t @ ("web" | "native")) => t.to_owned(),
        Some(_) => {
            return Err(Rejection::metadata(
                "application_type must be web or native",
            ))
        }
    };
    let (grant_types, response_types) = grants_and_responses(obj, defects)?;
    // As the MCP Python SDK 1.x does: a public client must ask for refresh tokens too.
    if defects.has(Defect::McpRefuseCodeGrantAlone)
        && obj.get(TOKEN_ENDPOINT_AUTH_METHOD) == Some(&Value::from(AUTH_NONE))
        && grant_types == [GRANT_AUTHORIZATION_CODE]
    {
        return Err(Rejection::metadata(
            "grant_types must be authorization_code and refresh_token",
        ));
    }
    let implicit = grant_types.iter().any(|g| g == GRANT_IMPLICIT)
        || response_types
            .iter()
            .any(|r| r.split(' ').any(|w| w == "token" || w == "id_token"));
    let context = RedirectContext {
        native: application_type == "native",
        implicit,
        redirect_grants: grant_types
            .iter()
            .any(|g| REDIRECT_GRANTS.contains(&g.as_str())),
    };
    let redirect_uris = redirect_uris(obj, context, defects)?;

    let token_endpoint_auth_method = match opt_string(obj, TOKEN_ENDPOINT_AUTH_METHOD)? {
        None => AUTH_CLIENT_SECRET_BASIC.to_owned(),
        // Still listed in the discovery documents: the refusal contradicts them.
        Some(AUTH_CLIENT_SECRET_POST) if defects.has(Defect::RefuseAdvertisedAuthMethod) => {
            return Err(Rejection::metadata(
                "token_endpoint_auth_method client_secret_post is not accepted",
            ))
        }
        Some(AUTH_NONE) if defects.has(Defect::McpRefusePublicClients) => {
            return Err(Rejection::metadata(
                "public clients (token_endpoint_auth_method none) are not accepted",
            ))
        }
        Some(m) if SUPPORTED_AUTH_METHODS.contains(&m) => m.to_owned(),
        Some(m) if defects.has(Defect::EchoUnknownAuthMethod) => m.to_owned(),
        Some(_) => {
            return Err(Rejection::metadata(
                "token_endpoint_auth_method is not supported by this server",
            ))
        }
    };

    let mut client_name = opt_string(obj, CLIENT_NAME)?.map(str::to_owned);
    if defects.has(Defect::TrustUnsignedSoftwareStatement) {
        if let Some(name) = obj
            .get(SOFTWARE_STATEMENT)
            .and_then(Value::as_str)
            .and_then(statement_claim_name)
        {
            client_name = Some(name);
        }
    }
    let client_uri = opt_web_url(obj, CLIENT_URI)?;
    let logo_uri = opt_web_url(obj, LOGO_URI)?;
    let tos_uri = opt_web_url(obj, TOS_URI)?;
    let policy_uri = opt_web_url(obj, POLICY_URI)?;
    let tagged = language_tagged(obj)?;

    let scope = opt_string(obj, SCOPE)?.map(str::to_owned);
    if let Some(scope) = &scope {
        check_scope(scope)?;
    }
    let contacts = opt_string_array(obj, CONTACTS)?;
    let software_id = opt_string(obj, SOFTWARE_ID)?.map(str::to_owned);
    let software_version = opt_string(obj, SOFTWARE_VERSION)?.map(str::to_owned);
    // Statements are not supported (RFC 7591 §3.1.1 lets the server ignore them), but a value
    // that cannot even be a JWS is refused rather than silently swallowed.
    if obj.get(SOFTWARE_STATEMENT).is_some_and(|v| !v.is_string()) {
        return Err(Rejection::new(
            ErrorCode::InvalidSoftwareStatement,
            "software_statement must be a string",
        ));
    }

    let (jwks, jwks_uri) = client_keys(obj, defects)?;

    let subject_type = match opt_string(obj, SUBJECT_TYPE)? {
        None => None,
        Some("public") => Some("public".to_owned()),
        Some(_) => return Err(Rejection::metadata("subject_type must be public")),
    };
    let sector_identifier_uri = match opt_string(obj, SECTOR_IDENTIFIER_URI)? {
        None => None,
        Some(uri) if defects.has(Defect::AcceptHttpSectorIdentifierUri) => Some(uri.to_owned()),
        // Only pairwise subjects use it, and this server neither offers pairwise nor fetches.
        Some(_) => {
            return Err(Rejection::metadata(
                "sector_identifier_uri is not supported by this server",
            ))
        }
    };

    let id_token_signed_response_alg =
        opt_jws_alg(obj, ID_TOKEN_SIGNED_RESPONSE_ALG)?.unwrap_or_else(|| "RS256".to_owned());
    let mut orphan_encs = Vec::new();
    let id_token_encryption = encryption(
        obj,
        ID_TOKEN_ENCRYPTED_RESPONSE_ALG,
        ID_TOKEN_ENCRYPTED_RESPONSE_ENC,
        defects,
        &mut orphan_encs,
    )?;
    let userinfo_signed_response_alg = opt_jws_alg(obj, USERINFO_SIGNED_RESPONSE_ALG)?;
    let userinfo_encryption = encryption(
        obj,
        USERINFO_ENCRYPTED_RESPONSE_ALG,
        USERINFO_ENCRYPTED_RESPONSE_ENC,
        defects,
        &mut orphan_encs,
    )?;
    let request_object_signing_alg = opt_jws_alg(obj, REQUEST_OBJECT_SIGNING_ALG)?;
    let request_object_encryption = encryption(
        obj,
        REQUEST_OBJECT_ENCRYPTION_ALG,
        REQUEST_OBJECT_ENCRYPTION_ENC,
        defects,
        &mut orphan_encs,
    )?;
    let token_endpoint_auth_signing_alg = opt_jws_alg(obj, TOKEN_ENDPOINT_AUTH_SIGNING_ALG)?;

    let default_max_age = match obj.get(DEFAULT_MAX_AGE) {
        None => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            Rejection::metadata("default_max_age must be a non-negative integer")
        })?),
    };
    let require_auth_time = match obj.get(REQUIRE_AUTH_TIME) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Rejection::metadata("require_auth_time must be a boolean")),
    };
    let default_acr_values = opt_string_array(obj, DEFAULT_ACR_VALUES)?;
    let initiate_login_uri = opt_string(obj, INITIATE_LOGIN_URI)?.map(str::to_owned);
    if let Some(uri) = &initiate_login_uri {
        check_https_url(uri, false)
            .map_err(|e| Rejection::metadata(format!("initiate_login_uri {e}")))?;
    }
    let (request_uris, request_uris_as_string) = match obj.get(REQUEST_URIS) {
        Some(Value::String(uri)) if defects.has(Defect::AcceptStringRequestUris) => {
            (Some(vec![uri.clone()]), true)
        }
        _ => (opt_string_array(obj, REQUEST_URIS)?, false),
    };
    // OIDCR §2: an entry may carry a fragment (the SHA-256 of the request object).
    let fragments = !defects.has(Defect::RejectRequestUriFragment);
    for uri in request_uris.iter().flatten() {
        check_https_url(uri, fragments)
            .map_err(|e| Rejection::metadata(format!("request_uris entry {e}")))?;
    }

    let (metadata, require_pushed_authorization_requests) = match endpoint {
        Endpoint::Register => (None, None),
        Endpoint::SeedV3 => {
            if client_name.as_deref().is_none_or(str::is_empty) {
                return Err(Rejection::metadata(
                    "client_name is required and must not be empty",
                ));
            }
            (
                seed_metadata(obj)?,
                opt_bool(obj, REQUIRE_PUSHED_AUTHORIZATION_REQUESTS)?,
            )
        }
    };

    let mut registration = Registration {
        redirect_uris,
        token_endpoint_auth_method,
        grant_types,
        response_types,
        application_type,
        client_name,
        client_uri,
        logo_uri,
        tos_uri,
        policy_uri,
        tagged,
        scope,
        contacts,
        jwks_uri,
        jwks,
        software_id,
        software_version,
        software_statement: None,
        subject_type,
        id_token_signed_response_alg,
        id_token_encryption,
        userinfo_signed_response_alg,
        userinfo_encryption,
        request_object_signing_alg,
        request_object_encryption,
        token_endpoint_auth_signing_alg,
        default_max_age,
        require_auth_time,
        default_acr_values,
        initiate_login_uri,
        request_uris,
        request_uris_as_string,
        sector_identifier_uri,
        orphan_encs,
        metadata,
        require_pushed_authorization_requests,
        needs_secret: false,
    };
    registration.needs_secret =
        cross_member_rules(&registration, defects).map_err(Rejection::late)?;
    if defects.has(Defect::McpApplicationTypeWeb) {
        registration.application_type = "web".to_owned();
    }
    Ok(registration)
}

/// The rules that tie members together (OIDCR §2, OIDC Core §10); returns whether a
/// `client_secret` is issued.
fn cross_member_rules(reg: &Registration, defects: &DefectSet) -> Result<bool, Rejection> {
    let method = reg.token_endpoint_auth_method.as_str();
    let has_keys = reg.jwks.is_some() || reg.jwks_uri.is_some();
    if method == AUTH_PRIVATE_KEY_JWT && !has_keys {
        return Err(Rejection::metadata(
            "private_key_jwt needs jwks or jwks_uri",
        ));
    }
    if let Some(alg) = &reg.token_endpoint_auth_signing_alg {
        let fits = match method {
            AUTH_CLIENT_SECRET_JWT => is_hmac(alg),
            AUTH_PRIVATE_KEY_JWT => {
                (alg != "none" || defects.has(Defect::AcceptAuthSigningAlgNone)) && !is_hmac(alg)
            }
            _ => false,
        };
        if !fits {
            return Err(Rejection::metadata(
                "token_endpoint_auth_signing_alg does not suit token_endpoint_auth_method",
            ));
        }
    }
    let returns_id_token = reg
        .response_types
        .iter()
        .any(|r| r.split(' ').any(|w| w == "id_token"));
    if reg.id_token_signed_response_alg == "none"
        && returns_id_token
        && !defects.has(Defect::AcceptUnsignedIdTokenImplicit)
    {
        return Err(Rejection::metadata(
            "id_token_signed_response_alg none needs response types without id_token",
        ));
    }
    for (name, enc) in [
        (ID_TOKEN_ENCRYPTED_RESPONSE_ALG, &reg.id_token_encryption),
        (USERINFO_ENCRYPTED_RESPONSE_ALG, &reg.userinfo_encryption),
    ] {
        if enc.as_ref().is_some_and(|e| is_asymmetric_jwe(&e.alg)) && !has_keys {
            return Err(Rejection::metadata(format!(
                "{name} needs a client key in jwks or jwks_uri"
            )));
        }
    }
    // HMAC signatures and symmetric key management use keys derived from the client secret.
    let symmetric_encryption = [
        &reg.id_token_encryption,
        &reg.userinfo_encryption,
        &reg.request_object_encryption,
    ]
    .into_iter()
    .flatten()
    .any(|e| !is_asymmetric_jwe(&e.alg));
    let hmac_signing = [
        Some(&reg.id_token_signed_response_alg),
        reg.userinfo_signed_response_alg.as_ref(),
        reg.request_object_signing_alg.as_ref(),
    ]
    .into_iter()
    .flatten()
    .any(|a| is_hmac(a));
    let symmetric = symmetric_encryption || hmac_signing;
    let secret_method = SECRET_AUTH_METHODS.contains(&method);
    if symmetric && !secret_method && method != AUTH_PRIVATE_KEY_JWT {
        return Err(Rejection::metadata(
            "symmetric algorithms need a client_secret, which this auth method does not get",
        ));
    }
    Ok(secret_method || (method == AUTH_PRIVATE_KEY_JWT && symmetric))
}

/// `jwks` or `jwks_uri`, never both (RFC 7591 §2).
fn client_keys(
    obj: &Map<String, Value>,
    defects: &DefectSet,
) -> Result<(Option<Value>, Option<String>), Rejection> {
    let jwks = match obj.get(JWKS) {
        None => None,
        Some(v) => {
            check_jwks(v, defects).map_err(Rejection::metadata)?;
            Some(v.clone())
        }
    };
    let jwks_uri = opt_string(obj, JWKS_URI)?.map(str::to_owned);
    if let Some(uri) = &jwks_uri {
        let checked = if defects.has(Defect::AcceptHttpJwksUri) {
            check_web_url(uri)
        } else {
            check_https_url(uri, false)
        };
        checked.map_err(|e| Rejection::metadata(format!("jwks_uri {e}")))?;
    }
    // `jwks-exclusive-only-for-private-key-jwt` applies the rule only to clients that
    // authenticate with the keys.
    let exclusive = !defects.has(Defect::AcceptJwksAndJwksUri)
        && (!defects.has(Defect::JwksExclusiveOnlyForPrivateKeyJwt)
            || obj.get(TOKEN_ENDPOINT_AUTH_METHOD).and_then(Value::as_str)
                == Some(AUTH_PRIVATE_KEY_JWT));
    if jwks.is_some() && jwks_uri.is_some() && exclusive {
        return Err(Rejection::metadata(
            "jwks and jwks_uri must not both be present",
        ));
    }
    Ok((jwks, jwks_uri))
}

/// A member name that carries a well-formed language tag on a taggable member.
pub(crate) fn is_tagged_member(name: &str) -> bool {
    name.split_once('#')
        .is_some_and(|(base, tag)| LANGUAGE_TAGGED.contains(&base) && is_language_tag(tag))
}

/// BCP 47-ish: subtags of 1–8 ASCII letters or digits separated by `-` (case-insensitive).
fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag
            .split('-')
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn is_known_member(name: &str, endpoint: Endpoint) -> bool {
    RFC7591_METADATA.contains(&name)
        || OIDC_MEMBERS.contains(&name)
        || IGNORED_MEMBERS.contains(&name)
        || name == SOFTWARE_STATEMENT
        || is_tagged_member(name)
        || (endpoint == Endpoint::SeedV3
            && (name == names::METADATA || name == REQUIRE_PUSHED_AUTHORIZATION_REQUESTS))
}

fn grants_and_responses(
    obj: &Map<String, Value>,
    defects: &DefectSet,
) -> Result<(Vec<String>, Vec<String>), Rejection> {
    let grants = opt_string_array(obj, GRANT_TYPES)?;
    if grants
        .iter()
        .flatten()
        .any(|g| !GRANT_TYPES_KNOWN.contains(&g.as_str()))
    {
        return Err(Rejection::metadata("grant_types has an unsupported value"));
    }
    let responses = opt_string_array(obj, RESPONSE_TYPES)?;
    if responses
        .iter()
        .flatten()
        .any(|r| !RESPONSE_TYPE_GRANTS.iter().any(|(known, _)| known == r))
    {
        return Err(Rejection::metadata(
            "response_types has an unsupported value",
        ));
    }
    let grants = grants.unwrap_or_else(|| vec![GRANT_AUTHORIZATION_CODE.to_owned()]);
    // The default ["code"] would contradict grants without authorization_code (RFC 7591 §2.1).
    let responses = responses.unwrap_or_else(|| {
        if grants.iter().any(|g| g == GRANT_AUTHORIZATION_CODE) {
            vec![RESPONSE_CODE.to_owned()]
        } else {
            Vec::new()
        }
    });
    if !defects.has(Defect::AcceptInconsistentGrants) {
        check_consistency(&grants, &responses, defects)?;
    }
    Ok((grants, responses))
}

/// RFC 7591 §2.1 and OIDCR §2, in both directions.
fn check_consistency(
    grants: &[String],
    responses: &[String],
    defects: &DefectSet,
) -> Result<(), Rejection> {
    let has = |g: &str| grants.iter().any(|x| x == g);
    for r in responses {
        let needed = RESPONSE_TYPE_GRANTS
            .iter()
            .find(|(known, _)| known == r)
            .map_or(&[][..], |(_, g)| *g);
        // `hybrid-without-implicit` knows only RFC 7591's mapping (code and token), so
        // id_token asks for no grant.
        let rfc7591_only = defects.has(Defect::HybridWithoutImplicit);
        let needed: Vec<&str> = needed
            .iter()
            .copied()
            .filter(|g| {
                !rfc7591_only
                    || r.split(' ').any(|w| {
                        (w == RESPONSE_CODE && *g == GRANT_AUTHORIZATION_CODE)
                            || (w == "token" && *g == GRANT_IMPLICIT)
                    })
            })
            .collect();
        if !needed.iter().all(|g| has(g)) {
            return Err(Rejection::metadata(
                "response_types need grant_types that were not registered",
            ));
        }
    }
    let any_word = |words: &[&str]| {
        responses
            .iter()
            .any(|r| r.split(' ').any(|w| words.contains(&w)))
    };
    if has(GRANT_AUTHORIZATION_CODE) && !any_word(&["code"]) {
        return Err(Rejection::metadata(
            "authorization_code needs a response type with code",
        ));
    }
    if has(GRANT_IMPLICIT) && !any_word(&["token", "id_token"]) {
        return Err(Rejection::metadata(
            "implicit needs a response type with token or id_token",
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct RedirectContext {
    native: bool,
    implicit: bool,
    /// Whether a registered grant type uses the redirection endpoint.
    redirect_grants: bool,
}

fn redirect_uris(
    obj: &Map<String, Value>,
    context: RedirectContext,
    defects: &DefectSet,
) -> Result<RedirectUris, Rejection> {
    let items = match obj.get(REDIRECT_URIS) {
        None if defects.has(Defect::AcceptMissingRedirect) => return Ok(RedirectUris::Absent),
        // RFC 7591 §5 reading: only redirect-based grants need redirect URIs (OIDC §2 always
        // requires them).
        None if defects.has(Defect::RedirectUrisOnlyForRedirectGrants)
            && !context.redirect_grants =>
        {
            return Ok(RedirectUris::Absent)
        }
        None => return Err(Rejection::redirect("redirect_uris is required")),
        Some(Value::String(s)) if defects.has(Defect::AcceptStringRedirect) => {
            check_redirect_uri(s, context, defects)?;
            return Ok(RedirectUris::BareString(s.clone()));
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Rejection::redirect(
                "redirect_uris must be an array of strings",
            ))
        }
    };
    let mut uris = Vec::with_capacity(items.len());
    for item in items {
        let Value::String(s) = item else {
            return Err(Rejection::redirect(
                "redirect_uris must be an array of strings",
            ));
        };
        uris.push(s.as_str());
    }
    if uris.is_empty() && !defects.has(Defect::AcceptEmptyRedirect) {
        return Err(Rejection::redirect("redirect_uris must not be empty"));
    }
    let mut kept = Vec::with_capacity(uris.len());
    let mut first_problem = None;
    for raw in uris {
        match check_redirect_uri(raw, context, defects) {
            Ok(()) => kept.push(raw.to_owned()),
            Err(e) if defects.has(Defect::SubstituteRedirectUris) => {
                first_problem.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    match first_problem {
        Some(problem) if kept.is_empty() => Err(problem),
        _ => Ok(RedirectUris::List(kept)),
    }
}

fn check_redirect_uri(
    raw: &str,
    context: RedirectContext,
    defects: &DefectSet,
) -> Result<(), Rejection> {
    let uri = match parse_absolute(raw) {
        Ok(uri) => uri,
        Err(UriProblem::Relative) if defects.has(Defect::AcceptRelativeRedirect) => return Ok(()),
        Err(problem) => {
            return Err(Rejection::redirect(format!(
                "a redirect URI {}",
                problem.describe()
            )))
        }
    };
    if uri.has_fragment && !defects.has(Defect::AcceptFragmentRedirect) {
        return Err(Rejection::redirect(
            "a redirect URI must not contain a fragment",
        ));
    }
    if defects.has(Defect::McpRefuseLocalhostRedirect)
        && uri.scheme == "http"
        && matches!(uri.host.as_deref(), Some("localhost" | "[::1]"))
    {
        return Err(Rejection::redirect(
            "loopback redirect URIs must use 127.0.0.1",
        ));
    }
    let native_http = context.native && defects.has(Defect::NativeHttpAnyHost);
    let accept_http =
        defects.has(Defect::AcceptHttpRedirect) || defects.has(Defect::McpAcceptHttpRedirect);
    let http_anywhere = (accept_http || native_http) && uri.scheme == "http";
    // RFC 7591 §5: remote https, loopback http, or an app's private-use scheme.
    if !(uri.is_https() || uri.is_http_loopback() || uri.is_private_use() || http_anywhere) {
        return Err(Rejection::redirect(
            "a redirect URI must be https, http on a loopback host, or a private-use scheme",
        ));
    }
    if context.native && !(uri.is_private_use() || uri.is_http_loopback() || http_anywhere) {
        // OIDCR §2, strictest reading: claimed https redirects are refused too.
        return Err(Rejection::redirect(
            "native clients may only use private-use schemes or http on a loopback host",
        ));
    }
    if !context.native
        && context.implicit
        && (!uri.is_https() || uri.loopback)
        && !defects.has(Defect::ImplicitLocalhostRedirect)
    {
        return Err(Rejection::redirect(
            "web clients using the implicit flow need https redirect URIs off localhost",
        ));
    }
    Ok(())
}

fn language_tagged(obj: &Map<String, Value>) -> Result<Vec<(String, String)>, Rejection> {
    let mut tagged = Vec::new();
    for (name, value) in obj {
        // Malformed tags (`client_name#`, `client_name#!!`) are unknown members: dropped.
        if !is_tagged_member(name) {
            continue;
        }
        let Value::String(s) = value else {
            return Err(Rejection::metadata(
                "a language-tagged member must be a string",
            ));
        };
        if !name.starts_with("client_name#") {
            check_web_url(s)
                .map_err(|e| Rejection::metadata(format!("a language-tagged URL {e}")))?;
        }
        tagged.push((name.clone(), s.clone()));
    }
    Ok(tagged)
}

/// RFC 6749 §3.3: `scope-token *( SP scope-token )`, `scope-token = 1*NQCHAR`.
fn check_scope(scope: &str) -> Result<(), Rejection> {
    let nqchar = |c: char| matches!(c, '\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}');
    let ok = scope
        .split(' ')
        .all(|t| !t.is_empty() && t.chars().all(nqchar));
    if ok {
        Ok(())
    } else {
        Err(Rejection::metadata(
            "scope must be space-separated tokens of printable ASCII",
        ))
    }
}

fn seed_metadata(obj: &Map<String, Value>) -> Result<Option<Vec<Value>>, Rejection> {
    let Some(value) = obj.get(names::METADATA) else {
        return Ok(None);
    };
    let bad =
        || Rejection::metadata("metadata must be an array of objects with string name and value");
    let items = value.as_array().ok_or_else(bad)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let entry = item.as_object().ok_or_else(bad)?;
        let mut kept = Map::new();
        for (member, required) in [("name", true), ("value", true), ("locale", false)] {
            match entry.get(member) {
                Some(Value::String(s)) => {
                    kept.insert(member.to_owned(), Value::String(s.clone()));
                }
                None if !required => {}
                _ => return Err(bad()),
            }
        }
        out.push(Value::Object(kept));
    }
    Ok(Some(out))
}

/// One `*_alg`/`*_enc` pair. `accept-enc-without-alg` records an `enc` without its `alg` in
/// `orphans` instead of refusing it.
fn encryption(
    obj: &Map<String, Value>,
    alg_name: &str,
    enc_name: &str,
    defects: &DefectSet,
    orphans: &mut Vec<(String, String)>,
) -> Result<Option<Encryption>, Rejection> {
    let alg = opt_string(obj, alg_name)?;
    let enc = opt_string(obj, enc_name)?;
    if alg.is_some_and(|a| !JWE_ALGS.contains(&a)) {
        return Err(Rejection::metadata(format!(
            "{alg_name} is not a JWE algorithm"
        )));
    }
    if enc.is_some_and(|e| !JWE_ENCS.contains(&e)) {
        return Err(Rejection::metadata(format!(
            "{enc_name} is not a JWE encryption"
        )));
    }
    match (alg, enc) {
        (None, None) => Ok(None),
        (None, Some(enc)) if defects.has(Defect::AcceptEncWithoutAlg) => {
            orphans.push((enc_name.to_owned(), enc.to_owned()));
            Ok(None)
        }
        (None, Some(_)) => Err(Rejection::metadata(format!("{enc_name} needs {alg_name}"))),
        (Some(alg), enc) => Ok(Some(Encryption {
            alg: alg.to_owned(),
            enc: enc.unwrap_or(DEFAULT_ENC).to_owned(),
        })),
    }
}

fn is_hmac(alg: &str) -> bool {
    alg.starts_with("HS")
}

fn is_asymmetric_jwe(alg: &str) -> bool {
    alg.starts_with("RSA") || alg.starts_with("ECDH-ES")
}

fn opt_string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Rejection> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Rejection::metadata(format!("{name} must be a string"))),
    }
}

fn opt_bool(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, Rejection> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Rejection::metadata(format!("{name} must be a boolean"))),
    }
}

fn opt_string_array(
    obj: &Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<String>>, Rejection> {
    let Some(value) = obj.get(name) else {
        return Ok(None);
    };
    let bad = || Rejection::metadata(format!("{name} must be an array of strings"));
    let items = value.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn opt_web_url(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Rejection> {
    let Some(s) = opt_string(obj, name)? else {
        return Ok(None);
    };
    check_web_url(s).map_err(|e| Rejection::metadata(format!("{name} {e}")))?;
    Ok(Some(s.to_owned()))
}

fn opt_jws_alg(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Rejection> {
    match opt_string(obj, name)? {
        None => Ok(None),
        Some(a) if JWS_ALGS.contains(&a) => Ok(Some(a.to_owned())),
        Some(_) => Err(Rejection::metadata(format!(
            "{name} is not a JWS algorithm"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(body: Value) -> Result<Registration, Rejection> {
        run_with(body, &[])
    }

    fn run_with(body: Value, defects: &[Defect]) -> Result<Registration, Rejection> {
        let Value::Object(obj) = body else {
            panic!("test body must be an object");
        };
        validate(&obj, Endpoint::Register, &DefectSet::new(defects))
    }

    fn code(body: Value) -> Option<ErrorCode> {
        run(body).err().map(|r| r.code)
    }

    fn b0() -> Value {
        json!({"redirect_uris": ["https://client.example.org/cb"], "client_name": "dcr-harness"})
    }

    fn with(extra: Value) -> Value {
        let mut body = b0();
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        body
    }

    fn rsa_jwks() -> Value {
        use base64::Engine as _;
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
        json!({"keys": [{"kty": "RSA", "n": n, "e": "AQAB", "kid": "k1"}]})
    }

    #[test]
    fn baseline_gets_the_defaults() {
        let r = run(b0()).expect("B0 is valid");
        assert_eq!(r.token_endpoint_auth_method, "client_secret_basic");
        assert_eq!(r.grant_types, ["authorization_code"]);
        assert_eq!(r.response_types, ["code"]);
        assert_eq!(r.application_type, "web");
        assert_eq!(r.id_token_signed_response_alg, "RS256");
        assert!(!r.require_auth_time);
        assert!(r.needs_secret);
    }

    #[test]
    fn client_credentials_alone_gets_no_response_types() {
        let r = run(with(json!({"grant_types": ["client_credentials"]}))).expect("valid");
        assert!(r.response_types.is_empty());
    }

    #[test]
    fn redirect_uri_problems_are_invalid_redirect_uri() {
        let rd = Some(ErrorCode::InvalidRedirectUri);
        for uris in [
            json!(null),
            json!("https://client.example.org/cb"),
            json!([]),
            json!([1]),
            json!(["https://client.example.org/cb#frag"]),
            json!(["https://client.example.org/cb#"]),
            json!(["/cb"]),
            json!(["cb"]),
            json!([""]),
            json!(["https://"]),
            json!(["http://client.example.org/cb"]),
            json!(["javascript:alert(1)"]),
            json!([
                "https://client.example.org/cb",
                "https://client.example.org/cb#bad"
            ]),
        ] {
            assert_eq!(code(with(json!({"redirect_uris": uris}))), rd, "{uris}");
        }
        let mut missing = b0();
        missing.as_object_mut().map(|o| o.remove("redirect_uris"));
        assert_eq!(code(missing), rd);
    }

    #[test]
    fn redirect_uri_kinds_follow_application_type_and_flow() {
        for ok in [
            "http://localhost:8080/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:9/cb",
            "com.example.app:/cb",
            "https://client.example.org/cb?tenant=1",
        ] {
            assert!(run(with(json!({"redirect_uris": [ok]}))).is_ok(), "{ok}");
        }
        let native = |u: &str| json!({"application_type": "native", "redirect_uris": [u]});
        assert!(run(with(native("com.example.app:/cb"))).is_ok());
        assert!(run(with(native("http://127.0.0.1/cb"))).is_ok());
        assert_eq!(
            code(with(native("https://client.example.org/cb"))),
            Some(ErrorCode::InvalidRedirectUri)
        );
        let implicit = |u: &str| json!({"grant_types": ["implicit"], "response_types": ["id_token"], "redirect_uris": [u]});
        assert!(run(with(implicit("https://client.example.org/cb"))).is_ok());
        for bad in [
            "http://client.example.org/cb",
            "https://localhost/cb",
            "https://127.0.0.1/cb",
            "http://localhost/cb",
        ] {
            assert_eq!(
                code(with(implicit(bad))),
                Some(ErrorCode::InvalidRedirectUri),
                "{bad}"
            );
        }
    }

    #[test]
    fn grant_and_response_types_must_agree() {
        let md = Some(ErrorCode::InvalidClientMetadata);
        for pair in [
            json!({"grant_types": ["authorization_code"], "response_types": ["token"]}),
            json!({"grant_types": ["implicit"], "response_types": ["code"]}),
            json!({"grant_types": ["client_credentials"], "response_types": ["code"]}),
            json!({"grant_types": ["authorization_code"], "response_types": ["code id_token"]}),
            json!({"grant_types": ["implicit"]}),
            json!({"grant_types": ["urn:example:unsupported"]}),
            json!({"response_types": ["code", "bogus"]}),
            json!({"grant_types": "authorization_code"}),
        ] {
            assert_eq!(code(with(pair.clone())), md, "{pair}");
        }
        let ok = json!({"grant_types": ["authorization_code", "implicit"],
                        "response_types": ["code id_token", "code"]});
        assert!(run(with(ok)).is_ok());
        let inconsistent = with(json!({"grant_types": ["implicit"], "response_types": ["code"]}));
        assert!(run_with(inconsistent, &[Defect::AcceptInconsistentGrants]).is_ok());
    }

    #[test]
    fn member_types_and_values_are_checked() {
        let md = Some(ErrorCode::InvalidClientMetadata);
        for extra in [
            json!({"scope": ["a", "b"]}),
            json!({"scope": "a  b"}),
            json!({"scope": ""}),
            json!({"scope": "a\"b"}),
            json!({"contacts": "a@b"}),
            json!({"client_name": 7}),
            json!({"logo_uri": "not a url"}),
            json!({"client_uri": "javascript:alert(1)"}),
            json!({"tos_uri": "data:text/html,x"}),
            json!({"policy_uri": "/policy"}),
            json!({"token_endpoint_auth_method": "bogus_auth"}),
            json!({"token_endpoint_auth_method": "tls_client_auth"}),
            json!({"token_endpoint_auth_method": "urn:example:auth"}),
            json!({"token_endpoint_auth_method": "private_key_jwt"}),
            json!({"application_type": "desktop"}),
            json!({"subject_type": "pairwise"}),
            json!({"sector_identifier_uri": "https://client.example.org/s.json"}),
            json!({"jwks_uri": "http://client.example.org/jwks"}),
            json!({"jwks_uri": "::"}),
            json!({"jwks": "abc"}),
            json!({"jwks": rsa_jwks(), "jwks_uri": "https://client.example.org/jwks"}),
            json!({"initiate_login_uri": "http://client.example.org/login"}),
            json!({"request_uris": "https://x.example/r"}),
            json!({"request_uris": ["http://x.example/r"]}),
            json!({"default_max_age": "60"}),
            json!({"default_max_age": -1}),
            json!({"default_max_age": 1.5}),
            json!({"require_auth_time": "yes"}),
            json!({"default_acr_values": "urn:x"}),
            json!({"id_token_signed_response_alg": "RS999"}),
            json!({"userinfo_encrypted_response_alg": "RSA-OAEP",
                   "userinfo_encrypted_response_enc": "A129GCM", "jwks": rsa_jwks()}),
            json!({"id_token_encrypted_response_enc": "A128CBC-HS256"}),
            json!({"userinfo_encrypted_response_enc": "A128CBC-HS256"}),
            json!({"request_object_encryption_enc": "A128CBC-HS256"}),
            json!({"id_token_encrypted_response_alg": "RSA-OAEP"}),
            json!({"response_types": ["id_token"], "grant_types": ["implicit"],
                   "id_token_signed_response_alg": "none"}),
            json!({"token_endpoint_auth_method": "private_key_jwt", "jwks": rsa_jwks(),
                   "token_endpoint_auth_signing_alg": "none"}),
            json!({"token_endpoint_auth_method": "private_key_jwt", "jwks": rsa_jwks(),
                   "token_endpoint_auth_signing_alg": "HS256"}),
            json!({"token_endpoint_auth_method": "client_secret_jwt",
                   "token_endpoint_auth_signing_alg": "RS256"}),
            json!({"token_endpoint_auth_method": "none",
                   "id_token_encrypted_response_alg": "A128KW"}),
            json!({"client_name#en": 5}),
            json!({"logo_uri#en": "javascript:x"}),
        ] {
            assert_eq!(code(with(extra.clone())), md, "{extra}");
        }
        assert_eq!(
            code(with(json!({"software_statement": 5}))),
            Some(ErrorCode::InvalidSoftwareStatement)
        );
    }

    #[test]
    fn valid_oidc_members_are_registered() {
        let body = with(json!({
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": rsa_jwks(),
            "token_endpoint_auth_signing_alg": "PS256",
            "id_token_encrypted_response_alg": "A128KW",
            "userinfo_encrypted_response_alg": "RSA-OAEP",
            "request_uris": ["https://client.example.org/rf.txt#qpXaRLh_n93TTR9F252ValdatUQvQiJi5BDub2BeznA"],
            "initiate_login_uri": "https://client.example.org/login",
            "default_max_age": 60,
            "require_auth_time": true,
            "subject_type": "public",
            "software_statement": "eyJ.x.y",
            "client_name#ja-Jpan-JP": "\u{30af}\u{30e9}\u{30a4}\u{30a2}\u{30f3}\u{30c8}",
            "client_name#EN-us": "x",
            "client_name#": "dropped",
            "client_name#!!": "dropped",
            "x_unknown": {"n": 1},
        }));
        let r = run(body).expect("valid");
        assert!(r.needs_secret, "A128KW needs a secret for private_key_jwt");
        assert_eq!(
            r.id_token_encryption.map(|e| e.enc).as_deref(),
            Some(DEFAULT_ENC)
        );
        assert_eq!(
            r.userinfo_encryption.map(|e| e.alg).as_deref(),
            Some("RSA-OAEP")
        );
        let tagged: Vec<&str> = r.tagged.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(tagged, ["client_name#ja-Jpan-JP", "client_name#EN-us"]);
        assert_eq!(r.default_max_age, Some(60));
        assert!(r.require_auth_time);
    }

    #[test]
    fn public_and_private_key_jwt_clients_get_no_secret() {
        let none = run(with(json!({"token_endpoint_auth_method": "none"}))).expect("valid");
        assert!(!none.needs_secret);
        let pkj =
            with(json!({"token_endpoint_auth_method": "private_key_jwt", "jwks": rsa_jwks()}));
        assert!(!run(pkj).expect("valid").needs_secret);
        let csj = run(with(
            json!({"token_endpoint_auth_method": "client_secret_jwt"}),
        ));
        assert!(csj.expect("valid").needs_secret);
    }

    #[test]
    fn seed_v3_rules() {
        let seed = |body: Value| {
            let Value::Object(obj) = body else {
                panic!("object");
            };
            validate(&obj, Endpoint::SeedV3, &DefectSet::default())
        };
        let ok = seed(with(json!({
            "metadata": [{"name": "a", "value": "b", "locale": "en", "extra": 1}],
            "require_pushed_authorization_requests": true,
        })))
        .expect("valid");
        assert_eq!(
            ok.metadata,
            Some(vec![json!({"name": "a", "value": "b", "locale": "en"})])
        );
        assert_eq!(ok.require_pushed_authorization_requests, Some(true));
        for bad in [
            json!({"client_name": ""}),
            json!({"metadata": [{"name": "a"}]}),
            json!({"metadata": {"name": "a", "value": "b"}}),
            json!({"require_pushed_authorization_requests": "true"}),
        ] {
            assert!(seed(with(bad.clone())).is_err(), "{bad}");
        }
        let mut no_name = b0();
        no_name.as_object_mut().map(|o| o.remove("client_name"));
        assert!(seed(no_name).is_err());
        // On /register the seed members are unknown and ignored.
        let plain = run(with(json!({"require_pushed_authorization_requests": "x"})));
        assert!(plain.is_ok());
    }

    #[test]
    fn validation_defects_relax_one_rule_each() {
        let frag = with(json!({"redirect_uris": ["https://c.example/cb#f"]}));
        assert!(run_with(frag, &[Defect::AcceptFragmentRedirect]).is_ok());
        let rel = with(json!({"redirect_uris": ["/cb"]}));
        assert!(run_with(rel, &[Defect::AcceptRelativeRedirect]).is_ok());
        let http = with(json!({"redirect_uris": ["http://c.example/cb"]}));
        assert!(run_with(http, &[Defect::AcceptHttpRedirect]).is_ok());
        let bare = with(json!({"redirect_uris": "https://c.example/cb"}));
        let r = run_with(bare, &[Defect::AcceptStringRedirect]).expect("defect");
        assert!(matches!(r.redirect_uris, RedirectUris::BareString(_)));
        let mixed =
            with(json!({"redirect_uris": ["https://c.example/cb", "https://c.example/cb#x"]}));
        let r = run_with(mixed, &[Defect::SubstituteRedirectUris]).expect("defect");
        assert_eq!(
            r.redirect_uris,
            RedirectUris::List(vec!["https://c.example/cb".to_owned()])
        );
        let unknown = with(json!({"x_unknown": 1}));
        assert!(run(unknown.clone()).is_ok());
        assert_eq!(
            run_with(unknown, &[Defect::RejectUnknownMembers]).map_err(|r| r.code),
            Err(ErrorCode::InvalidClientMetadata)
        );
        let method = with(json!({"token_endpoint_auth_method": "bogus_auth"}));
        let r = run_with(method, &[Defect::EchoUnknownAuthMethod]).expect("defect");
        assert_eq!(r.token_endpoint_auth_method, "bogus_auth");
    }
}
