//! Listening sockets: taken from systemd (socket activation) or bound by logmon.
//!
//! Sockets are opened before the runtime starts and before privileges are
//! dropped, then handed to tokio. A unix socket path logmon binds itself is
//! cleaned up safely: a stale socket file is removed only if it is a socket
//! nobody accepts on, and ours is removed on exit.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use nix::sys::socket::{AddressFamily, SockType, SockaddrLike, SockaddrStorage, getsockname, getsockopt, sockopt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

impl FromStr for ListenAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(path) = s.strip_prefix("unix:") {
            let path = PathBuf::from(path);
            if !path.is_absolute() {
                return Err(format!("{s:?}: a unix socket path must be absolute"));
            }
            return Ok(ListenAddr::Unix(path));
        }
        s.parse::<SocketAddr>()
            .map(ListenAddr::Tcp)
            .map_err(|_| format!("{s:?} is neither HOST:PORT (e.g. 127.0.0.1:5051, [::1]:5051) nor unix:/path"))
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Tcp(a) => write!(f, "http://{a}/"),
            ListenAddr::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// Mode and group given to unix sockets logmon binds itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixPerms {
    pub mode: u32,
    pub group: Option<String>,
}

/// A listening socket opened before the runtime exists.
pub enum Socket {
    Tcp(std::net::TcpListener),
    Unix(StdUnixListener, Option<SocketFile>),
}

/// Where the sockets come from.
pub enum Origin {
    Activated,
    Bound,
}

/// The sockets passed by systemd if there are any, else those bound from `addrs`.
pub fn open(addrs: &[ListenAddr], perms: &UnixPerms) -> io::Result<(Vec<Socket>, Origin)> {
    let activated = activated()?;
    if !activated.is_empty() {
        return Ok((activated, Origin::Activated));
    }
    let sockets = addrs.iter().map(|a| bind(a, perms)).collect::<io::Result<_>>()?;
    Ok((sockets, Origin::Bound))
}

/// Takes the sockets of socket activation (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES).
fn activated() -> io::Result<Vec<Socket>> {
    let fds = sd_notify::listen_fds_with_names()?;
    fds.map(|(fd, name)| adopt(fd).map_err(|e| io::Error::new(e.kind(), format!("socket {name:?} (fd {fd}): {e}"))))
        .collect()
}

/// Checks that a passed descriptor is a listening stream socket of a known family.
fn adopt(fd: RawFd) -> io::Result<Socket> {
    // SAFETY: systemd passes these descriptors to this process, which owns them from now on.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let kind = getsockopt(&owned, sockopt::SockType).map_err(io::Error::from)?;
    let listening = getsockopt(&owned, sockopt::AcceptConn).map_err(io::Error::from)?;
    if kind != SockType::Stream || !listening {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a listening stream socket (expected ListenStream=)",
        ));
    }
    let addr: SockaddrStorage = getsockname(owned.as_fd().as_raw_fd()).map_err(io::Error::from)?;
    let socket = match addr.family() {
        Some(AddressFamily::Inet | AddressFamily::Inet6) => Socket::Tcp(owned.into()),
        Some(AddressFamily::Unix) => Socket::Unix(owned.into(), None),
        other => {
            let msg = format!("unsupported address family {other:?}");
            return Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
        }
    };
    socket.set_nonblocking()?;
    Ok(socket)
}

fn bind(addr: &ListenAddr, perms: &UnixPerms) -> io::Result<Socket> {
    let socket = match addr {
        ListenAddr::Tcp(a) => Socket::Tcp(std::net::TcpListener::bind(a)?),
        ListenAddr::Unix(path) => {
            remove_stale_socket(path)?;
            let listener = StdUnixListener::bind(path)?;
            let file = SocketFile(path.clone());
            set_perms(path, perms)?;
            Socket::Unix(listener, Some(file))
        }
    };
    socket.set_nonblocking()?;
    Ok(socket)
}

fn set_perms(path: &Path, perms: &UnixPerms) -> io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(perms.mode))?;
    if let Some(name) = &perms.group {
        let group = nix::unistd::Group::from_name(name)
            .map_err(io::Error::from)?
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no group named {name:?}")))?;
        nix::unistd::chown(path, None, Some(group.gid)).map_err(io::Error::from)?;
    }
    Ok(())
}

