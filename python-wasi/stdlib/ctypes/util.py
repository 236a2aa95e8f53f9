"""Stand-in for ctypes.util: the sandbox has no native libraries to find."""

__sandbox_stand_in__ = True


def find_library(name):
    return None
