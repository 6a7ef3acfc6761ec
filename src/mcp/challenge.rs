//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1): a header value holds one or more
//! challenges, each an auth-scheme followed by a token68 or by comma-separated auth-params
//! whose values are tokens or quoted strings. Owns parsing only.

/// One challenge: its scheme (as sent) and its parameters, names lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// A parameter's value by (case-insensitive) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        Some(c)
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }
    fn token(&mut self) -> &str {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }
    fn quoted(&mut self) -> Option<String> {
        // At the opening quote.
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => out.push(self.bump()?),
                c => out.push(c),
            }
        }
    }
}

/// Every challenge in the header values, in order. Malformed parts end the parse of their
/// value (what came before them is kept): a hostile header gives fewer challenges, never an
/// error.
pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut out = Vec::new();
    for value in values {
        parse_value(value, &mut out);
    }
    out
}

fn parse_value(value: &str, out: &mut Vec<Challenge>) {
    let mut c = Cursor { s: value, i: 0 };
    loop {
        // Empty list elements are allowed (RFC 9110 §5.6.1).
        while matches!(c.peek(), Some(' ' | '\t' | ',')) {
            c.bump();
        }
        if c.peek().is_none() {
            return;
        }
        let scheme = c.token().to_string();
        if scheme.is_empty() {
            return;
        }
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
        };
        // Right after the scheme, before any comma, a token68 may stand alone.
        let mut after_scheme = true;
        loop {
            c.skip_ws();
            let mark = c.i;
            let name = c.token().to_string();
            c.skip_ws();
            if name.is_empty() {
                break;
            }
            if c.peek() != Some('=') {
                if after_scheme && matches!(c.peek(), Some(',') | None) {
                    challenge.params.push((String::new(), name));
                } else {
                    // The next challenge's scheme: leave it for the outer loop.
                    c.i = mark;
                }
                break;
            }
            c.bump();
            c.skip_ws();
            if after_scheme && matches!(c.peek(), Some('=' | ',') | None) {
                // token68 padding (`abc==`).
                while c.peek() == Some('=') {
                    c.bump();
                }
                challenge.params.push((String::new(), name));
                break;
            }
            let value = if c.peek() == Some('"') {
                match c.quoted() {
                    Some(v) => v,
                    None => {
                        out.push(challenge);
                        return;
                    }
                }
            } else {
                c.token().to_string()
            };
            challenge.params.push((name.to_ascii_lowercase(), value));
            after_scheme = false;
            c.skip_ws();
            match c.peek() {
                Some(',') => {
                    c.bump();
                }
                None => break,
                // Junk after a parameter: keep what parsed, stop reading this value.
                _ => {
                    out.push(challenge);
                    return;
                }
            }
        }
        out.push(challenge);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: &str) -> Vec<Challenge> {
        parse([v])
    }

    #[test]
    fn a_bearer_challenge_with_quoted_and_token_values() {
        let c = one(
            r#"Bearer resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp", scope="mcp read", error=invalid_token"#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "Bearer");
        assert_eq!(
            c[0].param("resource_metadata"),
            Some("https://x.example/.well-known/oauth-protected-resource/mcp")
        );
        assert_eq!(c[0].param("SCOPE"), Some("mcp read"));
        assert_eq!(c[0].param("error"), Some("invalid_token"));
    }

    #[test]
    fn several_challenges_in_one_value_and_across_values() {
        let c = parse([
            r#"Basic realm="a, b", Bearer realm="x", scope="s""#,
            "DPoP algs=\"ES256\"",
        ]);
        let schemes: Vec<&str> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Basic", "Bearer", "DPoP"]);
        assert_eq!(c[0].param("realm"), Some("a, b"));
        assert_eq!(c[1].param("scope"), Some("s"));
    }

    #[test]
    fn escapes_in_quoted_strings_and_bare_schemes() {
        let c = one(r#"Bearer, Negotiate, Bearer error_description="say \"hi\"""#);
        assert_eq!(c.len(), 3);
        assert!(c[0].params.is_empty());
        assert_eq!(c[2].param("error_description"), Some(r#"say "hi""#));
    }

    #[test]
    fn a_token68_is_kept_without_a_name() {
        let c = one("Negotiate abc123==, Bearer scope=x");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].params, [(String::new(), "abc123".to_string())]);
        assert_eq!(c[1].param("scope"), Some("x"));
    }

    #[test]
    fn hostile_values_give_what_parses_and_never_panic() {
        for v in [
            "",
            ",,,",
            "=",
            "Bearer x=\"unterminated",
            "Bearer =x",
            "Bearer a=b c",
            "é",
            "Bearer a=\"\\",
        ] {
            let _ = one(v);
        }
        assert_eq!(one(r#"Bearer x="unterminated"#)[0].scheme, "Bearer");
    }
}
