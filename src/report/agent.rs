//! Operating systems and browsers from user agents, by the `woothee` crate
//! (its rules compiled in: no data file to ship, no regular expressions;
//! about 3.5 µs a user agent here). A site has few distinct user agents, so
//! each is read once and remembered, up to `MAX_AGENTS` of them (past that
//! a user agent is read each time, which costs time, not memory), and the
//! names are counted by number: a line costs one lookup, or none when its
//! user agent is the previous line's.

use std::collections::HashMap;

use crate::protocol::report::{Item, Panel};

/// User agents remembered at most.
const MAX_AGENTS: usize = 10_000;
/// A user agent is known by its first this many bytes.
const MAX_AGENT: usize = 512;

/// An operating system's and a browser's number among the names seen.
type Ids = (usize, usize);

#[derive(Default)]
pub struct Agents {
    parser: woothee::parser::Parser,
    known: HashMap<Box<[u8]>, Ids, foldhash::fast::RandomState>,
    last: Option<(Vec<u8>, Ids)>,
    os: Names,
    browsers: Names,
}

/// Names, each with its hits and bytes.
#[derive(Default)]
struct Names {
    names: Vec<(Box<str>, u64, u64)>,
}

impl Names {
    fn id(&mut self, name: &str) -> usize {
        let name = if name.is_empty() || name == "UNKNOWN" {
            "Unknown"
        } else {
            name
        };
        match self.names.iter().position(|(n, _, _)| &**n == name) {
            Some(i) => i,
            None => {
                self.names.push((name.into(), 0, 0));
                self.names.len() - 1
            }
        }
    }

    fn panel(&self, top: usize) -> Panel {
        let mut items: Vec<Item> = (self.names.iter())
            .filter(|(_, hits, _)| *hits > 0)
            .map(|(name, hits, bytes)| Item {
                value: name.to_string(),
                hits: *hits,
                bytes: *bytes,
                ..Item::default()
            })
            .collect();
        items.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.value.cmp(&b.value)));
        let distinct = items.len() as u64;
        items.truncate(top);
        Panel {
            items,
            distinct,
            untracked: 0,
        }
    }
}

impl Agents {
    /// Counts a hit of `ua` that sent `bytes` for its system and its browser.
    pub fn add(&mut self, ua: &[u8], bytes: u64) {
        let ua = &ua[..ua.len().min(MAX_AGENT)];
        let (os, browser) = match &self.last {
            Some((last, ids)) if last[..] == *ua => *ids,
            _ => self.ids(ua),
        };
        for (names, id) in [(&mut self.os, os), (&mut self.browsers, browser)] {
            names.names[id].1 += 1;
            names.names[id].2 += bytes;
        }
    }

    fn ids(&mut self, ua: &[u8]) -> Ids {
        let ids = match self.known.get(ua) {
            Some(ids) => *ids,
            None => {
                let ids = self.read(ua);
                if self.known.len() < MAX_AGENTS {
                    self.known.insert(ua.into(), ids);
                }
                ids
            }
        };
        let last = self.last.get_or_insert_with(|| (Vec::with_capacity(MAX_AGENT), ids));
        last.0.clear();
        last.0.extend_from_slice(ua);
        last.1 = ids;
        ids
    }

    fn read(&mut self, ua: &[u8]) -> Ids {
        let text = String::from_utf8_lossy(ua);
        let (os, browser) = match self.parser.parse(&text) {
            Some(r) if r.category == "crawler" => (r.os, "Crawlers"),
            Some(r) => (r.os, r.name),
            None => ("", ""),
        };
        (self.os.id(os), self.browsers.id(browser))
    }

    /// The systems' and the browsers' panels.
    pub fn panels(&self, top: usize) -> (Panel, Panel) {
        (self.os.panel(top), self.browsers.panel(top))
    }

    /// Bytes held, about.
    pub fn memory(&self) -> usize {
        self.known.capacity() * (size_of::<(Box<[u8]>, Ids)>() + 1) + self.known.len() * 200
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_and_browsers() {
        let mut a = Agents::default();
        let firefox = b"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
        a.add(firefox, 10);
        a.add(
            b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            1,
        );
        a.add(b"-", 100);
        a.add(firefox, 10);
        let (os, browsers) = a.panels(10);
        let list = |p: &Panel| {
            p.items
                .iter()
                .map(|i| (i.value.clone(), i.hits, i.bytes))
                .collect::<Vec<_>>()
        };
        let own = |v: &[(&str, u64, u64)]| v.iter().map(|(n, h, b)| (n.to_string(), *h, *b)).collect::<Vec<_>>();
        assert_eq!(
            list(&browsers),
            own(&[("Firefox", 2, 20), ("Crawlers", 1, 1), ("Unknown", 1, 100)])
        );
        assert_eq!(list(&os), own(&[("Linux", 2, 20), ("Unknown", 2, 101)]));
    }
}
