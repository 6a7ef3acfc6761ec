//! Names defined by RFC 7591, RFC 6749 and OpenID Connect Registration: metadata members,
//! error codes, authentication methods, grant and response types.

// RFC 7591 §2 client metadata.
pub const REDIRECT_URIS: &str = "redirect_uris";
pub const TOKEN_ENDPOINT_AUTH_METHOD: &str = "token_endpoint_auth_method";
pub const GRANT_TYPES: &str = "grant_types";
pub const RESPONSE_TYPES: &str = "response_types";
pub const CLIENT_NAME: &str = "client_name";
pub const CLIENT_URI: &str = "client_uri";
pub const LOGO_URI: &str = "logo_uri";
pub const SCOPE: &str = "scope";
pub const CONTACTS: &str = "contacts";
pub const TOS_URI: &str = "tos_uri";
pub const POLICY_URI: &str = "policy_uri";
pub const JWKS_URI: &str = "jwks_uri";
pub const JWKS: &str = "jwks";
pub const SOFTWARE_ID: &str = "software_id";
pub const SOFTWARE_VERSION: &str = "software_version";
pub const SOFTWARE_STATEMENT: &str = "software_statement";

/// Every RFC 7591 §2 metadata member.
pub const RFC7591_METADATA: &[&str] = &[
    REDIRECT_URIS,
    TOKEN_ENDPOINT_AUTH_METHOD,
    GRANT_TYPES,
    RESPONSE_TYPES,
    CLIENT_NAME,
    CLIENT_URI,
    LOGO_URI,
    SCOPE,
    CONTACTS,
    TOS_URI,
    POLICY_URI,
    JWKS_URI,
    JWKS,
    SOFTWARE_ID,
    SOFTWARE_VERSION,
];

/// Members that may carry BCP 47 language variants (`client_name#ja-Jpan-JP`), RFC 7591 §2.2.
pub const LANGUAGE_TAGGED: &[&str] = &[CLIENT_NAME, CLIENT_URI, LOGO_URI, TOS_URI, POLICY_URI];

/// Members whose value is a URL string.
pub const URL_MEMBERS: &[&str] = &[CLIENT_URI, LOGO_URI, TOS_URI, POLICY_URI, JWKS_URI];

/// Members whose value is an array of strings.
pub const STRING_ARRAY_MEMBERS: &[&str] = &[REDIRECT_URIS, GRANT_TYPES, RESPONSE_TYPES, CONTACTS];

// OpenID Connect Registration §2 additions.
pub const APPLICATION_TYPE: &str = "application_type";
pub const ID_TOKEN_SIGNED_RESPONSE_ALG: &str = "id_token_signed_response_alg";
pub const ID_TOKEN_ENCRYPTED_RESPONSE_ALG: &str = "id_token_encrypted_response_alg";
pub const ID_TOKEN_ENCRYPTED_RESPONSE_ENC: &str = "id_token_encrypted_response_enc";
pub const USERINFO_SIGNED_RESPONSE_ALG: &str = "userinfo_signed_response_alg";
pub const USERINFO_ENCRYPTED_RESPONSE_ALG: &str = "userinfo_encrypted_response_alg";
pub const USERINFO_ENCRYPTED_RESPONSE_ENC: &str = "userinfo_encrypted_response_enc";
pub const TOKEN_ENDPOINT_AUTH_SIGNING_ALG: &str = "token_endpoint_auth_signing_alg";
pub const SUBJECT_TYPE: &str = "subject_type";
pub const DEFAULT_MAX_AGE: &str = "default_max_age";
pub const REQUIRE_AUTH_TIME: &str = "require_auth_time";
pub const INITIATE_LOGIN_URI: &str = "initiate_login_uri";
pub const DEFAULT_ACR_VALUES: &str = "default_acr_values";
pub const REQUEST_URIS: &str = "request_uris";
pub const SECTOR_IDENTIFIER_URI: &str = "sector_identifier_uri";
pub const REQUEST_OBJECT_SIGNING_ALG: &str = "request_object_signing_alg";

// Vendor seed-v3 members.
pub const METADATA: &str = "metadata";
pub const REQUIRE_PUSHED_AUTHORIZATION_REQUESTS: &str = "require_pushed_authorization_requests";

// RFC 7591 §3.2.1 response members.
pub const CLIENT_ID: &str = "client_id";
pub const CLIENT_SECRET: &str = "client_secret";
pub const CLIENT_ID_ISSUED_AT: &str = "client_id_issued_at";
pub const CLIENT_SECRET_EXPIRES_AT: &str = "client_secret_expires_at";
// RFC 7592 §3 response members.
pub const REGISTRATION_ACCESS_TOKEN: &str = "registration_access_token";
pub const REGISTRATION_CLIENT_URI: &str = "registration_client_uri";

/// Response members that are credentials and must be masked in output.
pub const SECRET_MEMBERS: &[&str] = &[CLIENT_SECRET, REGISTRATION_ACCESS_TOKEN];

