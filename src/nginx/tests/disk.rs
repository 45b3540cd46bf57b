//! `read` on real files: the missing main file, and includes taken from its directory.

use crate::nginx::read;
use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

#[test]
fn a_missing_main_file_means_no_nginx() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = read(&dir.path().join("nginx.conf")).unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert!(e.to_string().contains("nginx.conf: cannot read: "), "{e}");
    let e = read(dir.path()).unwrap_err();
    assert!(!e.is_not_found(), "a directory is not a missing file: {e}");
}

#[test]
fn includes_are_read_from_the_main_files_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let main = "http {
    include conf.d/*.conf;
    include none.d/*.conf;
    include sites-enabled/default;
    include missing.conf;
}";
    write(d, "nginx.conf", main);
    write(d, "conf.d/b.conf", "access_log /var/log/b.log main;");
    write(
        d,
        "conf.d/a.conf",
        "log_format main '$request';\naccess_log /var/log/a.log;",
    );
    write(d, "conf.d/.hidden.conf", "access_log /var/log/hidden.log;");
    write(d, "conf.d/c.conf.bak", "access_log /var/log/bak.log;");
    write(
        d,
        "sites-enabled/default",
        "server {\n  access_log /var/log/site.log;\n}",
    );
    let c = read(&d.join("nginx.conf")).unwrap_or_else(|e| panic!("{e}"));
    let logs: Vec<_> = c
        .access_logs
        .iter()
        .map(|l| (l.path.to_str().unwrap(), l.line))
        .collect();
    assert_eq!(
        logs,
        [("/var/log/a.log", 2), ("/var/log/b.log", 1), ("/var/log/site.log", 2)]
    );
    assert_eq!(c.access_logs[2].file, d.join("sites-enabled/default"));
    assert_eq!(c.formats["main"].file, d.join("conf.d/a.conf"));
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    let missing = d.join("missing.conf");
    assert!(
        c.warnings[0].contains(&format!("line 5: cannot read {}", missing.display())),
        "{:?}",
        c.warnings
    );
}
