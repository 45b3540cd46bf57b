//! What a soak client checks in the messages it receives.
//!
//! `Tally` (every client): each `lines` frame of the stream must start where
//! the previous frame or `gap` ended, so that every seq is received exactly
//! once or reported skipped. It reads a `lines` frame's seq from its prefix
//! and its line count from its length (`nginx::lines_in_frame`: every
//! generated line has the same length), without decoding the lines; other
//! messages are decoded with `logmon::protocol::Message`.
//!
//! `Verify` (a few clients): a `Tally` that also decodes every `lines` frame
//! with `Message::decode` and checks each line byte for byte against the
//! generated one (`NginxLines::check`): every generated number must arrive
//! exactly once, in order within the file it was written to, and the
//! numbers never received must be exactly as many as the gaps reported.

use std::collections::HashMap;

use logmon::protocol::{EventKind, Hello, Message};

use super::nginx::{NginxLines, lines_in_frame};

/// How a `lines` frame of the soak's stream begins.
const LINES_PREFIX: &[u8] = br#"{"type":"lines","stream":"access","seq":"#;

/// Where a client asked to start.
#[derive(Debug, Clone, Copy)]
pub enum StartAt {
    /// `backlog=0`: the first line is hello's seq + 1.
    Live,
    /// `backlog=N`: the first line (or gap) is one of the N before hello's seq + 1.
    Backlog(u64),
    /// `since=access:SEQ`: the first line (or gap) is SEQ + 1.
    Since(u64),
}

/// Continuity of one client's stream, and what it received.
#[derive(Debug)]
pub struct Tally {
    from: StartAt,
    /// The seq the next `lines` or `gap` must start at, once known.
    pub next_seq: Option<u64>,
    /// The lowest seq the first `lines` or `gap` may start at (backlog).
    min_first: u64,
    pub first_seq: Option<u64>,
    pub lines: u64,
    pub frames: u64,
    pub gap_lines: u64,
    pub gaps: u64,
    /// `event` messages received, by kind.
    pub events: HashMap<String, u64>,
    pub hellos: u64,
    pub epoch: String,
    /// The ids of the streams of the first hello.
    streams: Vec<String>,
    /// The first violation seen; counting goes on after it.
    pub error: Option<String>,
}

/// The seq and line count of a `lines` frame.
#[derive(Debug, Clone, Copy)]
pub struct LinesAt {
    pub seq: u64,
    pub count: u64,
}

impl Tally {
    pub fn new(from: StartAt) -> Tally {
        Tally {
            from,
            next_seq: None,
            min_first: 1,
            first_seq: None,
            lines: 0,
            frames: 0,
            gap_lines: 0,
            gaps: 0,
            events: HashMap::new(),
            hellos: 0,
            epoch: String::new(),
            streams: Vec::new(),
            error: None,
        }
    }

    fn fail(&mut self, what: String) {
        self.error.get_or_insert(what);
    }

    /// Takes one text message; the seq and count if it was a `lines` frame.
    pub fn take(&mut self, msg: &[u8]) -> Option<LinesAt> {
        if let Some(rest) = msg.strip_prefix(LINES_PREFIX) {
            let Some(at) = parse_lines(rest) else {
                let head = String::from_utf8_lossy(&msg[..msg.len().min(300)]).into_owned();
                self.fail(format!(
                    "a lines frame of {} bytes that is not made of generated lines: {head}",
                    msg.len()
                ));
                return None;
            };
            self.starts_at(at.seq, "lines");
            self.next_seq = Some(at.seq + at.count);
            self.first_seq.get_or_insert(at.seq);
            self.lines += at.count;
            self.frames += 1;
            return Some(at);
        }
        match std::str::from_utf8(msg).map(Message::decode) {
            Ok(Ok(m)) => self.other(m),
            _ => self.fail(format!("not a protocol message: {}", String::from_utf8_lossy(msg))),
        }
        None
    }

    /// A `lines` or `gap` starting at `seq` must continue the stream.
    fn starts_at(&mut self, seq: u64, what: &str) {
        if self.hellos == 0 {
            self.fail(format!("{what} at seq {seq} before hello"));
        }
        match self.next_seq {
            Some(want) if seq != want => self.fail(format!("{what} starts at seq {seq}, expected {want}")),
            None if seq < self.min_first => self.fail(format!(
                "first {what} at seq {seq}, before the backlog's start {}",
                self.min_first
            )),
            _ => {}
        }
    }

    fn other(&mut self, m: Message) {
        match m {
            Message::Hello(h) => {
                self.hellos += 1;
                if self.hellos > 1 {
                    return self.later_hello(&h);
                }
                self.streams = h.streams.iter().map(|s| s.id.clone()).collect();
                self.epoch = h.epoch;
                let seq = h.streams.iter().find(|s| s.id == "access").map_or(0, |s| s.seq);
                match self.from {
                    StartAt::Live => self.next_seq = Some(seq + 1),
                    StartAt::Since(s) => self.next_seq = Some(s.min(seq) + 1),
                    StartAt::Backlog(n) => self.min_first = (seq + 1).saturating_sub(n).max(1),
                }
            }
            Message::Gap(g) => {
                self.starts_at(g.seq, "gap");
                self.next_seq = Some(g.seq + g.count);
                self.first_seq.get_or_insert(g.seq);
                self.gap_lines += g.count;
                self.gaps += 1;
            }
            Message::Event(e) => *self.events.entry(event_name(e.event)).or_default() += 1,
            Message::Lines(l) => self.fail(format!("lines of an unexpected stream: {}", l.stream)),
            Message::Stats(_) | Message::Unknown => {}
        }
    }

