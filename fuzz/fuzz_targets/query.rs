//! The WebSocket query string (`stream=`, `backlog=`, `since=`): any bytes
//! parse or are refused with a reason, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logmon::protocol::Query;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Query::parse(&text) {
        Ok(q) => {
            for id in q.streams.iter().flatten() {
                assert!(!id.is_empty() && !id.contains(','));
            }
        }
        Err(reason) => assert!(!reason.is_empty()),
    }
});
