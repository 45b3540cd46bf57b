//! The protocol document and the types agree; unknown types are tolerated.

use super::*;

/// Every JSON object in `docs/protocol.md`: fenced `json` blocks, and lines
/// of other blocks that start with `{` (the example session).
fn documented_examples() -> Vec<String> {
    let doc = include_str!("../../docs/protocol.md");
    let mut examples = Vec::new();
    let mut block: Option<(bool, String)> = None;
    for line in doc.lines() {
        match (&mut block, line.trim_start().strip_prefix("```")) {
            (None, Some(lang)) => block = Some((lang == "json", String::new())),
            (Some((true, text)), Some(_)) => {
                examples.push(std::mem::take(text));
                block = None;
            }
            (Some(_), Some(_)) => block = None,
            (Some((true, text)), None) => text.push_str(line),
            (Some((false, _)), None) if line.starts_with('{') => examples.push(line.to_string()),
            _ => {}
        }
    }
    examples
}

#[test]
fn every_documented_example_is_a_known_message_with_no_extra_field() {
    let examples = documented_examples();
    assert!(examples.len() >= 10, "found only {} examples", examples.len());
    for text in examples {
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        // The objects without a type are layouts (docs/protocol.md, "Layouts").
        let again = if original.get("type").is_some() {
            let msg = Message::decode(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_ne!(msg, Message::Unknown, "{text}");
            serde_json::to_value(&msg).unwrap()
        } else {
            let layout: LayoutInfo = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            serde_json::to_value(&layout).unwrap()
        };
        assert_eq!(original, again, "a field of this example is not in the types");
    }
}

#[test]
fn unknown_types_decode_as_unknown() {
    let m = Message::decode(r#"{"type":"histogram","stream":"a","rps":3}"#).unwrap();
    assert_eq!(m, Message::Unknown);
    assert!(Message::decode(r#"{"stream":"a"}"#).is_err());
}

#[test]
fn gap_and_event_encode_as_documented() {
    assert_eq!(
        gap("a", 3, 9).as_str(),
        r#"{"type":"gap","stream":"a","seq":3,"count":9}"#
    );
    let e = Message::Event(Event {
        stream: "a".into(),
        event: EventKind::Rotated,
        detail: "x".into(),
    });
    assert_eq!(
        e.encode().as_str(),
        r#"{"type":"event","stream":"a","event":"rotated","detail":"x"}"#
    );
}
