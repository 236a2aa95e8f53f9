"""Stand-in for the mmap module: the sandbox maps no files into memory.

Packages import mmap at top level (pandas does), so the module and its constants exist;
creating a mapping raises OSError.
"""

import errno as _errno

__sandbox_stand_in__ = True

PAGESIZE = ALLOCATIONGRANULARITY = 65536  # a WebAssembly page
ACCESS_DEFAULT, ACCESS_READ, ACCESS_WRITE, ACCESS_COPY = 0, 1, 2, 3
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS = 1, 2, 32
MAP_ANON = MAP_ANONYMOUS
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED = 0, 1, 2, 3, 4

error = OSError


class mmap:
    """Always raises OSError: the sandbox has no native memory mapping."""

    def __new__(cls, *args, **kwargs):
        raise OSError(
            _errno.ENOTSUP,
            "mmap is not available: the sandbox has no native libraries or memory mapping "
            "(read the file instead)",
        )
