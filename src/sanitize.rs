//! Secret masking applied to every output: initial access tokens, `client_secret`,
//! `registration_access_token` and `Authorization` headers never appear in reports, logs or
//! curl commands unless the user asks with `--show-secrets`.
//!
//! Owns: what counts as a secret and how it is masked. Must not: decide what is output.

use serde_json::Value;

use crate::spec::names::SECRET_MEMBERS;

/// What replaces a secret value.
pub const MASK: &str = "<redacted>";
/// Environment variable a curl command reads the initial access token from.
pub const TOKEN_ENV: &str = "DCRCHECK_TOKEN";
/// Environment variable a curl command reads an RFC 7592 registration access token from.
pub const REGISTRATION_TOKEN_ENV: &str = "DCRCHECK_REGISTRATION_TOKEN";
/// Environment variables a curl command reads a client's Basic credentials from.
pub const CLIENT_ID_ENV: &str = "DCRCHECK_CLIENT_ID";
pub const CLIENT_SECRET_ENV: &str = "DCRCHECK_CLIENT_SECRET";

#[derive(Debug, Clone, Default)]
pub struct Sanitizer {
    /// Known secret strings (the token, every issued secret), longest first.
    secrets: Vec<String>,
    show: bool,
}

impl Sanitizer {
    pub fn new(show: bool) -> Self {
        Sanitizer {
            secrets: Vec::new(),
            show,
        }
    }

    pub fn shows_secrets(&self) -> bool {
        self.show
    }

    /// Remembers a secret so it is masked wherever it appears in text.
    pub fn add_secret(&mut self, secret: &str) {
        // Very short values would mask unrelated text; they are masked by member name instead.
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Collects the secret members of a JSON value.
    pub fn learn_from(&mut self, v: &Value) {
        let mut found = Vec::new();
        secret_values(v, &mut found);
        for s in &found {
            self.add_secret(s);
        }
    }

    /// Masks secret members of a JSON value in place.
    pub fn json(&self, v: &mut Value) {
        if self.show {
            return;
        }
        match v {
            Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if SECRET_MEMBERS.contains(&k.as_str()) && !v.is_null() {
                        *v = Value::String(MASK.into());
                    } else {
                        self.json(v);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|v| self.json(v)),
            Value::String(s) => *s = self.text(s),
            _ => {}
        }
    }

    /// Masks every known secret inside the strings of a JSON value, leaving member names and
    /// the other values as they are (for outputs that mask secret members their own way).
    pub fn strings(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(a) => a.iter_mut().for_each(|v| self.strings(v)),
            Value::Object(m) => m.values_mut().for_each(|v| self.strings(v)),
            _ => {}
        }
    }

    /// Masks every known secret in free text.
    pub fn text(&self, s: &str) -> String {
        if self.show {
            return s.to_string();
        }
        let mut out = s.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// Masks a header value when the header carries credentials.
    pub fn header(&self, name: &str, value: &str) -> String {
        if self.show {
            return value.to_string();
        }
        if name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("cookie") {
            match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {MASK}"),
                None => MASK.to_string(),
            }
        } else {
            self.text(value)
        }
    }
}

/// Appends the string values of the secret members anywhere in a JSON value to `out`.
pub fn secret_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if SECRET_MEMBERS.contains(&k.as_str()) {
                    if let Some(s) = v.as_str() {
                        if !out.iter().any(|o| o == s) {
                            out.push(s.to_string());
                        }
                    }
                }
                secret_values(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| secret_values(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_members_and_their_values_elsewhere() {
        let mut s = Sanitizer::new(false);
        let body = json!({"client_id": "abc", "client_secret": "s3cr3t-value", "note": "was s3cr3t-value"});
        s.learn_from(&body);
        let mut masked = body.clone();
        s.json(&mut masked);
        assert_eq!(masked["client_secret"], MASK);
        assert_eq!(masked["note"], format!("was {MASK}"));
        assert_eq!(masked["client_id"], "abc");
        assert_eq!(
            s.header("Authorization", "Bearer tok"),
            format!("Bearer {MASK}")
        );
    }

    #[test]
    fn show_secrets_leaves_everything() {
        let mut s = Sanitizer::new(true);
        s.add_secret("s3cr3t-value");
        assert_eq!(s.text("s3cr3t-value"), "s3cr3t-value");
    }
}