    /// A later hello comes when a stream's state changes (the moment of a
    /// rotation without a file at the path): the streams did not change, and
    /// its seq is not behind a line already received; it moves no position.
    fn later_hello(&mut self, h: &Hello) {
        let ids: Vec<_> = h.streams.iter().map(|s| s.id.clone()).collect();
        if h.epoch != self.epoch || ids != self.streams {
            return self.fail(format!("a later hello with other streams or another epoch: {h:?}"));
        }
        let seq = h.streams.iter().find(|s| s.id == "access").map_or(0, |s| s.seq);
        if let Some(next) = self.next_seq
            && seq + 1 < next
        {
            self.fail(format!(
                "a later hello's seq {seq} is behind line {} received",
                next - 1
            ));
        }
    }

    /// Lines received or reported skipped.
    pub fn accounted(&self) -> u64 {
        self.lines + self.gap_lines
    }
}

fn event_name(kind: EventKind) -> String {
    format!("{kind:?}").to_lowercase()
}

/// `SEQ,"lines":[BODY]}`: the seq, and the line count from BODY's length.
fn parse_lines(rest: &[u8]) -> Option<LinesAt> {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let seq = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let body = rest[digits..].strip_prefix(br#","lines":["#)?.strip_suffix(b"]}")?;
    let count = lines_in_frame(body.len())?;
    Some(LinesAt { seq, count })
}

/// A `Tally` that also checks every line.
pub struct Verify {
    pub tally: Tally,
    shapes: NginxLines,
    /// Bit `id` is set once line `id` arrived.
    seen: Vec<u64>,
    pub unique: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub bad: u64,
    /// The last id received per file tag, plus one (0: none yet).
    last_of_file: Vec<u64>,
    /// The first problem with a line.
    pub problem: Option<String>,
}

impl Verify {
    pub fn new(from: StartAt) -> Verify {
        Verify {
            tally: Tally::new(from),
            shapes: NginxLines::default(),
            seen: Vec::new(),
            unique: 0,
            duplicates: 0,
            out_of_order: 0,
            bad: 0,
            last_of_file: Vec::new(),
            problem: None,
        }
    }

    pub fn take(&mut self, msg: &[u8]) {
        let Some(at) = self.tally.take(msg) else { return };
        let decoded = std::str::from_utf8(msg).ok().and_then(|t| Message::decode(t).ok());
        let Some(Message::Lines(l)) = decoded else {
            self.note(format!(
                "a lines frame that does not decode: {}",
                String::from_utf8_lossy(msg)
            ));
            return;
        };
        if (l.seq, l.lines.len() as u64) != (at.seq, at.count) {
            let (seq, n) = (l.seq, l.lines.len());
            self.note(format!("decoded seq {seq} and {n} lines, counted {at:?}"));
        }
        for line in &l.lines {
            self.line(line);
        }
    }

    fn note(&mut self, what: String) {
        self.bad += 1;
        self.problem.get_or_insert(what);
    }

    fn line(&mut self, line: &str) {
        let (tag, id) = match self.shapes.check(line) {
            Ok(v) => v,
            Err(e) => return self.note(e),
        };
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        if self.seen.len() <= word {
            self.seen.resize((word + 1).next_power_of_two(), 0);
        }
        if self.seen[word] & bit != 0 {
            self.duplicates += 1;
            self.problem.get_or_insert(format!("line {id} received twice"));
        } else {
            self.seen[word] |= bit;
            self.unique += 1;
        }
        let tag = tag as usize;
        if self.last_of_file.len() <= tag {
            self.last_of_file.resize(tag + 1, 0);
        }
        let after = std::mem::replace(&mut self.last_of_file[tag], id + 1);
        if after > id {
            self.out_of_order += 1;
            let last = after - 1;
            self.problem
                .get_or_insert(format!("file {tag}: line {id} after line {last}"));
        }
    }

    /// Checks the lines against the `written` generated ones: none unknown,
    /// none twice, and the missing ones exactly as many as the gaps said.
    pub fn verdict(&self, written: u64) -> Result<(), String> {
        let first_word = (written / 64) as usize;
        let words = self.seen.iter().enumerate().skip(first_word);
        let beyond = words.flat_map(|(w, &bits)| {
            (0..64)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| w as u64 * 64 + b)
        });
        if let Some(id) = beyond.filter(|&id| id >= written).min() {
            return Err(format!("line {id} received but only {written} were written"));
        }
        if let Some(p) = &self.problem {
            return Err(format!(
                "{} bad lines, {} duplicates, {} out of order; first: {p}",
                self.bad, self.duplicates, self.out_of_order
            ));
        }
        let missing = written - self.unique;
        if missing != self.tally.gap_lines {
            return Err(format!(
                "{missing} of {written} lines never received, but gaps reported {}",
                self.tally.gap_lines
            ));
        }
        Ok(())
    }
}
