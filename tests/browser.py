"""A headless Chromium driven over the DevTools protocol, with nothing but the standard library.

Enough of the protocol to open a page, watch its console and its network requests, run script
in it and take screenshots: a WebSocket client (RFC 6455, text frames) and a call that waits for
its answer while keeping the events that arrive meanwhile.

Run as a script, it takes the screenshots of a page that docs/ shows:
`python tests/browser.py PAGE OUT-PREFIX` writes OUT-PREFIX-desktop.png (1280 pixels wide),
OUT-PREFIX-phone.png (390) and OUT-PREFIX-interaction.png (the lowest score, opened).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
START_TIMEOUT = 30.0
CALL_TIMEOUT = 30.0


def find_browser() -> str | None:
    """The Chromium on this machine (`CS_SCORE_CHROMIUM` names one), or None."""
    named = os.environ.get("CS_SCORE_CHROMIUM")
    if named:
        return named
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


class WebSocket:
    """A client WebSocket for text messages (what the DevTools protocol speaks)."""

    def __init__(self, url: str, timeout: float = CALL_TIMEOUT) -> None:
        assert url.startswith("ws://"), url
        host_port, _, path = url[len("ws://") :].partition("/")
        host, _, port = host_port.partition(":")
        self.sock = socket.create_connection((host, int(port or 80)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection during the handshake")
            answer += chunk
        head, _, self._buffer = answer.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"no WebSocket upgrade: {head[:200]!r}")

    def _read(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self.sock.recv(max(65536, count - len(self._buffer)))
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        size = len(payload)
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode("utf-8"))

    def receive(self) -> str:
        """The next text message (fragments joined; pings answered)."""
        message = b""
        while True:
            first, second = self._read(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._read(2))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._read(8))
            mask = self._read(4) if second & 0x80 else b""
            payload = self._read(size)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("the browser closed the connection")
            message += payload
            if first & 0x80:
                return message.decode("utf-8")

    def close(self) -> None:
        self.sock.close()


class Chromium:
    """A headless Chromium with one page; `events` keeps every protocol event received."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="cs-score-chromium-")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        try:
            port = self._port()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            page = next(t for t in targets if t.get("type") == "page")
            self.socket = WebSocket(page["webSocketDebuggerUrl"])
        except BaseException:
            self.close()
            raise

    def _port(self) -> int:
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited at start (code {self.process.returncode})")
            if marker.exists():
                text = marker.read_text().split("\n")[0].strip()
                if text:
                    return int(text)
            time.sleep(0.1)
        raise TimeoutError(f"chromium did not open its DevTools port in {START_TIMEOUT:.0f}s")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its result (events meanwhile go to `events`)."""
        self._next_id += 1
        number = self._next_id
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + CALL_TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(self.socket.receive())
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self.events.append(message)
        raise TimeoutError(f"{method}: no answer in {CALL_TIMEOUT:.0f}s")

    def wait_for(self, event: str, timeout: float = CALL_TIMEOUT) -> dict[str, Any]:
        """The first event of that name, received already or next."""
        for seen in self.events:
            if seen["method"] == event:
                return seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.socket.receive())
            if "method" in message:
                self.events.append(message)
                if message["method"] == event:
                    return message
        raise TimeoutError(f"no {event} in {timeout:.0f}s")

    def open(self, path: Path, width: int = 1280, height: int = 900, mobile: bool = False) -> None:
        """Load a file as a person would, watching the console and the network."""
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.resize(width, height, mobile)
        self.events.clear()
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.evaluate("1")  # let the events of the load arrive

    def resize(self, width: int, height: int, mobile: bool = False) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    def evaluate(self, expression: str) -> Any:
        """The value of a script expression in the page (JSON-like values)."""
        answer = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def console_errors(self) -> list[str]:
        """Errors the page logged or threw."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def requests(self) -> list[str]:
        """The URL of every request the page made (the page's own file included)."""
        return [
            event["params"]["request"]["url"]
            for event in self.events
            if event["method"] == "Network.requestWillBeSent"
        ]

    def screenshot(
        self, out: Path, width: int, mobile: bool = False, height: int | None = None
    ) -> None:
        """The page at that width, as PNG: its top `height` pixels, or all of it."""
        self.resize(width, 900, mobile)
        full = int(self.evaluate("document.documentElement.scrollHeight"))
        height = min(height or full, full)
        self.resize(width, height, mobile)
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        out.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        if getattr(self, "socket", None) is not None:
            self.socket.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main(page: str, prefix: str) -> None:
    binary = find_browser()
    if binary is None:
        raise SystemExit("no chromium found (set CS_SCORE_CHROMIUM)")
    browser = Chromium(binary)
    try:
        browser.open(Path(page))
        browser.screenshot(Path(f"{prefix}-desktop.png"), 1280, height=1900)
        browser.screenshot(Path(f"{prefix}-phone.png"), 390, mobile=True, height=1500)
        browser.resize(1280, 900)
        browser.evaluate(
            "(() => { const item = document.querySelector('details.ix'); item.open = true;"
            " document.querySelectorAll('section').forEach(s => { if (s.id !== 'interactions')"
            " s.hidden = true; }); document.querySelector('nav').hidden = true; })()"
        )
        browser.screenshot(Path(f"{prefix}-interaction.png"), 1280, height=1000)
    finally:
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