// RFC 7591 §3.2.2 error response.
pub const ERROR: &str = "error";
pub const ERROR_DESCRIPTION: &str = "error_description";
pub const INVALID_REDIRECT_URI: &str = "invalid_redirect_uri";
pub const INVALID_CLIENT_METADATA: &str = "invalid_client_metadata";
pub const INVALID_SOFTWARE_STATEMENT: &str = "invalid_software_statement";
pub const UNAPPROVED_SOFTWARE_STATEMENT: &str = "unapproved_software_statement";
/// RFC 6749 §5.2 generic code that many servers use for malformed requests.
pub const INVALID_REQUEST: &str = "invalid_request";

/// The registration error codes RFC 7591 §3.2.2 defines.
pub const RFC7591_ERROR_CODES: &[&str] = &[
    INVALID_REDIRECT_URI,
    INVALID_CLIENT_METADATA,
    INVALID_SOFTWARE_STATEMENT,
    UNAPPROVED_SOFTWARE_STATEMENT,
];

// Token endpoint authentication methods (RFC 7591 §2, OIDC Core §9).
pub const AUTH_NONE: &str = "none";
pub const AUTH_CLIENT_SECRET_POST: &str = "client_secret_post";
pub const AUTH_CLIENT_SECRET_BASIC: &str = "client_secret_basic";
pub const AUTH_CLIENT_SECRET_JWT: &str = "client_secret_jwt";
pub const AUTH_PRIVATE_KEY_JWT: &str = "private_key_jwt";
pub const AUTH_TLS_CLIENT: &str = "tls_client_auth";
pub const AUTH_SELF_SIGNED_TLS_CLIENT: &str = "self_signed_tls_client_auth";

/// Registered authentication method values (IANA "OAuth Token Endpoint Authentication Methods").
pub const AUTH_METHODS: &[&str] = &[
    AUTH_NONE,
    AUTH_CLIENT_SECRET_POST,
    AUTH_CLIENT_SECRET_BASIC,
    AUTH_CLIENT_SECRET_JWT,
    AUTH_PRIVATE_KEY_JWT,
    AUTH_TLS_CLIENT,
    AUTH_SELF_SIGNED_TLS_CLIENT,
];

/// Methods that authenticate with a shared client secret.
pub const SECRET_AUTH_METHODS: &[&str] = &[
    AUTH_CLIENT_SECRET_POST,
    AUTH_CLIENT_SECRET_BASIC,
    AUTH_CLIENT_SECRET_JWT,
];

// Grant types (RFC 7591 §2).
pub const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";
pub const GRANT_IMPLICIT: &str = "implicit";
pub const GRANT_PASSWORD: &str = "password";
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";
pub const GRANT_REFRESH_TOKEN: &str = "refresh_token";
pub const GRANT_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const GRANT_SAML2_BEARER: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

pub const GRANT_TYPES_KNOWN: &[&str] = &[
    GRANT_AUTHORIZATION_CODE,
    GRANT_IMPLICIT,
    GRANT_PASSWORD,
    GRANT_CLIENT_CREDENTIALS,
    GRANT_REFRESH_TOKEN,
    GRANT_JWT_BEARER,
    GRANT_SAML2_BEARER,
];

/// Grants that send the user agent back through a redirect URI (RFC 7591 §5).
pub const REDIRECT_GRANTS: &[&str] = &[GRANT_AUTHORIZATION_CODE, GRANT_IMPLICIT];

// Response types (RFC 7591 §2, OAuth 2.0 Multiple Response Type Encoding Practices).
pub const RESPONSE_CODE: &str = "code";
pub const RESPONSE_TOKEN: &str = "token";

/// The response types each needs these grant types (OIDC Registration §2; RFC 7591 §2.1 for
/// `code` and `token`).
pub const RESPONSE_TYPE_GRANTS: &[(&str, &[&str])] = &[
    ("code", &[GRANT_AUTHORIZATION_CODE]),
    ("token", &[GRANT_IMPLICIT]),
    ("id_token", &[GRANT_IMPLICIT]),
    ("id_token token", &[GRANT_IMPLICIT]),
    ("code id_token", &[GRANT_AUTHORIZATION_CODE, GRANT_IMPLICIT]),
    ("code token", &[GRANT_AUTHORIZATION_CODE, GRANT_IMPLICIT]),
    (
        "code id_token token",
        &[GRANT_AUTHORIZATION_CODE, GRANT_IMPLICIT],
    ),
    ("none", &[]),
];

/// Private or symmetric JWK members (OIDC Registration §2; RFC 7518 §6).
pub const PRIVATE_JWK_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

// Media types.
pub const APPLICATION_JSON: &str = "application/json";
pub const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";

/// Characters RFC 6749 §5.2 allows in `error` and `error_description`: %x20-21 / %x23-5B / %x5D-7E.
pub fn is_error_code_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')
}
