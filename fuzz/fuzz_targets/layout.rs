//! Layouts: any format string compiles, any line splits into fields that
//! lie in order inside it (or does not fit), and recording any line in the
//! statistics never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logmon::parts::{Escape, Layout, Stats};

fuzz_target!(|data: &[u8]| {
    let Some(cut) = data.iter().position(|&b| b == b'\n') else { return };
    let Ok(pattern) = std::str::from_utf8(&data[..cut]) else { return };
    let line = &data[cut + 1..];
    let layout = Layout::text("fuzz", pattern, Escape::Default);
    let mut spans = Vec::new();
    if layout.split(line, &mut spans) {
        assert_eq!(spans.len(), layout.fields.len());
        let mut at = 0;
        for s in &spans {
            assert!(at <= s.start && s.start <= s.end && s.end <= line.len(), "{s:?} in {}", line.len());
            at = s.end;
        }
    }
    let stats = Stats::new("fuzz");
    stats.recorder(&layout).line(line);
    stats.tick(1);
});
