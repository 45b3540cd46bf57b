//! A stream's layout on its way from an agent to a viewer: written into a
//! message's headers (`Logmon-Format`, `Logmon-Pattern`, `Logmon-Escape`)
//! and read back into the format the viewer's stream resolves, so that a
//! viewer splits and counts the lines exactly as the agent does, whatever
//! nginx configuration the agent read them by.

use async_nats::HeaderMap;

use super::names::{ESCAPE, FORMAT, PATTERN, header};
use crate::config::Format;
use crate::layout::{Escape, Kind, Layout, NginxFormats};

/// Writes `layout` into `headers`.
pub fn write(layout: &Layout, headers: &mut HeaderMap) {
    headers.insert(FORMAT, layout.format.as_str());
    if layout.kind == Kind::Text {
        headers.insert(PATTERN, pattern(layout).as_str());
        headers.insert(ESCAPE, layout.escape.name());
    }
}

/// The nginx format string of a text layout: its parts around `${field}`s.
fn pattern(layout: &Layout) -> String {
    let info = layout.info();
    let mut out = info.parts.first().cloned().unwrap_or_default();
    for (field, part) in info.fields.iter().zip(info.parts.iter().skip(1)) {
        out.push_str(&format!("${{{}}}{part}", field.name));
    }
    out
}

/// The format the headers describe, with the nginx formats that resolve it.
pub fn read(headers: &HeaderMap) -> (Format, NginxFormats) {
    let mut nginx = NginxFormats::builtin();
    let pattern = header(headers, PATTERN).unwrap_or_default();
    let format = match header(headers, FORMAT).unwrap_or("plain") {
        "nginx-combined" => Format::NginxCombined,
        "nginx-error" => Format::NginxError,
        "json" => Format::Json,
        "custom" if !pattern.is_empty() => Format::Custom(pattern.to_string()),
        named => match named.strip_prefix("nginx:") {
            Some(name) if !pattern.is_empty() => {
                let escape = escape(header(headers, ESCAPE).unwrap_or_default());
                nginx.formats.insert(name.to_string(), (pattern.to_string(), escape));
                Format::Nginx(name.to_string())
            }
            _ => Format::Plain,
        },
    };
    (format, nginx)
}

/// The layout headers of a message, as one string to compare.
pub fn key(headers: &HeaderMap) -> String {
    let value = |name| header(headers, name).unwrap_or_default();
    format!("{}\n{}\n{}", value(FORMAT), value(PATTERN), value(ESCAPE))
}

fn escape(name: &str) -> Escape {
    [Escape::Json, Escape::None]
        .into_iter()
        .find(|e| e.name() == name)
        .unwrap_or(Escape::Default)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::layout::{COMBINED, resolve};

    /// The layout a viewer resolves from the headers of `layout`.
    fn round_trip(layout: &Layout) -> Layout {
        let mut h = HeaderMap::new();
        write(layout, &mut h);
        let (format, nginx) = read(&h);
        let resolved = resolve(&format, Path::new("x"), &nginx);
        std::sync::Arc::try_unwrap(resolved.layout).expect("one owner")
    }

    #[test]
    fn every_kind_of_layout_arrives_whole() {
        let main = "$remote_addr [$time_local] \"$request\" $status ${request_time}s $upstream_addr";
        let layouts = [
            Layout::text("nginx-combined", COMBINED, Escape::Default),
            Layout::text("nginx:main", main, Escape::Json),
            Layout::text("custom", "$host $status", Escape::Default),
            Layout::fieldless("nginx-error", Kind::Error),
            Layout::fieldless("json", Kind::Json),
            Layout::fieldless("plain", Kind::Plain),
        ];
        for layout in layouts {
            assert_eq!(round_trip(&layout), layout, "{}", layout.format);
        }
    }
}
