//! Operating systems and browsers from user agents, by the `woothee` crate
//! (its rules compiled in: no data file to ship, no regular expressions;
//! about 3.5 µs a user agent here). A site has few distinct user agents, so
//! each is read once and remembered, up to `MAX_AGENTS` of them; past that
//! a user agent is read each time, which costs time, not memory.

use std::collections::HashMap;

/// User agents remembered at most.
const MAX_AGENTS: usize = 10_000;
/// A user agent is known by its first this many bytes.
const MAX_AGENT: usize = 512;

/// What a user agent says: its operating system and browser.
#[derive(Clone)]
pub struct Agent {
    pub os: Box<str>,
    pub browser: Box<str>,
}

pub struct Agents {
    parser: woothee::parser::Parser,
    known: HashMap<Box<[u8]>, Agent, foldhash::fast::RandomState>,
}

impl Default for Agents {
    fn default() -> Agents {
        Agents {
            parser: woothee::parser::Parser::new(),
            known: HashMap::default(),
        }
    }
}

impl Agents {
    /// The operating system and browser of `ua` (`Unknown` where it does not say).
    pub fn of(&mut self, ua: &[u8]) -> Agent {
        let ua = &ua[..ua.len().min(MAX_AGENT)];
        if let Some(a) = self.known.get(ua) {
            return a.clone();
        }
        let agent = self.read(ua);
        if self.known.len() < MAX_AGENTS {
            self.known.insert(ua.into(), agent.clone());
        }
        agent
    }

    fn read(&self, ua: &[u8]) -> Agent {
        let name = |s: &str| Box::from(if s.is_empty() || s == "UNKNOWN" { "Unknown" } else { s });
        let text = String::from_utf8_lossy(ua);
        match self.parser.parse(&text) {
            Some(r) => Agent {
                os: name(r.os),
                browser: name(if r.category == "crawler" { "Crawlers" } else { r.name }),
            },
            None => Agent {
                os: name(""),
                browser: name(""),
            },
        }
    }

    /// Bytes held, about.
    pub fn memory(&self) -> usize {
        self.known.capacity() * (size_of::<(Box<[u8]>, Agent)>() + 1) + self.known.len() * 200
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systems_and_browsers() {
        let mut a = Agents::default();
        let firefox = b"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
        let got = a.of(firefox);
        assert_eq!((&*got.os, &*got.browser), ("Linux", "Firefox"));
        let bot = a.of(b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
        assert_eq!(&*bot.browser, "Crawlers");
        let none = a.of(b"-");
        assert_eq!((&*none.os, &*none.browser), ("Unknown", "Unknown"));
        // Remembered: the same answer again.
        assert_eq!(&*a.of(firefox).browser, "Firefox");
    }
}
