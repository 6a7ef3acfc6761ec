#!/usr/bin/env python3
"""Regenerates the JSON Schemas (draft 2020-12) under schemas/.

    python3 scripts/gen_schemas.py           # write schemas/**.schema.json
    python3 scripts/gen_schemas.py --check   # exit 1 if a committed file is stale

The three registration profiles (rfc7591, oidc, seed-v3) are assembled from the shared
building blocks below, so a rule written once reads the same in every profile. Every schema
is self-contained: only local "#/$defs/..." references, no cross-file $ref.

Conventions the harness relies on:
  * Each rule carries the requirement id(s) it encodes in its "description" (or "$comment").
  * A rule about one member reports at that member (or below it, e.g. /redirect_uris/0).
    A rule that ties several members together reports at the root "" (they are written as
    `if: <antecedent and violation>, then: false`, or `not`/`required`/`dependentRequired`
    at the root).
  * Patterns use plain ECMA-262 syntax (classes, anchors, alternation, quantifiers; no
    look-around, no flags) so both the Rust `jsonschema` crate and Python `re` compile them.
    `format` is never relied on.

Only the Python standard library is used.
"""
import copy
import json
import os
import sys

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://dcrcheck.dev/schemas/"
PROFILES = ("rfc7591", "oidc", "seed-v3")
PROFILE_TITLE = {
    "rfc7591": "RFC 7591",
    "oidc": "OpenID Connect Dynamic Client Registration 1.0",
    "seed-v3": "seed-v3 vendor API (RFC 7591 plus vendor members)",
}

# --------------------------------------------------------------------------------------------
# Regular expressions (ECMA-262 subset; every one is anchored explicitly).
# --------------------------------------------------------------------------------------------

# RFC 3986 scheme, followed by ":" and no whitespace anywhere.
ABSOLUTE_URI = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$"
NO_FRAGMENT = r"^[^#]*$"
# Schemes and hosts compare case-insensitively (RFC 3986 3.1, 3.2.2); no inline flags exist in
# ECMA-262, so letters are spelt as classes.
_HTTPS = "[Hh][Tt][Tt][Pp][Ss]"
_HTTP = "[Hh][Tt][Tt][Pp]"
_LOCALHOST = "[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt]"
_USERINFO = r"([^\s/?#@]*@)?"
_HOST = r"([^\s/?#@:\[\]]+|\[[0-9A-Fa-f:.]+\])"
_END_OF_AUTHORITY = r"([/?#]|$)"
# https:// + non-empty host (optional userinfo and port), then path, query, fragment or end.
REDIRECT_HTTPS = "^" + _HTTPS + "://" + _USERINFO + _HOST + r"(:[0-9]*)?" + _END_OF_AUTHORITY
# http:// on the loopback interface only: localhost, 127.0.0.1 or [::1], optional port.
REDIRECT_LOOPBACK = ("^" + _HTTP + "://(" + _LOCALHOST + r"|127\.0\.0\.1|\[::1\])(:[0-9]+)?"
                     + _END_OF_AUTHORITY)
# Private-use (reverse domain name) scheme: the scheme contains a dot, e.g. com.example.app:/cb.
REDIRECT_PRIVATE_USE = r"^[A-Za-z][A-Za-z0-9+-]*\.[A-Za-z0-9+.-]*:[^\s]"
# https:// whose host is localhost (used to refuse localhost for OIDC web + implicit clients).
HTTPS_LOCALHOST = "^" + _HTTPS + "://" + _USERINFO + _LOCALHOST + r"\.?(:[0-9]*)?" + _END_OF_AUTHORITY

WEB_URI = r"^https?://[^\s/?#]+([/?#][^\s]*)?$"
HTTPS_URI = r"^https://[^\s/?#]+([/?#][^\s]*)?$"
AUTH_METHOD_URI = r"^[a-z][a-z0-9+.-]*:[^\s]+$"
# RFC 6749 appendix A.4: scope = scope-token *( SP scope-token ), scope-token = 1*NQCHAR.
SCOPE = r"^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$"
# RFC 6749 appendix A.7 / A.8: error and error_description characters.
ERROR_CHARS = r"^[\x20\x21\x23-\x5B\x5D-\x7E]+$"
# RFC 7591 §3.2.2 asks only for "Human-readable ASCII text" in error_description (RFC 6749's
# narrower set, without '"' and '\\', is not imported): printable ASCII and line breaks.
DESCRIPTION_CHARS = r"^[\t\n\r\x20-\x7E]*$"
BASE64URL = r"^[A-Za-z0-9_-]+$"
LANG_TAG = r"#[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$"
SEMVER = r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$"


def word(w):
    """A space-separated response_type value that contains the word (or one of the words) w."""
    return "(^| )(" + w + ")( |$)"


# --------------------------------------------------------------------------------------------
# Value sets
# --------------------------------------------------------------------------------------------

AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post", "client_secret_jwt",
                "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"]
# requirements.md 5.3 (RFC 7518 3.1, RFC 8037, RFC 8812) plus the fully-specified EdDSA names.
JWS_ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
            "PS256", "PS384", "PS512", "none", "EdDSA", "ES256K", "Ed25519", "Ed448"]
