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
    for (name, contents) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, contents).map_err(|e| Error::io(&path, e))?;
    }
    Ok(dir)
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
