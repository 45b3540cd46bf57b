//! How a JSON line is read, for every reader of one (field terms, the
//! statistics, line times): an object's keys in the order they are
//! written, each with its value as text, as the UI shows it (`jsonText`
//! of static/layout.js): strings as they are, numbers as JavaScript writes
//! them, `true` and `false`, `null` as no value (empty), arrays and objects
//! as compact JSON. A key written twice keeps its first place and its last
//! value, as `JSON.parse` does.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};

/// Reads a JSON object's keys and values as text into `out`; false if the line is no object.
pub fn pairs(line: &[u8], out: &mut Vec<(String, String)>) -> bool {
    out.clear();
    if line.len() < 2 || line[0] != b'{' {
        return false;
    }
    let mut de = serde_json::Deserializer::from_slice(line);
    let ok = Pairs(out).deserialize(&mut de).is_ok() && de.end().is_ok();
    if !ok {
        out.clear();
    }
    ok
}

/// Deserializes an object into (key, text) pairs in written order; a key
/// written twice keeps its first place and its last value, as `JSON.parse`.
struct Pairs<'a>(&'a mut Vec<(String, String)>);

impl<'de> DeserializeSeed<'de> for Pairs<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Pairs<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let text = text(map.next_value()?);
            match self.0.iter_mut().find(|(k, _)| *k == key) {
                Some(pair) => pair.1 = text,
                None => self.0.push((key, text)),
            }
        }
        Ok(())
    }
}

/// A JSON value as the UI shows it (`jsonText` of static/layout.js).
fn text(v: serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), js_text),
        v => v.to_string(),
    }
}

/// JavaScript's `String(n)`: integers without `.0`, exponents below 1e-6 and from 1e21.
pub fn js_text(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let a = n.abs();
    if (1e-6..1e21).contains(&a) {
        return format!("{n}");
    }
    let e = format!("{n:e}");
    match e.split_once('e') {
        Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
        _ => e,
    }
}