JWE_ALGS = ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256", "A128KW", "A192KW", "A256KW", "dir",
            "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW", "A128GCMKW",
            "A192GCMKW", "A256GCMKW", "PBES2-HS256+A128KW", "PBES2-HS384+A192KW",
            "PBES2-HS512+A256KW"]
JWE_ENCS = ["A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A192GCM", "A256GCM"]
EC_CURVES = ["P-256", "P-384", "P-521"]
OKP_CURVES = ["Ed25519", "Ed448", "X25519", "X448"]
PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
HUMAN_READABLE = ["client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri"]
WEB_URI_MEMBERS = ["client_uri", "logo_uri", "tos_uri", "policy_uri"]
# (enc member, alg member) pairs of OIDCR 2.
ENC_PAIRS = [("id_token_encrypted_response_enc", "id_token_encrypted_response_alg"),
             ("userinfo_encrypted_response_enc", "userinfo_encrypted_response_alg"),
             ("request_object_encryption_enc", "request_object_encryption_alg")]
JWS_MEMBERS = ["id_token_signed_response_alg", "userinfo_signed_response_alg",
               "request_object_signing_alg"]

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def ref(name, description=None):
    s = {}
    if description:
        s["description"] = description
    s["$ref"] = "#/$defs/" + name
    return s


def string(description=None, **kw):
    s = {}
    if description:
        s["description"] = description
    s["type"] = "string"
    s.update(kw)
    return s


def string_array(description=None, **kw):
    s = {}
    if description:
        s["description"] = description
    s["type"] = "array"
    s.update(kw)
    s["items"] = {"type": "string"}
    return s


def header(profile_dir, name, title, description):
    return {
        "$schema": DRAFT,
        "$id": BASE + (profile_dir + "/" if profile_dir else "") + name + ".schema.json",
        "title": title,
        "description": description,
    }


def has(member, schema):
    """Condition: `member` is present and valid against `schema`."""
    return {"required": [member], "properties": {member: schema}}


def conj(*conds):
    """Conjunction of `has` conditions, flattened into one object schema."""
    out = {"required": [], "properties": {}}
    for c in conds:
        out["required"] += c["required"]
        out["properties"].update(c["properties"])
    return out


def forbid_at_root(description, condition):
    """Cross-member rule: the instance is invalid when `condition` holds; error at the root."""
    return {"description": description, "if": condition, "then": False}


def array_containing(item_schema):
    return {"type": "array", "contains": item_schema}


def array_lacking(item_schema):
    return {"type": "array", "not": {"contains": item_schema}}


# --------------------------------------------------------------------------------------------
# Shared $defs of the request schemas
# --------------------------------------------------------------------------------------------


def redirect_uri_def():
    return {
        "description": "One redirect URI. R6749-3.1.2-b (absolute), R6749-3.1.2-a (no fragment), "
                       "R7591-5-c (https remote / http loopback / private-use scheme). "
                       "Errors land at the item, e.g. /redirect_uris/0.",
        "type": "string",
        "allOf": [
            {"description": "R6749-3.1.2-b: absolute URI (scheme, then ':'), no whitespace",
             "pattern": ABSOLUTE_URI},
            {"description": "R6749-3.1.2-a: no fragment ('#' is not allowed)",
             "pattern": NO_FRAGMENT},
            {"description": "R7591-5-c, R6749-3.1.2-b: https:// with a non-empty host, or http:// "
                            "on localhost / 127.0.0.1 / [::1] (optional port), or a private-use "
                            "scheme that contains a dot (e.g. com.example.app:/cb)",
             "anyOf": [
                 {"description": "R7591-5-c: https on a (remote) host", "pattern": REDIRECT_HTTPS},
                 {"description": "R7591-5-c, R8252-7.3-a: http on the loopback interface",
                  "pattern": REDIRECT_LOOPBACK},
                 {"description": "R7591-5-c: private-use URI scheme (RFC 8252 7.1)",
                  "pattern": REDIRECT_PRIVATE_USE},
             ]},
        ],
    }


