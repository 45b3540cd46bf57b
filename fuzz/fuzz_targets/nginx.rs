//! nginx's configuration reader: any text (also included from itself, as a
//! loop) gives the formats and access logs it holds, or an error naming a
//! line inside the text, never a panic or a hang.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use logmon::parts::parse_nginx;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Path::new("/etc/nginx/nginx.conf");
    let mut include = |_: &str| vec![(PathBuf::from("/etc/nginx/nginx.conf"), Ok(text.to_string()))];
    match parse_nginx(text, source, &mut include) {
        Ok(conf) => assert!(conf.formats.contains_key("combined")),
        Err(e) => {
            let lines = text.split('\n').count();
            assert!(e.line.is_none_or(|l| l >= 1 && l <= lines), "{e}");
        }
    }
});
