//! Checks of a request's `files` before the run is admitted, so that every file the server will
//! write into `/work` can be written: a bad name is a 400 and too many bytes a 422, never a host
//! error (500) halfway through preparing the working directory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

use crate::{Error, Result};

/// Longest file-name component most filesystems store (`NAME_MAX`).
const MAX_COMPONENT_BYTES: usize = 255;
/// Longest relative path accepted, well under `PATH_MAX` once joined to the scratch folder.
const MAX_PATH_BYTES: usize = 1024;

/// Checks every name and the total size of `files` against `quota` bytes.
pub fn check(files: &BTreeMap<String, String>, quota: u64) -> Result<()> {
    let mut written = BTreeSet::new();
    let mut folders = BTreeSet::new();
    for name in files.keys() {
        let parts = components(name)?;
        for end in 1..parts.len() {
            folders.insert(parts[..end].join("/"));
        }
        if !written.insert(parts.join("/")) {
            return Err(invalid(name, "names the same file as another entry"));
        }
    }
    if let Some(both) = written.intersection(&folders).next() {
        return Err(Error::InvalidRequest(format!(
            "files: {both:?} is both a file and the folder of another file"
        )));
    }
    let total: u64 = files.values().map(|text| text.len() as u64).sum();
    if total > quota {
        return Err(Error::LimitExceeded(format!(
            "files hold {total} bytes, more than this server's scratch quota of {quota} bytes"
        )));
    }
    Ok(())
}

/// The normal components of a relative path inside `/work`.
fn components(name: &str) -> Result<Vec<&str>> {
    if name.len() > MAX_PATH_BYTES {
        return Err(invalid(
            name,
            &format!("is longer than {MAX_PATH_BYTES} bytes"),
        ));
    }
    if name.contains('\0') {
        return Err(invalid(name, "contains a NUL byte"));
    }
    let mut parts = Vec::new();
    for component in Path::new(name).components() {
        match component {
            Component::CurDir => {}
            Component::Normal(part) => {
                let part = part.to_str().unwrap_or_default();
                if part.len() > MAX_COMPONENT_BYTES {
                    return Err(invalid(
                        name,
                        &format!("has a part longer than {MAX_COMPONENT_BYTES} bytes"),
                    ));
                }
                parts.push(part);
            }
            _ => {
                return Err(invalid(
                    name,
                    "must be a relative path inside /work without '..'",
                ));
            }
        }
    }
    if parts.is_empty() {
        return Err(invalid(name, "names no file"));
    }
    Ok(parts)
}

fn invalid(name: &str, why: &str) -> Error {
    let shown: String = name.chars().take(80).collect();
    Error::InvalidRequest(format!("file name {shown:?} {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> BTreeMap<String, String> {
        names.iter().map(|n| (n.to_string(), "x".into())).collect()
    }

    #[test]
    fn names_stay_inside_work_and_fit_the_filesystem() {
        check(&files(&["a.txt", "dir/b.txt", "./c", "dir/sub/d"]), 100).unwrap();
        let long = "a".repeat(256);
        for bad in ["", ".", "/etc/passwd", "../x", "a/../../x", "a\0b", &long] {
            let err = check(&files(&[bad]), 100).unwrap_err();
            assert!(matches!(err, Error::InvalidRequest(_)), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_file_cannot_also_be_a_folder_or_repeat() {
        let err = check(&files(&["a", "a/b"]), 100).unwrap_err().to_string();
        assert!(err.contains("both a file and the folder"), "{err}");
        let err = check(&files(&["a", "./a"]), 100).unwrap_err().to_string();
        assert!(err.contains("same file"), "{err}");
    }

    #[test]
    fn total_size_is_bounded_by_the_quota() {
        let big: BTreeMap<_, _> = [("a".to_string(), "x".repeat(11))].into();
        assert!(matches!(check(&big, 10), Err(Error::LimitExceeded(_))));
        check(&big, 11).unwrap();
    }
}
