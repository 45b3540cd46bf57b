//! Realistic nginx `combined` lines, each carrying a unique number, all of
//! exactly `LINE_BYTES` bytes.
//!
//! The contents vary as a real access log's do (addresses, methods, paths,
//! statuses, sizes, referers, user agents, the time); the user agent, the
//! last field, is cut short so that every line has the same length.
//! That lets a counting client learn how many lines a `lines` frame holds
//! from the frame's length alone (`lines_in_frame`), while a verifying
//! client checks each line byte for byte against the one generated
//! (`NginxLines::check`), so the shortcut is itself verified.
//!
//! A line's request carries `?f=TTTT&id=NNNNNNNNNN`: the tag of the file it
//! was written to and its unique number.

use std::time::{SystemTime, UNIX_EPOCH};

use logmon::parts::civil;

/// Length of every line, without its `\n`.
pub const LINE_BYTES: usize = 200;
/// Each line holds exactly this many `"` (request, referer, user agent), and
/// no other character that JSON escapes.
const QUOTES: usize = 6;
/// A line's length inside a `lines` frame: quoted, its quotes escaped.
pub const LINE_JSON: usize = LINE_BYTES + 2 + QUOTES;
/// Length of the time in brackets: `24/Nov/2026:11:02:03 +0000`.
pub const TIME_BYTES: usize = 26;
const TAG_DIGITS: usize = 4;
const ID_DIGITS: usize = 10;
/// Different line shapes; a line's shape is its number modulo this.
const SHAPES: usize = 97;

const ADDRS: [&str; 7] = [
    "203.0.113.7",
    "198.51.100.23",
    "192.0.2.140",
    "10.20.30.40",
    "2001:db8::1f",
    "172.16.254.3",
    "2001:db8:85a3::8a2e:370:7334",
];
const REQUESTS: [&str; 9] = [
    "GET /",
    "GET /index.html",
    "GET /static/js/app.3f9c1b2e.js",
    "GET /static/css/site.css",
    "POST /api/v1/orders",
    "GET /api/v1/products/8812/reviews",
    "HEAD /healthz",
    "GET /images/banner-summer-2026.webp",
    "PUT /api/v1/cart/items/17",
];
const STATUSES: [&str; 8] = ["200", "200", "200", "304", "404", "301", "500", "201"];
const REFERERS: [&str; 4] = [
    "-",
    "https://shop.example.com/",
    "https://www.example.org/search?q=logs",
    "https://shop.example.com/cart",
];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148",
    "curl/8.5.0 (x86_64-pc-linux-gnu) libcurl/8.5.0 OpenSSL/3.0.13 zlib/1.3 brotli/1.1.0 zstd/1.5.5 libidn2/2.3.7 nghttp2/1.59.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) AppleWebKit/537.36 (KHTML, like Gecko) Chrome",
];

/// One line shape with the places of its variable fields.
struct Shape {
    bytes: Vec<u8>,
    time_at: usize,
    tag_at: usize,
    id_at: usize,
}

/// The line shapes, shared by the generator and the verifying client.
pub struct NginxLines {
    shapes: Vec<Shape>,
}

impl Default for NginxLines {
    fn default() -> NginxLines {
        NginxLines {
            shapes: (0..SHAPES).map(shape).collect(),
        }
    }
}

/// Shape `k`: its fields picked from the tables, its user agent fitted.
fn shape(k: usize) -> Shape {
    let pick = |n: usize, m: usize| (k * n + k / m) % m;
    let addr = ADDRS[pick(3, ADDRS.len())];
    let request = REQUESTS[pick(5, REQUESTS.len())];
    let status = STATUSES[pick(7, STATUSES.len())];
    let size = (k * 7919 + 153) % 48_000;
    let referer = REFERERS[pick(11, REFERERS.len())];
    let time = "0".repeat(TIME_BYTES);
    let (tag, id) = ("0".repeat(TAG_DIGITS), "0".repeat(ID_DIGITS));
    let head = format!("{addr} - - [{time}] \"{request}?f={tag}&id={id} HTTP/1.1\" {status} {size} \"{referer}\" \"");
    let room = LINE_BYTES - head.len() - 1;
    // A user agent cut short, as clients send them (all are longer than the room).
    let agent = &AGENTS[pick(13, AGENTS.len())][..room];
    let line = format!("{head}{agent}\"");
    assert_eq!(line.len(), LINE_BYTES, "shape {k}: {line}");
    assert_eq!(line.matches('"').count(), QUOTES, "shape {k}: {line}");
    let find = |what: &str| line.find(what).expect("field marker") + what.len();
    Shape {
        time_at: find("["),
        tag_at: find("?f="),
        id_at: find("&id="),
        bytes: line.into_bytes(),
    }
}

