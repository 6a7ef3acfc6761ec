//! JWK Set checks for a registered `jwks` (RFC 7517 §4–5, RFC 7518 §6, RFC 8037, OIDCR §2):
//! public keys of a known type with every required member well encoded, nothing private or
//! symmetric, distinct `kid`s.

use std::collections::HashSet;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{Map, Value};

use super::defects::{Defect, DefectSet};
use crate::spec::names::PRIVATE_JWK_MEMBERS;

const SIG_OPS: &[&str] = &["sign", "verify"];
const ENC_OPS: &[&str] = &[
    "encrypt",
    "decrypt",
    "wrapKey",
    "unwrapKey",
    "deriveKey",
    "deriveBits",
];

/// Checks a `jwks` value; the JWK defects each let one kind of bad key through.
pub(crate) fn check_jwks(jwks: &Value, defects: &DefectSet) -> Result<(), String> {
    let Value::Object(set) = jwks else {
        return Err("jwks must be a JSON object".to_owned());
    };
    let keys = match set.get("keys") {
        Some(Value::Array(keys)) => keys,
        _ if defects.has(Defect::AcceptJwksWithoutKeys) => return Ok(()),
        _ => return Err("jwks must have a keys array".to_owned()),
    };
    if keys.is_empty() {
        return Err("jwks keys must not be empty".to_owned());
    }
    let mut kids = HashSet::new();
    for (i, key) in keys.iter().enumerate() {
        let Value::Object(key) = key else {
            return Err(format!("jwks key {i} must be an object"));
        };
        check_key(key, defects).map_err(|e| format!("jwks key {i}: {e}"))?;
        match key.get("kid") {
            None => {}
            Some(Value::String(kid)) if kids.insert(kid.as_str()) => {}
            Some(Value::String(_)) => return Err(format!("jwks key {i}: duplicate kid")),
            Some(_) => return Err(format!("jwks key {i}: kid must be a string")),
        }
    }
    Ok(())
}

fn check_key(key: &Map<String, Value>, defects: &DefectSet) -> Result<(), String> {
    let allow_private = defects.has(Defect::AcceptPrivateJwk);
    let allow_oct = allow_private
        || (defects.has(Defect::AcceptOctJwk)
            && key.get("kty").and_then(Value::as_str) == Some("oct"));
    if !allow_private {
        let private = PRIVATE_JWK_MEMBERS
            .iter()
            .find(|m| key.contains_key(**m) && !(allow_oct && **m == "k"));
        if let Some(m) = private {
            return Err(format!(
                "private or symmetric key member {m} is not allowed"
            ));
        }
    }
    let kty = match key.get("kty") {
        Some(Value::String(k)) => k.as_str(),
        Some(_) => return Err("kty must be a string".to_owned()),
        None if defects.has(Defect::AcceptJwkWithoutKty) => guess_kty(key)?,
        None => return Err("kty is required".to_owned()),
    };
    // RFC 7517 §4.7: x5c does not replace the key's own members.
    let certificate_only = defects.has(Defect::AcceptX5cWithoutKeyMembers)
        && key
            .get("x5c")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
    match kty {
        "RSA" | "EC" | "OKP" if certificate_only => {}
        "RSA" => check_rsa(key, defects)?,
        "EC" => check_ec(key, defects)?,
        "OKP" => check_okp(key)?,
        "oct" if allow_oct => {
            b64_member(key, "k")?;
        }
        "oct" => return Err("symmetric (oct) keys are not allowed".to_owned()),
        _ => return Err("kty must be RSA, EC or OKP".to_owned()),
    }
    check_use_and_ops(key)?;
    for m in ["alg", "x5u", "x5t", "x5t#S256"] {
        if key.get(m).is_some_and(|v| !v.is_string()) {
            return Err(format!("{m} must be a string"));
        }
    }
    if let Some(x5c) = key.get("x5c") {
        let certs = x5c.as_array().filter(|a| !a.is_empty());
        let ok = certs.is_some_and(|a| {
            a.iter()
                .all(|c| c.as_str().is_some_and(|s| STANDARD.decode(s).is_ok()))
        });
        if !ok {
            return Err("x5c must be a non-empty array of base64 certificates".to_owned());
        }
    }
    Ok(())
}

/// `accept-jwk-without-kty`: the key type the members suggest.
fn guess_kty(key: &Map<String, Value>) -> Result<&'static str, String> {
    if key.contains_key("n") {
        Ok("RSA")
    } else if key.contains_key("y") {
        Ok("EC")
    } else if key.contains_key("crv") {
        Ok("OKP")
    } else {
        Err("kty is required".to_owned())
    }
}

