//! What a report reads from a request, by GoAccess's definitions (docs/
//! protocol.md, "Reports", lists each and where logmon differs):
//!
//! - a request line `METHOD URL PROTOCOL` (the URL may hold spaces); one
//!   that is not three parts is the request `-`;
//! - the URL is percent-decoded once, its query kept; `HTTP/2.0` is `HTTP/2`;
//! - a static file is a URL that ends in one of GoAccess's default static
//!   extensions, in any case (`/a.css` is one, `/a.css?v=1` is not);
//! - a referring site is the referrer's host (and port): what follows
//!   `scheme://` up to the next `/`, `?` or `#`.

/// GoAccess's default static-file extensions (its `goaccess.conf`).
const STATIC: &[&str] = &[
    ".css", ".js", ".jpg", ".png", ".gif", ".ico", ".jpeg", ".pdf", ".csv", ".mpeg", ".mpg", ".swf", ".woff", ".woff2",
    ".xls", ".xlsx", ".doc", ".docx", ".ppt", ".pptx", ".txt", ".zip", ".ogg", ".mp3", ".mp4", ".exe", ".iso", ".gz",
    ".rar", ".svg", ".bmp", ".tar", ".tgz", ".tiff", ".tif", ".ttf", ".flv", ".dmg", ".xz", ".zst",
];

/// A request line's method, URL and protocol; `None` for one of another shape.
pub fn parts(request: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let a = memchr::memchr(b' ', request)?;
    let b = memchr::memrchr(b' ', request)?;
    (b > a + 1 && a > 0 && b + 1 < request.len()).then(|| (&request[..a], &request[a + 1..b], &request[b + 1..]))
}

/// The protocol as GoAccess lists it.
pub fn protocol(p: &[u8]) -> &[u8] {
    match p {
        b"HTTP/2.0" => b"HTTP/2",
        b"HTTP/3.0" => b"HTTP/3",
        p => p,
    }
}

/// `url` percent-decoded once into `out` (a `%` not followed by two hex digits stays).
pub fn decode(mut url: &[u8], out: &mut Vec<u8>) {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    while let Some(i) = memchr::memchr(b'%', url) {
        out.extend_from_slice(&url[..i]);
        match url[i..] {
            [_, h, l, ..] if hex(h).is_some() && hex(l).is_some() => {
                out.push(hex(h).unwrap_or(0) << 4 | hex(l).unwrap_or(0));
                url = &url[i + 3..];
            }
            _ => {
                out.push(b'%');
                url = &url[i + 1..];
            }
        }
    }
    out.extend_from_slice(url);
}

/// True for a URL that names a static file.
pub fn is_static(url: &[u8]) -> bool {
    STATIC
        .iter()
        .any(|ext| url.len() >= ext.len() && url[url.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes()))
}

/// The site of a referrer: `None` for `-` or an empty one.
pub fn site(referrer: &[u8]) -> Option<&[u8]> {
    let rest = match memchr::memmem::find(referrer, b"://") {
        Some(i) => &referrer[i + 3..],
        None => referrer,
    };
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty() && *s != b"-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let p = |r: &str| parts(r.as_bytes()).map(|(m, u, p)| (m.to_vec(), u.to_vec(), p.to_vec()));
        let own = |m: &str, u: &str, p: &str| Some((m.into(), u.into(), p.into()));
        assert_eq!(p("GET /a?x=1 HTTP/1.1"), own("GET", "/a?x=1", "HTTP/1.1"));
        assert_eq!(p("GET /a b HTTP/1.1"), own("GET", "/a b", "HTTP/1.1"));
        for not in ["-", "GET /x", "", "GET  HTTP/1.1", " / HTTP/1.1", "GET / "] {
            assert_eq!(p(not), None, "{not:?}");
        }
        assert_eq!(
            (protocol(b"HTTP/2.0"), protocol(b"HTTP/1.0")),
            (&b"HTTP/2"[..], &b"HTTP/1.0"[..])
        );
    }

    #[test]
    fn decoding_is_once_and_keeps_what_is_not_an_escape() {
        let d = |u: &str| {
            let mut out = Vec::new();
            decode(u.as_bytes(), &mut out);
            String::from_utf8_lossy(&out).into_owned()
        };
        assert_eq!(d("/a%20b%2Fc"), "/a b/c");
        assert_eq!(d("/%2541"), "/%41");
        assert_eq!(d("/%zz%4"), "/%zz%4");
    }

    #[test]
    fn statics_and_sites() {
        assert!(is_static(b"/s.css") && is_static(b"/S.CSS") && is_static(b"/f.woff2"));
        assert!(!is_static(b"/s.css?v=1") && !is_static(b"/css") && !is_static(b"/a.html"));
        assert_eq!(
            site(b"https://www.ref.example:8080/p?q"),
            Some(&b"www.ref.example:8080"[..])
        );
        assert_eq!(site(b"android-app://com.x/"), Some(&b"com.x"[..]));
        assert_eq!(site(b"http://x.example"), Some(&b"x.example"[..]));
        assert_eq!((site(b"-"), site(b"")), (None, None));
    }
}
