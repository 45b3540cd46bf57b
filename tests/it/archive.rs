//! History and search on hostile files: each request stays within its
//! bounds in memory (the daemon's peak RSS), time (wall clock, and no CPU
//! once its client left) and the runtime (a live client's frames and
//! `/healthz` keep coming), and damaged or linked files are reported or
//! passed over without losing the other files.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::history::{page, page_texts};
use crate::harness::*;

/// One gzip member of `text`, written by `gzip` itself.
pub fn gzip(text: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .args(["-c", "-1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    let mut stdin = child.stdin.take().unwrap();
    let input = text.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("gzip output");
    feeder.join().unwrap().unwrap();
    out.stdout
}

/// `name` in the fixture's directory: `member` repeated `times` (a gzip
/// file of that many members reads as their texts one after the other).
fn write_members(fx: &Fixture, name: &str, member: &[u8], times: usize) {
    let mut f = std::fs::File::create(fx.dir.path(name)).unwrap();
    for _ in 0..times {
        f.write_all(member).unwrap();
    }
}

/// Writes `lines` to access.log and waits until the client got them; their seqs.
pub async fn live_lines(fx: &Fixture, c: &mut Client, lines: &[String]) -> Vec<u64> {
    fx.dir.append("access.log", lines);
    let got = c.expect_lines("access", lines.len(), LINES_TIMEOUT).await;
    got.iter().map(|(seq, _)| *seq).collect()
}

/// The cursor of the first line of the current file (3 lines written live).
async fn start_of_current(fx: &Fixture, c: &mut Client) -> String {
    let seqs = live_lines(fx, c, &numbered_range("now", 0..3)).await;
    let p = page(fx, &format!("stream=access&limit=2&before=seq:{}", seqs[2])).await;
    assert_eq!(page_texts(&p), numbered_range("now", 0..2));
    p.lines[0].cursor.clone()
}

/// Appends a line to `other.log` every 50 ms until `stop`, while `c` reads
/// them: the longest wait between two frames, and the slowest `/healthz`.
async fn watch_runtime(fx: &Fixture, c: &mut Client, stop: Duration) -> (Duration, Duration) {
    let (mut gap, mut health) = (Duration::ZERO, Duration::ZERO);
    let (start, mut last) = (Instant::now(), Instant::now());
    let mut i = 0;
    while start.elapsed() < stop {
        fx.dir.append("other.log", &[numbered("beat", i)]);
        i += 1;
        c.expect_lines("other", 1, Duration::from_secs(30)).await;
        gap = gap.max(last.elapsed());
        last = Instant::now();
        let t = Instant::now();
        assert_eq!(get(fx, "/healthz").await.status, 200);
        health = health.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (gap, health)
}

#[tokio::test]
async fn pages_of_huge_lines_are_bounded_in_bytes_and_leave_the_runtime_alone() {
    let (fx, mut c) = Fixture::live(&[ACCESS, ("other", "other.log")]).await;
    // 3,000 lines of 65,536 control bytes: 200 MB of text, 1.2 GB as JSON.
    let mut hundred = Vec::new();
    for _ in 0..100 {
        hundred.extend(vec![1u8; 65_536]);
        hundred.push(b'\n');
    }
    write_members(&fx, "access.log.1.gz", &gzip(&hundred), 30);
    let cursor = start_of_current(&fx, &mut c).await;
    let before = fx.peak_mib();
    let query = format!("/history?stream=access&limit=5000&before={cursor}");
    let pages: Vec<_> = (0..2)
        .map(|_| {
            let (d, q) = (fx.addr, query.clone());
            tokio::spawn(async move { get_over(TcpStream::connect(d).await.unwrap(), &d.to_string(), &q).await })
        })
        .collect();
    let (gap, health) = watch_runtime(&fx, &mut c, Duration::from_secs(3)).await;
    for p in pages {
        let resp = p.await.unwrap();
        assert_eq!(
            resp.status,
            200,
            "{}",
            String::from_utf8_lossy(&resp.body[..200.min(resp.body.len())])
        );
        let page: logmon::protocol::history::Page = serde_json::from_slice(&resp.body).unwrap();
        eprintln!("a page of {} lines, {} bytes", page.lines.len(), resp.body.len());
        assert!(resp.body.len() <= 9 << 20, "{} bytes", resp.body.len());
        assert!(!page.lines.is_empty() && page.lines.len() < 5000 && page.before.is_some());
        assert!(page.lines.iter().all(|l| l.text == "\u{1}".repeat(65_536)));
    }
    let peak = fx.peak_mib();
    eprintln!("peak RSS {before} MiB before, {peak} MiB after; longest frame gap {gap:?}, slowest /healthz {health:?}");
    assert!(peak < 200, "the daemon's peak RSS reached {peak} MiB");
    assert!(gap < Duration::from_secs(1), "a live client waited {gap:?} for a frame");
    assert!(health < Duration::from_secs(1), "/healthz took {health:?}");
}

/// Sends `GET path` and leaves without reading.
async fn ask_and_leave(fx: &Fixture, path: &str, after: Duration) {
    let mut s = TcpStream::connect(fx.addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", fx.addr);
    s.write_all(req.as_bytes()).await.unwrap();
    tokio::time::sleep(after).await;
}

#[tokio::test]
async fn history_time_is_bounded_and_stops_when_its_client_leaves() {
    let (fx, mut c) = Fixture::live(&[ACCESS, ("other", "other.log")]).await;
    // 1 GiB of empty lines in about 1 MB.
    write_members(&fx, "access.log.1.gz", &gzip(&vec![b'\n'; 1 << 20]), 1024);
    live_lines(&fx, &mut c, &numbered_range("now", 0..3)).await;
    let t = Instant::now();
    let resp = get(&fx, "/history?stream=access&limit=5&at=0").await;
    let took = t.elapsed();
    eprintln!("at=0 over 1 GiB of empty lines: {} in {took:?}", resp.status);
    assert_eq!(resp.status, 503, "{}", String::from_utf8_lossy(&resp.body));
    assert!(took < Duration::from_millis(6500), "{took:?}");

    // Two clients that leave: their reading stops at once.
    for _ in 0..2 {
        ask_and_leave(&fx, "/history?stream=access&limit=5&at=0", Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ticks = fx.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spent = fx.cpu_ticks() - ticks;
    eprintln!("CPU after the clients left: {spent} ticks in 1 s");
    assert!(spent < 30, "{spent} ticks of CPU in the second after the clients left");

    // Two that stay take both turns; another stream's page waits at most their budget.
    fx.dir.append("other.log", &numbered_range("o", 0..3));
    let seqs = c.expect_lines("other", 3, LINES_TIMEOUT).await;
    let hostile: Vec<_> = (0..2)
        .map(|_| {
            let d = fx.addr;
            tokio::spawn(async move {
                let s = TcpStream::connect(d).await.unwrap();
                get_over(s, &d.to_string(), "/history?stream=access&limit=5&at=0").await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    let p = page(&fx, &format!("stream=other&limit=2&before=seq:{}", seqs[2].0)).await;
    let waited = t.elapsed();
    eprintln!("an ordinary page behind two hostile ones: {waited:?}");
    assert_eq!(page_texts(&p), numbered_range("o", 0..2));
    assert!(waited < Duration::from_millis(6500), "{waited:?}");
    for h in hostile {
        assert_eq!(h.await.unwrap().status, 503);
    }
}

#[tokio::test]
async fn lines_numbered_after_a_rotation_stay_addressable_by_seq() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    live_lines(&fx, &mut c, &numbered_range("a", 0..100)).await;
    // Rename and create, as logrotate's `create` and --demo do; the old file
    // is drained (to no avail) while the new one is read, a few lines at a time.
    std::fs::rename(fx.dir.path("access.log"), fx.dir.path("access.log.1")).unwrap();
    let mut seqs = Vec::new();
    for k in 0..20 {
        seqs.extend(live_lines(&fx, &mut c, &numbered_range("b", k * 5..k * 5 + 5)).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let newest = seqs[99];
    let p = page(&fx, &format!("stream=access&limit=10&before=seq:{}", newest - 50)).await;
    assert_eq!(page_texts(&p), numbered_range("b", 39..49));
    let across = page(&fx, &format!("stream=access&limit=10&before=seq:{}", seqs[5])).await;
    let want: Vec<String> = numbered_range("a", 95..100)
        .into_iter()
        .chain(numbered_range("b", 0..5))
        .collect();
    assert_eq!(page_texts(&across), want);
    let numbers: Vec<_> = p.lines.iter().map(|l| l.seq).collect();
    assert_eq!(numbers, seqs[39..49].iter().map(|s| Some(*s)).collect::<Vec<_>>());
}

#[tokio::test]
async fn rotation_names_that_are_links_are_never_followed() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let secret = fx.dir.path("secret");
    std::fs::write(&secret, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    std::os::unix::fs::symlink(&secret, fx.dir.path("access.log.2")).unwrap();
    std::fs::write(fx.dir.path("gz-secret"), gzip(b"root:x:0:0 gz\n")).unwrap();
    std::os::unix::fs::symlink(fx.dir.path("gz-secret"), fx.dir.path("access.log.3.gz")).unwrap();
    std::fs::write(fx.dir.path("access.log.1"), "old root:x line\n").unwrap();
    let seqs = live_lines(&fx, &mut c, &numbered_range("now", 0..2)).await;
    let a = super::search::search(&fx, "stream=access&q=root%3Ax").await;
    assert_eq!(a.texts, ["old root:x line"], "only the regular rotation is searched");
    let p = page(&fx, &format!("stream=access&limit=50&before=seq:{}", seqs[1])).await;
    assert_eq!(page_texts(&p), ["old root:x line", &numbered("now", 0)]);
    assert_eq!(p.before, None, "nothing older is listed");
}

/// The complete lines `zcat` reads from `name` (before any damage).
pub fn zcat_lines(fx: &Fixture, name: &str) -> Vec<String> {
    let out = Command::new("zcat").arg(fx.dir.path(name)).output().expect("zcat");
    let text = String::from_utf8_lossy(&out.stdout);
    let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    complete.lines().map(str::to_string).collect()
}

/// Pages back from `before=seq:S` to the oldest line: texts oldest first, and every `failed`.
async fn page_all(fx: &Fixture, seq: u64) -> (Vec<String>, Vec<String>) {
    page_all_by(fx, seq, 500).await
}

/// [`page_all`] in pages of `limit` lines.
pub async fn page_all_by(fx: &Fixture, seq: u64, limit: usize) -> (Vec<String>, Vec<String>) {
    let (mut texts, mut failed) = (Vec::new(), Vec::new());
    let mut query = format!("stream=access&limit={limit}&before=seq:{seq}");
    for _ in 0..10_000 {
        let p = page(fx, &query).await;
        texts.splice(0..0, page_texts(&p));
        failed.extend(p.failed.iter().cloned());
        match p.before {
            Some(cursor) => query = format!("stream=access&limit={limit}&before={cursor}"),
            None => return (texts, failed),
        }
    }
    panic!("paging does not end");
}

#[tokio::test]
async fn a_damaged_gz_is_reported_and_read_up_to_its_damage() {
    let lines: Vec<String> = (0..40_000)
        .map(|i| format!("{} {}", numbered("gz", i), "x".repeat(i % 50)))
        .collect();
    let member = gzip((lines.join("\n") + "\n").as_bytes());
    for damage in ["cut in half", "garbage after it", "plain text"] {
        let (fx, mut c) = Fixture::live(&[ACCESS]).await;
        std::fs::write(
            fx.dir.path("access.log.2"),
            numbered_range("older", 0..10).join("\n") + "\n",
        )
        .unwrap();
        let bytes = match damage {
            "cut in half" => member[..member.len() / 2].to_vec(),
            "garbage after it" => [&member[..], &[0x1f, 0x8b, 0x08, 0, 7, 7, 7, 7][..], &[0x55; 300]].concat(),
            _ => b"just text\n".to_vec(),
        };
        std::fs::write(fx.dir.path("access.log.1.gz"), &bytes).unwrap();
        let seqs = live_lines(&fx, &mut c, &numbered_range("now", 0..2)).await;
        let readable = if damage == "plain text" {
            Vec::new()
        } else {
            zcat_lines(&fx, "access.log.1.gz")
        };
        assert!(damage != "cut in half" || readable.len() > 10_000, "{}", readable.len());
        let (texts, failed) = page_all(&fx, seqs[1]).await;
        let want: Vec<String> = numbered_range("older", 0..10)
            .into_iter()
            .chain(readable.iter().cloned())
            .chain([numbered("now", 0)])
            .collect();
        assert_eq!(texts.len(), want.len(), "{damage}: {failed:?}");
        assert!(texts == want, "{damage}: the pages differ from zcat's lines");
        assert!(
            failed.iter().all(|f| f.starts_with("access.log.1.gz: ")),
            "{damage}: {failed:?}"
        );
        assert!(!failed.is_empty(), "{damage}: the damage is reported");
        // The search finds what zcat reads, and says which file failed.
        let a = super::search::search(&fx, "stream=access&q=gz&limit=100000").await;
        let mut found = a.texts.clone();
        found.reverse();
        assert_eq!(found.len(), readable.len(), "{damage}");
        assert!(found == readable, "{damage}: the search differs from zcat's lines");
        let older = super::search::search(&fx, "stream=access&q=older").await;
        assert_eq!(older.texts.len(), 10, "{damage}: the files behind it are searched");
    }
}

#[tokio::test]
async fn gz_cursors_zones_and_nul_bytes() {
    let (fx, mut c) = Fixture::live(&[ACCESS]).await;
    let text = numbered_range("gz", 0..100).join("\n") + "\n";
    std::fs::write(fx.dir.path("access.log.1.gz"), gzip(text.as_bytes())).unwrap();
    let seqs = live_lines(&fx, &mut c, &["with\0nul".to_string(), numbered("now", 1)]).await;
    let p = page(&fx, &format!("stream=access&limit=3&before=seq:{}", seqs[1])).await;
    assert_eq!(
        page_texts(&p),
        [numbered("gz", 98), numbered("gz", 99), "withnul".to_string()]
    );
    let cursor = logmon::parts::HistoryCursor::decode(&p.lines[1].cursor).unwrap();
    for (offset, what) in [
        (cursor.offset + 1, "mid-line"),
        (cursor.offset + 10_000, "past the end"),
    ] {
        let forged = logmon::parts::HistoryCursor { offset, ..cursor }.encode();
        let reason = super::history::refused(&fx, &format!("stream=access&before={forged}"), 400).await;
        assert!(reason.contains("not where a line starts"), "{what}: {reason}");
    }
    let reason = super::history::refused(&fx, "stream=access&at=2026-11-30T14:02:03%2B99:99", 400).await;
    assert!(reason.contains("at="), "{reason}");
}
