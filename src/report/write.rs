//! Writing report files: every report is written to a temporary file beside its target and
//! renamed over it, so a crash or a full disk never leaves a half-written report; and every
//! report path is checked before the run sends anything.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a report path cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: it is a directory")]
    IsDirectory { path: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path, source: std::io::Error) -> WriteError {
    WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The temporary file a report is written to before it is renamed: same directory (so the
/// rename cannot cross file systems), hidden, named after the process.
fn temporary(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Checks that a report can be written at `path` (its directory exists and takes a new file,
/// and the path is not a directory), leaving nothing behind.
pub fn check_writable(path: &Path) -> Result<(), WriteError> {
    if path.is_dir() {
        return Err(WriteError::IsDirectory {
            path: path.display().to_string(),
        });
    }
    let probe = temporary(path);
    std::fs::File::create(&probe).map_err(|e| io(path, e))?;
    std::fs::remove_file(&probe).map_err(|e| io(path, e))
}

/// Writes `contents` to `path` atomically: a reader sees the old file or the whole new one.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), WriteError> {
    if path.is_dir() {
        return Err(WriteError::IsDirectory {
            path: path.display().to_string(),
        });
    }
    let tmp = temporary(path);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(contents.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(test: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dcrcheck-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    #[test]
    fn a_report_replaces_the_old_one_whole_and_leaves_no_temporary_file() {
        let d = dir("atomic");
        let path = d.join("report.json");
        std::fs::write(&path, "old").expect("seed");
        write_atomically(&path, "{\"new\":true}").expect("write");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"new\":true}"
        );
        let left: Vec<_> = std::fs::read_dir(&d)
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&d).expect("clean");
    }

    #[test]
    fn unusable_paths_are_refused_before_anything_is_written() {
        let d = dir("unusable");
        assert!(matches!(
            check_writable(&d),
            Err(WriteError::IsDirectory { .. })
        ));
        let missing = d.join("no-such-dir").join("r.json");
        let err = check_writable(&missing).expect_err("missing directory");
        assert!(err.to_string().starts_with("cannot write "), "{err}");
        assert!(!missing.exists());
        let fine = d.join("r.json");
        check_writable(&fine).expect("writable");
        assert!(!fine.exists(), "the check leaves nothing behind");
        std::fs::remove_dir_all(&d).expect("clean");
    }
}