fn check_rsa(key: &Map<String, Value>, defects: &DefectSet) -> Result<(), String> {
    let n = b64_member(key, "n")?;
    let e = b64_member(key, "e")?;
    // Base64urlUInt uses the fewest octets (RFC 7518 §2), so a leading zero octet is wrong.
    if n.first() == Some(&0) || e.first() == Some(&0) {
        return Err("n and e must not have leading zero octets".to_owned());
    }
    let bits = (n.len() * 8).saturating_sub(n.first().map_or(8, |b| b.leading_zeros() as usize));
    if bits < 2048 && !defects.has(Defect::AcceptShortRsaKey) {
        // RFC 7518 §3.3: RSA keys are at least 2048 bits.
        return Err("RSA modulus must be at least 2048 bits".to_owned());
    }
    Ok(())
}

fn check_ec(key: &Map<String, Value>, defects: &DefectSet) -> Result<(), String> {
    let size = match key.get("crv").and_then(Value::as_str) {
        Some("P-256") => 32,
        Some("P-384") => 48,
        Some("P-521") => 66,
        _ => return Err("EC crv must be P-256, P-384 or P-521".to_owned()),
    };
    for m in ["x", "y"] {
        if m == "y" && defects.has(Defect::AcceptEcKeyWithoutY) && !key.contains_key("y") {
            continue;
        }
        // RFC 7518 §6.2.1.2: coordinates are the full size of the curve.
        if b64_member(key, m)?.len() != size {
            return Err(format!("{m} has the wrong length for the curve"));
        }
    }
    Ok(())
}

fn check_okp(key: &Map<String, Value>) -> Result<(), String> {
    let size = match key.get("crv").and_then(Value::as_str) {
        Some("Ed25519" | "X25519") => 32,
        Some("Ed448") => 57,
        Some("X448") => 56,
        _ => return Err("OKP crv must be Ed25519, Ed448, X25519 or X448".to_owned()),
    };
    if b64_member(key, "x")?.len() != size {
        return Err("x has the wrong length for the curve".to_owned());
    }
    Ok(())
}

/// RFC 7517 §4.2–4.3: `use` is sig or enc; `key_ops` known, unique and agreeing with `use`.
fn check_use_and_ops(key: &Map<String, Value>) -> Result<(), String> {
    let use_ = match key.get("use") {
        None => None,
        Some(Value::String(u)) if u == "sig" || u == "enc" => Some(u.as_str()),
        Some(_) => return Err("use must be sig or enc".to_owned()),
    };
    let Some(ops) = key.get("key_ops") else {
        return Ok(());
    };
    let Some(ops) = ops.as_array() else {
        return Err("key_ops must be an array".to_owned());
    };
    let mut seen = HashSet::new();
    for op in ops {
        let Some(op) = op.as_str() else {
            return Err("key_ops entries must be strings".to_owned());
        };
        if !SIG_OPS.contains(&op) && !ENC_OPS.contains(&op) {
            return Err("key_ops has an unknown operation".to_owned());
        }
        if !seen.insert(op) {
            return Err("key_ops has a repeated operation".to_owned());
        }
        let agrees = match use_ {
            Some("sig") => SIG_OPS.contains(&op),
            Some(_) => ENC_OPS.contains(&op),
            None => true,
        };
        if !agrees {
            return Err("key_ops does not agree with use".to_owned());
        }
    }
    Ok(())
}

