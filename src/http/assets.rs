//! The browser UI, embedded from static/ at compile time, served with cache validators.

use http_body_util::{Either, Full};
use hyper::body::Bytes;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use hyper::{Request, Response, StatusCode};

/// One embedded file.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub etag: &'static str,
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Finds the asset for a request path: only exact names, so no path can escape.
pub fn find(path: &str) -> Option<&'static Asset> {
    let name = match path.strip_prefix('/')? {
        "" => "index.html",
        name => name,
    };
    ASSETS.iter().find(|a| a.name == name)
}

/// Serves an asset, answering 304 when the client's copy is current.
pub fn respond<B>(req: &Request<B>, asset: &'static Asset) -> super::Resp {
    let fresh = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == asset.etag || t.trim() == "*"));
    let (status, body) = if fresh {
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else {
        (StatusCode::OK, Bytes::from_static(asset.body))
    };
    let mut resp = Response::new(Either::Left(Full::new(body)));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, asset.content_type.parse().expect("valid header"));
    h.insert(ETAG, asset.etag.parse().expect("valid header"));
    h.insert(CACHE_CONTROL, "no-cache".parse().expect("valid header"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_names_are_found() {
        assert_eq!(find("/").map(|a| a.name), Some("index.html"));
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/etc/passwd",
            "//etc/passwd",
            "/static/index.html",
            "index.html",
            "/index.html/",
        ] {
            assert!(find(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn etag_gives_not_modified() {
        let asset = find("/").unwrap();
        let req = Request::builder().header(IF_NONE_MATCH, asset.etag).body(()).unwrap();
        assert_eq!(respond(&req, asset).status(), StatusCode::NOT_MODIFIED);
        let req = Request::builder().header(IF_NONE_MATCH, "\"other\"").body(()).unwrap();
        assert_eq!(respond(&req, asset).status(), StatusCode::OK);
    }
}
