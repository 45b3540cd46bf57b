//! A live client behind the ring (`hub::Behind`: it resumed with an old
//! `since=`, or read too slowly and the ring moved on): the lines it
//! missed, read from the files on disk by the archive's reader, in order
//! and exactly once; a `gap` only for the lines no longer there.
//!
//! A page at a time, of at most `PAGE_LINES` lines and `PAGE_BYTES` bytes,
//! in a history turn (at most `history::AT_ONCE` pages are read at once,
//! shared with `/history`): a slow client costs disk reads and one page of
//! memory, never the follower's pace nor another client's frames. The
//! first page looks for its first line by number (from the place the
//! follower recorded before it); each next page goes on from the last
//! line's place, so catching up reads each line once. On a fleet's viewer,
//! a host's stream has no files here: its pages are asked of its agent
//! (`fleet/history.rs`).

use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::State;
use super::history::read_page;
use crate::archive;
use crate::history::{Ask, Place, Query};
use crate::hub::{Behind, Cursor};
use crate::protocol::history::Page;
use crate::protocol::{Frame, LinesBuilder};

/// The most a page read for a client behind holds.
pub const PAGE_LINES: usize = 1_000;
pub const PAGE_BYTES: usize = 64 << 10;

/// Reads the lines `behind` says `cursor` misses (the first of them at
/// least, up to a page) into `out`, or a gap for those not on disk.
pub async fn read(state: &State, cursor: &mut Cursor, behind: Behind, out: &mut Vec<Utf8Bytes>) {
    let stream = cursor.stream().clone();
    let query = Query {
        stream: stream.id.clone(),
        // Going on from the last page's place reads no line twice.
        ask: match behind.after {
            Some(c) => Ask::After(Place::Cursor(c)),
            None => Ask::From(Place::Seq(behind.from)),
        },
        limit: (behind.to - behind.from).min(PAGE_LINES as u64) as usize,
    };
    let id = stream.id.clone();
    let asked = match state.fleet.get() {
        Some(fleet) => fleet.page(&query).await,
        None => None,
    };
    let frame = match asked {
        // A fleet host's stream on a viewer: the page comes from its agent.
        Some(page) => page.map(|page| frame_of(&id, behind, &page)),
        None => {
            read_page(state, stream, query, PAGE_BYTES, move |page| {
                frame_of(&id, behind, &page)
            })
            .await
        }
    };
    match frame {
        Ok(Some((frame, last))) => {
            cursor.took(frame.end_seq(), last);
            out.push(frame.text);
        }
        Ok(None) => cursor.skip(behind.to, out),
        Err(why) => {
            log::debug!(
                "stream {}: lines {}.. not read from disk: {}",
                cursor.stream().id,
                behind.from,
                why.reason()
            );
            cursor.skip(behind.to, out);
        }
    }
}

/// The page's lines numbered `behind.from` on, one after the other, as a
/// `lines` frame, and the place of the last; `None` if the page does not
/// start there.
fn frame_of(id: &str, behind: Behind, page: &Page) -> Option<(Frame, archive::Cursor)> {
    let mut lines = LinesBuilder::default();
    let numbered = (behind.from..behind.to).zip(&page.lines);
    let mut last = None;
    for (_, line) in numbered.take_while(|(seq, l)| l.seq == Some(*seq)) {
        lines.push_text(&line.text);
        last = Some(&line.cursor);
    }
    let last = archive::Cursor::decode(last?).ok()?;
    Some((lines.finish(id, behind.from), last))
}
