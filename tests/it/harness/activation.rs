//! Socket activation as systemd does it, through `systemd-socket-activate`:
//! logmon is started by the first connection, on sockets it did not bind.

use std::path::Path;
use std::process::Command;

use super::daemon::{BIN, Process, root_args};

/// A free TCP port on loopback (bound and released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().port()
}

/// `systemd-socket-activate -l LISTEN... EXTRA... logmon --config /dev/null FILE`
/// (and `--allow-root` as root): activation wins over logmon's default address.
pub fn socket_activate(listen: &[String], extra: &[&str], file: &Path) -> Process {
    let mut cmd = Command::new("systemd-socket-activate");
    for l in listen {
        cmd.arg("-l").arg(l);
    }
    cmd.args(extra).arg(BIN).args(root_args());
    cmd.args(["--config", "/dev/null"]).arg(file);
    Process::spawn(cmd)
}
