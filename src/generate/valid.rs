//! proptest strategies for valid registration metadata: every RFC 7591 §2 member, the
//! cross-member rules (consistent grant/response pairs, `jwks` XOR `jwks_uri`, real public
//! keys), language-tagged members and boundary ladders (name and URI lengths, non-ASCII text,
//! many redirect URIs).

use std::sync::OnceLock;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::profile::Profile;
use crate::spec::names::*;

/// Which valid payloads to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Anything valid under the profile.
    Any,
    /// A conservative code-flow client with https redirect URIs only: what any server that
    /// supports registration accepts, so a mutation on it is the only thing wrong.
    Conservative,
}

/// Lengths around limits servers commonly have (column widths, VARCHAR(64/255), 4 KiB).
pub const NAME_LENGTHS: &[usize] = &[1, 8, 32, 40, 41, 48, 63, 64, 65, 100, 255, 256, 1000, 4096];
/// Redirect URI lengths around 200 and 255 characters and one far beyond.
pub const URI_LENGTHS: &[usize] = &[30, 120, 199, 200, 201, 255, 256, 1000];
/// Language tags in the forms BCP 47 allows, with case variants (RFC 7591 §2.2).
pub const LANGUAGE_TAGS: &[&str] = &["en", "ja-Jpan-JP", "fr-CA", "EN-us", "de", "zh-Hant-TW"];

const ASCII_ALPHABET: &[char] = &[
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's',
    't', 'u', 'v', 'w', 'x', 'y', 'z', 'A', 'B', 'C', 'D', '0', '1', '2', '3', '-', '_', ' ',
];
const NON_ASCII_ALPHABET: &[char] = &[
    'é', 'ñ', 'ü', 'ß', 'ク', 'ラ', 'イ', 'ア', 'ン', 'ト', '名', 'Ω', 'ж', 'ψ', '€', 'a', 'b',
];

/// A string of exactly `len` characters; `non_ascii` mixes in characters outside ASCII.
/// The first and last characters are letters so servers that trim see the same value.
pub fn text(len: usize, non_ascii: bool, salt: usize) -> String {
    let alphabet = if non_ascii {
        NON_ASCII_ALPHABET
    } else {
        ASCII_ALPHABET
    };
    (0..len)
        .map(|i| {
            let c = alphabet[(salt + i * 7) % alphabet.len()];
            if (i == 0 || i + 1 == len) && !c.is_alphabetic() {
                'n'
            } else {
                c
            }
        })
        .collect()
}

fn name_strategy() -> impl Strategy<Value = String> {
    (
        prop::sample::select(NAME_LENGTHS),
        prop::bool::weighted(0.3),
        0usize..64,
    )
        .prop_map(|(len, non_ascii, salt)| text(len, non_ascii, salt))
}

/// An https redirect URI of exactly `len` characters (a path padded to length).
pub fn https_uri_of_len(len: usize, salt: usize) -> String {
    let prefix = "https://client.example.org/cb";
    if len <= prefix.len() {
        return prefix.to_string();
    }
    let pad: String = (0..len - prefix.len() - 1)
        .map(|i| char::from(b'a' + ((salt + i) % 26) as u8))
        .collect();
    format!("{prefix}/{pad}")
}

fn web_redirect() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (1u32..50).prop_map(|n| format!("https://client.example.org/cb{n}")),
        1 => (1u32..9).prop_map(|n| format!("https://app{n}.example.com/oauth/callback?tenant={n}")),
        1 => (prop::sample::select(URI_LENGTHS), 0usize..26).prop_map(|(l, s)| https_uri_of_len(l, s)),
        1 => (1024u16..65535).prop_map(|p| format!("http://localhost:{p}/cb")),
        1 => Just("http://127.0.0.1/cb".to_string()),
    ]
    .boxed()
}

fn https_redirect() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (1u32..50).prop_map(|n| format!("https://client.example.org/cb{n}")),
        1 => (1u32..9).prop_map(|n| format!("https://app{n}.example.com/oauth/callback?tenant={n}")),
        1 => (prop::sample::select(URI_LENGTHS), 0usize..26).prop_map(|(l, s)| https_uri_of_len(l, s)),
    ]
    .boxed()
}

