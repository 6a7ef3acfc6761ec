//! Compact JWS (RFC 7515 §7.1) as the server reads software statements and client
//! assertions: three base64url parts, a JSON object header and a JSON object payload, signed
//! with RS256 or ES256 (the two algorithms the server accepts and advertises), and the
//! signature checked against one public JWK. The JWT time claims (RFC 7519 §4.1.4–4.1.5) are
//! checked with [`LEEWAY`] against a clock the caller reads.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

/// The signing algorithms accepted, in the order the discovery documents list them.
pub(crate) const SUPPORTED_ALGS: &[&str] = &["RS256", "ES256"];

/// Seconds of clock skew allowed on `exp` and `nbf`.
pub(crate) const LEEWAY: u64 = 60;

/// A signing algorithm the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Rs256,
    Es256,
}

impl Alg {
    fn from_name(name: &str) -> Option<Alg> {
        match name {
            "RS256" => Some(Alg::Rs256),
            "ES256" => Some(Alg::Es256),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
        }
    }

    /// Whether `jwk` is a public key this algorithm verifies with: RSA for RS256, EC P-256
    /// for ES256.
    pub(crate) fn fits(self, jwk: &Value) -> bool {
        let member = |name: &str| jwk.get(name).and_then(Value::as_str);
        match self {
            Alg::Rs256 => member("kty") == Some("RSA"),
            Alg::Es256 => member("kty") == Some("EC") && member("crv") == Some("P-256"),
        }
    }
}

/// Why a text is not a JWS the server can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JwsError {
    #[error("not a compact JWS of three base64url parts")]
    Malformed,
    #[error("the JWS header is not a JSON object")]
    Header,
    #[error("the JWS payload is not a JSON object")]
    Payload,
    #[error("the JWS alg must be RS256 or ES256")]
    Alg,
    #[error("the JWS header names critical extensions this server does not understand")]
    Crit,
}

/// A parsed compact JWS; nothing about it is verified yet.
#[derive(Debug, Clone)]
pub(crate) struct Jws<'a> {
    pub alg: Alg,
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// `header.payload` as received: the signing input.
    signing_input: &'a str,
    /// The third part, still base64url.
    signature: &'a str,
}

/// Splits and decodes `text`; refuses any `alg` but RS256 and ES256 (`none` included).
pub(crate) fn parse(text: &str) -> Result<Jws<'_>, JwsError> {
    let mut parts = text.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed);
    };
    let header = decode_object(header).ok_or(JwsError::Header)?;
    let claims = decode_object(payload).ok_or(JwsError::Payload)?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Alg::from_name)
        .ok_or(JwsError::Alg)?;
    // RFC 7515 §4.1.11: no extension is understood here, so any `crit` is refused.
    if header.contains_key("crit") {
        return Err(JwsError::Crit);
    }
    if signature.is_empty() || URL_SAFE_NO_PAD.decode(signature).is_err() {
        return Err(JwsError::Malformed);
    }
    let signing_input = &text[..text.len() - signature.len() - 1];
    Ok(Jws {
        alg,
        header,
        claims,
        signing_input,
        signature,
    })
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

impl Jws<'_> {
    /// Whether the signature verifies with the public JWK `jwk`. A key that does not fit the
    /// algorithm, or whose members do not decode, never verifies.
    pub(crate) fn verifies_with(&self, jwk: &Value) -> bool {
        if !self.alg.fits(jwk) {
            return false;
        }
        let member = |name: &str| jwk.get(name).and_then(Value::as_str);
        // The key family is matched to the algorithm above: jsonwebtoken must never be handed
        // an RSA key for ES256 or the reverse.
        let (key, algorithm) = match self.alg {
            Alg::Rs256 => {
                let (Some(n), Some(e)) = (member("n"), member("e")) else {
                    return false;
                };
                (DecodingKey::from_rsa_components(n, e), Algorithm::RS256)
            }
            Alg::Es256 => {
                let (Some(x), Some(y)) = (member("x"), member("y")) else {
                    return false;
                };
                (DecodingKey::from_ec_components(x, y), Algorithm::ES256)
            }
        };
        let Ok(key) = key else {
            return false;
        };
        jsonwebtoken::crypto::verify(
            self.signature,
            self.signing_input.as_bytes(),
            &key,
            algorithm,
        )
        .unwrap_or(false)
    }

    /// The header's `kid`, if it is a string.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// A string claim.
    pub(crate) fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

/// Why the time claims refuse a JWT (RFC 7519 §4.1.4, §4.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TimeError {
    #[error("exp is required")]
    MissingExp,
    #[error("exp and nbf must be numbers")]
    NotANumber,
    #[error("the JWT has expired")]
    Expired,
    #[error("the JWT is not valid yet")]
    NotYetValid,
}

