//! URI syntax checks on the string exactly as the client sent it. The `url` crate is used only
//! to confirm that a string parses; nothing is ever re-serialised through it, because the
//! registered value must be echoed byte for byte (RFC 6749 §3.1.2, OIDCR §6).

use std::net::IpAddr;

use url::{Host, Url};

/// Why a string is not an acceptable absolute URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UriProblem {
    /// No scheme: a relative reference (this includes the empty string).
    Relative,
    /// A character no URI or IRI may contain (controls, space, `"<>\^`{|}`).
    IllegalCharacter,
    /// A `%` not followed by two hex digits.
    BadPercentEncoding,
    /// Has a scheme but does not parse, e.g. `https://` or a bad port.
    Malformed,
}

impl UriProblem {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            UriProblem::Relative => "is not an absolute URI",
            UriProblem::IllegalCharacter => "contains a character not allowed in a URI",
            UriProblem::BadPercentEncoding => "contains a malformed percent-encoding",
            UriProblem::Malformed => "is not a well-formed URI",
        }
    }
}

/// An absolute URI, checked but kept as sent.
#[derive(Debug, Clone)]
pub(crate) struct AbsoluteUri {
    /// Lower-cased scheme.
    pub scheme: String,
    /// The host exactly as written (lower-cased; IPv6 keeps its brackets), when there is an
    /// authority.
    pub host: Option<String>,
    pub has_fragment: bool,
    /// Whether the parsed host is any loopback name or address (`localhost`, `127.0.0.0/8`,
    /// `::1`, also in spellings like `127.1` that the literal host does not show).
    pub loopback: bool,
}

impl AbsoluteUri {
    pub(crate) fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// `http` on one of the loopback hosts OIDCR errata 2 names, written literally.
    pub(crate) fn is_http_loopback(&self) -> bool {
        self.scheme == "http"
            && matches!(
                self.host.as_deref(),
                Some("localhost" | "127.0.0.1" | "[::1]")
            )
    }

    /// A private-use scheme in reverse-domain form (RFC 8252 §7.1), e.g. `com.example.app:/cb`.
    pub(crate) fn is_private_use(&self) -> bool {
        self.scheme.contains('.')
    }
}

/// Checks that `raw` is an absolute URI. `http` and `https` must have `//` and a host.
pub(crate) fn parse_absolute(raw: &str) -> Result<AbsoluteUri, UriProblem> {
    if raw.chars().any(is_illegal) {
        return Err(UriProblem::IllegalCharacter);
    }
    check_percent_encoding(raw)?;
    let Some((scheme, rest)) = raw.split_once(':') else {
        return Err(UriProblem::Relative);
    };
    if !is_scheme(scheme) {
        return Err(UriProblem::Relative);
    }
    let scheme = scheme.to_ascii_lowercase();
    let url = Url::parse(raw).map_err(|_| UriProblem::Malformed)?;
    let host = rest.strip_prefix("//").map(raw_host);
    if matches!(scheme.as_str(), "http" | "https") && host.as_deref().is_none_or(str::is_empty) {
        // `url` would accept `https:host/cb`; a URI with a special scheme needs `//host`.
        return Err(UriProblem::Malformed);
    }
    Ok(AbsoluteUri {
        scheme,
        host,
        has_fragment: raw.contains('#'),
        loopback: is_loopback(&url),
    })
}

/// An absolute `https` URL with a host; `allow_fragment` for `request_uris` (OIDCR §2).
pub(crate) fn check_https_url(raw: &str, allow_fragment: bool) -> Result<(), String> {
    let uri = parse_absolute(raw).map_err(|p| p.describe().to_owned())?;
    if !uri.is_https() {
        return Err("must use the https scheme".to_owned());
    }
    if uri.has_fragment && !allow_fragment {
        return Err("must not contain a fragment".to_owned());
    }
    Ok(())
}

