//! A run's `/work`: a private host folder made with the request's files before the run, read
//! for the files its request asked for after the run, and removed when dropped.
//!
//! Files are collected only after the guest has ended, so nothing can change under the walk.
//! Symbolic links are never followed: a link the program made (to `/usr/local/lib`, say) is
//! listed as omitted, so a run returns only bytes it wrote inside its own folder.

use std::fs::Metadata;
use std::path::Path;

use base64::Engine as _;
use runner_api::{Encoding, OmitReason, OmittedFile, OutputFile};
use tempfile::TempDir;

use crate::plan::Outputs;
use crate::record::Files;
use crate::{Error, Result};

/// Creates a private folder under `root` holding `files` (checked relative paths).
pub fn prepare(root: &Path, files: &[(String, Vec<u8>)]) -> Result<TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(root)
        .map_err(|e| Error::io(root, e))?;
    write_files(dir.path(), files)?;
    Ok(dir)
}

/// Writes `files` (checked relative paths) into `dir`, replacing files of the same name: a
/// session's `/work` between its runs. A name whose path holds a symbolic link or a file where
/// a folder should be (which the program may have made) is an `invalid_request` naming it,
/// never a write outside `dir`.
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    for (name, contents) in files {
        let mut path = dir.to_path_buf();
        let parts: Vec<&str> = name.split('/').collect();
        for (index, part) in parts.iter().enumerate() {
            path.push(part);
            let last = index + 1 == parts.len();
            match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(blocked(name, "passes through a symbolic link"));
                }
                Ok(meta) if !last && !meta.is_dir() => {
                    return Err(blocked(name, "is below a file, not a folder"));
                }
                Ok(meta) if last && !meta.is_file() => {
                    return Err(blocked(name, "is a folder or special file in /work"));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !last => {
                    std::fs::create_dir(&path).map_err(|e| Error::io(&path, e))?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        std::fs::write(&path, contents).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

fn blocked(name: &str, why: &str) -> Error {
    Error::InvalidRequest(format!("file name {name:?} {why}"))
}

/// The files under `dir` that `outputs` asks for, in path order, within its caps.
pub fn collect(dir: &Path, outputs: &Outputs) -> Result<Files> {
    let mut files = Files::default();
    let mut bytes_left = outputs.max_bytes;
    let walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walk {
        let entry = entry.map_err(|e| Error::io(dir, e.into()))?;
        let Some(path) = relative(dir, entry.path()) else {
            continue;
        };
        if entry.file_type().is_dir() || !outputs.matches(&path) {
            continue;
        }
        let meta = entry
            .metadata()
            .map_err(|e| Error::io(entry.path(), e.into()))?;
        let size = meta.len();
        let omit = |reason| OmittedFile {
            path: path.clone(),
            size,
            reason,
        };
        match omission(&meta, size, files.returned.len(), outputs, bytes_left) {
            Some(reason) => files.omitted.push(omit(reason)),
            None => {
                let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
                bytes_left -= bytes.len() as u64;
                files.returned.push(encode(path, bytes));
            }
        }
    }
    Ok(files)
}

/// Why a matched entry is not returned, if it is not.
fn omission(
    meta: &Metadata,
    size: u64,
    returned: usize,
    outputs: &Outputs,
    bytes_left: u64,
) -> Option<OmitReason> {
    if meta.file_type().is_symlink() {
        Some(OmitReason::Symlink)
    } else if !meta.is_file() {
        Some(OmitReason::NotARegularFile)
    } else if returned >= outputs.max_files {
        Some(OmitReason::CountLimit)
    } else if size > bytes_left {
        Some(OmitReason::BytesLimit)
    } else {
        None
    }
}

/// `path` relative to `dir`, `/`-separated, when it is valid UTF-8 (a name that is not cannot
/// be named in a pattern or in JSON, so it is skipped).
fn relative(dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?.to_str()?;
    Some(rel.to_string())
}

/// A returned file: its text when the bytes are UTF-8, else base64.
fn encode(path: String, bytes: Vec<u8>) -> OutputFile {
    let size = bytes.len() as u64;
    match String::from_utf8(bytes) {
        Ok(content) => OutputFile {
            path,
            size,
            encoding: Encoding::Utf8,
            content,
        },
        Err(err) => OutputFile {
            path,
            size,
            encoding: Encoding::Base64,
            content: base64::engine::general_purpose::STANDARD.encode(err.as_bytes()),
        },
    }
}

#[cfg(test)]
mod tests {
    use runner_api::RunRequest;
    use runner_api::policy::SandboxPolicy;

    use super::*;
    use crate::plan::RunPlan;

    fn outputs(patterns: &[&str], max_files: u32, max_bytes: u64) -> Outputs {
        let mut policy = SandboxPolicy::default();
        policy.limits.max_output_files = max_files;
        policy.limits.max_output_files_bytes = max_bytes;
        let mut request = RunRequest::new("");
        request.outputs = patterns.iter().map(|p| p.to_string()).collect();
        RunPlan::new(request, &policy, 0).unwrap().outputs.unwrap()
    }

    fn work(files: &[(&str, &[u8])]) -> TempDir {
        let files: Vec<_> = files
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        prepare(&std::env::temp_dir(), &files).unwrap()
    }

    fn paths<T>(list: &[T], path: impl Fn(&T) -> &str) -> Vec<String> {
        list.iter().map(|f| path(f).to_string()).collect()
    }

    #[test]
    fn files_replace_files_between_runs_but_never_follow_a_link_out() {
        let dir = work(&[("a.txt", b"old"), ("d/b", b"x")]);
        let file = |name: &str, bytes: &[u8]| (name.to_string(), bytes.to_vec());
        write_files(dir.path(), &[file("a.txt", b"new"), file("d/e/c", b"y")]).unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"new");
        assert_eq!(std::fs::read(dir.path().join("d/e/c")).unwrap(), b"y");

        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("f"), dir.path().join("flink")).unwrap();
        for (name, why) in [
            ("link/x", "symbolic link"),
            ("flink", "symbolic link"),
            ("a.txt/x", "below a file"),
            ("d", "folder or special file"),
        ] {
            let err = write_files(dir.path(), &[file(name, b"z")]).unwrap_err();
            assert!(matches!(err, Error::InvalidRequest(_)), "{name}: {err}");
            assert!(err.to_string().contains(why), "{name}: {err}");
        }
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn matched_files_come_back_as_text_or_base64() {
        let dir = work(&[("a.txt", b"hi"), ("b.bin", &[0, 255]), ("c.log", b"no")]);
        let files = collect(dir.path(), &outputs(&["*.txt", "*.bin"], 10, 100)).unwrap();
        assert_eq!(
            files.returned,
            [
                OutputFile {
                    path: "a.txt".into(),
                    size: 2,
                    encoding: Encoding::Utf8,
                    content: "hi".into()
                },
                OutputFile {
                    path: "b.bin".into(),
                    size: 2,
                    encoding: Encoding::Base64,
                    content: "AP8=".into()
                },
            ]
        );
        assert!(files.omitted.is_empty());
    }

    #[test]
    fn caps_on_count_and_bytes_list_the_rest_as_omitted() {
        let dir = work(&[
            ("a", b"1234"),
            ("b", b"12345678"),
            ("c", b"12"),
            ("d", b"1"),
        ]);
        let files = collect(dir.path(), &outputs(&["*"], 2, 7)).unwrap();
        assert_eq!(paths(&files.returned, |f| &f.path), ["a", "c"]);
        let omitted: Vec<_> = files
            .omitted
            .iter()
            .map(|f| (f.path.as_str(), f.size, f.reason))
            .collect();
        assert_eq!(
            omitted,
            [
                ("b", 8, OmitReason::BytesLimit),
                ("d", 1, OmitReason::CountLimit)
            ]
        );
    }

    #[test]
    fn double_star_reaches_any_depth_and_links_are_not_followed() {
        let dir = work(&[("out/a/b.csv", b"x"), ("top.csv", b"y")]);
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("out/passwd.csv")).unwrap();
        let files = collect(dir.path(), &outputs(&["out/**/*.csv"], 10, 100)).unwrap();
        assert_eq!(paths(&files.returned, |f| &f.path), ["out/a/b.csv"]);
        assert_eq!(files.omitted[0].path, "out/passwd.csv");
        assert_eq!(files.omitted[0].reason, OmitReason::Symlink);
    }
}