/// `exp` (required when `exp_required`) must not be more than [`LEEWAY`] in the past;
/// `check_exp` false skips it. `nbf`, when present, must not be more than [`LEEWAY`] in the
/// future. `now` is seconds since the Unix epoch.
pub(crate) fn check_times(
    claims: &Map<String, Value>,
    now: u64,
    exp_required: bool,
    check_exp: bool,
) -> Result<(), TimeError> {
    let number = |name: &str| match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or(TimeError::NotANumber),
    };
    let now = now as f64;
    let leeway = LEEWAY as f64;
    match number("exp")? {
        None if exp_required && check_exp => return Err(TimeError::MissingExp),
        Some(exp) if check_exp && exp + leeway < now => return Err(TimeError::Expired),
        _ => {}
    }
    if number("nbf")?.is_some_and(|nbf| nbf > now + leeway) {
        return Err(TimeError::NotYetValid);
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_keys {
    //! ES256 keys and signed JWTs for the server's tests (rcgen generates the keys on ring).

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{json, Value};

    /// A P-256 key pair: the private key to sign with and the public JWK.
    pub(crate) struct EcKey {
        encoding: EncodingKey,
        pub jwk: Value,
    }

    impl EcKey {
        /// A fresh key whose JWK carries `kid`.
        pub(crate) fn generate(kid: &str) -> EcKey {
            let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .expect("P-256 key generation");
            let raw = pair.public_key_raw();
            // Uncompressed SEC1 point: 0x04 || x || y.
            assert_eq!(raw.len(), 65);
            let jwk = json!({
                "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                "x": URL_SAFE_NO_PAD.encode(&raw[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&raw[33..]),
            });
            EcKey {
                encoding: EncodingKey::from_ec_der(&pair.serialize_der()),
                jwk,
            }
        }

        /// `claims` signed ES256, with `kid` in the header when given.
        pub(crate) fn sign(&self, claims: &Value, kid: Option<&str>) -> String {
            let mut header = Header::new(jsonwebtoken::Algorithm::ES256);
            header.typ = Some("JWT".to_owned());
            header.kid = kid.map(str::to_owned);
            jsonwebtoken::encode(&header, claims, &self.encoding).expect("ES256 signing")
        }
    }

    /// `{"keys": [jwk]}`.
    pub(crate) fn jwks(jwk: &Value) -> Value {
        json!({ "keys": [jwk] })
    }
}

#[cfg(test)]
mod tests {
    use super::test_keys::EcKey;
    use super::*;
    use serde_json::json;

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    #[test]
    fn parse_refuses_anything_but_a_signed_rs256_or_es256_jws() {
        let h = b64(&json!({"alg": "ES256"}));
        let p = b64(&json!({"iss": "x"}));
        assert!(parse(&format!("{h}.{p}.AAAA")).is_ok());
        for (text, error) in [
            ("abc".to_owned(), JwsError::Malformed),
            (format!("{h}.{p}"), JwsError::Malformed),
            (format!("{h}.{p}.AAAA.AAAA"), JwsError::Malformed),
            (format!("{h}.{p}."), JwsError::Malformed),
            (format!("{h}.{p}.!!"), JwsError::Malformed),
            (format!("x.{p}.AAAA"), JwsError::Header),
            (format!("{}.{p}.AAAA", b64(&json!([1]))), JwsError::Header),
            (format!("{h}.{}.AAAA", b64(&json!("s"))), JwsError::Payload),
            (
                format!("{}.{p}.AAAA", b64(&json!({"alg": "none"}))),
                JwsError::Alg,
            ),
            (
                format!("{}.{p}.AAAA", b64(&json!({"alg": "HS256"}))),
                JwsError::Alg,
            ),
            (format!("{}.{p}.AAAA", b64(&json!({}))), JwsError::Alg),
            (
                format!(
                    "{}.{p}.AAAA",
                    b64(&json!({"alg": "ES256", "crit": ["exp"]}))
                ),
                JwsError::Crit,
            ),
        ] {
            assert_eq!(parse(&text).map(|_| ()), Err(error), "{text}");
        }
    }

    #[test]
    fn signatures_verify_only_with_the_signing_key() {
        let key = EcKey::generate("k1");
        let other = EcKey::generate("k2");
        let jwt = key.sign(&json!({"iss": "a"}), Some("k1"));
        let jws = parse(&jwt).expect("parses");
        assert_eq!(jws.alg, Alg::Es256);
        assert_eq!(jws.kid(), Some("k1"));
        assert_eq!(jws.claim_str("iss"), Some("a"));
        assert!(jws.verifies_with(&key.jwk));
        assert!(!jws.verifies_with(&other.jwk));
        // An RSA key never verifies ES256 (and must not reach jsonwebtoken).
        assert!(!jws.verifies_with(&json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"})));
        assert!(!jws.verifies_with(&json!({"kty": "EC", "crv": "P-256", "x": "!"})));
        let mut tampered = jwt.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert!(!parse(&tampered).expect("parses").verifies_with(&key.jwk));
    }

    #[test]
    fn time_claims_allow_a_minute_of_skew() {
        let claims = |v: Value| v.as_object().cloned().unwrap_or_default();
        let now = 1_000_000;
        assert_eq!(check_times(&claims(json!({})), now, false, true), Ok(()));
        assert_eq!(
            check_times(&claims(json!({})), now, true, true),
            Err(TimeError::MissingExp)
        );
        assert_eq!(
            check_times(&claims(json!({"exp": now - 30})), now, true, true),
            Ok(())
        );
        assert_eq!(
            check_times(&claims(json!({"exp": now - 3600})), now, true, true),
            Err(TimeError::Expired)
        );
        assert_eq!(
            check_times(&claims(json!({"exp": now - 3600})), now, true, false),
            Ok(())
        );
        assert_eq!(
            check_times(&claims(json!({"exp": "soon"})), now, true, true),
            Err(TimeError::NotANumber)
        );
        assert_eq!(
            check_times(&claims(json!({"nbf": now + 3600})), now, false, true),
            Err(TimeError::NotYetValid)
        );
        assert_eq!(
            check_times(&claims(json!({"nbf": now + 30})), now, false, true),
            Ok(())
        );
    }
}
