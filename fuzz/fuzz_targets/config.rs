//! The configuration parser: any text is a valid configuration or an error
//! that names the file and a line inside the text, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logmon::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Config::from_str(text, "fuzz.toml") {
        Ok(c) => assert!(!c.streams.is_empty()),
        Err(e) => {
            let lines = text.split('\n').count();
            assert!(e.line.is_none_or(|l| l >= 1 && l <= lines), "{e}");
            assert!(e.to_string().starts_with("fuzz.toml"));
        }
    }
});