impl NginxLines {
    /// Appends line `id` of the file tagged `tag`, written at `time`, and `\n`.
    pub fn render(&self, id: u64, tag: u32, time: &[u8; TIME_BYTES], out: &mut Vec<u8>) {
        let s = &self.shapes[(id % SHAPES as u64) as usize];
        let at = out.len();
        out.extend_from_slice(&s.bytes);
        out[at + s.time_at..at + s.time_at + TIME_BYTES].copy_from_slice(time);
        put_digits(&mut out[at + s.tag_at..at + s.tag_at + TAG_DIGITS], u64::from(tag));
        put_digits(&mut out[at + s.id_at..at + s.id_at + ID_DIGITS], id);
        out.push(b'\n');
    }

    /// The (tag, id) of `line`, if it is exactly a line `render` writes
    /// (its time is taken as it is).
    pub fn check(&self, line: &str) -> Result<(u32, u64), String> {
        let b = line.as_bytes();
        let bad = || format!("not a generated line: {line:?}");
        // The request's `&` is the line's first.
        let id_at = memchr::memchr(b'&', b).ok_or_else(bad)? + "&id=".len();
        let id = b.get(id_at..id_at + ID_DIGITS).and_then(parse_digits).ok_or_else(bad)?;
        let s = &self.shapes[(id % SHAPES as u64) as usize];
        let tag = b.get(s.tag_at..s.tag_at + TAG_DIGITS).and_then(parse_digits);
        let fixed = [
            (0, s.time_at),
            (s.time_at + TIME_BYTES, s.tag_at),
            (s.tag_at + TAG_DIGITS, s.id_at),
            (s.id_at + ID_DIGITS, LINE_BYTES),
        ];
        let same = b.len() == LINE_BYTES && id_at == s.id_at && fixed.iter().all(|&(a, z)| b[a..z] == s.bytes[a..z]);
        match tag {
            Some(tag) if same => Ok((tag as u32, id)),
            _ => Err(format!(
                "line {id} is not the one written:\n got  {line:?}\n want {:?} (time, f and id aside)",
                String::from_utf8_lossy(&s.bytes)
            )),
        }
    }
}

/// How many lines the JSON array body `[...]` of a `lines` frame holds,
/// when every line is a generated one; None if its length does not fit.
pub fn lines_in_frame(array_body: usize) -> Option<u64> {
    let per = LINE_JSON + 1;
    ((array_body + 1) % per == 0).then_some(((array_body + 1) / per) as u64)
}

fn put_digits(dst: &mut [u8], mut v: u64) {
    for d in dst.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

fn parse_digits(b: &[u8]) -> Option<u64> {
    b.iter()
        .try_fold(0u64, |n, &d| d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0')))
}

/// The current UTC time as nginx writes it: `24/Nov/2026:11:02:03 +0000`.
pub fn nginx_time() -> [u8; TIME_BYTES] {
    time_local(unix_now())
        .as_bytes()
        .try_into()
        .expect("nginx time is 26 bytes")
}

/// Unix seconds `t` as nginx's `$time_local` writes it, in UTC.
pub fn time_local(t: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day, h, m, s) = civil(t as i64);
    format!(
        "{day:02}/{}/{year:04}:{h:02}:{m:02}:{s:02} +0000",
        MONTHS[month as usize - 1]
    )
}

/// A short nginx `combined` line of unix second `t`: a GET of `path`, 200, 10 bytes.
pub fn combined_at(t: u64, path: &str) -> String {
    format!(
        "203.0.113.9 - - [{}] \"GET {path} HTTP/1.1\" 200 10 \"-\" \"curl/8\"",
        time_local(t)
    )
}

/// The clock's unix seconds.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