def jwk_def():
    props = {
        "kty": {"description": "R7517-4.1-a, R7518-6-a, OIDCR-2-i: key type RSA, EC or OKP "
                               "(oct is symmetric and refused)",
                "type": "string", "enum": ["RSA", "EC", "OKP"]},
        "use": {"description": "R7517-4.2-a: public key use", "type": "string",
                "enum": ["sig", "enc"]},
        "key_ops": string_array("R7517-4.2-a: key operations, no repeats", uniqueItems=True),
        "kid": string("R7517-4.5-a: key id"),
        "alg": string("RFC 7517 4.4: intended algorithm"),
        "crv": string("R7518-6-a: curve (EC / OKP)"),
        "n": ref("base64url", "R7518-6-a: RSA modulus, base64url without padding"),
        "e": ref("base64url", "R7518-6-a: RSA exponent, base64url without padding"),
        "x": ref("base64url", "R7518-6-a: EC / OKP x coordinate, base64url without padding"),
        "y": ref("base64url", "R7518-6-a: EC y coordinate, base64url without padding"),
        "x5u": string("RFC 7517 4.6"),
        "x5c": string_array("R7517-4.7-a: certificate chain (match with the key is not checked "
                            "here)"),
        "x5t": string("RFC 7517 4.8"),
        "x5t#S256": string("RFC 7517 4.9"),
    }
    for m in PRIVATE_JWK_MEMBERS:
        props[m] = False
    kty_is = lambda v: has("kty", {"const": v})  # noqa: E731
    return {
        "description": "One public JWK. R7517-4.1-a (kty required), R7518-6-a (members per key "
                       "type), OIDCR-2-i (no private or symmetric material: d, p, q, dp, dq, qi, "
                       "oth and k are forbidden, each reported at its own location). Other members "
                       "are allowed.",
        "$comment": "Objects without kty (such as the seed-v3 vendor's Java key model with "
                    "keyStore, keyType, parsedX509CertChain, ...) fail the required kty rule.",
        "type": "object",
        "required": ["kty"],
        "properties": props,
        "allOf": [
            {"description": "R7518-6-a: an RSA key has n and e",
             "if": kty_is("RSA"), "then": {"required": ["n", "e"]}},
            {"description": "R7518-6-a: an EC key has crv (P-256, P-384 or P-521), x and y",
             "if": kty_is("EC"),
             "then": {"required": ["crv", "x", "y"],
                      "properties": {"crv": {"enum": EC_CURVES}}}},
            {"description": "R7518-6-a (RFC 8037 2): an OKP key has crv and x",
             "if": kty_is("OKP"),
             "then": {"required": ["crv", "x"],
                      "properties": {"crv": {"enum": OKP_CURVES}}}},
        ],
    }


def jwks_def():
    return {
        "description": "R7591-2-q, R7517-5-a: a JWK Set object with a non-empty keys array of "
                       "public JWKs",
        "type": "object",
        "required": ["keys"],
        "properties": {
            "keys": {"description": "R7517-5-a: keys is an array of JWK objects",
                     "type": "array", "minItems": 1, "items": ref("jwk")},
        },
    }


def common_request_defs():
    return {
        "redirectUri": redirect_uri_def(),
        "stringArray": string_array("R7591-2-c: array of strings"),
        "webUri": string("R7591-2-m: an http(s) URL with a host (no javascript:, data:, "
                         "relative or free text)", pattern=WEB_URI),
        "httpsUri": string("an https URL with a host", pattern=HTTPS_URI),
        "clientName": string("R7591-2-c, R7591-2-l: human-readable client name"),
        "jwks": jwks_def(),
        "jwk": jwk_def(),
        "base64url": string("R7518-6-a: base64url characters, no padding", pattern=BASE64URL),
    }


def common_request_properties(redirect_min_items=1):
    props = {
        "redirect_uris": {
            "description": "R7591-2-c, R7591-2-d, R7591-5-b: non-empty array of redirect URIs",
            "type": "array",
            "minItems": redirect_min_items,
            "items": ref("redirectUri"),
        },
        "token_endpoint_auth_method": {
            "description": "R7591-2-g, R7591-2-h: a registered method name or an absolute URI",
            "type": "string",
            "anyOf": [
                {"description": "R7591-2-g: registered method", "enum": AUTH_METHODS},
                {"description": "R7591-2-g: absolute URI as an extension value",
                 "pattern": AUTH_METHOD_URI},
            ],
        },
        "grant_types": ref("stringArray", "R7591-2-c, R7591-2-j: grant_types is a non-empty "
                                          "array of strings"),
        "response_types": ref("stringArray", "R7591-2-c, R7591-2-j: response_types is an array "
                                             "of strings (may be empty, e.g. CIBA clients)"),
        "client_name": ref("clientName"),
        "client_uri": ref("webUri", "R7591-2-m: client_uri"),
        "logo_uri": ref("webUri", "R7591-2-m: logo_uri"),
        "scope": string("R7591-2-c, R7591-2-n: one string of space-separated NQCHAR scope tokens",
                        pattern=SCOPE),
        "contacts": ref("stringArray", "R7591-2-c, R7591-2-o: contacts is an array of strings"),
        "tos_uri": ref("webUri", "R7591-2-m: tos_uri"),
        "policy_uri": ref("webUri", "R7591-2-m: policy_uri"),
        "jwks_uri": string("R7591-2-r, OIDCR-2-h: jwks_uri is an https URL", pattern=HTTPS_URI),
        "jwks": ref("jwks", "R7591-2-q: jwks is a valid JWK Set of public keys"),
        "software_id": string("R7591-2-s: opaque string"),
        "software_version": string("R7591-2-s: opaque string (a number is not a version string)"),
        "software_statement": string("R7591-2.3-a: a JWT (compact serialization) string"),
    }
    # grant_types must not be empty (an empty array says nothing and cannot be consistent).
    props["grant_types"] = {"description": props["grant_types"]["description"],
                            "$ref": "#/$defs/stringArray", "minItems": 1}
    return props


def language_tagged(defs_for_member):
    """patternProperties for `<member>#<BCP 47 tag>` (R7591-2.2-a)."""
    out = {}
    for m in HUMAN_READABLE:
        s = copy.deepcopy(defs_for_member[m])
        s["description"] = ("R7591-2.2-a: language-tagged " + m + ", same rule as " + m)
        out["^" + m + LANG_TAG] = s
    return out


