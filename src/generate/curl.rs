//! A runnable curl command for a case. Secrets are references to environment variables
//! (`$DCRCHECK_TOKEN`) so the command still works when pasted.

use super::{Auth, Body, Case, BOGUS_TOKEN};
use crate::sanitize::{
    Sanitizer, CLIENT_ID_ENV, CLIENT_SECRET_ENV, REGISTRATION_TOKEN_ENV, TOKEN_ENV,
};

/// Bodies longer than this are written through a generated file rather than inline.
const INLINE_BODY: usize = 4096;

/// Single-quotes a string for POSIX shells.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub fn command(case: &Case, url: &str, has_token: bool, sanitizer: &Sanitizer) -> String {
    let req = &case.request;
    let url = req.configuration.as_ref().map_or(url, |c| c.url.as_str());
    // In the query the token stays a variable reference too: a single-quoted URL followed by
    // the double-quoted variable, which the shell joins into one word.
    let url_arg = if req.auth == Auth::Query && has_token {
        // The URL a request went to carries the token itself: rebuilt without it.
        let url = without_access_token(url);
        let sep = if url.contains('?') { '&' } else { '?' };
        format!(
            "{}\"${TOKEN_ENV}\"",
            shell_quote(&format!("{url}{sep}access_token="))
        )
    } else {
        shell_quote(url)
    };
    let mut parts = vec![
        "curl -sS -i".to_string(),
        format!("-X {}", req.method.as_str()),
        url_arg,
    ];
    if let Some(ct) = &req.content_type {
        parts.push(format!(
            "-H {}",
            shell_quote(&format!("Content-Type: {ct}"))
        ));
    }
    for (k, v) in &req.headers {
        parts.push(format!("-H {}", shell_quote(&format!("{k}: {v}"))));
    }
    match req.auth {
        Auth::Configured if has_token => {
            parts.push(format!("-H \"Authorization: Bearer ${TOKEN_ENV}\""))
        }
        Auth::LowercaseScheme if has_token => {
            parts.push(format!("-H \"Authorization: bearer ${TOKEN_ENV}\""))
        }
        Auth::Bogus => parts.push(format!(
            "-H {}",
            shell_quote(&format!("Authorization: Bearer {BOGUS_TOKEN}"))
        )),
        Auth::Basic => parts.push(format!("-u \"${CLIENT_ID_ENV}:${CLIENT_SECRET_ENV}\"")),
        Auth::Registration => parts.push(format!(
            "-H \"Authorization: Bearer ${REGISTRATION_TOKEN_ENV}\""
        )),
        _ => {}
    }
    let body = match &req.body {
        Body::Json(v) => {
            let mut v = v.clone();
            sanitizer.json(&mut v);
            Some(v.to_string())
        }
        Body::Raw(s) => Some(sanitizer.text(s)),
        Body::Empty => None,
    };
    let mut prefix = String::new();
    if let Some(body) = body {
        if body.len() > INLINE_BODY {
            // A multi-megabyte argument breaks shells; describe the body instead.
            prefix = format!(
                "python3 -c {} > body.json && ",
                shell_quote(&python_writer(&body))
            );
            parts.push("--data-binary @body.json".into());
        } else if !body.is_empty() {
            parts.push(format!("--data-binary {}", shell_quote(&body)));
        }
    }
    format!("{prefix}{}", parts.join(" "))
}

/// `url` without its `access_token` query parameters.
fn without_access_token(url: &str) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        return url.to_string();
    };
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "access_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    parsed.to_string()
}

/// A tiny python program that prints `body`, compressing runs of one repeated character.
fn python_writer(body: &str) -> String {
    let mut pieces: Vec<String> = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let mut literal = String::new();
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        if j - i >= 32 {
            if !literal.is_empty() {
                pieces.push(format!("{:?}", std::mem::take(&mut literal)));
            }
            pieces.push(format!("{:?}*{}", c.to_string(), j - i));
        } else {
            literal.extend(&chars[i..j]);
        }
        i = j;
    }
    if !literal.is_empty() {
        pieces.push(format!("{literal:?}"));
    }
    format!("import sys; sys.stdout.write({})", pieces.join("+"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_token_is_dropped_from_the_url() {
        assert_eq!(
            without_access_token("http://h/r?access_token=abc"),
            "http://h/r"
        );
        assert_eq!(
            without_access_token("http://h/r?a=1&access_token=abc"),
            "http://h/r?a=1"
        );
    }

    #[test]
    fn quotes_single_quotes() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn long_runs_are_compressed() {
        let body = format!("{{\"n\":\"{}\"}}", "a".repeat(100));
        let py = python_writer(&body);
        assert!(py.contains("\"a\"*100"), "{py}");
    }
}
