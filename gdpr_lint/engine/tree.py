"""Fast traversal of libcst trees for the engine's searches.

``CSTNode.children`` builds its list by running a visitor over the node (it was two thirds of
the engine's time on Django's source).  :func:`children` reads the node's dataclass fields
instead, in the same order, and leaves out whitespace, comments and punctuation, which no
check looks for.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from functools import lru_cache

import libcst as cst

from gdpr_lint.files.source import line_breaks

# Leaves that never contain a name, call, definition or import.
_SKIPPED: frozenset[type] = frozenset({
    cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline,
    cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Comma, cst.Dot, cst.Colon, cst.Semicolon,
    cst.AssignEqual, cst.ImportStar, cst.Ellipsis, cst.Asynchronous,
})
# Nodes whose fields are declared in another order than their source order (libcst's visit order);
# whitespace and punctuation fields are left out, they are skipped anyway.
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.Arg: ("keyword", "value"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    names = _SOURCE_ORDER.get(cls) or tuple(f.name for f in dataclasses.fields(cls))
    _FIELDS[cls] = names
    return names


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes of ``node`` in source order, without whitespace, comments or punctuation.

    Same nodes and order as ``[c for c in node.children if type(c) not in _SKIPPED]`` (a test
    checks this over real files), at a fraction of the cost.
    """
    node_kind = type(node)
    if node_kind in LEAVES:
        return []
    out: list[cst.CSTNode] = []
    wanted = _WANTED
    for name in _FIELDS.get(node_kind) or _fields(node_kind):
        value = getattr(node, name)
        kind = type(value)
        if kind is list or kind is tuple:
            for item in value:
                keep = wanted.get(type(item))
                if keep is None:
                    keep = _wanted(type(item))
                if keep:
                    out.append(item)
        else:
            keep = wanted.get(kind)
            if keep is None:
                keep = _wanted(kind)
            if keep:
                out.append(value)
    return out


_WANTED: dict[type, bool] = {}
# expressions with nothing inside but whitespace and brackets (half the nodes of most code)
LEAVES: frozenset[type] = frozenset({cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary})


def _wanted(kind: type) -> bool:
    keep = _WANTED[kind] = issubclass(kind, cst.CSTNode) and kind not in _SKIPPED
    return keep


def _concrete(base: type) -> frozenset[type]:
    out: set[type] = set()
    todo = [base]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not getattr(cls, "__abstractmethods__", None):
            out.add(cls)
    return frozenset(out)


# `type(node) in EXPRESSIONS` instead of `isinstance(node, cst.BaseExpression)`: libcst's classes are
# ABCs, and an ABC isinstance check costs ten times a set lookup (millions of them per project)
EXPRESSIONS: frozenset[type] = _concrete(cst.BaseExpression)
_COMPOUND: frozenset[type] = _concrete(cst.BaseCompoundStatement)
_IMPORTS = (cst.Import, cst.ImportFrom)
_LAST: list = [None, None]  # (module, its import statements): both name resolution and checks ask


