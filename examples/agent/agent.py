#!/usr/bin/env python3
"""An agent that answers a question by writing Python, running it in a runner-node sandbox and
reading what happened, until it has the answer.

    python agent.py "What is the 30th Fibonacci number?"

Each step asks an LLM (any OpenAI-compatible chat completions API: OpenAI, vLLM, Ollama, ...)
for a reply. A reply with a ```python block is run through runner-node's POST /run and the
outcome, exit code and output go back to the model as the next message; a reply without code
(or starting with FINAL ANSWER:) is the answer. The loop stops there or after --max-steps.

Progress (the code and what each run printed) goes to stderr, the answer to stdout. Exit
status: 0 answered, 1 no answer within the step limit, 2 a usage or connection error.
"""

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request

from openai import OpenAI, OpenAIError

SYSTEM_PROMPT = """\
You answer the user's question by writing Python 3.13 and reading what it prints.
To run code, reply with exactly one ```python code block; print whatever you need to see.
The code runs in a sandbox: standard library only, no network, no host files, a time and
memory limit. You will be told its output and errors; fix the code and try again if needed.
When you know the answer, reply with a line `FINAL ANSWER: <answer>` and no code."""

# Most characters of program output sent back to the model: long output costs tokens and
# rarely helps; the end (where tracebacks are) is kept.
MAX_FEEDBACK_CHARS = 4000

CODE_BLOCK = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.DOTALL)
FINAL_ANSWER = re.compile(r"^\s*FINAL ANSWER:\s*(.*)", re.DOTALL | re.MULTILINE)


def parse_args(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", help="the question or task, in plain words")
    p.add_argument("--base-url", default=env("OPENAI_BASE_URL"),
                   help="chat completions API, e.g. http://localhost:11434/v1 for Ollama, "
                        "http://localhost:8000/v1 for vLLM (env OPENAI_BASE_URL; default: OpenAI)")
    p.add_argument("--model", default=env("AGENT_MODEL"),
                   help="model name, e.g. gpt-4o-mini or qwen2.5-coder (env AGENT_MODEL)")
    p.add_argument("--api-key", default=env("OPENAI_API_KEY"),
                   help="API key (env OPENAI_API_KEY); local servers usually need none")
    p.add_argument("--runner-url", default=env("RUNNER_URL", "http://localhost:3000"),
                   help="runner-node to run code on (env RUNNER_URL; default %(default)s)")
    p.add_argument("--runner-token", default=env("RUNNER_AUTH_TOKEN"),
                   help="bearer token, when runner-node requires one (env RUNNER_AUTH_TOKEN)")
    p.add_argument("--max-steps", type=int, default=5,
                   help="most model replies before giving up (default %(default)s)")
    p.add_argument("--timeout-ms", type=int,
                   help="time limit of each run (default: the server's)")
    args = p.parse_args(argv)
    if not args.model:
        p.error("name a model with --model or AGENT_MODEL")
    if args.max_steps < 1:
        p.error("--max-steps must be at least 1")
    return args


class RunnerError(Exception):
    """runner-node refused the request or could not be reached."""


def run_code(args, code):
    """POSTs `code` to runner-node's /run; returns the answer as a dict."""
    request = {"code": code}
    if args.timeout_ms:
        request["timeout_ms"] = args.timeout_ms
    headers = {"Content-Type": "application/json"}
    if args.runner_token:
        headers["Authorization"] = f"Bearer {args.runner_token}"
    http = urllib.request.Request(f"{args.runner_url.rstrip('/')}/run",
                                  data=json.dumps(request).encode(), headers=headers)
    try:
        # The run's own limit bounds it; this only guards against a server that hangs.
        with urllib.request.urlopen(http, timeout=120) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        body = e.read().decode(errors="replace")
        try:
            error = json.loads(body)["error"]
            raise RunnerError(f"{e.code} {error['code']}: {error['message']}") from None
        except (ValueError, KeyError, TypeError):
            raise RunnerError(f"{e.code}: {body[:200]}") from None
    except (urllib.error.URLError, OSError) as e:
        raise RunnerError(f"cannot reach runner-node at {args.runner_url}: {e}") from None


def feedback(answer):
    """The message that tells the model what its code did."""
    output = answer["res"]["output"]
    if len(output) > MAX_FEEDBACK_CHARS:
        output = "[... earlier output cut ...]\n" + output[-MAX_FEEDBACK_CHARS:]
    exit_code = answer["exit_code"]
    return (
        f"The code ran: status {answer['res']['status']}, outcome {answer['outcome']}, "
        f"exit code {'none' if exit_code is None else exit_code}.\n"
        f"Output (stdout and stderr):\n```\n{output}```\n"
        "If this answers the question, reply FINAL ANSWER: <answer>. Otherwise reply with "
        "corrected code."
    )


def last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def log(message):
    print(message, file=sys.stderr, flush=True)


def solve(args, client):
    """Runs the loop; returns the answer, or None when the step limit came first."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": args.task}]
    for step in range(1, args.max_steps + 1):
        completion = client.chat.completions.create(model=args.model, messages=messages)
        reply = completion.choices[0].message.content or ""
        messages.append({"role": "assistant", "content": reply})

        final = FINAL_ANSWER.search(reply)
        code = CODE_BLOCK.search(reply)
        if final or not code:
            return (final.group(1) if final else reply).strip()

        source = code.group(1)
        log(f"[step {step}] running:\n" + "".join(f"    {line}\n" for line in source.splitlines()))
        try:
            answer = run_code(args, source)
        except RunnerError as e:
            log(f"[step {step}] runner-node refused the run: {e}")
            messages.append({"role": "user", "content": f"The code could not be run: {e}"})
            continue
        log(f"[step {step}] {answer['res']['status']} ({answer['outcome']}, exit code "
            f"{answer['exit_code']}): {last_line(answer['res']['output'])}")
        messages.append({"role": "user", "content": feedback(answer)})
    return None


def main(argv=None):
    args = parse_args(argv)
    # OpenAI's client insists on a key; Ollama and vLLM ignore it.
    client = OpenAI(base_url=args.base_url, api_key=args.api_key or "unused")
    try:
        answer = solve(args, client)
    except OpenAIError as e:
        log(f"the model API failed: {e}")
        return 2
    if answer is None:
        log(f"no answer after {args.max_steps} steps")
        return 1
    print(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
