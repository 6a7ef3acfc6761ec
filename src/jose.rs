//! The JSON Web Signatures the harness makes: software statements (RFC 7591 §2.3) and client
//! assertions for `private_key_jwt` (RFC 7523 §2.2). It owns signing keys (generated per run,
//! or read from a PEM file the user gives), their public JWKs, and the deliberately broken
//! variants the negative cases send (unsigned, a flipped signature byte).
//!
//! It signs only: it sends nothing and judges nothing, and the reference server verifies
//! with its own code, so a misreading of JWS here cannot hide on both sides.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum JoseError {
    #[error("could not generate a {alg} key: {message}")]
    Generate { alg: &'static str, message: String },
    #[error("{0}")]
    Key(String),
    #[error("could not sign a JWT: {0}")]
    Sign(String),
}

/// A signature algorithm the harness signs with: RS256 is what RFC 7591 §2.3 recommends,
/// ES256 the other one servers commonly accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Es256,
}

impl Alg {
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
        }
    }

    fn jsonwebtoken(self) -> Algorithm {
        match self {
            Alg::Rs256 => Algorithm::RS256,
            Alg::Es256 => Algorithm::ES256,
        }
    }
}

/// A private key the harness signs with, and its public JWK (with a `kid`: the RFC 7638
/// thumbprint).
#[derive(Clone)]
pub struct SigningKey {
    alg: Alg,
    encoding: EncodingKey,
    public_jwk: Value,
}

// Hand-written so key material never reaches a log line.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid())
            .finish()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The RFC 7638 thumbprint of a public JWK: SHA-256 over its required members in
/// lexicographic order, without whitespace.
fn thumbprint(required: &[(&str, &str)]) -> String {
    let members: Vec<String> = required
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), json!(v)))
        .collect();
    b64(&Sha256::digest(
        format!("{{{}}}", members.join(",")).as_bytes(),
    ))
}

fn rsa_key(key: &rsa::RsaPrivateKey) -> Result<SigningKey, JoseError> {
    let der = key
        .to_pkcs1_der()
        .map_err(|e| JoseError::Key(format!("could not encode an RSA key: {e}")))?;
    let n = b64(&key.n().to_bytes_be());
    let e = b64(&key.e().to_bytes_be());
    let kid = thumbprint(&[("e", &e), ("kty", "RSA"), ("n", &n)]);
    Ok(SigningKey {
        alg: Alg::Rs256,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        public_jwk: json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e}),
    })
}

fn ec_key(pkcs8: &[u8]) -> Result<SigningKey, JoseError> {
    let pair = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        pkcs8,
        &SystemRandom::new(),
    )
    .map_err(|e| JoseError::Key(format!("not a P-256 private key: {e}")))?;
    // An uncompressed SEC1 point: 0x04, then x and y, 32 bytes each.
    let point = pair.public_key().as_ref();
    if point.len() != 65 {
        return Err(JoseError::Key("unexpected P-256 public key length".into()));
    }
    let x = b64(&point[1..33]);
    let y = b64(&point[33..65]);
    let kid = thumbprint(&[("crv", "P-256"), ("kty", "EC"), ("x", &x), ("y", &y)]);
    Ok(SigningKey {
        alg: Alg::Es256,
        encoding: EncodingKey::from_ec_der(pkcs8),
        public_jwk: json!({"kty": "EC", "use": "sig", "alg": "ES256", "kid": kid, "crv": "P-256", "x": x, "y": y}),
    })
}