def grant_response_rules(oidc):
    """R7591-2.1-a (and OIDCR-2-b for oidc): only evaluated when both members are present.
    Each rule is reported at the root."""
    both = lambda rt, gt: conj(has("response_types", rt), has("grant_types", gt))  # noqa: E731
    if oidc:
        code = {"type": "string", "pattern": word("code")}
        implicit_rt = {"type": "string", "pattern": word("token|id_token")}
        rt_code_desc = 'a response type containing "code"'
        rt_impl_desc = 'a response type containing "token" or "id_token"'
        ids = "R7591-2.1-a, OIDCR-2-b"
    else:
        code = {"const": "code"}
        implicit_rt = {"const": "token"}
        rt_code_desc = '"code"'
        rt_impl_desc = '"token"'
        ids = "R7591-2.1-a"
    ac = {"const": "authorization_code"}
    implicit = {"const": "implicit"}
    rules = [
        forbid_at_root(ids + ": response_types with " + rt_code_desc + " needs grant_types "
                       "authorization_code (error at root)",
                       both(array_containing(code), array_lacking(ac))),
        forbid_at_root(ids + ": response_types with " + rt_impl_desc + " needs grant_types "
                       "implicit (error at root)",
                       both(array_containing(implicit_rt), array_lacking(implicit))),
        forbid_at_root(ids + ": grant_types authorization_code needs response_types with "
                       + rt_code_desc + " (error at root)",
                       both(array_lacking(code), array_containing(ac))),
        forbid_at_root(ids + ": grant_types implicit needs response_types with " + rt_impl_desc
                       + " (error at root)",
                       both(array_lacking(implicit_rt), array_containing(implicit))),
    ]
    if oidc:
        rules[0]["$comment"] = ('OIDCR-2-b table: "code", "code id_token", "code token" and '
                                '"code id_token token" need authorization_code. Words are matched '
                                'in any order.')
        rules[1]["$comment"] = ('OIDCR-2-b table: "id_token", "id_token token", "code id_token", '
                                '"code token" and "code id_token token" need implicit.')
    return rules


def jwks_exclusive_rule(ids):
    return {"description": ids + ": jwks and jwks_uri are never both present (error at root)",
            "not": {"required": ["jwks", "jwks_uri"]}}


