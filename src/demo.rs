//! `--demo`: realistic nginx traffic written into a temporary directory, rotated now and then.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Error;
use crate::civil::civil;
use crate::cli::Args;
use crate::config::{Config, Format};

/// Rotate the demo logs this often.
const ROTATE_EVERY: Duration = Duration::from_secs(60);
/// One round of writes this often.
const TICK: Duration = Duration::from_millis(100);

/// The demo's directory, removed when dropped, and the state of its writer.
pub struct Demo {
    _dir: tempfile::TempDir,
    access: PathBuf,
    error: PathBuf,
    rng: Rng,
}

/// The demo's access log format: a virtual host first, request and
/// upstream times last, as many sites log.
pub const ACCESS_FORMAT: &str = "$host $remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $request_time $upstream_response_time";

/// Creates the demo logs and makes them the files to follow, the access log
/// in `ACCESS_FORMAT`.
pub fn prepare(args: &mut Args, config: &mut Config) -> Result<Demo, Error> {
    let dir = tempfile::Builder::new()
        .prefix("logmon-demo.")
        .tempdir()
        .map_err(Error::Demo)?;
    let access = dir.path().join("access.log");
    let error = dir.path().join("error.log");
    let mut rng = Rng::seeded();
    let mut seed = String::new();
    for _ in 0..200 {
        seed.push_str(&access_line(&mut rng));
    }
    std::fs::write(&access, seed).map_err(Error::Demo)?;
    std::fs::write(&error, error_line(&mut rng)).map_err(Error::Demo)?;
    args.files = vec![access.clone(), error.clone()];
    config.set_files(&args.files);
    config.streams[0].format = Format::Custom(ACCESS_FORMAT.to_string());
    log::info!("demo: writing synthetic nginx logs into {}", dir.path().display());
    Ok(Demo {
        _dir: dir,
        access,
        error,
        rng,
    })
}

impl Demo {
    /// Starts writing traffic; needs the runtime.
    pub fn spawn_writer(&self) {
        let (access, error, rng) = (self.access.clone(), self.error.clone(), Rng(self.rng.0));
        tokio::spawn(async move {
            if let Err(e) = write_forever(&access, &error, rng).await {
                log::error!("demo writer stopped: {e}");
            }
        });
    }
}

async fn write_forever(access: &Path, error: &Path, mut rng: Rng) -> io::Result<()> {
    let mut files = (append(access)?, append(error)?);
    let mut since_rotation = Duration::ZERO;
    loop {
        tokio::time::sleep(TICK).await;
        let burst = if rng.below(50) == 0 { 200 } else { rng.below(8) };
        let mut text = String::new();
        for _ in 0..burst {
            text.push_str(&access_line(&mut rng));
        }
        files.0.write_all(text.as_bytes())?;
        if rng.below(20) == 0 {
            files.1.write_all(error_line(&mut rng).as_bytes())?;
        }
        since_rotation += TICK;
        if since_rotation >= ROTATE_EVERY {
            since_rotation = Duration::ZERO;
            files = (rotate(access)?, rotate(error)?);
        }
    }
}

/// Rename and create, as logrotate's `create` does.
fn rotate(path: &Path) -> io::Result<File> {
    let mut old = PathBuf::from(path);
    old.as_mut_os_string().push(".1");
    std::fs::rename(path, &old)?;
    append(path)
}

fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

const HOSTS: &[&str] = &[
    "shop.example.com",
    "shop.example.com",
    "api.example.com",
    "static.example.com",
];

const PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/api/v1/orders",
    "/api/v1/orders/1842",
    "/static/app.3f9c.js",
    "/static/site.css",
    "/login",
    "/search?q=rust+inotify",
    "/favicon.ico",
    "/wp-login.php",
    "/.env",
    "/health",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];
const ERRORS: &[(&str, &str)] = &[
    (
        "error",
        "open() \"/usr/share/nginx/html/wp-login.php\" failed (2: No such file or directory)",
    ),
    (
        "warn",
        "an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000001",
    ),
    (
        "error",
        "connect() failed (111: Connection refused) while connecting to upstream",
    ),
    (
        "crit",
        "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share)",
    ),
    ("notice", "signal process started"),
];

fn access_line(rng: &mut Rng) -> String {
    let path = PATHS[rng.below(PATHS.len())];
    let status = match rng.below(100) {
        0..=79 => 200,
        80..=86 => 304,
        87..=89 => 301,
        90..=96 => 404,
        97 => 403,
        _ => 502,
    };
    let method = if path.starts_with("/api") && rng.below(3) == 0 {
        "POST"
    } else {
        "GET"
    };
    let host = HOSTS[rng.below(HOSTS.len())];
    // Mostly fast, with a slow tail; static files have no upstream.
    let ms = [2, 5, 12, 30, 80, 250, 900][rng.below(7).min(rng.below(7))] + rng.below(20);
    let upstream = if host.starts_with("static") {
        "-".to_string()
    } else {
        format!("{}.{:03}", (ms - 1) / 1000, (ms - 1) % 1000)
    };
    format!(
        "{host} 203.0.113.{} - - [{}] \"{method} {path} HTTP/1.1\" {status} {} \"-\" \"{}\" {}.{:03} {upstream}\n",
        rng.below(254) + 1,
        now_clf(),
        rng.below(40_000) + 150,
        AGENTS[rng.below(AGENTS.len())],
        ms / 1000,
        ms % 1000
    )
}

fn error_line(rng: &mut Rng) -> String {
    let (level, msg) = ERRORS[rng.below(ERRORS.len())];
    let secs = now_secs();
    let (y, mo, d, h, mi, s) = civil(secs);
    format!(
        "{y:04}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02} [{level}] 1234#1234: *{} {msg}, client: 203.0.113.{}, server: example.com\n",
        rng.below(100_000),
        rng.below(254) + 1
    )
}

fn now_secs() -> i64 {
    crate::civil::unix_now() as i64
}

/// The time in nginx's `$time_local` form (in UTC).
fn now_clf() -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = civil(now_secs());
    format!(
        "{d:02}/{}/{y:04}:{h:02}:{mi:02}:{s:02} +0000",
        MONTHS[(mo - 1) as usize]
    )
}

/// A small xorshift generator: the demo needs variety, not quality.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        Rng(std::process::id() as u64 ^ now_secs() as u64 | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_look_like_nginx() {
        let mut rng = Rng(42);
        let line = access_line(&mut rng);
        let layout = crate::layout::Layout::text("demo", ACCESS_FORMAT, crate::layout::Escape::Default);
        let mut spans = Vec::new();
        assert!(layout.split(line.trim_end().as_bytes(), &mut spans), "{line}");
        assert_eq!(spans.len(), 11, "{line}");
        assert!(error_line(&mut rng).contains("] 1234#1234: *"));
    }
}