fn native_redirect() -> BoxedStrategy<String> {
    prop_oneof![
        Just("com.example.app:/oauth2redirect".to_string()),
        (1024u16..65535).prop_map(|p| format!("http://127.0.0.1:{p}/cb")),
        (1024u16..65535).prop_map(|p| format!("http://localhost:{p}/cb")),
    ]
    .boxed()
}

/// Redirect URIs: usually one to three, sometimes many (RFC 7591 puts no limit on the count).
fn redirect_list(item: BoxedStrategy<String>) -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        6 => vec(item.clone(), 1..=3),
        1 => vec(item, 8..=20),
    ]
    .prop_map(|mut v| {
        v.sort();
        v.dedup();
        v
    })
    .boxed()
}

/// A consistent pair of grant types and response types; `None` leaves the member out so the
/// server applies its default.
type GrantPair = (Option<Vec<&'static str>>, Option<Vec<&'static str>>);

fn grant_pairs(profile: Profile, shape: Shape) -> BoxedStrategy<GrantPair> {
    let mut pairs: Vec<GrantPair> = vec![
        (None, None),
        (Some(vec![GRANT_AUTHORIZATION_CODE]), Some(vec!["code"])),
        (Some(vec![GRANT_AUTHORIZATION_CODE]), None),
        (
            Some(vec![GRANT_AUTHORIZATION_CODE, GRANT_REFRESH_TOKEN]),
            Some(vec!["code"]),
        ),
    ];
    if profile.is_oidc() {
        pairs.push((Some(vec![GRANT_IMPLICIT]), Some(vec!["id_token"])));
        pairs.push((
            Some(vec![GRANT_AUTHORIZATION_CODE, GRANT_IMPLICIT]),
            Some(vec!["code id_token"]),
        ));
    } else {
        pairs.push((Some(vec![GRANT_IMPLICIT]), Some(vec!["token"])));
        pairs.push((
            Some(vec![GRANT_AUTHORIZATION_CODE, GRANT_IMPLICIT]),
            Some(vec!["code", "token"]),
        ));
    }
    match shape {
        Shape::Any => pairs.push((Some(vec![GRANT_CLIENT_CREDENTIALS]), Some(vec![]))),
        Shape::Conservative => pairs.truncate(4),
    }
    prop::sample::select(pairs).boxed()
}

/// The real public keys of fixtures/keys/public-jwks.json.
pub fn public_keys() -> &'static [Value] {
    static KEYS: OnceLock<Vec<Value>> = OnceLock::new();
    KEYS.get_or_init(|| keys_of(include_str!("../../fixtures/keys/public-jwks.json")))
}

/// Private counterparts of the public keys, only ever sent as invalid payloads.
pub fn private_keys() -> &'static [Value] {
    static KEYS: OnceLock<Vec<Value>> = OnceLock::new();
    KEYS.get_or_init(|| keys_of(include_str!("../../fixtures/keys/private-jwks.json")))
}