def import_statements(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    """Every ``import`` and ``from ... import`` statement in ``module`` (in functions too), in source order."""
    if _LAST[0] is module:
        return _LAST[1]
    out: list[cst.Import | cst.ImportFrom] = []
    stack: list[cst.CSTNode] = list(reversed(module.body))
    while stack:  # statements only: an import is never inside an expression, a decorator or parameters
        cur = stack.pop()
        kind = type(cur)
        if kind is cst.SimpleStatementLine:
            out.extend(small for small in cur.body if type(small) in _IMPORTS)
        elif kind in _IMPORTS:  # in a block on its header's line (`if TYPE_CHECKING: import x`)
            out.append(cur)
        elif kind in _COMPOUND:
            stack.extend(reversed(block_statements(cur)))
    _LAST[:] = [module, out]
    return out


def block_statements(stmt: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements directly inside a compound statement's blocks (``else``, ``except``,
    ``finally`` and ``case`` blocks included), in source order."""
    out: list[cst.CSTNode] = []
    blocks = [getattr(stmt, "body", None)]
    if isinstance(stmt, cst.Match):
        blocks = [case.body for case in stmt.cases]
    blocks += [h.body for h in getattr(stmt, "handlers", ())]
    orelse = getattr(stmt, "orelse", None)
    while orelse is not None:  # an elif chain is an If in the orelse
        if isinstance(orelse, cst.If):
            blocks.append(orelse.body)
            orelse = orelse.orelse
        else:
            blocks.append(orelse.body)
            orelse = None
    final = getattr(stmt, "finalbody", None)
    if final is not None:
        blocks.append(final.body)
    for block in blocks:
        if block is None:
            continue
        body = getattr(block, "body", ())
        out.extend(body if isinstance(body, (list, tuple)) else ())
    return out


def _no_validation(self) -> None:
    return None


#: a text longer than twice this is parsed in pieces of about this many characters (see parse_module)
PIECE_CHARS = 10_000
# where a piece may end: empty lines between a line that ends in code or a comment (not in a blank:
# a line of blanks alone is read with the block above it) and a definition or a decorator at the first
# column
_PIECE_END = re.compile(r"(?<=\S)(?:\r?\n){2,}(?=(?:async[ \t]+def|def|class)[ \t]|@)")


def parse_module(source: str) -> cst.Module:
    """``libcst.parse_module`` without re-validating every node it builds, a long text in pieces.

    libcst validates each node in ``__post_init__`` (a tenth of the engine's time), which only
    matters for trees built by hand: the parser builds valid ones (libcst's own comment in
    ``CSTNode.__post_init__`` suggests skipping it when parsing).  Validation is back on for
    everything else as soon as the parse returns.  Not for use from several threads at once.

    libcst's native parser takes longer per line the longer its input (a 130,000-character module
    of small functions: 15 % longer than in pieces of 10,000), so a long text is parsed in pieces
    that end before a definition at the first column, and their statements joined into one module
    equal to the whole text's (:func:`_joined`).

    Raises:
        libcst.ParserSyntaxError: the source does not parse (as a parse of the whole text raises it).
    """
    base = cst.CSTNode
    original = base.__dict__["__post_init__"]
    base.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        return _in_pieces(source) or cst.parse_module(source)
    finally:
        base.__post_init__ = original  # type: ignore[method-assign]


def piece_ends(source: str) -> list[int] | None:
    """Where a long text is cut into pieces of about :data:`PIECE_CHARS` characters (offsets, the
    text's end last), each piece ending with the empty lines between a line that ends in code or a
    comment and a definition or a decorator at the first column; ``None`` for a text too short to
    cut or with no such place."""
    if len(source) < 2 * PIECE_CHARS:
        return None
    ends: list[int] = []
    at = PIECE_CHARS
    while at < len(source) - PIECE_CHARS:
        found = _PIECE_END.search(source, at)
        if found is None:
            break
        ends.append(found.end())
        at = found.end() + PIECE_CHARS
    return [*ends, len(source)] if ends else None


def python_tree(source: str) -> ast.Module:
    """``ast.parse(source)``, a long text in the pieces :func:`parse_module` reads (Python's parser
    too takes longer per line the longer its input), each parsed at its own lines.

    Raises:
        SyntaxError: (and what ``ast.parse`` raises) from a parse of the whole text.
    """
    ends = piece_ends(source)
    if ends is not None:
        body: list[ast.stmt] = []
        start = line = 0
        try:
            for end in ends:
                piece = source[start:end]
                body.extend(ast.parse("\n" * line + piece).body)
                line += line_breaks(piece)  # (as Python counts them: a lone `\r` too)
                start = end
            return ast.Module(body=body, type_ignores=[])
        except SyntaxError:
            pass  # (a piece cut inside a string, say: the whole text says where the error is)
    return ast.parse(source)


def _in_pieces(source: str) -> cst.Module | None:
    """The module parsed in pieces, or ``None`` when it is short, cannot be cut, or a piece does not
    parse or reads its indentation or line breaks otherwise than the first (the whole text is
    parsed then, and a syntax error reported from it); a piece's syntax error that the whole text
    has too is raised at once (:func:`_in_the_whole_text`)."""
    ends = piece_ends(source)
    if ends is None:
        return None
    pieces: list[cst.Module] = []
    for a, b in zip([0, *ends], ends):
        try:
            pieces.append(cst.parse_module(source[a:b]))
        except cst.ParserSyntaxError as exc:
            placed = _in_the_whole_text(exc, source, a, b)
            if placed is None:
                return None  # (the whole text decides)
            raise placed from None
    return _joined(pieces)


def _in_the_whole_text(exc: cst.ParserSyntaxError, source: str, start: int, end: int
                       ) -> cst.ParserSyntaxError | None:
    """The syntax error of the piece ``source[start:end]`` placed in the whole text, where the whole
    text's parse would raise it; else ``None``.

    The pieces before it parsed, so it starts at a statement of the whole text, and libcst fails at
    the same token either way where that token is followed by the same text: before the piece's
    last line of code, or anywhere in the last piece (at a piece's end, an open bracket or a block
    waits for what the next piece holds, and the whole text fails further on, or not at all).
    That is taken as shown only where Python's own parser refuses the whole text too, on the line
    of libcst's error or one or two above (libcst's position can be a line or two past Python's):
    a piece cut inside a string (or syntax newer than this Python, which libcst reads) is left to
    a parse of the whole text, which then says where the error is.
    A long file with a syntax error thus costs one parse of libcst, not its pieces and then the
    whole text (2.6 s against 3.8 s for a 12,000-line file broken in its last function).
    """
    if not exc.message.startswith("parser error: error at "):
        return None  # (libcst's tokenizer says line 1 of every error it finds: no place to compare)
    if end < len(source) and exc.raw_line >= line_breaks(source[start:end].rstrip()) + 1:
        return None  # (on the piece's last line of code or after it, and another piece follows)
    python = python_syntax_error(source)
    if python is None:
        return None
    line = line_breaks(source[:start]) + exc.raw_line  # (the piece's first line is the text's line after its breaks)
    if not 0 <= line - python[0] <= 2:
        return None
    shift = line - exc.raw_line
    message = _ERROR_AT.sub(lambda m: f"{int(m.group(1)) + shift}:", exc.message, count=1)
    # the lines as libcst's parser splits the text for its message (Rust's `lines()`: at `\n`, a `\r`
    # before it dropped, no empty line after the last line break; a byte order mark left out)
    text = source.removeprefix("\ufeff")
    lines = [row.removesuffix("\r") for row in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    return cst.ParserSyntaxError(message, lines=lines, raw_line=line, raw_column=exc.raw_column)


_ERROR_AT = re.compile(r"(?<=error at )(\d+):")  # (libcst's message names the line it failed at)


@lru_cache(maxsize=2)  # (asked by a parse in pieces, then by the analysis for its message)
def python_syntax_error(source: str) -> tuple[int, int, str] | None:
    """``(line, column, message)`` of the error as Python reports it (libcst's position can be a
    line or two past it, and its message lists tokens); ``None`` when Python accepts the text."""
    try:
        ast.parse(source)
    except SyntaxError as exc:
        if not exc.lineno:
            return None
        return exc.lineno, max(exc.offset or 1, 1), exc.msg
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _joined(pieces: list[cst.Module]) -> cst.Module | None:
    """One module of the pieces' statements, as libcst parses their joined text: what a piece has
    after its last statement (its footer) and before its first (its header) are blank lines and
    comments that lead the next statement.  ``None`` when the pieces disagree on the default
    indentation or line break (the whole text then decides)."""
    first = pieces[0]
    if any(p.default_indent != first.default_indent or p.default_newline != first.default_newline for p in pieces):
        return None
    if any(line.whitespace.value for p in pieces for line in (*p.header, *p.footer)):
        return None  # (a line of blanks moved from a piece's end may belong to a block in the whole text)
    body = list(first.body)
    carried = list(first.footer)
    for piece in pieces[1:]:
        leading = [*carried, *piece.header]
        if not piece.body:
            carried = [*leading, *piece.footer]
            continue
        head = piece.body[0]
        body.append(head.with_changes(leading_lines=[*leading, *head.leading_lines]) if leading else head)
        body.extend(piece.body[1:])
        carried = list(piece.footer)
    return cst.Module(body=body, header=first.header, footer=carried, encoding=first.encoding,
                      default_indent=first.default_indent, default_newline=first.default_newline,
                      has_trailing_newline=pieces[-1].has_trailing_newline)
