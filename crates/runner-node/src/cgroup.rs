//! What the kernel lets this process use: the memory limit of its cgroup (v2), and its own
//! resident memory. Read once at start, for the memory budget of runs ([`crate::admission`]).

use std::path::Path;

/// The memory limit in bytes of the cgroup this process runs in, the smallest limit of it and
/// its ancestors (a container's limit, in Kubernetes); `None` when there is none. cgroup v2
/// (`memory.max`) first, else v1's memory controller (`memory.limit_in_bytes`).
pub fn memory_limit() -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    memory_limit_under(Path::new("/sys/fs/cgroup"), &own)
}

/// [`memory_limit`] with the hierarchies mounted under `root` and `/proc/self/cgroup`'s text
/// `own`.
fn memory_limit_under(root: &Path, own: &str) -> Option<u64> {
    // v2 has one line, `0::/path` (`/` inside a container with its own namespace); v1 a line
    // per hierarchy, `4:memory:/path`.
    let v2 = own.lines().find_map(|line| line.strip_prefix("0::"));
    let v1 = own.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let controllers = parts.nth(1)?;
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then(|| parts.next())
            .flatten()
    });
    v2.and_then(|path| smallest(root, path, "memory.max"))
        .or_else(|| {
            v1.and_then(|path| smallest(&root.join("memory"), path, "memory.limit_in_bytes"))
        })
}

/// The smallest limit in `file` of the cgroup at `path` under `root` and its ancestors.
fn smallest(root: &Path, path: &str, file: &str) -> Option<u64> {
    // v1 writes "no limit" as the largest page-aligned i64.
    const UNLIMITED: u64 = 1 << 62;
    let mut limit: Option<u64> = None;
    let mut dir = root.join(path.trim().trim_start_matches('/'));
    loop {
        let value = std::fs::read_to_string(dir.join(file)).ok();
        let bytes = value.and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(bytes) = bytes.filter(|b| *b < UNLIMITED) {
            limit = Some(limit.map_or(bytes, |l| l.min(bytes)));
        }
        if dir == root || !dir.pop() || !dir.starts_with(root) {
            return limit;
        }
    }
}

/// This process's resident memory in bytes (`VmRSS`), if the kernel says.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_limit_of_the_cgroup_and_its_ancestors_applies() {
        let root = tempfile::tempdir().unwrap();
        let pod = root.path().join("kubepods/pod1");
        let container = pod.join("runner");
        std::fs::create_dir_all(&container).unwrap();
        std::fs::write(root.path().join("kubepods/memory.max"), "max\n").unwrap();
        std::fs::write(pod.join("memory.max"), "1073741824\n").unwrap();
        std::fs::write(container.join("memory.max"), "2147483648\n").unwrap();
        let own = "0::/kubepods/pod1/runner\n";
        assert_eq!(memory_limit_under(root.path(), own), Some(1 << 30));
        // Unlimited all the way up, or not cgroup v2: no limit.
        std::fs::write(pod.join("memory.max"), "max\n").unwrap();
        std::fs::write(container.join("memory.max"), "max\n").unwrap();
        assert_eq!(memory_limit_under(root.path(), own), None);
        assert_eq!(memory_limit_under(root.path(), "4:memory:/x\n"), None);
        // Inside a container's own namespace the cgroup is the root of what it sees.
        std::fs::write(root.path().join("memory.max"), "536870912\n").unwrap();
        assert_eq!(memory_limit_under(root.path(), "0::/\n"), Some(512 << 20));
    }

    #[test]
    fn cgroup_v1_memory_limits_are_read_too() {
        let root = tempfile::tempdir().unwrap();
        let memory = root.path().join("memory");
        let pod = memory.join("kubepods/pod1");
        std::fs::create_dir_all(&pod).unwrap();
        std::fs::write(
            memory.join("memory.limit_in_bytes"),
            "9223372036854771712\n",
        )
        .unwrap();
        std::fs::write(pod.join("memory.limit_in_bytes"), "268435456\n").unwrap();
        let own = "5:cpu,cpuacct:/kubepods/pod1\n4:memory:/kubepods/pod1\n0::/\n";
        assert_eq!(memory_limit_under(root.path(), own), Some(256 << 20));
        std::fs::write(pod.join("memory.limit_in_bytes"), "9223372036854771712\n").unwrap();
        assert_eq!(memory_limit_under(root.path(), own), None);
    }

    #[test]
    fn this_process_has_resident_memory() {
        assert!(resident_bytes().is_some_and(|bytes| bytes > 1 << 20));
    }
}