impl Socket {
    fn set_nonblocking(&self) -> io::Result<()> {
        match self {
            Socket::Tcp(l) => l.set_nonblocking(true),
            Socket::Unix(l, _) => l.set_nonblocking(true),
        }
    }

    /// Hands the socket to tokio; needs a running runtime.
    pub fn into_listener(self) -> io::Result<Listener> {
        match self {
            Socket::Tcp(l) => Ok(Listener::Tcp(TcpListener::from_std(l)?)),
            Socket::Unix(l, file) => Ok(Listener::Unix(UnixListener::from_std(l)?, file)),
        }
    }
}

/// A listener of either family, on the runtime.
pub enum Listener {
    Tcp(TcpListener),
    Unix(
        UnixListener,
        #[expect(dead_code, reason = "held so that the socket file goes when the listener does")] Option<SocketFile>,
    ),
}

/// A connection accepted from any listener.
pub trait Conn: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Conn for T {}

impl Listener {
    /// The address actually bound (a TCP port 0 becomes the real port).
    pub fn local_addr(&self) -> io::Result<ListenAddr> {
        match self {
            Listener::Tcp(l) => l.local_addr().map(ListenAddr::Tcp),
            Listener::Unix(l, _) => {
                let addr = l.local_addr()?;
                let path = addr.as_pathname().map(Path::to_path_buf).unwrap_or_default();
                Ok(ListenAddr::Unix(path))
            }
        }
    }

    /// Accepts one connection; the string names the peer for logs.
    pub async fn accept(&self) -> io::Result<(Box<dyn Conn>, String)> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept().await?;
                s.set_nodelay(true)?;
                Ok((Box::new(s), peer.to_string()))
            }
            Listener::Unix(l, _) => {
                let (s, _) = l.accept().await?;
                Ok((Box::new(s), "unix".to_string()))
            }
        }
    }
}

/// Removes a socket file we created when dropped.
pub struct SocketFile(PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Removes `path` if it is a socket that nobody accepts on; refuses anything else.
fn remove_stale_socket(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_socket() {
        let msg = format!("{} exists and is not a socket; not removing it", path.display());
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, msg));
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        let msg = format!("{} is in use by another process", path.display());
        return Err(io::Error::new(io::ErrorKind::AddrInUse, msg));
    }
    std::fs::remove_file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse() {
        assert_eq!(
            "127.0.0.1:80".parse(),
            Ok(ListenAddr::Tcp("127.0.0.1:80".parse().unwrap()))
        );
        assert_eq!("[::1]:80".parse(), Ok(ListenAddr::Tcp("[::1]:80".parse().unwrap())));
        assert_eq!("unix:/run/x.sock".parse(), Ok(ListenAddr::Unix("/run/x.sock".into())));
        assert!("unix:rel.sock".parse::<ListenAddr>().is_err());
        assert!("localhost".parse::<ListenAddr>().is_err());
    }

    #[test]
    fn stale_socket_is_replaced_but_live_one_and_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let addr = ListenAddr::Unix(path.clone());
        let perms = UnixPerms {
            mode: 0o640,
            group: None,
        };
        let live = bind(&addr, &perms).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert!(bind(&addr, &perms).is_err(), "a live socket must not be stolen");
        if let Socket::Unix(listener, file) = live {
            std::mem::forget(file); // leave the socket file behind, as a crash would
            drop(listener);
        }
        drop(bind(&addr, &perms).unwrap());
        assert!(!path.exists(), "our socket file is removed on drop");
        std::fs::write(&path, b"not a socket").unwrap();
        assert!(bind(&addr, &perms).is_err());
        assert!(path.exists());
    }

    #[test]
    fn adopt_refuses_what_is_not_a_listening_stream_socket() {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let err = adopt(std::os::fd::IntoRawFd::into_raw_fd(udp)).err().unwrap();
        assert!(err.to_string().contains("not a listening stream socket"), "{err}");
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(matches!(
            adopt(std::os::fd::IntoRawFd::into_raw_fd(tcp)),
            Ok(Socket::Tcp(_))
        ));
    }
}
