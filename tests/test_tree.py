"""The engine's fast child iterator agrees with libcst's own ``children`` on real code."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from gdpr_lint.engine.tree import _SKIPPED, children

ROOT = Path(__file__).resolve().parents[1]

# syntax the package's own files do not use: every node whose field order differs from its source order
GRAMMAR = '''
@decorator(arg, key=value)
class C(Base, metaclass=Meta):
    @property
    async def f(self, a, /, b: int = 1, *args, c, d=2, **kw) -> "T":
        async with open(x) as f, lock:
            pass
        async for item in aiter(y):
            z = [i async for i in gen() if i]
        try:
            pass
        except (KeyError, ValueError) as exc:
            raise RuntimeError(exc) from exc
        return a if b else c

match command:
    case {"name": name, **rest} if name:
        pass
    case Point(x=0, y=y) | [1, 2, *others]:
        pass
    case str() as text:
        pass
(lambda q, *r, s=1: q)(1)
if (n := len(items)) > 10:
    print(f"{n!r:>10} {items[1:2:3]}")
type Alias[T: int = str] = list[T]
def g[T, *Ts, **P](x: T) -> T: ...
try:
    pass
except* OSError as group:
    pass
'''


def _sources():
    yield "grammar", GRAMMAR
    for path in sorted((ROOT / "gdpr_lint" / "engine").glob("*.py")):  # real code, kept small: this is slow
        yield path.name, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name,source", list(_sources()), ids=lambda v: v if len(v) < 60 else "")
def test_children_match_libcst_order(name, source):
    module = cst.parse_module(source)
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        expected = [c for c in node.children if type(c) not in _SKIPPED]
        got = children(node)
        assert [type(c).__name__ for c in got] == [type(c).__name__ for c in expected], type(node).__name__
        assert all(a is b for a, b in zip(got, expected))
        stack.extend(node.children)


def test_whitespace_and_punctuation_are_left_out():
    call = cst.parse_expression("f( a , b )")
    assert [type(c) for c in children(call)] == [cst.Name, cst.Arg, cst.Arg]


def test_parsing_without_validation_builds_the_same_tree_and_keeps_validation_on():
    from gdpr_lint.engine.analyzer import parse_module

    source = GRAMMAR + (ROOT / "gdpr_lint" / "engine" / "flow.py").read_text(encoding="utf-8")
    fast = parse_module(source)
    assert fast.deep_equals(cst.parse_module(source))
    assert fast.code == source
    with pytest.raises(cst.CSTValidationError):  # nodes built by hand are still validated
        cst.Name("not a name")
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("def f(:\n")
    with pytest.raises(cst.CSTValidationError):  # ... also after a failed parse
        cst.Name("1x")


POSITION_CASES = {
    "grammar": GRAMMAR,
    "header-and-semicolons": "#!/usr/bin/env python\n# coding: utf-8\n'''doc\nstring'''\na = 1; b = 2\n\n\n"
                             "if a: b = 3; c = 4\nx = (1,\n     2)\ny = \\\n    3\n",
    "decorators-with-comments": "import f\n\n# above\n@f\n# between\n@f(\n  1)\nasync def g():\n    pass\n"
                                "\n\n@f\nclass C:\n    x: int = 1\n\n@ \\\n  f\nclass D:\n    pass\n\n"
                                "@(\n  f)\nclass E:\n    @  f . g\n    class F: pass\n",
    "crlf": "import logging\r\nclass A:\r\n    email = 1\r\n\r\nlogging.info('%s', A.email)\r\n",
    "tabs-and-form-feed": "if True:\n\tx = 1\n\x0c\ndef f():\n\treturn x\n",
    "no-trailing-newline": "x = 1\ny = 2",
    # blocks indented unlike each other, continuation lines inside nested blocks, statements
    # after comments at other indents, every compound statement with every suite
    "nested-blocks": "class A:\n  def f(self, x):\n      if x:\n\t  log.info('%s',\n              x.email)  # c\n"
                     "      elif x > 1: y = 1; z = 2\n      else:\n# at column 0\n          y = \\\n   3\n"
                     "      for i in x:\n          pass\n      else:\n          s = '''a\nb'''; t = s\n"
                     "      while x:\n          break\n      else:\n          pass\n"
                     "      try:\n          g(x,\n            y)\n      except E as e:\n          raise\n"
                     "      except (F, G):\n          pass\n      else:\n          pass\n      finally:\n"
                     "          pass\n      with a as b, c:\n          @dec(\n             1)\n"
                     "          async def h():\n              async for q in r:\n                  async with s: await q\n"
                     "      match x:\n          case {'k': v} if v:\n              return v\n          case _:\n"
                     "              pass\n  email = models.EmailField(\n      max_length=3)\n",
    "match-cases": "def f(x):\n    match x:\n        case [a, b]:\n            g(a,\n              b)\n"
                   "        case _:\n            pass\n",
    # calls and statements placed from the ast: bytes against characters, brackets around a call,
    # semicolons, f-strings, calls in calls and in comprehensions, a lone carriage return
    "non-ascii-and-brackets": "naïve = 'Zoë'; log.info('é %s', f(naïve))\nx = (g(1)).h(2)(3)\n(k(1))\n"
                              "y = [m(a) for a in n(b) if p(a)]; z = q(f'{r(1)}')\n"
                              "def f():\n    return s(t(u(1), v=w(2)))(\n        'ü')\n",
    "form-feeds": "\x0cimport os\n\x0cf(1)\ndef f():\n\x0c    a(1)\n    b(2)\n",
    "carriage-returns": "a = f(1)\rb = g(2)\r\nc = 'é' + h(3)\n@d\r@e\rclass K: pass\n",
    "except-star": "try:\n    f()\nexcept* ValueError:\n    g(1,\n      2)\n",
    # statement lines read from the source: a comment after, a `;` after, comments and blank
    # lines above, line breaks of either kind, a last line with no line break
    "statement-lines": "class A:\n    email = f()  # tag\n    x = 1;  # c\n\n    # above\n    y = 2 ;\n"
                       "    z = (3,\n         4)\nw = g(1) \\\n  + 2\nv = 1",
    "statement-lines-crlf": "class A:\r\n    email = f()  # tag\r\n\r\n    y = 2; z = 3\r\nv = g(1)",
    "statement-lines-crlf-ending": "a = 1\r\nb = f(2)\r\n",
    # statement lines placed without their calls, around f-strings and calls in brackets
    "statement-lines-f-strings": "x = f'{a}' ; y = (g(1)).h(2)\nz = f\"\"\"{b}\n  {c(d)}\"\"\"\n"
                                 "w = (f'é{e}'\n     f'{g}')  # c\nlog.info(f'{u.email}', (v(1)))\n",
    # a backslash at the end of a statement line joins the (empty) line after it to the statement
    "statement-lines-backslash": "x = g(1) \\\n\ny = 2  # c \\\ndef f():\n    z = h(2) \\\r\n\r\n    w = 3\n",
}


def _preorder(module: cst.Module) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = list(reversed(module.body))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children(node)))
    return out


@pytest.mark.parametrize("source", [*POSITION_CASES.values(),
                                    (ROOT / "gdpr_lint" / "engine" / "flow.py").read_text(encoding="utf-8")],
                         ids=[*POSITION_CASES, "flow.py"])
def test_positions_per_statement_match_the_whole_module(source):
    import random

    from libcst.metadata import MetadataWrapper, PositionProvider

    from gdpr_lint.engine.positions import Positions

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:  # syntax newer than this libcst
        pytest.skip("libcst cannot parse this syntax")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = _preorder(module)
    assert len(nodes) > 5
    shuffled = nodes[:]
    random.Random(7).shuffle(shuffled)
    # outer statements first, innermost first, in any order; and with the budget spent (the
    # whole module resolved once findings are all over it)
    statements = [n for n in nodes if isinstance(n, (cst.SimpleStatementLine, cst.BaseCompoundStatement))]
    pick = random.Random(8)
    for order, budget in ((nodes, None), (nodes[::-1], None), (shuffled, None), (shuffled, 0), (shuffled, -1)):
        lazy = Positions(module, source)
        for count, node in enumerate(order):
            if budget is not None and budget >= 0 and count == 1:
                lazy._budget = budget
            # with a hint of the statement being walked: right, wrong or none, the same answer
            near = pick.choice(statements) if budget == -1 and statements else None
            assert lazy.get(node, near) == expected[node], (type(node).__name__, module.code_for_node(node)[:60])
            if isinstance(node, (cst.Call, cst.BaseSmallStatement, cst.SimpleStatementLine)):  # a finding's
                # snippet, read or generated
                assert lazy.code(node) == module.code_for_node(node)
            if isinstance(node, (cst.ClassDef, cst.FunctionDef)):  # its first line, decorators included
                first = min([expected[node].start.line, *(expected[d].start.line for d in node.decorators)])
                assert lazy.first_line(node) == first
        try:
            ast.parse(source)
        except SyntaxError:  # syntax newer than this Python: the whole module is resolved instead
            continue
        if order is nodes:
            assert lazy._whole is None  # answered statement by statement, never the whole module
        elif budget == 0:
            assert lazy._whole is not None


def test_a_snippet_read_from_the_source_is_read_where_the_ast_placed_it():
    """Once findings all over a module have the whole module's positions resolved, a snippet read
    from the source still comes from the line the ast gave its node: libcst counts a line that
    holds only a backslash one short (found by a review)."""
    from gdpr_lint.engine.positions import Positions

    source = "\\\na = 1\nx = f(1)\ny = f'{a}'\n"
    module = cst.parse_module(source)
    lazy = Positions(module, source)
    line = module.body[1]
    call = line.body[0].value
    assert lazy.get(call) is not None
    lazy._budget = 0
    lazy.get(module.body[2].body[0].value)  # an f-string: the whole module is resolved
    assert lazy._whole is not None
    assert lazy.code(line) == module.code_for_node(line) == "x = f(1)\n"
    assert lazy.code(call) == module.code_for_node(call) == "f(1)"


def test_positions_generate_only_the_statements_asked_for():
    """A finding on one line of a long function costs that line's code, not the function's."""
    from gdpr_lint.engine.positions import Positions

    body = "".join(f"    x{i} = call({i},\n            {i})\n" for i in range(200))
    source = f"def f():\n{body}    log.info('%s', user.email)\n"
    module = cst.parse_module(source)
    call = module.body[0].body.body[-1].body[0].value
    lazy = Positions(module, source)
    pos = lazy.get(call)
    assert (pos.start.line, pos.start.column, pos.end.line) == (402, 4, 402)
    assert len(lazy._known) < 100  # the one statement's nodes, not the 200 before it


def test_import_statements_are_found_in_every_kind_of_block_in_source_order():
    from gdpr_lint.engine.tree import import_statements

    module = cst.parse_module(
        "import a\n"
        "if TYPE_CHECKING: import b; from c import d\n"
        "try:\n    import e\nexcept E:\n    from f import g\nelse:\n    import h\nfinally:\n    import i\n"
        "@decorate(lambda: 0)\ndef f(x=[y for y in z]):\n    class C:\n        import j\n"
        "    while 1:\n        import k\n    else:\n        import l\n"
        "match x:\n    case 1:\n        import m\n"
        "with x: import n\n"
        "for _ in x:\n    pass\nelse:\n    if y:\n        pass\n    elif z:\n        import o\n"
        "x = __import__('p')\n")
    found = [cst.Module([]).code_for_node(node).rstrip("; ") for node in import_statements(module)]
    assert found == ["import a", "import b", "from c import d", "import e", "from f import g", "import h",
                     "import i", "import j", "import k", "import l", "import m", "import n", "import o"]


def _long(*shapes: str) -> str:
    """A module longer than two pieces: each shape between blocks of plain functions."""
    from gdpr_lint.engine.tree import PIECE_CHARS

    filler = "".join(f"\n\ndef filler_{i}(a, b):\n    c = a + b\n    return c * {i}\n" for i in range(PIECE_CHARS // 30))
    return "import os\n" + "".join(filler + shape for shape in shapes) + filler


PIECE_CASES = {
    "trailing-comments": _long("\n\nclass A:\n    x = 1\n    # indented after the block\n\n# at the first column\n",
                               "\n\n\n# a comment\n\n@decorator\n\nclass B:\n    pass\n    # end\n"),
    "string-with-a-definition": _long('\n\nTEXT = """\n\n\ndef not_code():\n\n\nclass Neither:\n"""\n'),
    "decorator-then-blank": _long("\n\n@decorator\n\n\ndef f():\n    pass\n"),
    "tab-indented-later": _long("\n\ndef t():\n\tif x:\n\t\treturn 1\n"),
    "crlf": _long("\n").replace("\n", "\r\n"),
    "no-trailing-newline": _long("").rstrip("\n"),
    "async-and-form-feed": _long("\n\nasync def g():\n    await h()\n\x0c\n"),
    # a line of blanks alone before the empty line (libcst reads it with the block above: found by a fresh user)
    "blank-line-of-tabs": _long("\n\ndef t():\n    pass\n\t\n", "\n\ndef u():\n    pass\n    \n"),
}


def _count_libcst_parses(monkeypatch) -> list[int]:
    """The lengths of the texts libcst parses from now on (a piece's, or the whole text's)."""
    calls: list[int] = []
    parse = cst.parse_module
    monkeypatch.setattr(cst, "parse_module", lambda text: calls.append(len(text)) or parse(text))
    return calls


def _errors_whole_and_in_pieces(source: str, monkeypatch):
    """``(libcst's error for the whole text, parse_module's, the texts it parsed)``."""
    from gdpr_lint.engine.tree import parse_module

    with pytest.raises(cst.ParserSyntaxError) as whole:
        cst.parse_module(source)
    calls = _count_libcst_parses(monkeypatch)
    with pytest.raises(cst.ParserSyntaxError) as raised:
        parse_module(source)
    return whole.value, raised.value, calls


@pytest.mark.parametrize("name", sorted(PIECE_CASES))
def test_a_long_module_parsed_in_pieces_is_the_module_parsed_whole(name, monkeypatch):
    from gdpr_lint.engine.tree import parse_module

    source = PIECE_CASES[name]
    whole = cst.parse_module(source)
    calls = _count_libcst_parses(monkeypatch)
    fast = parse_module(source)
    assert fast.code == source
    assert fast.deep_equals(whole)
    assert len(calls) > 2 and calls[0] < len(source)  # read in pieces (then whole where a piece failed)


@pytest.mark.parametrize("broken, alone", [("def broken(:\n    pass\n", True), ("if x\n    pass\n", True),
                                           ("f(a b)\n", True),
                                           # libcst fails at the piece's end, far below Python's line:
                                           # the whole text decides
                                           ("x = (1,\n", False),
                                           # libcst's tokenizer places every error it finds on line 1
                                           ("y = (1,}\n", False)])
def test_a_syntax_error_in_a_long_module_is_the_whole_text_s_from_its_piece_alone(broken, alone, monkeypatch):
    source = _long("\n\n" + broken, "")
    whole, raised, calls = _errors_whole_and_in_pieces(source, monkeypatch)
    assert (raised.raw_line, raised.raw_column, raised.message) == (
        whole.raw_line, whole.raw_column, whole.message)
    assert str(raised) == str(whole)
    if alone:  # (libcst's tokenizer errors are all on line 1)
        assert raised.raw_line > source[:source.index(broken)].count("\n")
    # its piece raised it: the whole text was not parsed again
    assert calls and (max(calls) < len(source)) is alone


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_a_syntax_error_raised_from_its_piece_reads_as_the_whole_text_s_with_its_lines(newline, monkeypatch):
    source = _long("\n\ndef broken(:\n    pass\n", "").replace("\n", newline).rstrip()  # (no last line break)
    whole, raised, calls = _errors_whole_and_in_pieces(source, monkeypatch)
    assert str(raised) == str(whole)  # (the context printed is the whole text's line)
    assert raised.raw_line > 1000 and max(calls) < len(source)


@pytest.mark.parametrize("broken", ["X = {'a': 1,\n", "y = f(a, b,\n", "z = [\n"])
def test_an_error_at_a_piece_s_end_is_the_whole_text_s_where_the_next_piece_goes_on(broken, monkeypatch):
    from gdpr_lint.engine.tree import PIECE_CHARS

    # the first piece ends right after a bracket left open: libcst fails at the piece's end, the whole
    # text further on (in the next definition), with other tokens expected (found by a fresh user)
    head = "import os\n"
    i = 0
    while len(head) < PIECE_CHARS:
        head += f"\n\ndef filler_{i}(a, b):\n    return a + b * {i}\n"
        i += 1
    source = head + "\n\n" + broken + "".join(f"\n\ndef after_{j}(a):\n    return a * {j}\n" for j in range(3 * i))
    whole, raised, calls = _errors_whole_and_in_pieces(source, monkeypatch)
    assert calls[0] == len(head) + 2 + len(broken) + 2  # (the first piece ends after the broken lines)
    assert (raised.raw_line, raised.raw_column, str(raised)) == (
        whole.raw_line, whole.raw_column, str(whole))


def test_an_error_in_the_last_function_of_a_long_module_is_raised_from_the_last_piece(monkeypatch):
    source = _long("") + "\n\ndef broken(:\n    pass\n"  # (the last piece ends where the text does)
    whole, raised, calls = _errors_whole_and_in_pieces(source, monkeypatch)
    assert str(raised) == str(whole)
    assert max(calls) < len(source)


def test_a_piece_that_fails_where_python_reads_newer_syntax_is_left_to_the_whole_text(monkeypatch):
    from gdpr_lint.engine.tree import PIECE_CHARS, parse_module

    # Python 3.11 refuses `type X = int` (libcst reads it); a piece fails later, cut inside a string of
    # definitions: the whole text parses
    text = "\n\ndef not_code():\n    pass" * (PIECE_CHARS // 10)
    source = _long("\n\ntype X = int\n", f'\n\nTEXT = """{text}\n"""\n')
    try:
        whole = cst.parse_module(source)
    except cst.ParserSyntaxError:
        pytest.skip("libcst cannot parse this syntax")
    calls = _count_libcst_parses(monkeypatch)
    assert parse_module(source).deep_equals(whole)
    assert calls[-1] == len(source)


@pytest.mark.parametrize("name", sorted(PIECE_CASES))
def test_python_s_tree_of_a_long_module_read_in_pieces_is_the_whole_text_s(name, monkeypatch):
    from gdpr_lint.engine.tree import python_tree

    source = PIECE_CASES[name]
    whole = ast.dump(ast.parse(source), include_attributes=True)
    calls: list[int] = []
    parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda text: calls.append(len(text)) or parse(text))
    assert ast.dump(python_tree(source), include_attributes=True) == whole
    assert len(calls) > 2


def test_a_syntax_error_in_a_long_module_read_by_python_is_the_whole_text_s():
    from gdpr_lint.engine.tree import python_tree

    source = _long("\n\nx = '''\n\ndef inside_a_string():\n", "\n\ndef broken(:\n    pass\n")
    with pytest.raises(SyntaxError) as whole:
        ast.parse(source)
    with pytest.raises(SyntaxError) as raised:
        python_tree(source)
    assert (raised.value.lineno, raised.value.offset, raised.value.msg) == (
        whole.value.lineno, whole.value.offset, whole.value.msg)


def _mixed(seed: int) -> str:
    """A long module of definitions with every kind of line between them that a piece may end
    beside: empty lines, lines of blanks, comments at the first column and indented, form feeds,
    decorators, strings holding a definition; its line breaks LF, CRLF or with lone CRs."""
    import random

    rand = random.Random(seed)
    between = ["", "\n", "\n\n", "    \n", "\t\n", "# c\n", "    # indented\n", "\x0c\n", "\n    \n\n", " \n"]
    out = ["import logging\nlog = logging.getLogger(__name__)\n"]
    i = 0
    while sum(map(len, out)) < 25_000:
        out.append("".join(rand.choice(between) for _ in range(rand.randint(0, 3))))
        indent = "\t" if rand.random() < 0.05 else "    "
        decorator = rand.choice(["", "", "", "@decorator\n", "@decorator\n\n"])
        shape = rand.random()
        if shape < 0.5:
            body = "".join(f"{indent}log.info('%s', user.email)\n" for _ in range(rand.randint(1, 10)))
            out.append(f"{decorator}def f{i}(user):\n{body}{rand.choice(['', indent + '# end' + chr(10), indent + chr(10)])}")
        elif shape < 0.8:
            out.append(f"{decorator}class C{i}:\n{indent}email = 1\n{indent}def m(self):\n{indent}{indent}return 2\n")
        elif shape < 0.9:
            out.append(f"TEXT{i} = '''\n\ndef inside():\n'''\n")
        else:
            out.append(f"if X:\n{indent}def g{i}(): pass\nelse:\n{indent}pass\n")
        i += 1
    text = "".join(out)
    ending = rand.random()
    return text.replace("\n", "\r\n") if ending < 0.2 else text.replace("\n", "\r", 3) if ending < 0.3 else text


@pytest.mark.parametrize("seed", range(12))
def test_pieces_agree_with_the_whole_text_whatever_stands_between_definitions(seed):
    from gdpr_lint.engine.tree import parse_module, python_tree

    source = _mixed(seed)
    try:
        whole = cst.parse_module(source)
    except cst.ParserSyntaxError:
        whole = None
    if whole is not None:
        fast = parse_module(source)
        assert fast.code == whole.code and fast.deep_equals(whole)
    try:
        tree = ast.dump(ast.parse(source), include_attributes=True)
    except SyntaxError:
        return
    assert ast.dump(python_tree(source), include_attributes=True) == tree


def test_python_s_tree_in_pieces_counts_a_lone_carriage_return_as_python_does():
    """A lone ``\\r`` is a line break to Python: the pieces after it are read at their lines
    (found by a fresh user: every finding after one was a line too high)."""
    from gdpr_lint.engine.tree import python_tree

    source = _long("\n\nx = 1\ry = 2\n")
    assert ast.dump(python_tree(source), include_attributes=True) == ast.dump(ast.parse(source),
                                                                            include_attributes=True)
