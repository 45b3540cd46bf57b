//! `/history` queries, read without disk.

use super::*;

fn parse(q: &str) -> Result<Query, String> {
    Query::parse(q).map_err(|r| match r {
        Refused::Invalid(reason) => reason,
        other => panic!("not a bad query: {other:?}"),
    })
}

#[test]
fn queries() {
    let c = Cursor {
        dev: 1,
        ino: 2,
        head_len: 3,
        head: 4,
        offset: 5,
    };
    let q = parse(&format!("stream=access&before={}", c.encode())).unwrap();
    assert_eq!(
        q,
        Query {
            stream: "access".into(),
            ask: Ask::Before(Place::Cursor(c)),
            limit: DEFAULT_LIMIT
        }
    );
    let q = parse("stream=a&after=seq:42&limit=10").unwrap();
    assert_eq!((q.ask, q.limit), (Ask::After(Place::Seq(42)), 10));
    assert_eq!(parse("stream=a&around=seq:1").unwrap().ask, Ask::Around(Place::Seq(1)));
    assert_eq!(parse("stream=a&at=1795960923.5").unwrap().ask, Ask::At(1_795_960_923.5));
    assert_eq!(
        parse("stream=a&at=2026-11-30T15:02:03%2B01:00").unwrap().ask,
        Ask::At(1_796_047_323.0)
    );
}

#[test]
fn every_bad_parameter_says_why() {
    let cases = [
        ("before=seq:1", "stream= is missing"),
        ("stream=a", "one of"),
        ("stream=a&before=seq:1&after=seq:2", "each once"),
        ("stream=a&stream=b&before=seq:1", "each once"),
        ("stream=a&before=seq:x", "line number"),
        ("stream=a&before=/etc/passwd", "characters"),
        ("stream=a&around=..%2F..%2Fetc%2Fpasswd", "characters"),
        ("stream=a&at=yesterday", "at="),
        ("stream=a&at=", "at="),
        ("stream=a&at=1e400", "at="),
        ("stream=a&before=seq:1&limit=0", "limit="),
        ("stream=a&before=seq:1&limit=5001", "limit="),
        ("stream=a&before=seq:1&path=/etc", "unknown parameter"),
    ];
    for (q, why) in cases {
        let reason = parse(q).unwrap_err();
        assert!(reason.contains(why), "{q}: {reason}");
    }
}

#[test]
fn the_documented_cursors_are_cursors() {
    let doc = include_str!("../../docs/protocol.md");
    let cursors: Vec<&str> = doc
        .split('"')
        .filter(|s| s.len() == 70 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    assert!(cursors.len() >= 4, "{cursors:?}");
    for c in cursors {
        assert_eq!(Cursor::decode(c).map(|c| c.encode()), Ok(c.to_string()));
    }
}
