//! A merged place: where a page of every host's stream (`pages.rs`)
//! starts, as a client gives it back. One gap a host, comma-separated:
//! `HOST:-PLACE` is the place just before that host's line PLACE,
//! `HOST:+PLACE` just after it, PLACE being the host's cursor or `seq:N`
//! (`web-1:-seq:40,web-2:+01000000…`). Host names hold no `:` or `,`
//! (`config/parse/fleet.rs`) and places no `,`, so the text is read
//! without escapes: a host's gap ends at the next `,`, its name at its
//! first `:`. Each place is checked as the host's `/history`
//! checks it, and each host named must serve the stream, once.

use crate::archive::Cursor;
use crate::history::{Refused, bad};
use crate::protocol::history::PageLine;

/// A place between two lines of one host's stream.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Gap {
    pub(super) host: String,
    /// A cursor or `seq:N`, checked.
    pub(super) place: String,
    /// Just after the line at `place` (else just before it).
    pub(super) after: bool,
}

impl Gap {
    pub(super) fn before(host: &str, line: &PageLine) -> Gap {
        Gap {
            host: host.to_string(),
            place: line.cursor.clone(),
            after: false,
        }
    }

    pub(super) fn after(host: &str, line: &PageLine) -> Gap {
        Gap {
            after: true,
            ..Gap::before(host, line)
        }
    }
}

/// A merged place, `HOST:-PLACE,HOST:+PLACE,…`: at most one gap per host.
pub(super) fn parse_gaps(text: &str, hosts: &[String]) -> Result<Vec<Gap>, Refused> {
    let mut gaps: Vec<Gap> = Vec::new();
    for entry in text.split(',') {
        let wrong = || bad(format!("{entry:?} is not HOST:-PLACE or HOST:+PLACE"));
        let (host, rest) = entry.split_once(':').ok_or_else(wrong)?;
        let (after, place) = match rest.split_at_checked(1).ok_or_else(wrong)? {
            ("-", place) => (false, place),
            ("+", place) => (true, place),
            _ => return Err(wrong()),
        };
        if !hosts.iter().any(|h| h == host) {
            return Err(bad(format!("no host {host:?} has this stream")));
        }
        if gaps.iter().any(|g| g.host == host) {
            return Err(bad(format!("host {host:?} is named twice")));
        }
        check_place(place).map_err(|why| bad(format!("{host}: {why}")))?;
        gaps.push(Gap {
            host: host.to_string(),
            place: place.to_string(),
            after,
        });
    }
    Ok(gaps)
}

fn check_place(place: &str) -> Result<(), String> {
    match place.strip_prefix("seq:") {
        Some(n) => n
            .parse::<u64>()
            .map(drop)
            .map_err(|_| "seq:N needs a line number".into()),
        None => Cursor::decode(place).map(drop).map_err(|e| e.to_string()),
    }
}

/// The text of a merged place; `None` for no gap.
pub(super) fn encode_gaps(gaps: &[Gap]) -> Option<String> {
    let entry = |g: &Gap| format!("{}:{}{}", g.host, if g.after { '+' } else { '-' }, g.place);
    (!gaps.is_empty()).then(|| gaps.iter().map(entry).collect::<Vec<_>>().join(","))
}
