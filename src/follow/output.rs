//! A follower's output: bytes read from files become numbered frames in the hub.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::Tag;
use super::lines::{LineSplitter, strip_nuls};
use super::source::{FileId, Read, Source};
use crate::hub::{Place, SPACING, Stream};
use crate::protocol::{EventKind, LinesBuilder};
use crate::state::FileMark;
use crate::stats::Feed;

/// A frame is published once its lines take this many bytes.
const FRAME_BYTES: usize = 32 * 1024;
/// Bytes read from a file at a time.
const READ_BYTES: usize = 128 * 1024;

pub struct Output {
    stream: Arc<Stream>,
    tag: Tag,
    builder: LinesBuilder,
    /// The lines of the frame being built, for the statistics.
    feed: Feed,
    buf: Vec<u8>,
    published: bool,
    /// Where the next line would be if reading went on without a break:
    /// the file, the line's number, its offset; and the offset of the last place.
    expect: Option<(FileId, u64, u64)>,
    last_place: u64,
}

impl Output {
    pub fn new(stream: Arc<Stream>) -> io::Result<Output> {
        let tag = Tag {
            stream: stream.id.clone(),
            path: stream.path.display().to_string(),
        };
        Ok(Output {
            feed: Feed::start(stream.clone())?,
            stream,
            tag,
            builder: LinesBuilder::default(),
            buf: vec![0; READ_BYTES],
            published: false,
            expect: None,
            last_place: 0,
        })
    }

    pub fn stream(&self) -> &Arc<Stream> {
        &self.stream
    }

    /// The stream and path that log lines about this output carry.
    pub fn tag(&self) -> &Tag {
        &self.tag
    }

    /// Splits `data`, old lines that refill the history (the bytes of `src`
    /// that end at its offset), and publishes them in frames of about
    /// `FRAME_BYTES`; they are not counted again in the statistics.
    pub async fn feed(&mut self, src: &mut Source, data: &[u8]) {
        let start = src.pos.offset - data.len() as u64 - src.splitter.pending_bytes();
        self.record_place(src, start);
        for chunk in data.chunks(READ_BYTES) {
            src.splitter
                .feed(chunk, &mut |line, dropped| self.builder.push(line, dropped));
            self.flush_if_full().await;
        }
        self.expect = Some(self.next_line(src));
    }

    /// The file, number and offset of the next line that `src` will give.
    fn next_line(&self, src: &Source) -> (FileId, u64, u64) {
        (
            src.pos.id,
            self.next_seq(),
            src.pos.offset - src.splitter.pending_bytes(),
        )
    }

    /// The number the next line split will get: after the stream's, those
    /// collected for the frame being built.
    fn next_seq(&self) -> u64 {
        self.stream.next_seq() + self.builder.count() as u64
    }

    /// Records where the next line `next` (taken before a read of `src`
    /// that gave bytes) is, unless it follows from the last place
    /// (hub/places.rs): same file, no break, less than `SPACING` on. Only
    /// a read that gives bytes places a line: a file drained to no avail
    /// (a rotated one whose writers are gone) would otherwise claim the
    /// number of the next line, read from another file.
    fn place_read(&mut self, src: &Source, next: (FileId, u64, u64)) {
        let continues = self.expect == Some(next) && next.2 < self.last_place + SPACING;
        if !continues {
            self.record_place(src, next.2);
        }
    }

    fn record_place(&mut self, src: &Source, offset: u64) {
        let Ok(head) = src.head() else {
            return;
        };
        let id = src.pos.id;
        let mark = FileMark::new(id.dev, id.ino, head, offset);
        let seq = self.next_seq();
        self.stream.record_place(Place { seq, mark });
        self.last_place = offset;
    }

    /// Reads `src` to its end, publishing its lines.
    pub async fn drain(&mut self, src: &mut Source) {
        let mut nuls = 0;
        loop {
            let next = self.next_line(src);
            match src.read(&mut self.buf) {
                Ok(Read::Data(n)) => {
                    self.place_read(src, next);
                    self.count_read(src, n);
                    let len = strip_nuls(&mut self.buf[..n]);
                    nuls += (n - len) as u64;
                    split(&mut self.feed, &mut self.builder, &mut src.splitter, &self.buf[..len]);
                    self.expect = Some(self.next_line(src));
                    self.flush_if_full().await;
                    self.feed.send().await;
                }
                Ok(Read::Hole(n)) => nuls += n,
                Ok(Read::Eof) => {
                    self.feed.send().await;
                    break;
                }
                Ok(Read::Truncated) => self.truncated(src).await,
                Err(e) => {
                    note!(&self.tag, error, "{}: read failed: {e}", self.tag.path);
                    break;
                }
            }
        }
        if nuls > 0 {
            self.skipped_nuls(nuls).await;
        }
    }

    /// Counts bytes read, and how many are left when the read filled the buffer.
    fn count_read(&self, src: &Source, n: usize) {
        let counters = &self.stream.counters;
        counters.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        let lag = if n == self.buf.len() { src.remaining() } else { 0 };
        counters.lag.store(lag, Ordering::Relaxed);
    }

    async fn truncated(&mut self, src: &mut Source) {
        // The old content's unfinished line ends here; it never joins the new content.
        self.finish_line(&mut src.splitter);
        let p = self.tag.path.clone();
        note!(&self.tag, info, "{p}: truncated; reading again from its start");
        self.event(EventKind::Truncated, &format!("{p} was truncated")).await;
    }

    /// NUL bytes are never log text (`protocol::line_text`, the rule
    /// every reader keeps): a hole, or a writer that kept its offset after
    /// a truncation, leaves a run of them; they are said once per read.
    async fn skipped_nuls(&mut self, n: u64) {
        let p = self.tag.path.clone();
        note!(&self.tag, info, "{p}: skipped {n} NUL bytes");
        let detail = format!("{p}: skipped {n} NUL bytes, which are never log text");
        self.event(EventKind::Skipped, &detail).await;
    }

    /// Publishes the unfinished line of a file that is being closed.
    pub fn finish_line(&mut self, splitter: &mut LineSplitter) {
        splitter.flush(&mut |line, dropped| {
            self.feed.push(line);
            self.builder.push(line, dropped)
        });
    }

    /// Publishes an event after the lines collected so far.
    pub async fn event(&mut self, event: EventKind, detail: &str) {
        self.flush().await;
        self.feed.send().await;
        self.stream.publish_event(event, detail).await;
    }

    /// Publishes a full frame, and lets other tasks run between frames of a burst.
    async fn flush_if_full(&mut self) {
        if self.builder.body_len() >= FRAME_BYTES {
            self.flush().await;
            tokio::task::yield_now().await;
        }
    }

    /// Publishes the lines collected so far.
    pub async fn flush(&mut self) {
        if self.builder.count() > 0 {
            self.stream.publish_lines(&mut self.builder).await;
            self.published = true;
        }
    }

    /// True if lines were published since the last call.
    pub fn published_since_wait(&mut self) -> bool {
        std::mem::take(&mut self.published)
    }
}

/// Splits new lines into the builder, and into the feed of the stream's statistics.
fn split(feed: &mut Feed, builder: &mut LinesBuilder, splitter: &mut LineSplitter, data: &[u8]) {
    splitter.feed(data, &mut |line, dropped| {
        feed.push(line);
        builder.push(line, dropped)
    });
}
