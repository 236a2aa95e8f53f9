//! The standard library's modules that need more than CPython's own sources, used for real
//! through the server: sqlite3, bz2, lzma, zoneinfo's data, asyncio without sockets, and the
//! stand-ins (ctypes, mmap, ssl) that import but refuse what the sandbox cannot do. After the
//! programs that hit a refusal, a normal run still succeeds.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn sqlite3_joins_and_queries_a_file_database_under_work() {
    let server = TestServer::start().await;
    let res = server
        .run(
            "import sqlite3\n\
             db = sqlite3.connect('shop.db')\n\
             db.executescript('''\n\
             CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT);\n\
             CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, total REAL);\n\
             INSERT INTO customer VALUES (1, 'ada'), (2, 'bob');\n\
             INSERT INTO orders(customer, total) VALUES (1, 10.5), (1, 4.5), (2, 7);\n\
             ''')\n\
             db.commit(); db.close()\n\
             db = sqlite3.connect('shop.db')\n\
             rows = db.execute('SELECT c.name, SUM(o.total), COUNT(*) FROM customer c \
             JOIN orders o ON o.customer = c.id GROUP BY c.name ORDER BY c.name').fetchall()\n\
             print(rows)\n\
             mem = sqlite3.connect(':memory:')\n\
             print(mem.execute('SELECT sqlite_version() >= \"3\", json_extract(\\'{\"a\": [1, 2]}\\', \"$.a[1]\")').fetchone())\n\
             import os; print(os.path.getsize('shop.db') > 0)",
        )
        .await;
    assert_eq!(
        res["stdout"], "[('ada', 15.0, 2), ('bob', 7.0, 1)]\n(1, 2)\nTrue\n",
        "{res}"
    );
    // What SQLite was built without says so, rather than corrupting the file.
    let res = server
        .run(
            "import sqlite3\n\
             db = sqlite3.connect('x.db')\n\
             print(db.execute('PRAGMA journal_mode=WAL').fetchone()[0])\n\
             try:\n\
             \x20   db.enable_load_extension(True)\n\
             except (AttributeError, sqlite3.Error) as e:\n\
             \x20   print('no extensions')",
        )
        .await;
    assert_eq!(res["stdout"], "delete\nno extensions\n", "{res}");
}

#[tokio::test]
async fn bz2_and_lzma_round_trip() {
    let server = TestServer::start().await;
    let res = server
        .run(
            "import bz2, lzma\n\
             data = ('sandbox ' * 10000).encode()\n\
             for m in (bz2, lzma):\n\
             \x20   packed = m.compress(data)\n\
             \x20   assert m.decompress(packed) == data\n\
             \x20   print(m.__name__, len(packed) < len(data) // 50)\n\
             with lzma.open('a.xz', 'wt') as f: f.write('line\\n' * 3)\n\
             print(lzma.open('a.xz', 'rt').read().count('line'))\n\
             with bz2.open('a.bz2', 'wb') as f: f.write(b'x' * 1000)\n\
             print(len(bz2.open('a.bz2').read()))",
        )
        .await;
    assert_eq!(res["stdout"], "bz2 True\nlzma True\n3\n1000\n", "{res}");
}

#[tokio::test]
async fn zoneinfo_converts_between_time_zones() {
    let server = TestServer::start().await;
    let res = server
        .run(
            "from datetime import datetime\n\
             from zoneinfo import ZoneInfo\n\
             t = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo('Europe/Paris'))\n\
             print(t.astimezone(ZoneInfo('America/New_York')).isoformat())\n\
             print(datetime(2026, 1, 1, 12, tzinfo=ZoneInfo('Europe/Paris')).utcoffset())\n\
             import zoneinfo; print(len(zoneinfo.available_timezones()) > 400)",
        )
        .await;
    assert_eq!(
        res["stdout"], "2026-07-01T06:00:00-04:00\n1:00:00\nTrue\n",
        "{res}"
    );
}

#[tokio::test]
async fn asyncio_runs_tasks_queues_and_timeouts() {
    let server = TestServer::start().await;
    let res = server
        .run(
            "import asyncio\n\
             async def worker(name, queue, out):\n\
             \x20   while (item := await queue.get()) is not None:\n\
             \x20       await asyncio.sleep(0.01)\n\
             \x20       out.append((name, item * item))\n\
             async def slow():\n\
             \x20   await asyncio.sleep(10)\n\
             async def main():\n\
             \x20   queue, out = asyncio.Queue(), []\n\
             \x20   workers = [asyncio.create_task(worker(n, queue, out)) for n in 'ab']\n\
             \x20   for i in range(6): await queue.put(i)\n\
             \x20   for _ in workers: await queue.put(None)\n\
             \x20   await asyncio.gather(*workers)\n\
             \x20   print(sorted(v for _, v in out))\n\
             \x20   try:\n\
             \x20       await asyncio.wait_for(slow(), timeout=0.05)\n\
             \x20   except TimeoutError:\n\
             \x20       print('timed out')\n\
             \x20   try:\n\
             \x20       await asyncio.to_thread(print, 'never')\n\
             \x20   except RuntimeError as e:\n\
             \x20       print('no threads')\n\
             \x20   return 'done'\n\
             print(asyncio.run(main()))",
        )
        .await;
    assert_eq!(
        res["stdout"], "[0, 1, 4, 9, 16, 25]\ntimed out\nno threads\ndone\n",
        "{res}"
    );
}

#[tokio::test]
async fn asyncio_sleep_counts_toward_the_wall_time_limit() {
    let server = TestServer::start().await;
    let res = server
        .run_json(json!({
            "code": "import asyncio\nprint('start', flush=True)\nasyncio.run(asyncio.sleep(30))\nprint('end')",
            "timeout_ms": 500,
        }))
        .await;
    assert_eq!(res["outcome"], "timeout", "{res}");
    assert_eq!(res["stdout"], "start\n");
    assert_eq!(server.run("print('after')").await["stdout"], "after\n");
}

#[tokio::test]
async fn stand_ins_import_and_refuse_native_work_with_a_reason() {
    let server = TestServer::start().await;
    let res = server
        .run(
            "import ctypes, mmap, ssl\n\
             print(ctypes.sizeof(ctypes.c_int32), ctypes.sizeof(ctypes.c_double))\n\
             for call in (lambda: ctypes.CDLL('libc.so.6'), lambda: mmap.mmap(-1, 4096)):\n\
             \x20   try:\n\
             \x20       call()\n\
             \x20   except OSError as e:\n\
             \x20       print(type(e).__name__, 'native' in str(e))\n\
             import http.client, urllib.request\n\
             print(hasattr(http.client, 'HTTPSConnection'), hasattr(urllib.request, 'HTTPSHandler'))\n\
             print(all(m.__sandbox_stand_in__ for m in (ctypes, mmap, ssl)))",
        )
        .await;
    assert_eq!(
        res["stdout"], "4 8\nOSError True\nOSError True\nTrue True\nTrue\n",
        "{res}"
    );
    assert_eq!(server.run("print('after')").await["stdout"], "after\n");
}
