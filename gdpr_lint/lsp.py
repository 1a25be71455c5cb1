"""``gdpr-lint server``: a language server (the Language Server Protocol over stdin and stdout,
built on pygls) that publishes gdpr-lint's findings as diagnostics while a file is edited.

A Python document is checked when it is opened, a moment after each change (changes in quick
succession make one check) and when it is saved.  Each check is ``check -`` on the editor's text
(:func:`gdpr_lint.scan.scan_text`): the config found from the document's path, the project around
it (the workspace folder that holds it), and the project's results cache, so that only the
document itself is analysed once the project has been surveyed.  Checks run one at a time in a
worker thread, never in the thread that reads messages; a result for a version of the document
that has since changed is dropped.  A configuration error is shown as a message, once per
distinct error, and the document gets no diagnostics until it is fixed.

Diagnostics carry the rule code, a link to its page, ``gdpr-lint`` as their source, and the
finding's categories; positions are converted to the encoding the client asked for (UTF-16 by
default).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from gdpr_lint import __version__

SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "info": types.DiagnosticSeverity.Information}
SETTLE_SECONDS = 0.3  # after a change, wait this long for the next before checking
PYTHON_SUFFIXES = (".py", ".pyw")


class GdprLintServer(LanguageServer):
    """The language server, with the state of the checks in progress."""

    def __init__(self) -> None:
        super().__init__("gdpr-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gdpr-lint-check")
        self.pending: dict[str, asyncio.Task] = {}
        self.shown_errors: set[str] = set()

    # -- where a document belongs --------------------------------------------------------------
    def project_root(self, path: Path) -> Path | None:
        """The workspace folder that holds ``path`` (the deepest), else ``None``."""
        roots = [Path(to_fs_path(f.uri) or "") for f in (self.workspace.folders or {}).values()]
        if self.workspace.root_path:
            roots.append(Path(self.workspace.root_path))
        holding = [r.resolve() for r in roots if str(r) and (r.resolve() == path or r.resolve() in path.parents)]
        return max(holding, key=lambda r: len(r.parts)) if holding else None

    def document_path(self, uri: str) -> Path | None:
        """The file a document is, or will be saved as; ``None`` when it is not Python."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path is None:
            return None
        path = Path(path).absolute()
        return path if path.suffix in PYTHON_SUFFIXES else None

    # -- checking ------------------------------------------------------------------------------
    def check(self, path: Path, text: str) -> tuple[list, str]:
        """``(findings, error)`` for ``text`` as the file ``path`` (run in the worker thread)."""
        from gdpr_lint.cache import folder_for
        from gdpr_lint.cli import _load_policy
        from gdpr_lint.errors import UsageError
        from gdpr_lint.scan import scan_text

        root = self.project_root(path)
        try:
            if root is None:
                # a file outside the workspace (a library's, opened by go-to-definition): checked
                # alone, with no project around it to survey and no cache written beside it
                policy = _load_policy(None, (str(path),), None)
                result = scan_text(path, text.encode("utf-8", "replace"), policy, path.parent, jobs=1,
                                   cache_dir=None, alone=True)
            else:
                cache = folder_for(os.environ.get("GDPR_LINT_CACHE_DIR") or str(root / ".gdpr-lint-cache"))
                policy = _load_policy(None, (str(path),), cache)
                result = scan_text(path, text.encode("utf-8", "replace"), policy, root, jobs=1, cache_dir=cache,
                                   project=root)  # (the workspace is the project)
        except UsageError as exc:
            return [], str(exc)
        return result.findings, ""

    def diagnostics(self, findings: list, lines: list[str]) -> list[types.Diagnostic]:
        """LSP diagnostics for findings in a document of ``lines`` (positions in the client's units)."""
        from gdpr_lint.reporters.rule_pages import rule_url

        codec = self.workspace.position_codec
        out = []
        for f in findings:
            start = types.Position(line=max(f.line - 1, 0), character=max(f.column - 1, 0))
            end_line = max(f.end_line - 1, start.line)
            end = types.Position(line=end_line, character=max(f.end_column - 1, 0) if f.end_column else 0)
            if (end.line, end.character) <= (start.line, start.character):  # a whole line for a point
                end = types.Position(line=start.line, character=len(lines[start.line]) if start.line < len(lines) else 0)
            message = f.message + (f" [{', '.join(f.categories)}]" if f.categories else "")
            if f.fix:
                message += f"\nfix: {f.fix}"
            out.append(types.Diagnostic(
                range=codec.range_to_client_units(lines, types.Range(start=start, end=end)),
                severity=SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
                code=f.code, code_description=types.CodeDescription(href=rule_url(f.code)),
                source="gdpr-lint", message=message, data={"categories": list(f.categories)}))
        return out

    async def check_soon(self, uri: str, delay: float) -> None:
        """Check a document after ``delay`` seconds unless another change comes first."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return
        path = self.document_path(uri)
        if path is None:
            return
        doc = self.workspace.get_text_document(uri)
        version, text = doc.version, doc.source
        loop = asyncio.get_running_loop()
        findings, error = await loop.run_in_executor(self.checker, self.check, path, text)
        doc = self.workspace.text_documents.get(uri)
        if doc is None or doc.version != version:  # closed or changed meanwhile: a newer check follows
            return
        if not error:
            self.shown_errors.clear()  # fixed: the same mistake made again is shown again
        if error:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=error))
            if error not in self.shown_errors:
                self.shown_errors.add(error)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error,
                                                                 message=f"gdpr-lint: {error}"))
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=self.diagnostics(findings, doc.lines)))


def make_server() -> GdprLintServer:
    """The server with its features registered."""
    server = GdprLintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: GdprLintServer, params: types.DidOpenTextDocumentParams) -> None:
        await ls.check_soon(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: GdprLintServer, params: types.DidChangeTextDocumentParams) -> None:
        await ls.check_soon(params.text_document.uri, SETTLE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(ls: GdprLintServer, params: types.DidSaveTextDocumentParams) -> None:
        await ls.check_soon(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: GdprLintServer, params: types.DidCloseTextDocumentParams) -> None:
        pending = ls.pending.pop(params.text_document.uri, None)
        if pending is not None:
            pending.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                            diagnostics=[]))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: GdprLintServer, _params) -> None:
        for task in ls.pending.values():
            task.cancel()
        ls.checker.shutdown(wait=False, cancel_futures=True)

    return server


def serve() -> None:
    """Run the server over stdin and stdout until the client says exit, or its end of the pipe
    closes (then without waiting for a check in progress: nobody would read its result).  A
    client that announces a message larger than memory allows (its ``Content-Length``) stops the
    server with one line on stderr and exit code 1, not a traceback."""
    # pygls logs what it cannot read (a malformed message) with its traceback; the client is
    # told already (window/showMessage), so stderr gets one line, never a traceback
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("gdpr-lint server: %(message)s"))
    pygls_log = logging.getLogger("pygls")
    pygls_log.addHandler(handler)
    pygls_log.propagate = False
    try:
        make_server().start_io()
    except MemoryError:
        click.echo("gdpr-lint server: the client announced a message larger than this machine's memory "
                   "allows (its Content-Length header); the server stops", err=True)
        _flush()
        os._exit(1)
    _flush()
    os._exit(0)


def _flush() -> None:
    """Flush what is left for the client; after `exit` the transport may have closed the stream."""
    try:
        sys.stdout.flush()
    except (ValueError, OSError):  # (`I/O operation on closed file`, or a client gone)
        pass


class _OneLine(logging.Formatter):
    """A log record as one line: its message and, for an error, the exception's type and text."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        line = self.formatMessage(record)
        if record.exc_info and record.exc_info[1] is not None:
            err = record.exc_info[1]
            line += f" ({type(err).__name__}: {err})"
        return line.replace("\n", " ")


@click.command("server")
def server() -> None:
    """Run the language server on stdin and stdout (LSP): diagnostics for the Python files an
    editor opens, changes and saves, with the project's config and results cache.  Point the
    editor's LSP client at `gdpr-lint server` (docs/editors.md)."""
    serve()