/// An absolute `http` or `https` URL with a host (client_uri, logo_uri, tos_uri, policy_uri).
pub(crate) fn check_web_url(raw: &str) -> Result<(), String> {
    let uri = parse_absolute(raw).map_err(|p| p.describe().to_owned())?;
    if !matches!(uri.scheme.as_str(), "http" | "https") {
        return Err("must be an http or https URL".to_owned());
    }
    Ok(())
}

fn is_illegal(c: char) -> bool {
    c.is_ascii_control()
        || matches!(
            c,
            ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'
        )
}

fn check_percent_encoding(raw: &str) -> Result<(), UriProblem> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let ok = bytes
                .get(i + 1..i + 3)
                .is_some_and(|pair| pair.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                return Err(UriProblem::BadPercentEncoding);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The host of `//authority...` as written, without userinfo or port, lower-cased.
fn raw_host(after_slashes: &str) -> String {
    let end = after_slashes
        .find(['/', '?', '#'])
        .unwrap_or(after_slashes.len());
    let authority = &after_slashes[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .find(']')
            .map_or(host_port, |close| &host_port[..=close])
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    host.to_lowercase()
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_uris_are_classified_from_the_raw_text() {
        let u = parse_absolute("https://client.example.org/cb?x=1").expect("valid");
        assert!(u.is_https() && !u.loopback && !u.has_fragment);
        assert_eq!(u.host.as_deref(), Some("client.example.org"));

        assert!(parse_absolute("http://localhost:8080/cb")
            .expect("valid")
            .is_http_loopback());
        assert!(parse_absolute("http://[::1]/cb")
            .expect("valid")
            .is_http_loopback());
        assert!(parse_absolute("http://user@127.0.0.1:9/cb")
            .expect("valid")
            .is_http_loopback());
        // `url` reads 127.1 as 127.0.0.1, but the literal host is not one of the named three.
        let short = parse_absolute("http://127.1/cb").expect("parses");
        assert!(!short.is_http_loopback() && short.loopback);
        assert!(!parse_absolute("http://localhost@evil.example/cb")
            .expect("parses")
            .is_http_loopback());
        assert!(parse_absolute("com.example.app:/cb")
            .expect("valid")
            .is_private_use());
        assert!(
            parse_absolute("https://c.example/cb#f")
                .expect("valid")
                .has_fragment
        );
    }

    #[test]
    fn bad_uris_are_refused_with_a_reason() {
        for (raw, want) in [
            ("", UriProblem::Relative),
            ("/cb", UriProblem::Relative),
            ("cb", UriProblem::Relative),
            ("1ab:/x", UriProblem::Relative),
            ("https://", UriProblem::Malformed),
            ("https:client.example.org/cb", UriProblem::Malformed),
            ("https://c.example:99999/", UriProblem::Malformed),
            (" https://c.example/cb", UriProblem::IllegalCharacter),
            ("https://c.example/c b", UriProblem::IllegalCharacter),
            ("https://c.example/\tcb", UriProblem::IllegalCharacter),
            ("https://c.example\\cb", UriProblem::IllegalCharacter),
            ("https://c.example/%zz", UriProblem::BadPercentEncoding),
            ("https://c.example/%4", UriProblem::BadPercentEncoding),
        ] {
            assert_eq!(parse_absolute(raw).err(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn https_and_web_urls() {
        assert!(check_https_url("https://c.example/jwks", false).is_ok());
        assert!(check_https_url("http://c.example/jwks", false).is_err());
        assert!(check_https_url("https://c.example/r#abc", false).is_err());
        assert!(check_https_url("https://c.example/r#abc", true).is_ok());
        assert!(check_web_url("http://c.example/tos").is_ok());
        assert!(check_web_url("javascript:alert(1)").is_err());
        assert!(check_web_url("data:text/html,hi").is_err());
        assert!(check_web_url("not a url").is_err());
        // Non-ASCII (an IRI) is accepted; the caller echoes it unchanged.
        assert!(check_web_url("https://c.example/caf\u{e9}").is_ok());
    }
}