/// A required member holding base64url without padding; returns the decoded octets.
fn b64_member(key: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let Some(value) = key.get(name) else {
        return Err(format!("{name} is required"));
    };
    let decoded = value
        .as_str()
        .filter(|s| !s.is_empty())
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
    decoded.ok_or_else(|| format!("{name} must be non-empty base64url without padding"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn clean() -> DefectSet {
        DefectSet::default()
    }

    fn with(defect: Defect) -> DefectSet {
        DefectSet::new(&[defect])
    }

    fn b64(len: usize, first: u8) -> String {
        let mut bytes = vec![0x55u8; len];
        bytes[0] = first;
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn rsa() -> Value {
        json!({"kty": "RSA", "n": b64(256, 0xc1), "e": "AQAB", "kid": "a", "use": "sig"})
    }

    fn ec() -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": b64(32, 1), "y": b64(32, 2)})
    }

    #[test]
    fn public_keys_are_accepted() {
        let okp = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(32, 3)});
        let set = json!({"keys": [rsa(), ec(), okp]});
        assert_eq!(check_jwks(&set, &clean()), Ok(()));
    }

    #[test]
    fn the_fixture_keys_are_judged_like_real_keys() {
        let public: Value =
            serde_json::from_str(include_str!("../../fixtures/keys/public-jwks.json"))
                .expect("fixture parses");
        assert_eq!(check_jwks(&public, &clean()), Ok(()));
        let private: Value =
            serde_json::from_str(include_str!("../../fixtures/keys/private-jwks.json"))
                .expect("fixture parses");
        assert!(check_jwks(&private, &clean()).is_err());
    }

    #[test]
    fn malformed_sets_and_keys_are_refused() {
        let mut padded = ec();
        padded["x"] = json!(format!("{}=", b64(32, 1)));
        let mut private = rsa();
        private["d"] = json!("AQAB");
        let mut small = rsa();
        small["n"] = json!(b64(128, 0xc1));
        let mut leading_zero = rsa();
        leading_zero["n"] = json!(b64(257, 0));
        let mut bad_use = rsa();
        bad_use["key_ops"] = json!(["encrypt"]);
        let mut no_e = rsa();
        no_e.as_object_mut().map(|k| k.remove("e"));
        let dup = json!({"keys": [rsa(), rsa()]});
        for bad in [
            json!("abc"),
            json!([]),
            json!({}),
            json!({"keys": {}}),
            json!({"keys": []}),
            json!({"keys": [{"n": "AQAB"}]}),
            json!({"keys": [{"kty": "oct", "k": "AQAB"}]}),
            json!({"keys": [{"kty": "XYZ"}]}),
            json!({"keys": [padded]}),
            json!({"keys": [private.clone()]}),
            json!({"keys": [small]}),
            json!({"keys": [leading_zero]}),
            json!({"keys": [bad_use]}),
            json!({"keys": [no_e]}),
            dup,
        ] {
            assert!(check_jwks(&bad, &clean()).is_err(), "{bad}");
        }
        // The defect lets private material through.
        let private_set = json!({"keys": [private]});
        assert_eq!(
            check_jwks(&private_set, &with(Defect::AcceptPrivateJwk)),
            Ok(())
        );
        let oct = json!({"keys": [{"kty": "oct", "k": "AQAB"}]});
        assert_eq!(check_jwks(&oct, &with(Defect::AcceptPrivateJwk)), Ok(()));
    }

    #[test]
    fn each_jwk_defect_lets_one_kind_of_bad_key_through() {
        let oct = json!({"keys": [{"kty": "oct", "k": "AQAB"}]});
        let mut private = rsa();
        private["d"] = json!("AQAB");
        let private = json!({"keys": [private]});
        let mut no_kty = rsa();
        no_kty.as_object_mut().map(|k| k.remove("kty"));
        let no_kty = json!({"keys": [no_kty]});
        let mut no_y = ec();
        no_y.as_object_mut().map(|k| k.remove("y"));
        let no_y = json!({"keys": [no_y]});
        let mut short = rsa();
        short["n"] = json!(b64(128, 0xc1));
        let short = json!({"keys": [short]});
        let cert_only = json!({"keys": [{"kty": "EC", "crv": "P-256", "x5c": ["MIIB"]}]});
        let cases = [
            (Defect::AcceptOctJwk, &oct),
            (Defect::AcceptJwkWithoutKty, &no_kty),
            (Defect::AcceptJwksWithoutKeys, &json!({})),
            (Defect::AcceptJwksWithoutKeys, &json!({"keys": {}})),
            (Defect::AcceptEcKeyWithoutY, &no_y),
            (Defect::AcceptShortRsaKey, &short),
            (Defect::AcceptX5cWithoutKeyMembers, &cert_only),
        ];
        for (defect, set) in cases {
            assert!(check_jwks(set, &clean()).is_err(), "{set}");
            assert_eq!(check_jwks(set, &with(defect)), Ok(()), "{defect}: {set}");
        }
        // Each is narrow: the oct defect still refuses other private material.
        assert!(check_jwks(&private, &with(Defect::AcceptOctJwk)).is_err());
        assert!(check_jwks(&no_y, &with(Defect::AcceptX5cWithoutKeyMembers)).is_err());
        assert!(check_jwks(&json!("abc"), &with(Defect::AcceptJwksWithoutKeys)).is_err());
    }
}
