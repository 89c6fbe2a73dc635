"""Credentials a sender puts in a rejected report never reach the rejected-reports
table (readable by every workstation) nor the server's log (both databases)."""
from __future__ import annotations

import logging
import sys

from sqlalchemy import select

from db.models import RejectedReport
from serve_process import ServeProcess, rows, wait_for
from test_http_ingest import raw_exchange

TOKEN = "Xq9-bearer-s3cret"
PASSWORD = "hunter2-pw"


def test_rejected_reports_and_logs_hold_no_credentials(engine, db_url, tmp_path):
    with ServeProcess(db_url, tmp_path) as server:
        port = server.http_port
        # A framing reject stores the first raw bytes, headers included.
        answer = raw_exchange(port, b"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                              + b"\r\nContent-Length: nope\r\n\r\n", 1)
        assert answer.startswith(b"HTTP/1.1 400 ")
        # A value reject quotes the bad value in its reason and the request line in its payload.
        answer = raw_exchange(port, f"GET /?id=D1&lat=Bearer%20{TOKEN}&lon=1&password={PASSWORD} HTTP/1.1\r\n"
                                    f"Host: x\r\n\r\n".encode(), 1)
        assert answer.startswith(b"HTTP/1.1 400 ")
        got = wait_for(lambda: len(rows(engine, select(RejectedReport.id))) >= 2, 10)
        assert got
        stored = rows(engine, select(RejectedReport.reason, RejectedReport.payload).order_by(RejectedReport.id))
        assert server.stop() == 0
    text = "\n".join(f"{r.reason}\n{r.payload}" for r in stored)
    assert TOKEN not in text and PASSWORD not in text
    assert "Authorization: Bearer ***" in stored[0].payload  # still says what was sent
    assert "password=***" in stored[1].payload
    log = server.log()
    assert "rejected osmand report" in log
    assert TOKEN not in log and PASSWORD not in log


def test_log_lines_and_tracebacks_are_redacted():
    from gridcommand.logs import RedactingFormatter

    try:
        raise RuntimeError("connect to postgresql://gc:hunter2@db/x failed")
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "request %s", ("Bearer abcdefgh",), sys.exc_info())
    text = RedactingFormatter("%(message)s").format(record)
    assert "hunter2" not in text and "abcdefgh" not in text
    assert "Bearer ***" in text and "gc:***@db" in text and "Traceback" in text
