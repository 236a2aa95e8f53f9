"""Each script in examples/ against a real runner-node: it exits 0 and prints what it promises."""

import json


def test_hello(example):
    answer = json.loads(example("hello.sh"))
    assert answer["res"] == {"status": "Ok", "output": "hello world\n"}
    assert answer["outcome"] == "completed"
    assert answer["exit_code"] == 0


def test_fib(example):
    out = example("fib.sh")
    assert "[0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]" in out
    assert "fib(25) = 75025" in out


def test_bubble(example):
    assert "sorted: True" in example("bubble.sh")


def test_list_files_shows_only_the_grants(example):
    out = example("list_files.sh")
    assert r"/usr/local/lib -> ['python3.13']" in out
    assert r"/work -> []" in out
    for hidden in ["/", "/etc", "/proc", "/root"]:
        assert rf"{hidden} -> FileNotFoundError No such file or directory\n" in out, hidden


def test_fail_case_reports_the_network_error(example, runner):
    lines = example("fail_case.sh").splitlines()
    assert lines[:2] == ['"Error"', '"completed"']
    assert "Error" in lines[2]
    # The server carries on.
    assert json.loads(example("hello.sh"))["res"]["status"] == "Ok"


def test_sys_facts(example):
    out = example("sys.sh")
    assert "version: 3.13" in out
    assert "platform: wasi" in out
    assert r"argv: ['-c']" in out
    assert r"cwd: /work" in out


def test_stdin_and_files_reach_the_program(example):
    out = example("stdin_files.sh").splitlines()
    assert out[:2] == ["hello alice (from stdin)", "hello bob (from stdin)"]
    assert "items: ['apple', 'pear', 'plum'] total: 10" in out
    assert "notes/hello.txt: files can live in folders too" in out
    assert "cwd: /work holds ['notes', 'prices.csv']" in out


def test_timeout_stops_the_run_and_keeps_its_output(example):
    answer = json.loads(example("timeout.sh"))
    assert answer == {
        "outcome": "timeout", "exit_code": None, "status": "Error", "output": "working...\n",
    }


def test_memory_limit_ends_the_run_with_memory_error(example):
    lines = example("memory_limit.sh").splitlines()
    assert lines[:2] == ['"memory_limit"', '"Error"'], lines
    assert lines[2].startswith('"holding ') and lines[2].endswith(' MiB"'), lines
    # 64 MiB asked for: the program got some memory, never all of it.
    held = int(lines[2].split()[1])
    assert 0 < held < 64, lines
    assert "MemoryError" in lines[3], lines


def test_files_go_in_and_come_back(example):
    lines = example("files.sh").splitlines()
    # The PNG signature sent as base64 comes back with two zero bytes appended.
    assert lines[0] == "chart.bin base64 10 bytes: iVBORw0KGgoAAA==", lines
    assert lines[1] == "report/totals.txt utf-8 19 bytes: north=165", lines
    assert lines[2:] == ["south=80", ""], lines
