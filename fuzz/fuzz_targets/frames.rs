//! Server messages: the hand-written `lines` encoder turns any bytes into a
//! frame that decodes to their text (and any suffix to its tail), and any
//! text given to the decoder is a message or an error, never a panic. NUL
//! bytes are never log text: the encoder drops them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logmon::protocol::{LinesBuilder, Message};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(msg) = Message::decode(text)
    {
        assert_eq!(Message::decode(msg.encode().as_str()).unwrap(), msg);
    }
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let mut b = LinesBuilder::default();
    for l in &lines {
        b.push(l, 0);
    }
    let frame = b.finish("s\"", 1);
    let want: Vec<String> = lines
        .iter()
        .map(|l| {
            let kept: Vec<u8> = l.iter().copied().filter(|&b| b != 0).collect();
            String::from_utf8_lossy(&kept).into_owned()
        })
        .collect();
    let Message::Lines(got) = Message::decode(frame.text.as_str()).unwrap() else { panic!("not lines") };
    assert_eq!(got.lines, want);
    let skip = data.first().map_or(0, |&b| usize::from(b) % lines.len());
    let Message::Lines(tail) = Message::decode(frame.suffix("s\"", 1 + skip as u64).text.as_str()).unwrap() else {
        panic!("not lines")
    };
    assert_eq!(tail.lines, want[skip..]);
});
