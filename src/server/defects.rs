//! Deliberate violations the reference server can be told to commit, so that the harness can
//! prove it notices each one. Every defect breaks exactly one catalog requirement and is
//! implemented as a small deviation at the point where the clean behaviour happens.
//!
//! The catalog is the single `defects!` table below: one row per defect gives its variant,
//! command-line name, requirement, expected severity and description, and everything else
//! ([`Defect::ALL`], the accessors, parsing, `dcrcheck list defects`, the README detection
//! table, the server tests' coverage) derives from it. To add a defect, add a row and make the
//! server commit it; the compiler then asks for its test in `src/server/tests.rs`.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// How the harness is expected to grade a server that shows the defect.
///
/// `Fail` for MUST / Defined rows, `Warn` for SHOULD / best-practice rows; for Derived and
/// MAY rows, and the few rows whose own test grades one behaviour apart from the row's level,
/// what that test says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefectSeverity {
    Fail,
    Warn,
}

/// Declares the defect catalog from rows of
/// `Variant => "kebab-name", "REQUIREMENT-ID", Fail | Warn, "description";`
/// and generates the [`Defect`] enum, [`Defect::ALL`] (in row order, which is the order of
/// `dcrcheck list defects` and of the README detection table), [`Defect::name`],
/// [`Defect::requirement`], [`Defect::severity`], [`Defect::description`] and
/// [`Defect::from_name`]. A repeated name is an unreachable pattern in `from_name`, which
/// clippy with `-D warnings` rejects.
macro_rules! defects {
    ($($variant:ident => $name:literal, $requirement:literal, $severity:ident, $description:literal;)+) => {
        /// One deliberate violation of the catalog (see [`Defect::ALL`] for the list).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Defect {
            $(
                #[doc = $description]
                $variant,
            )+
        }

        impl Defect {
            /// Every defect, in declaration order.
            pub const ALL: &'static [Defect] = &[$(Defect::$variant),+];

            /// Kebab-case name, as given on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $(Defect::$variant => $name,)+
                }
            }

            /// The catalog requirement id the defect breaks.
            pub fn requirement(self) -> &'static str {
                match self {
                    $(Defect::$variant => $requirement,)+
                }
            }

            /// The verdict a harness owes a server that shows the defect.
            pub fn severity(self) -> DefectSeverity {
                match self {
                    $(Defect::$variant => DefectSeverity::$severity,)+
                }
            }

            /// One line: what the server does wrong and when.
            pub fn description(self) -> &'static str {
                match self {
                    $(Defect::$variant => $description,)+
                }
            }

            /// The defect with this command-line name.
            pub fn from_name(name: &str) -> Option<Defect> {
                match name {
                    $($name => Some(Defect::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

defects! {
    // Response shape.
    Status200 => "status-200", "R7591-3.2-a", Fail,
        "answers a successful registration with 200 instead of 201";
    NoClientId => "no-client-id", "R7591-3.2.1-a", Fail,
        "leaves client_id out of the registration response";
    NoSecretExpiry => "no-secret-expiry", "R7591-3.2.1-e", Fail,
        "issues a client_secret without client_secret_expires_at";
    SecretExpiryString => "secret-expiry-string", "R7591-3.2.1-e", Fail,
        "returns client_secret_expires_at as the string \"0\"";
    SecretExpired => "secret-expired", "R7591-3.2.1-e", Warn,
        "returns a client_secret_expires_at one day in the past";
    IssuedAtMillis => "issued-at-millis", "R7591-3.2.1-d", Fail,
        "returns client_id_issued_at in milliseconds";
    IssuedAtString => "issued-at-string", "R7591-3.2.1-d", Fail,
        "returns client_id_issued_at as a string";
    DropRegisteredMember => "drop-registered-member", "R7591-3.2.1-f", Fail,
        "registers redirect_uris but leaves them out of the response";
    DropAdvertisedAuthMethod => "drop-advertised-auth-method", "R7591-3.2.1-f", Fail,
        "registers the token_endpoint_auth_method a client asks for, which its metadata lists, but leaves it out of the response";
    ScopeAsArray => "scope-as-array", "R7591-2-c", Fail,
        "echoes a registered scope as an array of strings";
    GrantTypesAsString => "grant-types-as-string", "R7591-2-c", Fail,
        "echoes grant_types as one space-separated string";
    NoCacheControl => "no-cache-control", "R7591-BP-a", Warn,
        "sends no Cache-Control: no-store or Pragma: no-cache on any response";
    JsonContentTypeMissing => "json-content-type-missing", "R7591-3.2-b", Fail,
        "labels the JSON success body as text/plain";
    // Validation.
    AcceptFragmentRedirect => "accept-fragment-redirect", "R6749-3.1.2-a", Warn,
        "registers redirect URIs that carry a fragment";
    AcceptRelativeRedirect => "accept-relative-redirect", "R6749-3.1.2-b", Fail,
        "registers relative redirect URIs (\"/cb\", \"cb\", \"\")";
    AcceptHttpRedirect => "accept-http-redirect", "R7591-5-c", Fail,
        "registers http redirect URIs on any host, not only loopback";
    AcceptMissingRedirect => "accept-missing-redirect", "R7591-5-b", Fail,
        "registers a client that sent no redirect_uris";
    AcceptEmptyRedirect => "accept-empty-redirect", "R7591-5-b", Fail,
        "registers a client whose redirect_uris is an empty array";
    AcceptStringRedirect => "accept-string-redirect", "R7591-2-c", Fail,
        "accepts redirect_uris as a bare string and echoes it as a string";
    AcceptJwksAndJwksUri => "accept-jwks-and-jwks-uri", "R7591-2-p", Fail,
        "registers jwks together with jwks_uri and echoes both";
    AcceptPrivateJwk => "accept-private-jwk", "R7591-2-q", Warn,
        "registers jwks keys carrying private or symmetric material (d, p, oct k, ...)";
    EchoUnknownAuthMethod => "echo-unknown-auth-method", "R7591-2-h", Warn,
        "registers and echoes any token_endpoint_auth_method string";
    AcceptInconsistentGrants => "accept-inconsistent-grants", "R7591-2.1-a", Warn,
        "registers grant_types and response_types that contradict each other";
    SubstituteRedirectUris => "substitute-redirect-uris", "OIDCR-3.2-b", Fail,
        "silently drops bad redirect URIs and registers the rest";
    // Error format.
    HtmlErrors => "html-errors", "R7591-3.2.2-a", Fail,
        "answers registration errors with a text/html page";
    ErrorStatus200 => "error-status-200", "R7591-3.2.2-a", Fail,
        "answers registration errors with status 200";
    UnknownErrorCode => "unknown-error-code", "R7591-3.2.2-e", Warn,
        "uses the error code \"bad_thing\" instead of the RFC codes";
    NonAsciiError => "non-ascii-error", "R7591-3.2.2-b", Fail,
        "puts non-ASCII characters into the error code";
    ClientIdInError => "client-id-in-error", "R7591-3.2.2-g", Warn,
        "adds a client_id to registration error responses";
    Status500OnMalformedJson => "500-on-malformed-json", "R7591-3.1-a", Fail,
        "answers a body that is not JSON with a 500";
    Status500OnNonObject => "500-on-non-object", "R7591-3.1-a", Fail,
        "answers a JSON body that is not an object with a 500";
    AcceptFormEncoded => "accept-form-encoded", "R7591-3-b", Warn,
        "registers a client from an application/x-www-form-urlencoded body";
    // Input bands: a 500 for otherwise valid input, which owes a 201 (RFC 7591 §3.2).
    BandClientName41To64 => "band-client-name-41-64", "R7591-3.2-a", Fail,
        "answers 500 when client_name is 41 to 64 characters long";
    BandNonAscii => "band-non-ascii", "R7591-3.2-a", Fail,
        "answers 500 when any string value in the request contains a non-ASCII character";
    BandLanguageTag => "band-language-tag", "R7591-3.2-a", Fail,
        "answers 500 when the request has any member name containing '#'";
    BandLongRedirect => "band-long-redirect", "R7591-3.2-a", Fail,
        "answers 500 when a redirect URI is longer than 200 characters";
    // Security.
    SharedClientId => "shared-client-id", "R7591-3.2.1-b", Warn,
        "gives every client the same client_id";
    SharedSecret => "shared-secret", "R7591-3.2.1-c", Fail,
        "gives every client the same client_secret";
    ShortSecret => "short-secret", "R7591-3.2.1-c", Fail,
        "issues 8-character client secrets (48 bits)";
    HonourClientId => "honour-client-id", "R7591-3.2.1-b", Warn,
        "uses a client_id the client chose in the request";
    ListClientsOnGet => "list-clients-on-get", "R7591-3-b", Warn,
        "answers GET on the registration endpoint with 200 and every client, secrets included";
    RejectUnknownMembers => "reject-unknown-members", "R7591-2-a", Fail,
        "answers 400 invalid_client_metadata for any unknown member";
    DropConnection => "drop-connection", "R7591-3.2-a", Fail,
        "closes the connection without a response for one registration payload in 7 (chosen by the body's digest, so a resent payload is dropped again)";
    // Added for check coverage: each makes one more check fire.
    ErrorStatus422 => "error-status-422", "R7591-3.2.2-a", Fail,
        "answers registration errors with 422 instead of 400";
    RedirectOnSuccess => "redirect-on-success", "R7591-3.2-a", Fail,
        "answers a successful registration with 303 See Other to a client page";
    NoCors => "no-cors", "OIDCR-3-c", Warn,
        "answers CORS preflights with 405 and sends no Access-Control-Allow-Origin";
    CamelCaseGrantTypes => "camel-case-grant-types", "R7591-2-j", Fail,
        "echoes authorization_code as authorizationCode";
    OmitDefaults => "omit-defaults", "R7591-2-i", Warn,
        "leaves default grant_types and response_types out of the response when the client did not send them";
    ManagementTokenWithoutUri => "management-token-without-uri", "OIDCR-3.2-g", Fail,
        "returns a registration_access_token without a registration_client_uri";
    NonAsciiErrorDescription => "non-ascii-error-description", "R7591-3.2.2-c", Warn,
        "puts non-ASCII text into error_description";
    SecretForPublicClient => "secret-for-public-client", "R7591-2-f", Warn,
        "issues a client_secret to clients registered with auth method none";
    StripRedirectQuery => "strip-redirect-query", "R6749-3.1.2-c", Warn,
        "registers redirect URIs without their query component";
    // Added to cover every black-box-testable MUST row.
    RejectJsonWithoutCharset => "reject-json-without-charset", "R7591-3-a", Fail,
        "refuses application/json request bodies that carry no charset parameter";
    KeepFirstRedirectUri => "keep-first-redirect-uri", "OIDCR-3.2-b", Fail,
        "registers only the first of several redirect URIs";
    AddJwksUriToJwksResponse => "add-jwks-uri-to-jwks-response", "R7591-3.2.1-i", Fail,
        "answers a registration with jwks with a server-hosted jwks_uri as well";
    RedirectUrisOnlyForRedirectGrants => "redirect-uris-only-for-redirect-grants", "OIDCR-2-a", Warn,
        "registers clients without redirect_uris when they use no redirect-based grant";
    HybridWithoutImplicit => "hybrid-without-implicit", "OIDCR-2-b", Warn,
        "registers id_token and hybrid response types without the implicit grant";
    ImplicitLocalhostRedirect => "implicit-localhost-redirect", "OIDCR-2-e", Fail,
        "lets web clients of the implicit flow register http or localhost redirect URIs";
    NativeHttpAnyHost => "native-http-any-host", "OIDCR-2-f", Fail,
        "lets native clients register http redirect URIs on any host";
    AcceptHttpJwksUri => "accept-http-jwks-uri", "OIDCR-2-h", Warn,
        "registers a jwks_uri that uses plain http";
    AcceptOctJwk => "accept-oct-jwk", "OIDCR-2-i", Warn,
        "registers symmetric (kty oct) keys in jwks";
    JwksExclusiveOnlyForPrivateKeyJwt => "jwks-exclusive-only-for-private-key-jwt", "OIDCR-2-j", Fail,
        "refuses jwks together with jwks_uri only for private_key_jwt clients";
    AcceptUnsignedIdTokenImplicit => "accept-unsigned-id-token-implicit", "OIDCR-2-m", Fail,
        "registers id_token_signed_response_alg none for clients that get ID Tokens from the authorization endpoint";
    AcceptEncWithoutAlg => "accept-enc-without-alg", "OIDCR-2-o", Warn,
        "registers and echoes an *_encrypted_response_enc sent without its alg";
    AcceptAuthSigningAlgNone => "accept-auth-signing-alg-none", "OIDCR-2-t", Warn,
        "registers token_endpoint_auth_signing_alg none for private_key_jwt";
    AcceptStringRequestUris => "accept-string-request-uris", "OIDCR-2-x", Fail,
        "accepts request_uris as a bare string and echoes it as a string";
    RejectRequestUriFragment => "reject-request-uri-fragment", "OIDCR-2-x", Warn,
        "refuses request_uris entries that carry a fragment (the content hash OIDC allows)";
    ReuseClientIdForSameRequest => "reuse-client-id-for-same-request", "OIDCR-3.2-d", Fail,
        "gives an identical registration request the client_id issued the first time";
    SecretDerivedFromRequest => "secret-derived-from-request", "OIDCR-3.2-e", Fail,
        "derives client_secret from the request body, so identical requests share a secret";
    ClientIdInLateError => "client-id-in-late-error", "OIDCR-7-a", Warn,
        "answers a failed cross-member rule with the client_id of the half-created client";
    AcceptHttpSectorIdentifierUri => "accept-http-sector-identifier-uri", "OIDCR-5-a", Warn,
        "registers any sector_identifier_uri, plain http included, without checking it";
    AcceptJwkWithoutKty => "accept-jwk-without-kty", "R7517-4.1-a", Warn,
        "registers JWKs without kty, guessing the key type from the other members";
    AcceptJwksWithoutKeys => "accept-jwks-without-keys", "R7517-5-a", Fail,
        "registers a jwks object whose keys member is missing or not an array";
    AcceptEcKeyWithoutY => "accept-ec-key-without-y", "R7518-6-a", Warn,
        "registers EC keys that have no y coordinate";
    AcceptShortRsaKey => "accept-short-rsa-key", "R7518-3.3-a", Warn,
        "registers RSA keys with a modulus shorter than 2048 bits";
    AcceptX5cWithoutKeyMembers => "accept-x5c-without-key-members", "R7517-4.7-a", Warn,
        "registers JWKs that carry x5c but not the key type's own members";
    KeepFirstDuplicateMember => "keep-first-duplicate-member", "R7517-4-a", Fail,
        "keeps the first of repeated JSON member names instead of the last";
    TrustUnsignedSoftwareStatement => "trust-unsigned-software-statement", "R7591-2.3-a", Warn,
        "takes client_name from any software_statement, even an unsigned (alg none) one";
    // Transport: they show only when the server runs with TLS (`ServerConfig::tls`).
    Tls13Only => "tls13-only", "R7591-5-a", Fail,
        "refuses TLS 1.2 handshakes, speaking TLS 1.3 only (needs --tls)";
    PlaintextOnTlsPort => "plaintext-on-tls-port", "OIDCR-9-a", Fail,
        "also serves plain HTTP on its TLS port, registering clients without TLS (needs --tls)";
    DiscoveryHttpRegistrationEndpoint => "discovery-http-registration-endpoint", "R7591-3-c", Fail,
        "advertises an http:// registration_endpoint in its discovery documents (needs --tls)";
    DiscoveryWithoutRegistrationEndpoint => "discovery-without-registration-endpoint", "OIDC-Core-15.2", Fail,
        "leaves registration_endpoint out of its discovery documents (needs --tls)";
    MetadataHttpTokenEndpoint => "metadata-http-token-endpoint", "R8414-2-a", Fail,
        "advertises an http:// token_endpoint in its discovery documents (needs --tls)";
    // Discovery.
    AdvertiseFewerAuthMethods => "advertise-fewer-auth-methods", "R7591-3.2.1-g", Warn,
        "lists only client_secret_basic in token_endpoint_auth_methods_supported but registers every method";
    MetadataIssuerMismatch => "metadata-issuer-mismatch", "R8414-3.3-a", Fail,
        "gives an issuer in its discovery documents that is not the URL they are served from (base URL + /other-issuer)";
    RefuseAdvertisedAuthMethod => "refuse-advertised-auth-method", "R8414-2-b", Warn,
        "refuses registrations asking for client_secret_post, which its discovery documents list as supported";
    // Software statements (need a trusted issuer).
    StatementJsonWins => "statement-json-wins", "R7591-2.3-b", Fail,
        "lets plain JSON members win over the claims of a verified software statement (needs a trusted statement issuer)";
    StatementEchoAltered => "statement-echo-altered", "R7591-3.2.1-j", Fail,
        "echoes a used software_statement with its signature part removed (needs a trusted statement issuer)";
    StatementSignatureUnchecked => "statement-signature-unchecked", "R7591-3.2.2-c-sst", Warn,
        "uses a software statement from the trusted issuer whose signature does not verify (needs a trusted statement issuer)";
    StatementExpiryUnchecked => "statement-expiry-unchecked", "R7591-3.2.2-c-sst", Warn,
        "uses software statements whose exp has passed (needs a trusted statement issuer)";
    StatementIssuerUnchecked => "statement-issuer-unchecked", "R7591-3.2.2-c-sst", Warn,
        "uses a software statement with any iss as long as the trusted key verifies it (needs a trusted statement issuer)";
    StatementWithoutIss => "statement-without-iss", "R7591-2.3-a", Warn,
        "uses a software statement that has no iss claim when the trusted key verifies it (needs a trusted statement issuer)";
    // RFC 7592 management.
    ManagementIgnoresToken => "management-ignores-token", "R7592-2-a", Fail,
        "serves GET on the client configuration endpoint without checking the registration access token";
    ManagementTokenAnyClient => "management-token-any-client", "R7592-2-a", Fail,
        "accepts any client's registration access token on every client's configuration endpoint";
    Management404UnknownClient => "management-404-unknown-client", "R7592-2.1-b", Warn,
        "answers 404 for an unknown or deleted client on the configuration endpoint instead of 401";
    ReadDropsRedirectUris => "read-drops-redirect-uris", "R7592-2.1-a", Fail,
        "leaves redirect_uris out of the client read response";
    UpdateMergesMetadata => "update-merges-metadata", "R7592-2.2-a", Warn,
        "merges an update into the stored metadata instead of replacing it (omitted members survive)";
    UpdateAdoptsClientSecret => "update-adopts-client-secret", "R7592-2.2-b", Fail,
        "adopts a client_secret the client chose in an update request";
    UpdateChangesClientId => "update-changes-client-id", "R7592-2.2-b", Fail,
        "takes the client_id of an update request as the client's new identifier";
    UpdateAcceptsRegistrationToken => "update-accepts-registration-token", "R7592-2.2-c", Fail,
        "takes a registration_access_token sent in an update request as the client's new token";
    UpdateAcceptsFragmentRedirect => "update-accepts-fragment-redirect", "R7592-2.2-d", Warn,
        "accepts redirect URIs with a fragment in an update";
    DeleteReturns200 => "delete-returns-200", "R7592-2.3-a", Fail,
        "answers a successful client delete with 200 and a JSON body instead of 204";
    DeleteKeepsClient => "delete-keeps-client", "R7592-5-a", Fail,
        "answers DELETE with 204 but keeps the client and its registration access token valid";
    // Token endpoint.
    TokenAcceptsWrongSecret => "token-accepts-wrong-secret", "R6749-5.2-a", Fail,
        "issues tokens to a known client whatever client_secret it presents";
    TokenRejectsIssuedSecret => "token-rejects-issued-secret", "R7591-3.2.1-k", Fail,
        "answers every client_credentials request with 401 invalid_client, even with the issued secret";
    TokenAcceptsUnverifiedAssertion => "token-accepts-unverified-assertion", "R7523-3-a", Fail,
        "issues tokens for private_key_jwt client assertions without verifying their signature";
    TokenRejectsClientAssertion => "token-rejects-client-assertion", "R7523-2.2-a", Fail,
        "answers every private_key_jwt token request with 401 invalid_client, even a valid assertion";
    TokenAcceptsExpiredSecret => "token-accepts-expired-secret", "R7591-3.2.1-l", Warn,
        "issues client secrets that expire 2 s after registration and keeps accepting them at the token endpoint after that";
    // MCP (the /mcp endpoint and its metadata).
    McpEndpointOpen => "mcp-endpoint-open", "MCP-PRM-a", Fail,
        "answers an unauthenticated JSON-RPC POST to /mcp with 200 and an initialize result instead of 401";
    McpUndiscoverableMetadata => "mcp-undiscoverable-metadata", "MCP-PRM-a", Fail,
        "challenges /mcp requests without resource_metadata and serves the protected resource metadata only at /mcp/.well-known/oauth-protected-resource";
    McpNoAuthorizationServers => "mcp-no-authorization-servers", "MCP-PRM-b", Fail,
        "lists no authorization server (an empty authorization_servers) in the protected resource metadata of /mcp";
    McpOriginResource => "mcp-origin-resource", "MCP-PRM-d", Warn,
        "gives the origin instead of the /mcp URL as resource in the protected resource metadata";
    McpChallengeWithoutScope => "mcp-challenge-without-scope", "MCP-PRM-e", Warn,
        "leaves scope out of the 401 challenge of /mcp";
    McpOtherIssuer => "mcp-other-issuer", "MCP-ASM-b", Fail,
        "names its authorization server as localhost in the protected resource metadata when it runs on 127.0.0.1 (127.0.0.1 otherwise), and the metadata served there gives the issuer under its own address";
    McpNoS256 => "mcp-no-s256", "MCP-ASM-c", Fail,
        "leaves code_challenge_methods_supported (S256) out of its discovery documents";
    McpMetadataSuffixOnly => "mcp-metadata-suffix-only", "MCP-ASM-a", Fail,
        "names its authorization server {base}/as and serves that issuer's metadata only at /as/.well-known/oauth-authorization-server, not where RFC 8414 or OpenID Discovery put it";
    // MCP client registrations (judged in an --mcp-server run).
    McpRegistrationNeedsToken => "mcp-registration-needs-token", "MCP-REG-b", Warn,
        "requires an initial access token for registration (dcrcheck-mcp-defect-token unless one is configured)";
    McpRefusePublicClients => "mcp-refuse-public-clients", "MCP-REG-c", Warn,
        "refuses token_endpoint_auth_method none and leaves it out of token_endpoint_auth_methods_supported";
    McpRefuseCodeGrantAlone => "mcp-refuse-code-grant-alone", "MCP-REG-d", Warn,
        "refuses a public client whose grant_types are [\"authorization_code\"] without refresh_token";
    McpApplicationTypeWeb => "mcp-application-type-web", "MCP-REG-f", Warn,
        "registers every client as application_type web, whatever it asked for";
    McpRefuseLocalhostRedirect => "mcp-refuse-localhost-redirect", "MCP-REDIR-a", Warn,
        "refuses http redirect URIs on localhost and [::1], taking loopback http on 127.0.0.1 only";
    McpAcceptHttpRedirect => "mcp-accept-http-redirect", "MCP-REDIR-b", Fail,
        "registers plain-http redirect URIs on remote hosts (accept-http-redirect, judged on an MCP client's registration)";
    McpHttpAuthorizationEndpoint => "mcp-http-authorization-endpoint", "MCP-ASM-d", Fail,
        "advertises an http:// authorization_endpoint in its metadata while serving it over https (needs --tls)";
    McpNoRegistrationEndpoint => "mcp-no-registration-endpoint", "MCP-REG-a", Warn,
        "leaves registration_endpoint out of its metadata and offers no client ID metadata documents";
    // The authorization endpoint (/authorize).
    AuthorizeErrorsToAnyRedirect => "authorize-errors-to-any-redirect", "MCP-REDIR-d", Fail,
        "checks response_type and PKCE at /authorize before the redirect URI, sending those errors to any redirect_uri the request names";
    AuthorizeExactLoopbackPort => "authorize-exact-loopback-port", "MCP-REDIR-e", Warn,
        "matches loopback redirect URIs at /authorize with their port, refusing the registered URI on another port";
    AuthorizeWithoutPkce => "authorize-without-pkce", "MCP-PKCE-a", Warn,
        "accepts authorization requests without code_challenge, or with code_challenge_method plain";
}

/// The initial access token `mcp-registration-needs-token` asks for when the server has none
/// configured: public, so a harness can be given it and still see registration without it fail.
pub const MCP_DEFECT_TOKEN: &str = "dcrcheck-mcp-defect-token";

/// `drop-connection` closes the connection for one payload in this many (by digest).
pub(crate) const DROP_EVERY: u64 = 7;

/// The secret lifetime under `token-accepts-expired-secret` when
/// [`super::ServerConfig::secret_lifetime`] is unset: short, so a default run sees the secret
/// expire and can try it afterwards.
pub(crate) const EXPIRING_SECRET_LIFETIME: std::time::Duration = std::time::Duration::from_secs(2);

impl Defect {
    /// Whether the defect only shows on a server that runs with TLS (`serve --tls`): the
    /// transport and discovery defects, which a harness judges on https targets only.
    pub fn needs_tls(self) -> bool {
        matches!(
            self,
            Defect::Tls13Only
                | Defect::PlaintextOnTlsPort
                | Defect::DiscoveryHttpRegistrationEndpoint
                | Defect::DiscoveryWithoutRegistrationEndpoint
                | Defect::MetadataHttpTokenEndpoint
                | Defect::McpHttpAuthorizationEndpoint
        )
    }

    /// Whether the defect only shows on a server that trusts a software statement issuer
    /// ([`super::ServerConfig::trusted_statement`]): without one the server ignores
    /// statements (RFC 7591 §3.1.1), so there is nothing to get wrong.
    pub fn needs_statement_issuer(self) -> bool {
        matches!(
            self,
            Defect::StatementJsonWins
                | Defect::StatementEchoAltered
                | Defect::StatementSignatureUnchecked
                | Defect::StatementExpiryUnchecked
                | Defect::StatementIssuerUnchecked
                | Defect::StatementWithoutIss
        )
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defect name that [`Defect::from_name`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown defect {0:?}")]
pub struct UnknownDefect(pub String);

impl FromStr for Defect {
    type Err = UnknownDefect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Defect::from_name(s).ok_or_else(|| UnknownDefect(s.to_owned()))
    }
}

/// The defects switched on for one server.
#[derive(Debug, Clone, Default)]
pub(crate) struct DefectSet(HashSet<Defect>);

impl DefectSet {
    pub(crate) fn new(defects: &[Defect]) -> Self {
        DefectSet(defects.iter().copied().collect())
    }

    pub(crate) fn has(&self, defect: Defect) -> bool {
        self.0.contains(&defect)
    }

    /// The defects the client configuration endpoint (RFC 7592) commits: its own, and the two
    /// whose description covers every response (`no-cache-control`, `no-cors`). The
    /// registration defects (parsing, validation, response shape, error format) stay on the
    /// registration endpoints, so each defect still breaks exactly one requirement and a
    /// harness's management checks see a clean endpoint under them.
    pub(crate) fn for_configuration_endpoint(&self) -> DefectSet {
        DefectSet(
            self.0
                .iter()
                .copied()
                .filter(|d| d.on_configuration_endpoint())
                .collect(),
        )
    }
}

impl Defect {
    /// Whether [`DefectSet::for_configuration_endpoint`] keeps the defect.
    fn on_configuration_endpoint(self) -> bool {
        matches!(
            self,
            Defect::NoCacheControl
                | Defect::NoCors
                | Defect::ManagementIgnoresToken
                | Defect::ManagementTokenAnyClient
                | Defect::Management404UnknownClient
                | Defect::ReadDropsRedirectUris
                | Defect::UpdateMergesMetadata
                | Defect::UpdateAdoptsClientSecret
                | Defect::UpdateChangesClientId
                | Defect::UpdateAcceptsRegistrationToken
                | Defect::UpdateAcceptsFragmentRedirect
                | Defect::DeleteReturns200
                | Defect::DeleteKeepsClient
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &d in Defect::ALL {
            let name = d.name();
            assert!(seen.insert(name), "duplicate name {name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name} is not kebab-case"
            );
            assert_eq!(Defect::from_name(name), Some(d));
            assert_eq!(name.parse::<Defect>(), Ok(d));
            assert!(!d.description().is_empty());
        }
        assert!(
            Defect::ALL.len() >= 35,
            "only {} defects",
            Defect::ALL.len()
        );
        assert_eq!(Defect::from_name("no-such-defect"), None);
        assert!(Defect::Tls13Only.needs_tls());
        assert!(!Defect::Status200.needs_tls());
        for &d in Defect::ALL {
            assert_eq!(
                d.needs_tls(),
                d.description().ends_with("(needs --tls)"),
                "{d}: needs_tls() and the description disagree"
            );
            assert_eq!(
                d.needs_statement_issuer(),
                d.description()
                    .ends_with("(needs a trusted statement issuer)"),
                "{d}: needs_statement_issuer() and the description disagree"
            );
        }
        assert!("nope".parse::<Defect>().is_err());
    }

    #[test]
    fn the_configuration_endpoint_commits_only_its_own_defects() {
        let all = DefectSet::new(Defect::ALL);
        let kept = all.for_configuration_endpoint();
        for &d in Defect::ALL {
            let own = d.requirement().starts_with("R7592-");
            let everywhere = matches!(d, Defect::NoCacheControl | Defect::NoCors);
            assert_eq!(kept.has(d), own || everywhere, "{d}");
        }
    }

    #[test]
    fn every_requirement_is_in_the_catalog() {
        for &d in Defect::ALL {
            let req = crate::spec::requirement(d.requirement());
            assert!(req.is_some(), "{} cites unknown {}", d, d.requirement());
        }
    }
}