def request_schema(profile):
    oidc = profile == "oidc"
    seed = profile == "seed-v3"
    defs = common_request_defs()
    props = common_request_properties()
    required = []
    all_of = []

    if profile == "rfc7591":
        all_of.append({
            "description": "R7591-5-b: redirect_uris is required unless grant_types is present "
                           "and contains neither authorization_code nor implicit (error at root)",
            "if": has("grant_types", array_lacking({"enum": ["authorization_code", "implicit"]})),
            "else": {"required": ["redirect_uris"]},
        })
    else:
        required.append("redirect_uris")
    all_of += grant_response_rules(oidc)
    all_of.append(jwks_exclusive_rule("R7591-2-p, OIDCR-2-j" if oidc else "R7591-2-p"))

    if seed:
        props["redirect_uris"]["description"] = (
            "seed-v3 API (always required, as OIDCR-2-a), R7591-2-c, R7591-5-b: non-empty array "
            "of redirect URIs")
        required.append("client_name")
        props["client_name"] = {
            "description": "seed-v3 API: client_name is required and non-empty (R7591-2-l)",
            "$ref": "#/$defs/clientName", "minLength": 1}
        defs["metadataEntry"] = {
            "description": "seed-v3 API: one vendor metadata entry",
            "type": "object",
            "required": ["name", "value"],
            "properties": {"name": string("seed-v3 API: entry name"),
                           "value": string("seed-v3 API: entry value"),
                           "locale": string("seed-v3 API: optional locale")},
        }
        props["metadata"] = {"description": "seed-v3 API: array of name/value(/locale) entries",
                             "type": "array", "items": ref("metadataEntry")}
        props["require_pushed_authorization_requests"] = {
            "description": "RFC 9126 6: require_pushed_authorization_requests is a boolean",
            "$comment": "The seed-v3 vendor documentation types this member as a string; the "
                        "RFC 9126 client metadata definition (boolean) wins.",
            "type": "boolean"}
        for m in ["id_token_signed_response_alg", "id_token_encrypted_response_alg",
                  "id_token_encrypted_response_enc"]:
            props[m] = string("seed-v3 API: " + m + " is a string")
        props["id_token_signed_response_alg"]["$comment"] = (
            "The vendor lists RS256, RS384, RS512, ES256, ES256K, ES384 and ES512; only the type "
            "is asserted here.")
        props["id_token_encrypted_response_alg"]["$comment"] = (
            "The vendor lists RSA and ECDH-ES key management algorithms plus 'none' (not a JWE "
            "alg identifier); only the type is asserted here.")
        props["id_token_encrypted_response_enc"]["$comment"] = (
            "The vendor lists the RFC 7518 5.1 enc values plus 'none' (not a JWE enc "
            "identifier); only the type is asserted here.")

    if oidc:
        defs["jwsAlg"] = {"description": "OIDCR-2-n: a JWS alg identifier (requirements 5.3)",
                          "type": "string", "enum": JWS_ALGS}
        defs["jweAlg"] = {"description": "OIDCR-2-n: a JWE alg identifier (requirements 5.3)",
                          "type": "string", "enum": JWE_ALGS}
        defs["jweEnc"] = {"description": "OIDCR-2-n: a JWE enc identifier (requirements 5.3)",
                          "type": "string", "enum": JWE_ENCS}
        props["redirect_uris"]["description"] = (
            "OIDCR-2-a, R7591-2-c, R7591-5-b: non-empty array of redirect URIs (always required)")
        props["application_type"] = {"description": "OIDCR-2-d: web or native",
                                     "type": "string", "enum": ["web", "native"]}
        for m in JWS_MEMBERS:
            props[m] = ref("jwsAlg", "OIDCR-2-n: " + m)
        props["id_token_signed_response_alg"]["description"] = (
            "OIDCR-2-n, OIDCR-2-m: id_token_signed_response_alg (none only without an ID Token "
            "from the authorization endpoint; see the root rule)")
        props["token_endpoint_auth_signing_alg"] = {
            "description": "OIDCR-2-n, OIDCR-2-t: token_endpoint_auth_signing_alg",
            "allOf": [ref("jwsAlg"),
                      {"description": "OIDCR-2-t: never none", "not": {"const": "none"}}]}
        for enc, alg in ENC_PAIRS:
            props[alg] = ref("jweAlg", "OIDCR-2-n: " + alg)
            props[enc] = ref("jweEnc", "OIDCR-2-n, OIDCR-2-p: " + enc)
        props["subject_type"] = {"description": "OIDCR-2-l: public or pairwise",
                                 "type": "string", "enum": ["public", "pairwise"]}
        props["default_max_age"] = {"description": "OIDCR-2-v: seconds, an integer >= 0",
                                    "type": "integer", "minimum": 0}
        props["require_auth_time"] = {"description": "OIDCR-2-v: boolean", "type": "boolean"}
        props["default_acr_values"] = ref("stringArray", "OIDCR-2-v: array of strings")
        props["initiate_login_uri"] = ref("httpsUri", "OIDCR-2-w: https URL")
        props["request_uris"] = {"description": "OIDCR-2-x: array of https URLs (a fragment "
                                                "carrying a hash is allowed)",
                                 "type": "array", "items": ref("httpsUri")}
        props["sector_identifier_uri"] = ref("httpsUri", "OIDCR-5-a: https URL")
        all_of.append({
            "description": "OIDCR-2-o: an *_enc member requires its *_alg member (error at root)",
            "dependentRequired": {enc: [alg] for enc, alg in ENC_PAIRS}})
        all_of.append(forbid_at_root(
            "OIDCR-2-m: id_token_signed_response_alg none is refused when a response type "
            "returns an ID Token (contains id_token) (error at root)",
            conj(has("id_token_signed_response_alg", {"const": "none"}),
                 has("response_types", array_containing(
                     {"type": "string", "pattern": word("id_token")})))))
        all_of.append(forbid_at_root(
            "OIDCR-2-f: a native client registers only private-use scheme or http loopback "
            "(localhost, 127.0.0.1, [::1]) redirect URIs (error at root)",
            conj(has("application_type", {"const": "native"}),
                 has("redirect_uris", array_containing(
                     {"type": "string",
                      "not": {"anyOf": [{"pattern": REDIRECT_PRIVATE_USE},
                                        {"pattern": REDIRECT_LOOPBACK}]}})))))
        all_of.append(forbid_at_root(
            "OIDCR-2-e: a web client (application_type web or absent) with grant_types implicit "
            "registers only https redirect URIs whose host is not localhost (error at root)",
            {"required": ["grant_types", "redirect_uris"],
             "properties": {
                 "application_type": {"const": "web"},
                 "grant_types": array_containing({"const": "implicit"}),
                 "redirect_uris": array_containing(
                     {"type": "string",
                      "anyOf": [{"not": {"pattern": REDIRECT_HTTPS}},
                                {"pattern": HTTPS_LOCALHOST}]})}}))

    schema = header(profile, "registration-request",
                    "Client registration request (" + PROFILE_TITLE[profile] + ")",
                    "A valid registration request under the " + profile + " profile. Rules on "
                    "one member report at that member; cross-member rules report at the root.")
    schema["$comment"] = ("R7591-2-a: unknown members are allowed (additionalProperties true); "
                          "language-tagged human-readable members follow R7591-2.2-a.")
    schema["type"] = "object"
    if required:
        schema["required"] = required
    schema["properties"] = props
    schema["patternProperties"] = language_tagged(props)
    schema["additionalProperties"] = True
    schema["allOf"] = all_of
    schema["$defs"] = defs
    return schema


# --------------------------------------------------------------------------------------------
# Response schemas
# --------------------------------------------------------------------------------------------


