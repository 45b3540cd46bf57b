//! Dropping privileges: user switch, every capability set emptied, no_new_privs, umask 077.
//!
//! Runs once, after the sockets are open and before the runtime starts any
//! thread, since capabilities belong to each thread and new threads inherit
//! them. Sets that are already empty (as under the shipped unit) are left
//! alone, so the drop never needs a system call the unit's filter forbids.

use std::io;

use caps::{CapSet, Capability};
use nix::unistd::{Gid, Uid, User};

/// Why privileges could not be dropped.
#[derive(Debug, thiserror::Error)]
pub enum HardenError {
    #[error(
        "refusing to run as root: set `user = \"...\"` in the configuration, run as an unprivileged user, or pass --allow-root"
    )]
    Root,
    #[error("no user named {0:?}")]
    NoUser(String),
    #[error("`user = {0:?}` needs logmon to be started as root")]
    NotRoot(String),
    #[error("{0}: {1}")]
    Failed(&'static str, io::Error),
}

fn failed(what: &'static str) -> impl FnOnce(nix::Error) -> HardenError {
    move |e| HardenError::Failed(what, e.into())
}

fn caps_failed(what: &'static str) -> impl FnOnce(caps::errors::CapsError) -> HardenError {
    move |e| HardenError::Failed(what, io::Error::other(e.to_string()))
}

/// Drops everything: switches to `user` if given, then empties every capability set.
pub fn drop_privileges(user: Option<&str>, allow_root: bool) -> Result<(), HardenError> {
    if let Some(name) = user {
        let user = User::from_name(name)
            .map_err(failed("looking up the user"))?
            .ok_or_else(|| HardenError::NoUser(name.to_string()))?;
        if !Uid::effective().is_root() {
            return Err(HardenError::NotRoot(name.to_string()));
        }
        drop_bounding_set()?;
        switch_user(&user)?;
    } else if Uid::effective().is_root() && !allow_root {
        return Err(HardenError::Root);
    }
    drop_bounding_set()?;
    for set in [
        CapSet::Ambient,
        CapSet::Inheritable,
        CapSet::Effective,
        CapSet::Permitted,
    ] {
        clear(set)?;
    }
    nix::sys::prctl::set_no_new_privs().map_err(failed("setting no_new_privs"))?;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    Ok(())
}

/// The bounding set can only shrink with CAP_SETPCAP; without it (an unprivileged
/// start) no_new_privs already keeps execve from gaining anything.
fn drop_bounding_set() -> Result<(), HardenError> {
    let bounding = caps::read(None, CapSet::Bounding).map_err(caps_failed("reading the bounding set"))?;
    if bounding.is_empty() || !caps::has_cap(None, CapSet::Effective, Capability::CAP_SETPCAP).unwrap_or(false) {
        return Ok(());
    }
    for cap in bounding {
        caps::drop(None, CapSet::Bounding, cap).map_err(caps_failed("dropping the bounding set"))?;
    }
    Ok(())
}

fn clear(set: CapSet) -> Result<(), HardenError> {
    let current = caps::read(None, set).map_err(caps_failed("reading capabilities"))?;
    if !current.is_empty() {
        caps::clear(None, set).map_err(caps_failed("clearing capabilities"))?;
    }
    Ok(())
}

/// setgroups, setgid, setuid in that order; then proves root cannot come back.
fn switch_user(user: &User) -> Result<(), HardenError> {
    let name = std::ffi::CString::new(user.name.as_str()).map_err(|e| HardenError::Failed("user name", e.into()))?;
    nix::unistd::initgroups(&name, user.gid).map_err(failed("setgroups"))?;
    nix::unistd::setgid(user.gid).map_err(failed("setgid"))?;
    nix::unistd::setuid(user.uid).map_err(failed("setuid"))?;
    if nix::unistd::setuid(Uid::from_raw(0)).is_ok() || nix::unistd::setgid(Gid::from_raw(0)).is_ok() {
        return Err(HardenError::Failed(
            "switching user",
            io::Error::other("root could be regained"),
        ));
    }
    log::info!("running as user {} (uid {}, gid {})", user.name, user.uid, user.gid);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_user_is_an_error() {
        let e = drop_privileges(Some("no-such-user-logmon"), false).unwrap_err();
        assert!(matches!(e, HardenError::NoUser(_)), "{e}");
    }
}
