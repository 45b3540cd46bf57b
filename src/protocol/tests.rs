//! The protocol document and the types agree; unknown types are tolerated.

use super::*;

/// Every JSON object in `docs/protocol.md`, with the heading of its
/// section: fenced `json` blocks, and lines of other blocks that start with
/// `{` (the example session).
fn documented_examples() -> Vec<(String, String)> {
    let doc = include_str!("../../docs/protocol.md");
    let mut examples = Vec::new();
    let mut block: Option<(bool, String)> = None;
    let mut section = String::new();
    for line in doc.lines() {
        match (&mut block, line.trim_start().strip_prefix("```")) {
            (None, Some(lang)) => block = Some((lang == "json", String::new())),
            (Some((true, text)), Some(_)) => {
                examples.push((section.clone(), std::mem::take(text)));
                block = None;
            }
            (Some(_), Some(_)) => block = None,
            (Some((true, text)), None) => text.push_str(line),
            (Some((false, _)), None) if line.starts_with('{') => examples.push((section.clone(), line.to_string())),
            (None, None) if line.starts_with("## ") => section = line.to_string(),
            _ => {}
        }
    }
    examples
}

#[test]
fn every_documented_example_is_a_known_message_with_no_extra_field() {
    let examples = documented_examples();
    assert!(examples.len() >= 10, "found only {} examples", examples.len());
    let (mut bodies, mut reports) = (0, 0);
    for (section, text) in examples {
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        let again = if section == "## History and search" {
            bodies += 1;
            history_body(&original, &text)
        } else if section == "## Reports" {
            reports += 1;
            let item: report::ReportItem = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            serde_json::to_value(item).unwrap()
        } else if section.is_empty() {
            // Before the first section: the one client message.
            let msg = ClientMessage::parse(&text).unwrap_or_else(|| panic!("{text}: not a client message"));
            serde_json::to_value(msg).unwrap()
        } else if original.get("type").is_some() {
            let msg = Message::decode(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_ne!(msg, Message::Unknown, "{text}");
            serde_json::to_value(&msg).unwrap()
        } else {
            // The objects without a type are layouts (docs/protocol.md, "Layouts").
            let layout: LayoutInfo = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            serde_json::to_value(&layout).unwrap()
        };
        assert_eq!(original, again, "a field of this example is not in the types");
    }
    assert_eq!(reports, 2, "a report's progress and its report");
    assert_eq!(
        bodies, 6,
        "a page and the search lines: progress, match, done (also stopped, with a failed file)"
    );
}

/// A response body of `/history` or `/search`, decoded into its type and encoded again.
fn history_body(original: &serde_json::Value, text: &str) -> serde_json::Value {
    fn again<T: serde::de::DeserializeOwned + Serialize>(text: &str) -> serde_json::Value {
        let value: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        serde_json::to_value(&value).unwrap()
    }
    if original.get("type").is_some() {
        again::<history::SearchItem>(text)
    } else {
        again::<history::Page>(text)
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