def response_schema(profile):
    oidc = profile == "oidc"
    seed = profile == "seed-v3"
    props = {
        "client_id": string("R7591-3.2.1-a: client_id is a non-empty string", minLength=1),
        "client_secret": string("R7591-3.2.1-c: client_secret is a non-empty string",
                                minLength=1),
        "client_id_issued_at": {
            "description": "R7591-3.2.1-d: whole seconds since the epoch (a value above "
                           "99999999999 means milliseconds)",
            "type": "integer", "minimum": 0, "maximum": 99999999999},
        "client_secret_expires_at": {
            "description": "R7591-3.2.1-e: seconds since the epoch, 0 = never expires",
            "type": "integer", "minimum": 0},
        "registration_access_token": string("R7592-3-a: non-empty string", minLength=1),
        "registration_client_uri": string("R7592-3-a: non-empty string", minLength=1),
        "redirect_uris": ref("stringArray", "R7591-2-c: array of strings"),
        "grant_types": ref("stringArray", "R7591-2-c, R7591-2-j: array of strings"),
        "response_types": ref("stringArray", "R7591-2-c, R7591-2-j: array of strings"),
        "contacts": ref("stringArray", "R7591-2-c, R7591-2-o: array of strings"),
        "scope": string("R7591-2-c, R7591-2-n: one space-separated string, not an array"),
        "token_endpoint_auth_method": string("R7591-2-c, R7591-2-e: string"),
        "client_name": string("R7591-2-c, R7591-2-l: string"),
        "client_uri": string("R7591-2-c: string"),
        "logo_uri": string("R7591-2-c: string"),
        "tos_uri": string("R7591-2-c: string"),
        "policy_uri": string("R7591-2-c: string"),
        "jwks_uri": string("R7591-2-c: string"),
        "jwks": {"description": "R7591-2-c: jwks is an object", "type": "object"},
        "software_id": string("R7591-2-s: string"),
        "software_version": string("R7591-2-s: string (not turned into a number)"),
        "software_statement": string("R7591-3.2.1-j: the statement string as sent"),
        "error": False,
    }
    if seed:
        props["client_secret_expires_at"]["$comment"] = (
            "The seed-v3 vendor documents client_secret_expires_at as a string; RFC 7591 "
            "3.2.1 requires a JSON number, and the RFC rule is asserted.")
        props["require_pushed_authorization_requests"] = {
            "description": "RFC 9126 6: boolean",
            "$comment": "The seed-v3 vendor documents this member as a string.",
            "type": "boolean"}
    if oidc:
        props["registration_client_uri"] = string(
            "OIDCR-3.2-g, R7592-3-a: non-empty https URL", minLength=1, pattern="^https://")
        props["registration_access_token"]["description"] = "OIDCR-3.2-g, R7592-3-a: non-empty string"
        props["application_type"] = string("OIDCR-2-c, OIDCR-2-d: string")
        props["subject_type"] = string("OIDCR-2-l: string")
        props["require_auth_time"] = {"description": "OIDCR-2-v: boolean", "type": "boolean"}
        props["default_max_age"] = {"description": "OIDCR-2-v: integer", "type": "integer"}
        props["default_acr_values"] = ref("stringArray", "OIDCR-2-v: array of strings")
        props["initiate_login_uri"] = string("OIDCR-2-w: string")
        props["request_uris"] = ref("stringArray", "OIDCR-2-x: array of strings")
        props["sector_identifier_uri"] = string("OIDCR-5-a: string")
        for m in JWS_MEMBERS + ["token_endpoint_auth_signing_alg"]:
            props[m] = string("OIDCR-2-n: string")
        for enc, alg in ENC_PAIRS:
            props[alg] = string("OIDCR-2-n: string")
            props[enc] = string("OIDCR-2-n, OIDCR-2-p: string")
    pair_ids = "OIDCR-3.2-g, R7592-3-a" if oidc else "R7592-3-a"
    all_of = [
        {"description": "R7591-3.2.1-e: client_secret requires client_secret_expires_at "
                        "(error at root)",
         "dependentRequired": {"client_secret": ["client_secret_expires_at"]}},
        {"description": pair_ids + ": registration_access_token and registration_client_uri "
                                   "come as a pair (error at root)",
         "dependentRequired": {"registration_access_token": ["registration_client_uri"],
                               "registration_client_uri": ["registration_access_token"]}},
        jwks_exclusive_rule("R7591-3.2.1-i, R7591-2-p"),
    ]
    schema = header(profile, "registration-response",
                    "Client information response (" + PROFILE_TITLE[profile] + ")",
                    "The body of a successful registration (201) under the " + profile
                    + " profile. Extension members are allowed (R7591-3.2.1-h).")
    schema["$comment"] = ("error is forbidden (R7591-3.2.2-a: a success body never carries an "
                          "error member; OIDF CheckNoErrorFromDynamicRegistrationEndpoint).")
    schema["type"] = "object"
    schema["required"] = ["client_id"]
    schema["properties"] = props
    schema["patternProperties"] = {
        "^" + m + LANG_TAG: string("R7591-2.2-a: language-tagged " + m + " is a string")
        for m in HUMAN_READABLE}
    schema["additionalProperties"] = True
    schema["allOf"] = all_of
    schema["$defs"] = {"stringArray": string_array("R7591-2-c: array of strings")}
    return schema


# --------------------------------------------------------------------------------------------
# Error schemas
# --------------------------------------------------------------------------------------------


