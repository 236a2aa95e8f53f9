# The guest checks of build.sh: run inside python.wasm with `-c`; exits non-zero on a failure.
import asyncio
import datetime
import importlib
import sys

MODULES = """
    sqlite3 _sqlite3 bz2 _bz2 lzma _lzma zoneinfo asyncio ctypes ctypes.util mmap ssl
    http.client json re math datetime collections decimal zlib hashlib unicodedata random
    struct array binascii select _json _decimal pyexpat _datetime _struct _random _sha2
    _blake2 _md5 _sha1 _sha3 _bisect _heapq _pickle _csv _statistics itertools functools
    operator fractions statistics textwrap string io os sys time pathlib dataclasses typing
    enum base64 copy pprint traceback xml.etree.ElementTree
""".split()

bad = []
for name in MODULES:
    try:
        importlib.import_module(name)
    except Exception as e:
        bad.append(f"{name}: {e!r}")
if bad:
    sys.exit("\n".join(bad))

import bz2, ctypes, decimal, hashlib, http.client, json, lzma, sqlite3, ssl, zlib, zoneinfo

assert zlib.decompress(zlib.compress(b"x" * 1000)) == b"x" * 1000
assert hashlib.sha256(b"").hexdigest().startswith("e3b0c442")
assert str(decimal.Decimal(1) / decimal.Decimal(7))[:8] == "0.142857"
assert json.loads(json.dumps({"a": [1, 2.5, None]})) == {"a": [1, 2.5, None]}
db = sqlite3.connect(":memory:")
assert db.execute("select sum(value) from json_each(?)", ("[1, 2, 3]",)).fetchone() == (6,)
assert bz2.decompress(bz2.compress(b"y" * 1000)) == b"y" * 1000
assert lzma.decompress(lzma.compress(b"z" * 1000)) == b"z" * 1000
paris = datetime.datetime(2024, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
assert paris.utcoffset() == datetime.timedelta(hours=2), paris.utcoffset()


async def twice(x):
    await asyncio.sleep(0.001)
    return 2 * x


async def main():
    return await asyncio.wait_for(asyncio.gather(twice(1), twice(2)), 1)


assert asyncio.run(main()) == [2, 4]


async def without_threads():
    try:
        await asyncio.to_thread(print)
    except RuntimeError:
        return "no threads"


# ... and asyncio.run still ends cleanly after a thread failed to start.
assert asyncio.run(without_threads()) == "no threads"
assert ctypes.sizeof(ctypes.c_void_p) == 4 and ctypes.__sandbox_stand_in__
assert hasattr(http.client, "HTTPSConnection") and ssl.__sandbox_stand_in__
assert sys.prefix == "/usr/local", sys.prefix
print(f"{len(MODULES)} modules import; zlib, bz2, lzma, sqlite3, zoneinfo, asyncio work")
