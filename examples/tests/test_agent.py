"""examples/agent against a real runner-node and a scripted LLM: a small OpenAI-compatible chat
completions server on loopback that answers with fixed replies, in order, and records what the
agent sent."""

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AGENT = REPO / "examples/agent/agent.py"

# The first attempt forgets an import; the fix prints the number; then the answer.
BROKEN = "total = sum(p * p for p in range(2, 100) if all(p % d for d in range(2, isqrt(p) + 1)))\nprint(total)\n"
FIXED = "from math import isqrt\n" + BROKEN
ANSWER = sum(p * p for p in range(2, 100) if all(p % d for d in range(2, int(p**0.5) + 1)))


class ScriptedLLM:
    """Answers POST /v1/chat/completions with `replies`, one per request, and records requests."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = []  # (headers, body) of each chat request
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                llm.requests.append((self.headers, body))  # case-insensitive
                if self.path != "/v1/chat/completions" or not llm.replies:
                    self.send_error(404 if llm.replies else 500)
                    return
                content = llm.replies.pop(0)
                answer = json.dumps({
                    "id": f"chatcmpl-{len(llm.requests)}", "object": "chat.completion",
                    "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm():
    servers = []

    def start(*replies):
        servers.append(ScriptedLLM(replies))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def agent(runner, llm, *flags):
    return subprocess.run(
        [sys.executable, str(AGENT), "What is the sum of the squares of the primes below 100?",
         "--base-url", llm.base_url, "--model", "scripted-model", "--api-key", "test-key",
         "--runner-url", runner.url, *flags],
        capture_output=True, text=True, timeout=300,
    )


def test_agent_runs_code_feeds_back_the_error_and_answers(runner, llm):
    model = llm(
        f"Let me compute it.\n```python\n{BROKEN}```",
        f"I forgot the import.\n```python\n{FIXED}```",
        f"FINAL ANSWER: {ANSWER}",
    )
    result = agent(runner, model)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{ANSWER}\n"

    requests = [body for _, body in model.requests]
    assert len(requests) == 3
    headers = model.requests[0][0]
    assert headers["Authorization"] == "Bearer test-key"
    assert all(r["model"] == "scripted-model" for r in requests)
    # Each request carries the whole conversation so far.
    first, second, third = (r["messages"] for r in requests)
    assert [m["role"] for m in first] == ["system", "user"]
    assert "sum of the squares of the primes" in first[1]["content"]
    # The broken code really ran: its NameError comes back to the model.
    assert second[:2] == first and second[2]["role"] == "assistant"
    assert second[3]["role"] == "user"
    assert "status Error, outcome completed, exit code 1" in second[3]["content"]
    assert "NameError: name 'isqrt' is not defined" in second[3]["content"]
    # The fix ran and its output came back.
    assert third[:4] == second
    assert "status Ok, outcome completed, exit code 0" in third[5]["content"]
    assert f"\n{ANSWER}\n" in third[5]["content"]

    # What the user watches on stderr: the code and the outcome of each step.
    assert "[step 1] running:\n    total = sum(" in result.stderr
    assert "[step 1] Error (completed, exit code 1): NameError" in result.stderr
    assert f"[step 2] Ok (completed, exit code 0): {ANSWER}" in result.stderr


def test_a_reply_without_code_is_the_answer(runner, llm):
    model = llm("It is 65796.")
    result = agent(runner, model)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It is 65796.\n"
    assert len(model.requests) == 1


def test_agent_gives_up_at_the_step_limit(runner, llm):
    model = llm(*[f"```python\n{BROKEN}```"] * 2)
    result = agent(runner, model, "--max-steps", "2")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no answer after 2 steps" in result.stderr
    assert len(model.requests) == 2


def test_a_refused_run_is_reported_to_the_model(runner, llm):
    # 10 minutes is above the server's 60 s maximum: runner-node answers 422.
    model = llm(f"```python\n{FIXED}```", "FINAL ANSWER: gave up")
    result = agent(runner, model, "--timeout-ms", "600000")
    assert result.returncode == 0, result.stderr
    told = model.requests[1][1]["messages"][-1]["content"]
    assert told.startswith("The code could not be run: 422 limit_exceeded:"), told
    assert "runner-node refused the run: 422 limit_exceeded" in result.stderr


def test_an_unreachable_model_is_a_clear_error(runner):
    result = subprocess.run(
        [sys.executable, str(AGENT), "hi", "--base-url", "http://127.0.0.1:1/v1",
         "--model", "m", "--runner-url", runner.url],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    assert "the model API failed: Connection error" in result.stderr


def test_the_documented_client_is_the_tested_one():
    def pins(path):
        lines = (REPO / path).read_text().splitlines()
        return {line for line in lines if line.startswith("openai==")}

    assert pins("examples/agent/requirements.txt") == pins("scripts/requirements-test.txt") != set()