fn keys_of(source: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(source)
        .ok()
        .and_then(|v| v.get("keys").and_then(Value::as_array).cloned())
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
enum Keys {
    None,
    Jwks(Vec<usize>),
    JwksUri,
}

fn keys_strategy() -> impl Strategy<Value = Keys> {
    let n = public_keys().len().max(1);
    prop_oneof![
        3 => Just(Keys::None),
        2 => prop::sample::subsequence((0..n).collect::<Vec<_>>(), 1..=n.min(3)).prop_map(Keys::Jwks),
        1 => Just(Keys::JwksUri),
    ]
}

fn scope_strategy() -> impl Strategy<Value = String> {
    prop::sample::subsequence(
        vec![
            "openid",
            "profile",
            "email",
            "offline_access",
            "read",
            "write",
            "api:read",
        ],
        1..=4,
    )
    .prop_map(|v| v.join(" "))
}

fn contacts_strategy() -> impl Strategy<Value = Vec<String>> {
    vec(
        prop_oneof![
            Just("ops@client.example.org".to_string()),
            Just("admin@client.example.org".to_string()),
            Just("sécurité@client.example.org".to_string()),
        ],
        1..=3,
    )
}

#[derive(Debug, Clone)]
struct Human {
    name: Option<String>,
    tagged: Vec<(usize, usize)>,
    client_uri: bool,
    logo_uri: bool,
    tos_uri: bool,
    policy_uri: bool,
}

fn human_strategy() -> impl Strategy<Value = Human> {
    (
        option::weighted(0.85, name_strategy()),
        prop_oneof![2 => Just(vec![]), 1 => vec((0..LANGUAGE_TAGS.len(), 0usize..3), 1..=2)],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(name, tagged, client_uri, logo_uri, tos_uri, policy_uri)| Human {
                name,
                tagged,
                client_uri,
                logo_uri,
                tos_uri,
                policy_uri,
            },
        )
}

#[derive(Debug, Clone)]
struct Extra {
    scope: Option<String>,
    contacts: Option<Vec<String>>,
    software: Option<(String, String)>,
    oidc_alg: Option<&'static str>,
    max_age: Option<u32>,
    auth_time: Option<bool>,
    vendor_metadata: bool,
}

fn extra_strategy() -> impl Strategy<Value = Extra> {
    (
        option::of(scope_strategy()),
        option::of(contacts_strategy()),
        option::of(
            (0u32..1000, 1u32..9)
                .prop_map(|(id, v)| (format!("4NRB1-0XZABZI9E6-{id:04}"), format!("{v}.{id}"))),
        ),
        option::of(prop::sample::select(vec!["RS256", "ES256", "PS256"])),
        option::of(0u32..86_400),
        option::of(any::<bool>()),
        any::<bool>(),
    )
        .prop_map(
            |(scope, contacts, software, oidc_alg, max_age, auth_time, vendor_metadata)| Extra {
                scope,
                contacts,
                software,
                oidc_alg,
                max_age,
                auth_time,
                vendor_metadata,
            },
        )
}

/// Valid registration metadata for a profile.
pub fn metadata(profile: Profile, shape: Shape) -> BoxedStrategy<Map<String, Value>> {
    let native = profile.is_oidc() && shape == Shape::Any;
    let web = match shape {
        Shape::Any => web_redirect(),
        Shape::Conservative => https_redirect(),
    };
    (
        grant_pairs(profile, shape),
        prop::bool::weighted(if native { 0.25 } else { 0.0 }),
        redirect_list(web),
        redirect_list(native_redirect()),
        prop::sample::select(vec![
            None,
            Some(AUTH_CLIENT_SECRET_BASIC),
            Some(AUTH_CLIENT_SECRET_POST),
            Some(AUTH_NONE),
            Some(AUTH_PRIVATE_KEY_JWT),
        ]),
        keys_strategy(),
        human_strategy(),
        extra_strategy(),
    )
        .prop_map(
            move |(grants, is_native, web, native_uris, auth, keys, human, mut extra)| {
                if shape == Shape::Conservative {
                    // Signing algorithms beyond RS256 are the provider's policy (OIDC Core
                    // §15.1); a base payload must not depend on them.
                    extra.oidc_alg = None;
                    // Servers register only the scopes they know; scope is policy too.
                    extra.scope = None;
                }
                build(
                    profile,
                    grants,
                    is_native,
                    web,
                    native_uris,
                    auth,
                    keys,
                    human,
                    extra,
                )
            },
        )
        .boxed()
}

#[allow(clippy::too_many_arguments)]
fn build(
    profile: Profile,
    (grants, responses): GrantPair,
    is_native: bool,
    web: Vec<String>,
    native_uris: Vec<String>,
    auth: Option<&'static str>,
    mut keys: Keys,
    human: Human,
    extra: Extra,
) -> Map<String, Value> {
    let mut m = Map::new();
    let implicit = grants.as_ref().is_some_and(|g| g.contains(&GRANT_IMPLICIT));
    let redirects = if is_native {
        native_uris
    } else if implicit && profile.is_oidc() {
        // OIDC §2: web clients using implicit register only https, non-localhost URIs.
        let v: Vec<String> = web
            .into_iter()
            .filter(|u| u.starts_with("https://"))
            .collect();
        if v.is_empty() {
            vec!["https://client.example.org/implicit-cb".to_string()]
        } else {
            v
        }
    } else {
        web
    };
    m.insert(REDIRECT_URIS.into(), json!(redirects));
    if let Some(g) = grants {
        m.insert(GRANT_TYPES.into(), json!(g));
    }
    if let Some(r) = responses {
        m.insert(RESPONSE_TYPES.into(), json!(r));
    }
    if let Some(a) = auth {
        m.insert(TOKEN_ENDPOINT_AUTH_METHOD.into(), json!(a));
        // private_key_jwt authenticates with the client's keys: it needs some.
        if a == AUTH_PRIVATE_KEY_JWT && matches!(keys, Keys::None) {
            keys = Keys::Jwks(vec![0]);
        }
    }
    match keys {
        Keys::None => {}
        Keys::Jwks(idx) => {
            let all = public_keys();
            let chosen: Vec<Value> = idx.iter().filter_map(|i| all.get(*i).cloned()).collect();
            m.insert(JWKS.into(), json!({ "keys": chosen }));
        }
        Keys::JwksUri => {
            m.insert(
                JWKS_URI.into(),
                json!("https://client.example.org/.well-known/jwks.json"),
            );
        }
    }
    let name = match (human.name, profile) {
        (Some(n), _) => Some(n),
        // The vendor API requires client_name.
        (None, Profile::SeedV3) => Some("dcrcheck client".to_string()),
        (None, _) => None,
    };
    if let Some(n) = name {
        m.insert(CLIENT_NAME.into(), json!(n));
    }
    for (tag_idx, salt) in human.tagged {
        let tag = LANGUAGE_TAGS[tag_idx % LANGUAGE_TAGS.len()];
        let value = text(
            12 + salt,
            tag.starts_with("ja") || tag.starts_with("zh"),
            salt,
        );
        m.insert(format!("{CLIENT_NAME}#{tag}"), json!(value));
    }
    let uris = [
        (human.client_uri, CLIENT_URI, "https://client.example.org/"),
        (
            human.logo_uri,
            LOGO_URI,
            "https://client.example.org/logo.png",
        ),
        (human.tos_uri, TOS_URI, "https://client.example.org/tos"),
        (
            human.policy_uri,
            POLICY_URI,
            "https://client.example.org/policy",
        ),
    ];
    for (on, member, value) in uris {
        if on {
            m.insert(member.into(), json!(value));
        }
    }
    if let Some(s) = extra.scope {
        m.insert(SCOPE.into(), json!(s));
    }
    if let Some(c) = extra.contacts {
        m.insert(CONTACTS.into(), json!(c));
    }
    if let Some((id, version)) = extra.software {
        m.insert(SOFTWARE_ID.into(), json!(id));
        m.insert(SOFTWARE_VERSION.into(), json!(version));
    }
    if profile.is_oidc() {
        m.insert(
            APPLICATION_TYPE.into(),
            json!(if is_native { "native" } else { "web" }),
        );
        if let Some(alg) = extra.oidc_alg {
            m.insert(ID_TOKEN_SIGNED_RESPONSE_ALG.into(), json!(alg));
        }
        if let Some(age) = extra.max_age {
            m.insert(DEFAULT_MAX_AGE.into(), json!(age));
        }
        if let Some(t) = extra.auth_time {
            m.insert(REQUIRE_AUTH_TIME.into(), json!(t));
        }
    }
    if profile == Profile::SeedV3 && extra.vendor_metadata {
        m.insert(
            METADATA.into(),
            json!([{"name": "team", "value": "payments", "locale": "en"}]),
        );
    }
    m
}

/// The minimal valid request of the catalog (B0), adjusted to what the profile requires.
pub fn baseline(profile: Profile) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        REDIRECT_URIS.into(),
        json!(["https://client.example.org/cb"]),
    );
    m.insert(CLIENT_NAME.into(), json!("dcr-harness"));
    let _ = profile;
    m
}