impl SigningKey {
    /// A fresh key for `alg`. RSA keys are 2048 bits (RFC 7518 §3.3's minimum); making one
    /// takes tens to hundreds of milliseconds, so callers start it early.
    pub fn generate(alg: Alg) -> Result<SigningKey, JoseError> {
        match alg {
            Alg::Rs256 => {
                let key =
                    rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| {
                        JoseError::Generate {
                            alg: "RS256",
                            message: e.to_string(),
                        }
                    })?;
                rsa_key(&key)
            }
            Alg::Es256 => {
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    &SystemRandom::new(),
                )
                .map_err(|e| JoseError::Generate {
                    alg: "ES256",
                    message: e.to_string(),
                })?;
                ec_key(pkcs8.as_ref())
            }
        }
    }

    /// A private key in PEM: PKCS#8 (`PRIVATE KEY`, RSA or EC P-256) or PKCS#1
    /// (`RSA PRIVATE KEY`). RSA signs RS256, P-256 signs ES256.
    pub fn from_pem(pem: &str) -> Result<SigningKey, JoseError> {
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
            return rsa_key(&key);
        }
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs1_pem(pem) {
            return rsa_key(&key);
        }
        let (label, der) = rsa::pkcs8::der::pem::decode_vec(pem.trim().as_bytes())
            .map_err(|e| JoseError::Key(format!("not a PEM private key: {e}")))?;
        match label {
            "PRIVATE KEY" => ec_key(&der).map_err(|_| {
                JoseError::Key("a PKCS#8 key that is neither RSA nor EC P-256".into())
            }),
            "EC PRIVATE KEY" => Err(JoseError::Key(
                "an SEC1 EC key; convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt`".into(),
            )),
            other => Err(JoseError::Key(format!(
                "a PEM \"{other}\", not a private key (PKCS#8 or PKCS#1)"
            ))),
        }
    }

    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The public JWK, with `kid`, `use` and `alg`.
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    pub fn kid(&self) -> &str {
        self.public_jwk["kid"].as_str().unwrap_or_default()
    }

    /// A compact JWS of `claims` with header `{"typ":"JWT","alg":...,"kid":...}`.
    pub fn sign(&self, claims: &Map<String, Value>) -> Result<String, JoseError> {
        let mut header = Header::new(self.alg.jsonwebtoken());
        header.kid = Some(self.kid().to_string());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| JoseError::Sign(e.to_string()))
    }
}

/// An unsecured JWT (`alg: none`, RFC 7519 §6): what RFC 7591 §2.3 forbids as a statement.
pub fn unsigned(claims: &Map<String, Value>) -> String {
    format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"}).to_string().as_bytes()),
        b64(Value::Object(claims.clone()).to_string().as_bytes())
    )
}

/// The same JWS with one bit of its signature's first byte flipped: well formed, but the
/// signature no longer verifies.
pub fn flip_signature(jws: &str) -> String {
    let Some((signed, signature)) = jws.rsplit_once('.') else {
        return jws.to_string();
    };
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
    match bytes.first_mut() {
        Some(first) => *first ^= 0x01,
        None => bytes.push(0x01),
    }
    format!("{signed}.{}", b64(&bytes))
}

/// The claims of a compact JWT, read without checking anything (for display and checks on
/// what was sent).
pub fn claims_of(jwt: &str) -> Option<Map<String, Value>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    fn claims() -> Map<String, Value> {
        json!({"iss": "https://statements.example", "software_id": "x", "exp": 4_000_000_000u64})
            .as_object()
            .cloned()
            .unwrap()
    }

    fn verifies(key: &SigningKey, jws: &str) -> bool {
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk().clone()).unwrap();
        let decoding = DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = Validation::new(key.alg().jsonwebtoken());
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(jws, &decoding, &validation).is_ok()
    }

    #[test]
    fn generated_keys_sign_what_their_public_jwk_verifies() {
        for alg in [Alg::Es256, Alg::Rs256] {
            let key = SigningKey::generate(alg).unwrap();
            let jws = key.sign(&claims()).unwrap();
            assert!(verifies(&key, &jws), "{alg:?}");
            assert!(!verifies(&key, &flip_signature(&jws)), "{alg:?} flipped");
            let other = SigningKey::generate(alg).unwrap();
            assert!(!verifies(&other, &jws), "{alg:?} other key");
            assert_eq!(claims_of(&jws), Some(claims()));
            assert_eq!(key.public_jwk()["alg"], alg.name());
        }
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s_example() {
        // RFC 7638 §3.1's RSA key and its thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(&[("e", "AQAB"), ("kty", "RSA"), ("n", n)]),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn unsigned_statements_say_alg_none_and_carry_the_claims() {
        let jwt = unsigned(&claims());
        assert!(jwt.ends_with('.'));
        assert_eq!(claims_of(&jwt), Some(claims()));
        let header = URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&header).unwrap()["alg"],
            "none"
        );
    }

    #[test]
    fn pem_keys_are_read_or_refused_in_one_line() {
        use rsa::pkcs8::EncodePrivateKey as _;
        let rsa = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let pem = rsa.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        let key = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(key.alg(), Alg::Rs256);
        let pkcs1 = rsa.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        assert_eq!(SigningKey::from_pem(&pkcs1).unwrap().kid(), key.kid());
        let ec =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let ec_pem = rsa::pkcs8::der::pem::encode_string(
            "PRIVATE KEY",
            rsa::pkcs8::LineEnding::LF,
            ec.as_ref(),
        )
        .unwrap();
        assert_eq!(SigningKey::from_pem(&ec_pem).unwrap().alg(), Alg::Es256);
        for bad in [
            "",
            "not pem",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ] {
            let e = SigningKey::from_pem(bad).unwrap_err().to_string();
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