def error_schema(profile):
    ids = "R7591-3.2.2-a, OIDCR-3.3-a" if profile == "oidc" else "R7591-3.2.2-a"
    schema = header(profile, "error-response",
                    "Client registration error response (" + PROFILE_TITLE[profile] + ")",
                    "The body of a registration error (400) under the " + profile + " profile ("
                    + ids + "). Error codes are not enumerated here; each check lists the codes "
                    "it accepts. Other members are allowed (R7591-3.2.2-d).")
    schema["type"] = "object"
    schema["required"] = ["error"]
    schema["properties"] = {
        "error": string("R7591-3.2.2-b: a single error code of RFC 6749 error characters "
                        "(%x20-21 / %x23-5B / %x5D-7E)", pattern=ERROR_CHARS),
        "error_description": string("R7591-3.2.2-c: human-readable ASCII text",
                                    pattern=DESCRIPTION_CHARS),
        "client_id": False,
    }
    schema["$comment"] = ("client_id is forbidden (R7591-3.2.2-g: a client_id in an error body "
                          "suggests a half-created client).")
    schema["additionalProperties"] = True
    return schema


# --------------------------------------------------------------------------------------------
# Report schema
# --------------------------------------------------------------------------------------------


def closed_object(props, description=None):
    s = {}
    if description:
        s["description"] = description
    s["type"] = "object"
    s["additionalProperties"] = False
    s["required"] = list(props)
    s["properties"] = props
    return s


DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def baseline_def():
    """What a --baseline file decided for a run (src/baseline.rs, docs/baselines.md)."""
    def entry(**extra):
        props = {
            "requirement": string("requirement id"),
            "check": {"description": "check name, or null for an entry covering every check "
                                     "of the requirement", "type": ["string", "null"]},
            "reason": {"type": "string"},
        }
        props.update(extra)
        props["line"] = {"description": "line of the entry's [[accept]] header in the "
                                        "baseline file", "type": "integer", "minimum": 0}
        return closed_object(props)

    def listed(description, item):
        return {"description": description, "type": "array", "items": item}

    return closed_object({
        "path": string("the baseline file, as given"),
        "date": string("the day (UTC) expiry dates were judged on, YYYY-MM-DD", pattern=DATE),
        "deny_warnings": {"description": "true when WARN findings counted as failures",
                          "type": "boolean"},
        "counts": closed_object({k: ref("count") for k in ["accepted", "new", "stale",
                                                            "expired"]},
                                "lengths of accepted, new, stale and expired"),
        "accepted": listed("failing findings an entry accepts", closed_object({
            "finding": string("finding id"),
            "requirement": string("requirement id"),
            "check": string("check id"),
            "reason": string("the accepting entry's reason"),
        })),
        "new": string_array("ids of failing findings no unexpired entry accepts"),
        "stale": listed("entries that accept no failing finding of this run (to delete)",
                        entry()),
        "expired": listed("entries on or after their expiry date; the failures they covered "
                          "are new",
                          entry(expires=string("the entry's expiry date, YYYY-MM-DD",
                                               pattern=DATE))),
    }, "the baseline's decision (docs/baselines.md)")



