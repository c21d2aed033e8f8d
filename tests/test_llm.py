"""The optional generative backend against a real OpenAI-compatible server on 127.0.0.1.

Good, grounded replies are shown; a sentence that its cited source does not support rejects the
reply (the extractive result stays); a slow or absent endpoint never holds the reader up.
"""

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_nlp_summarize import story

from broadsheet.llm.client import Generator, LLMSettings, completions_url
from broadsheet.llm.grounding import check_grounded, phrase_answer, phrase_summary
from broadsheet.nlp.summarize import summarize_story


class ChatServer:
    """A minimal chat-completions endpoint whose behaviour the test picks (`mode`)."""

    def __init__(self) -> None:
        self.mode, self.delay, self.requests = "grounded", 0.0, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((self.path, dict(self.headers), body))
                time.sleep(server.delay)
                if server.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                reply = json.dumps({"choices": [{"message": {"role": "assistant", "content": server.reply(body)}}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reply(self, body: dict) -> str:
        sources = re.findall(r"^\[(\d+)\] \([^)]*\) (.+)$", body["messages"][-1]["content"], re.MULTILINE)
        if self.mode == "grounded":  # a light rewording of the first two sources, cited
            first = sources[0][1].rstrip(".")
            second = sources[1][1].rstrip(".") if len(sources) > 1 else first
            last = len(sources[:2])
            return f"In short, {first[0].lower()}{first[1:]} [1]. Also, {second[0].lower()}{second[1:]}. [{last}]"
        return "The bridge will be demolished next year at a cost of 50 million crowns [1]."

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat():
    server = ChatServer()
    yield server
    server.close()


def sources():
    return summarize_story(story(), 100).sentences


def test_grounded_summary_is_accepted_with_citations(chat):
    generator = Generator(LLMSettings(chat.url, model="tiny", key="sk-test", timeout=5))
    grounded = phrase_summary(generator, sources(), 100)
    assert grounded is not None and grounded.text.startswith("In short,")
    assert all(s.citations for s in grounded.sentences)
    assert grounded.sentences[0].citations[0] == sources()[0]
    path, headers, body = chat.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer sk-test" and body["model"] == "tiny"
    assert phrase_summary(generator, sources(), 100) is not None and len(chat.requests) == 1  # cached
    generator.close()


def test_ungrounded_reply_is_rejected(chat):
    chat.mode = "invented"
    generator = Generator(LLMSettings(chat.url, timeout=5))
    assert phrase_summary(generator, sources(), 100) is None
    assert phrase_answer(generator, "What happens to the bridge?", sources()[:2]) is None
    generator.close()


def test_grounding_check_rules():
    cited = sources()
    assert check_grounded(f"{cited[0].text} [1]", cited) is not None
    assert check_grounded(cited[0].text, cited) is None  # no citation
    assert check_grounded(f"{cited[0].text} [99]", cited) is None  # citation of nothing
    assert check_grounded("Freya Lindahl resigned on Friday [1].", cited) is None  # a name its source lacks


def test_slow_endpoint_falls_back_without_delay(chat):
    chat.delay = 120.0
    generator = Generator(LLMSettings(chat.url, timeout=0.3))
    started = time.monotonic()
    assert phrase_summary(generator, sources(), 100) is None
    assert time.monotonic() - started < 60  # fell back long before the endpoint would have answered
    asked = len(chat.requests)
    assert phrase_summary(generator, sources()[:3], 60) is None
    assert len(chat.requests) == asked  # the endpoint is now skipped: not even asked
    generator.close()


def test_down_endpoint_falls_back_at_once():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the socket is closed
    generator = Generator(LLMSettings(f"http://127.0.0.1:{port}", timeout=60))
    started = time.monotonic()
    assert phrase_summary(generator, sources(), 100) is None
    assert time.monotonic() - started < 30  # refused at once: never waits for the 60 s timeout
    generator.close()


def test_error_status_falls_back(chat):
    chat.mode = "error"
    generator = Generator(LLMSettings(chat.url, timeout=2))
    assert phrase_summary(generator, sources(), 100) is None
    generator.close()


def test_completions_url():
    assert completions_url("http://h/v1/") == "http://h/v1/chat/completions"
    assert completions_url("http://h/v1/chat/completions") == "http://h/v1/chat/completions"
