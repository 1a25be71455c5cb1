"""`gdpr-lint server` driven by a real LSP client (pygls's) over stdio, as an editor drives it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

LOGS_EMAIL = ('import logging\nlog = logging.getLogger(__name__)\n\n\ndef f(customer):\n'
              '    log.info("😀 %s", customer.email)\n')
TIMEOUT = 60


class Editor:
    """An LSP client that records the diagnostics and messages the server sends."""

    def __init__(self) -> None:
        self.client = LanguageClient("test-editor", "1")
        self.published: asyncio.Queue = asyncio.Queue()
        self.messages: list[str] = []

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.put_nowait(params)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            pass

    async def start(self, root: Path) -> types.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "gdpr_lint", "server", cwd=str(root))
        return await asyncio.wait_for(self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")])), TIMEOUT)

    async def next_diagnostics(self, uri: str) -> types.PublishDiagnosticsParams:
        while True:
            params = await asyncio.wait_for(self.published.get(), TIMEOUT)
            if params.uri == uri:
                return params

    async def stop(self) -> None:
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)


def open_doc(editor: Editor, uri: str, text: str) -> None:
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))


def change(editor: Editor, uri: str, version: int, text: str) -> None:
    editor.client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


@pytest.fixture
def project(member_project) -> Path:
    return member_project


def test_diagnostics_on_open_change_save_and_close(project):
    async def session() -> None:
        editor = Editor()
        init = await editor.start(project)
        assert init.server_info.name == "gdpr-lint"
        uri = (project / "app" / "views.py").as_uri()  # a new file, not yet on disk

        open_doc(editor, uri, LOGS_EMAIL)
        (diag,) = (await editor.next_diagnostics(uri)).diagnostics
        assert diag.code == "GDPR301" and diag.source == "gdpr-lint"
        assert diag.severity == types.DiagnosticSeverity.Warning
        assert diag.code_description.href.endswith("/docs/rules/GDPR301.md")
        assert "user.contact.email" in diag.message
        # line 6, from the call's start to its end, in UTF-16 units (LSP's default): the emoji counts two
        assert (diag.range.start.line, diag.range.start.character) == (5, 4)
        assert (diag.range.end.line, diag.range.end.character) == (5, 4 + len('log.info("😀 %s", customer.email)') + 1)

        # an edit that removes the finding, then one that logs a Member: the project facts say its
        # __str__ is an e-mail address (from app/models.py, which the editor never opened)
        change(editor, uri, 2, LOGS_EMAIL.replace("customer.email", "customer.pk"))
        assert list((await editor.next_diagnostics(uri)).diagnostics) == []
        member = ("import logging\nfrom app.models import Member\nlog = logging.getLogger(__name__)\n\n\n"
                  "def show(pk):\n    member = Member.objects.get(pk=pk)\n    log.info('%s', member)\n")
        change(editor, uri, 3, member)
        published = await editor.next_diagnostics(uri)
        assert published.version == 3 and [d.code for d in published.diagnostics] == ["GDPR301"]

        editor.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        assert [d.code for d in (await editor.next_diagnostics(uri)).diagnostics] == ["GDPR301"]

        editor.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        assert list((await editor.next_diagnostics(uri)).diagnostics) == []
        await editor.stop()

    asyncio.run(session())
    assert (project / ".gdpr-lint-cache").is_dir()  # the project's results cache was used


def test_quick_changes_make_one_check_of_the_last_text(project):
    async def session() -> None:
        editor = Editor()
        await editor.start(project)
        uri = (project / "app" / "typing.py").as_uri()
        open_doc(editor, uri, "x = 1\n")
        assert list((await editor.next_diagnostics(uri)).diagnostics) == []
        text = LOGS_EMAIL.replace("customer.email", "customer.pk")
        for version in range(2, 12):  # typing: ten changes in quick succession, the last one logs an e-mail
            change(editor, uri, version, text if version < 11 else LOGS_EMAIL)
        published = await editor.next_diagnostics(uri)
        assert published.version == 11 and [d.code for d in published.diagnostics] == ["GDPR301"]
        assert editor.published.empty()
        await editor.stop()

    asyncio.run(session())


def test_a_broken_config_is_shown_once_and_nothing_crashes(project):
    (project / ".gdpr-lint.yaml").write_text("fail_on: sometimes\n")

    async def session() -> None:
        editor = Editor()
        await editor.start(project)
        uri = (project / "app" / "views.py").as_uri()
        open_doc(editor, uri, LOGS_EMAIL)
        assert list((await editor.next_diagnostics(uri)).diagnostics) == []
        change(editor, uri, 2, LOGS_EMAIL + "\n")
        assert list((await editor.next_diagnostics(uri)).diagnostics) == []
        assert len(editor.messages) == 1 and "fail_on" in editor.messages[0]
        # a document that is not Python gets nothing
        other = (project / "notes.txt").as_uri()
        open_doc(editor, other, "user.email")
        await editor.stop()

    asyncio.run(session())


def test_a_file_outside_the_workspace_is_checked_alone(project, tmp_path_factory):
    """A library file opened by go-to-definition: checked by itself, its folder neither surveyed nor
    given a cache."""
    outside = tmp_path_factory.mktemp("site-packages")
    for i in range(30):  # a big folder the server must not walk
        (outside / f"mod{i}.py").write_text("x = 1\n")

    async def session() -> None:
        editor = Editor()
        await editor.start(project)
        uri = (outside / "lib.py").as_uri()
        open_doc(editor, uri, LOGS_EMAIL)
        assert [d.code for d in (await editor.next_diagnostics(uri)).diagnostics] == ["GDPR301"]
        await editor.stop()

    asyncio.run(session())
    assert not (outside / ".gdpr-lint-cache").exists()


def test_the_server_ends_when_the_editor_goes_away(project):
    """The editor is killed: its end of the pipe closes, and the server exits at once."""
    import subprocess

    proc = subprocess.Popen([sys.executable, "-m", "gdpr_lint", "server"], cwd=project, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_a_message_larger_than_memory_stops_the_server_with_one_line(project):
    """A client that announces a body of 100 GB (found by a fresh-user check): one line on stderr,
    exit code 1, no traceback."""
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "server"], cwd=project, capture_output=True,
                          input=b"Content-Length: 99999999999\r\n\r\n{}", timeout=60, check=False)
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stderr
    assert b"Content-Length" in proc.stderr and proc.stderr.count(b"\n") == 1


def test_a_malformed_message_is_one_line_on_stderr_not_a_traceback(project):
    """A body that is not JSON (found by a fresh-user check): the client is told, the server goes
    on to the end of its input, and stderr holds one line naming the error, no traceback."""
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "server"], cwd=project, capture_output=True,
                          input=b"Content-Length: 5\r\n\r\n{bad}", timeout=60, check=False)
    assert proc.returncode == 0
    assert b"Traceback" not in proc.stderr and proc.stderr.count(b"\n") == 1
    assert b"JSONDecodeError" in proc.stderr and b"window/showMessage" in proc.stdout


def test_shutdown_then_exit_ends_the_server_cleanly(project):
    """The protocol's own end (found by a reviewer): initialize, shutdown, exit; exit code 0, no
    traceback from flushing a stream the transport has closed."""
    import json
    import subprocess

    def message(payload: dict) -> bytes:
        body = json.dumps(payload).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)

    stream = b"".join(message(m) for m in (
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                        "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None}))
    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "server"], cwd=project, capture_output=True,
                          input=stream, timeout=60, check=False)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr.decode()[-2000:]