def report_schema():
    count = ref("count")
    summary = {k: ref("count") for k in ["cases", "requests", "transport_errors", "pass", "fail",
                                         "warn", "info", "skip", "untested", "findings",
                                         "duration_ms", "rate_limited", "truncated"]}
    summary_desc = ("Totals. pass, fail, warn, info, skip and untested count requirements by "
                    "verdict; cases, requests and transport_errors count what was sent; findings "
                    "counts entries of the findings array; rate_limited counts 429 answers met "
                    "(retried after Retry-After, never judged) and truncated the responses cut "
                    "at --body-cap (judged on their status only).")
    schema = header(None, "report", "dcrcheck report (version 3)",
                    "The versioned JSON report written by dcrcheck. Every object is closed "
                    "(additionalProperties false) so that drift between the code and this schema "
                    "is caught; a change of shape needs a new version.")
    schema["type"] = "object"
    schema["additionalProperties"] = False
    schema["required"] = ["version", "tool", "target", "profile", "seed", "complete", "insecure",
                          "partition", "summary", "requirements", "findings", "conflicts",
                          "baseline", "clients"]
    schema["properties"] = {
        "version": {"description": "report format version", "type": "integer", "const": 3},
        "tool": closed_object({
            "name": {"type": "string", "const": "dcrcheck"},
            "version": string("crate version (semver)", pattern=SEMVER),
        }, "the program that wrote the report"),
        "target": closed_object({
            "url": string("registration endpoint URL that was tested"),
            "embedded": {"description": "true when the built-in reference server was the target",
                         "type": "boolean"},
        }, "what was tested"),
        # mcp judges with the rfc7591 schemas and adds rows; it has no schema set of its own.
        "profile": {"type": "string", "enum": list(PROFILES) + ["mcp"]},
        "seed": {"description": "random seed of the payload generator", "type": "integer",
                 "minimum": 0},
        "complete": {'type': 'boolean',
                     'description': 'False when the run was interrupted (Ctrl-C); the verdicts '
                                    'then cover only what was sent.'},
        "insecure": {'type': 'boolean',
                     'description': 'True when the run accepted any server certificate '
                                    '(--insecure): nothing about the server was verified, and '
                                    'the TLS rows were skipped instead of judged.'},
        "partition": {'type': ['string', 'null'],
                      'pattern': '^hash:[1-9][0-9]*/[1-9][0-9]*$',
                      'description': 'hash:M/N when the report is shard M of N of a '
                                     'partitioned run; null for a whole run or a merge of all '
                                     'shards.'},
        "summary": closed_object(summary, summary_desc),
        "requirements": {"type": "array", "items": ref("requirement")},
        "findings": {"type": "array", "items": ref("finding")},
        "conflicts": {"type": "array", "items": ref("conflict")},
        "baseline": {'description': 'What the --baseline file of accepted failures made of '
                                    'this run, or null when no baseline was used. When present '
                                    'it alone decides the result: the run fails exactly when '
                                    'new, stale or expired is non-empty.',
                     'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/baseline'}]},
        "clients": closed_object({
            "created": ref("count"),
            "ids": string_array("client_ids of the clients created, at most the first 10,000"),
            "ids_truncated": {"description": "more clients were created than ids lists",
                              "type": "boolean"},
            "cleanup": {"description": "true when --cleanup was given", "type": "boolean"},
            "deleted": ref("count"),
            "not_deleted": ref("count"),
            "not_deleted_ids": string_array("with --cleanup, client_ids that could not be "
                                            "deleted, at most the first 10,000"),
        }, "The clients the run registered (every 2xx registration answer with a client_id): "
           "their ids, to remove them by hand, and what --cleanup deleted through RFC 7592."),
        "mcp": closed_object({
            "server": string("the --mcp-server URL"),
            "revision": {"description": "the MCP revision judged (--mcp-rev)", "type": "string",
                         "enum": ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]},
            "hops": {"type": "array", "items": closed_object({
                "step": string("what the request was for"),
                "method": string("GET, POST, or - when the URL was not followed"),
                "url": {"type": "string"},
                "status": {"type": ["integer", "null"]},
                "outcome": string("what came back, or why nothing was sent"),
            }, "one request of the chain")},
        }, "The MCP discovery chain an --mcp-server run followed, request by request; absent "
           "for other runs."),
    }
    headers = {"description": "header name to value", "type": "object",
               "additionalProperties": {"type": "string"}}
    nullable_string = {"type": ["string", "null"]}
    schema["$defs"] = {
        "count": {"type": "integer", "minimum": 0},
        "requirement": closed_object({
            "id": string("requirement id, e.g. R7591-2-p"),
            "citation": string("section of the specification"),
            "level": {"type": "string",
                      "enum": ["MUST", "DEFINED", "SHOULD", "DERIVED", "BP", "MAY"]},
            "verdict": ref("verdict"),
            "checks": string_array("ids of the checks that judged this requirement"),
            "findings": count,
            "reason": dict(nullable_string, description="why the verdict was reached (for skip "
                                                        "and untested), or null"),
        }, "one requirement of the catalog and its verdict"),
        "verdict": {"type": "string",
                    "enum": ["pass", "fail", "warn", "info", "skip", "untested"]},
        "finding": closed_object({
            "id": string("finding id"),
            "requirement": string("requirement id"),
            "check": string("check id"),
            "severity": {"type": "string", "enum": ["fail", "warn", "info"]},
            "title": {"type": "string"},
            "detail": {"type": "string"},
            "count": {"description": "how many cases showed this finding", "type": "integer",
                      "minimum": 1},
            "cases": string_array("ids of the cases that showed it"),
            "kind": string("what identifies the problem within its check and row (built from "
                           "structured data, not wording); merge groups findings on "
                           "requirement, check and kind"),
            "exemplar": {'type': 'string',
                         'description': 'Id of the case the request was made from (kept by its '
                                        'minimal reproduction); empty for run-wide findings.'},
            "request": closed_object({
                "method": {"type": "string"},
                "url": {"type": "string"},
                "headers": headers,
                "body": {"description": "the JSON body that was sent (any JSON value)"},
            }, "a representative request"),
            "response": closed_object({
                "status": {"description": "HTTP status, or null on a transport error",
                           "type": ["integer", "null"]},
                "headers": copy.deepcopy(headers),
                "body": {"description": "response body as text", "type": "string"},
                "transport_error": dict(nullable_string,
                                        description="transport error message, or null"),
            }, "the response to that request"),
            "curl": string("a curl command line that reproduces the request"),
        }, "one finding"),
        "conflict": closed_object({
            "member": string("metadata member"),
            "vendor": string("what the vendor documentation says"),
            "rfc": string("what the specification says"),
            "requirement": string("requirement id whose rule is applied"),
        }, "a place where the vendor documentation and the specification disagree"),
        # What a --baseline file decided (src/baseline.rs).
        "baseline": baseline_def(),
    }
    return schema


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def all_schemas():
    out = {}
    for p in PROFILES:
        out["schemas/%s/registration-request.schema.json" % p] = request_schema(p)
        out["schemas/%s/registration-response.schema.json" % p] = response_schema(p)
        out["schemas/%s/error-response.schema.json" % p] = error_schema(p)
    out["schemas/report.schema.json"] = report_schema()
    return out


def render(schema):
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stale = []
    for rel, schema in all_schemas().items():
        path = os.path.join(root, rel)
        text = render(schema)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(rel)
            except FileNotFoundError:
                stale.append(rel)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote " + rel)
    if stale:
        print("stale (run python3 scripts/gen_schemas.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
