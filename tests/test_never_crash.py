"""The engine never crashes and never hangs: any input gives findings or a GDPR9xx result, in bounded time.

- a property test feeds programs generated from Python's grammar (hypothesmith) to
  :func:`analyze_source`;
- hostile but real-world inputs (Python 2, BOM, every line ending, tabs, form feeds, NUL bytes,
  deep nesting, very long lines, very long files, 3.12 syntax ...) go through the same path as
  ``gdpr-lint check`` (:func:`gdpr_lint.scan.analyze_path`), each under a wall-clock bound;
- generated nesting, hundreds deep and of every kind: the analysis budget's estimate never falls
  below the real depth, and the engine never crashes on what the budget admits;
- the per-file time limit (``GDPR_LINT_FILE_TIMEOUT``, ``check`` only) turns a runaway file into GDPR905;
- regression tests for what ``benchmarks/sweep.py`` found on real files.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdpr_lint import scan
from gdpr_lint.cli import main
from gdpr_lint.engine.analyzer import MAX_NESTING, analyze_source, too_deeply_nested
from gdpr_lint.engine.tree import python_syntax_error
from gdpr_lint.policy import load_policy

POLICY = load_policy()
LEAKY = 'import logging\nlogging.info("signup %s", user_email)\n'
BOUND = 40.0  # seconds: the default per-file limit (30 s) plus slack for a loaded machine


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GDPR_LINT_FILE_TIMEOUT", raising=False)
    monkeypatch.delenv("GDPR_LINT_CACHE_DIR", raising=False)


def _assert_valid(findings) -> None:
    for f in findings:
        assert f.code in POLICY.rules, f
        assert "internal error" not in f.message, f.message  # analyze_path's net for engine bugs


def scan_file(tmp_path: Path, data: str | bytes, name: str = "nasty.py", bound: float = BOUND) -> list:
    """Findings for one file, through the path ``gdpr-lint check`` takes, within ``bound`` seconds."""
    path = tmp_path / name
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8", "surrogatepass"))
    else:
        path.write_bytes(data)
    scan._init_worker(POLICY, time_limit=scan.file_timeout())  # as `check` does (review and verify: none)
    start = time.monotonic()
    findings, suppressed, inventory, lines = scan.analyze_path((str(path), name, "nasty"))
    elapsed = time.monotonic() - start
    assert elapsed < bound, f"{name} took {elapsed:.1f} s"
    _assert_valid(findings)
    _assert_valid(suppressed)
    assert isinstance(inventory, list) and lines >= 0
    return findings


def codes(findings) -> set[str]:
    return {f.code for f in findings}


# ---- property test ---------------------------------------------------------------------------------
try:
    import hypothesmith
except ImportError:  # pragma: no cover - the test extra installs it
    hypothesmith = None


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
def test_generated_programs_never_crash_the_engine():
    @settings(max_examples=60, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(hypothesmith.from_grammar())
    def check(source: str) -> None:
        findings, suppressed, inventory = analyze_source("generated.py", source, POLICY)
        _assert_valid(findings)
        _assert_valid(suppressed)
        assert isinstance(inventory, list)

    check()


# generated nesting: every kind of level the analysis budget weighs, in any order, hundreds deep
NESTERS = ["-{}", "+{}", "~{}", "not {}", "({})", "[{}]", "{{{}}}", "{{1: {}}}", "f({})", "f(a={})", "{}.a", "{}[0]",
           "{}()", "lambda: {}", "(lambda a={}: a)", "{} + 1", "1 + {}", "{} * 2", "2 ** {}", "{} ** 2",
           "{} if c else d", "a if {} else b", "{} and x", "x or {}", "{} < y", "[{} for v in w]", "{} @ m", "{} | z",
           "f'{{{}}}'", 'f"{{{}}}"', "'s' {}", "{}, 1", "(yield {})", "{}.b(c)", "d[{}:2]"]


def _nested(wrappers: list[str]) -> str:
    expr = "user.email"
    for wrapper in wrappers:
        expr = wrapper.format(expr)
    return f"import logging\n\n\ndef g(user):\n    x = {expr}\n    logging.info('%s', user.email)\n"


def _ast_depth(tree) -> int:
    import ast

    best, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        best = max(best, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return best


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_the_budget_never_undercounts_generated_nesting():
    # the analysis budget decides from the text which files libcst may parse; its estimate of the
    # depth must not fall below the real one (here: Python's ast, within a few levels of it)
    import ast

    from gdpr_lint.engine.budget import measure

    @settings(max_examples=300, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(NESTERS), max_size=400))
    def check(wrappers: list[str]) -> None:
        source = _nested(wrappers)
        try:
            tree = ast.parse(source)
        except (SyntaxError, RecursionError, MemoryError):
            return
        assert measure(source).depth + 5 >= _ast_depth(tree), wrappers

    check()


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_generated_deep_nesting_never_crashes_the_engine():
    @settings(max_examples=40, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(NESTERS), max_size=250))
    def check(wrappers: list[str]) -> None:
        findings, suppressed, inventory = analyze_source("nested.py", _nested(wrappers), POLICY)
        _assert_valid(findings)
        assert isinstance(inventory, list)

    check()


# ---- hostile inputs --------------------------------------------------------------------------------
def _long_file(lines: int) -> str:
    out = ["import logging", "log = logging.getLogger(__name__)", ""]
    i = 0
    while len(out) + 6 <= lines - 2:
        out += [f"def handler_{i}(request, user):", f"    total_{i} = sum(x * {i} for x in range(10))",
                f"    if total_{i} > {i}:", f"        log.debug('total %s', total_{i})", "    return total_%d" % i, ""]
        i += 1
    out += [f"x_{n} = {n}" for n in range(lines - 2 - len(out))]
    out += ["def leak(user):", "    log.info('signup %s', user.email)"]
    return "\n".join(out) + "\n"


PY2 = {
    "print-statement": 'print "hello"\n',
    "exec-statement": "exec 'x = 1'\n",
    "backticks": "x = `1`\n",
    "diamond-operator": "if 1 <> 2:\n    pass\n",
    "octal-literal": "mode = 0777\n",
    "ur-string": "x = ur'abc'\n",
    "long-suffix": "x = 10L\n",
    "raise-comma": "raise ValueError, 'bad'\n",
}


@pytest.mark.parametrize("source", list(PY2.values()), ids=list(PY2))
def test_python2_syntax_is_gdpr901(tmp_path, source):
    assert codes(scan_file(tmp_path, source)) == {"GDPR901"}


@pytest.mark.parametrize("source", [
    "try:\n    pass\nexcept Exception, e:\n    print(user_email)\n",  # libcst reads a tuple of types
    'import sys\nprint >>sys.stderr, user_email\n',  # valid Python 3: a tuple `(print >> sys.stderr, ...)`
], ids=["except-comma", "print-chevron"])
def test_python2_that_libcst_accepts_is_scanned(tmp_path, source):
    assert codes(scan_file(tmp_path, source)) <= {"GDPR901", "GDPR301"}


@pytest.mark.parametrize("data, line", [
    ("\ufeff" + LEAKY, 2),  # BOM
    (LEAKY.replace("\n", "\r\n"), 2),  # CRLF
    (LEAKY.replace("\n", "\r"), 2),  # lone CR (classic Mac OS)
    ("import logging\r\nx = 1\ry = 2\nlogging.info('%s', user_email)\r\n", 4),  # all three mixed
    ("\f" + LEAKY.replace("\n", "\n\f"), 2),  # form feeds at the start of lines
    ("import logging\n\f\nclass A:\n\f\n    def f(self):\n        logging.info('%s', user_email)\n", 6),
    (LEAKY.rstrip("\n"), 2),  # no newline at the end
    ("import logging\ndef f(user_email):\n\tif 1:\n\t\tlogging.info('%s', user_email)\n", 4),  # tabs
], ids=["bom", "crlf", "cr", "mixed-eol", "form-feed", "form-feed-indented", "no-final-newline", "tabs"])
def test_odd_encodings_and_whitespace_are_scanned(tmp_path, data, line):
    findings = scan_file(tmp_path, data)
    assert [(f.code, f.line) for f in findings] == [("GDPR301", line)]


def test_form_feed_before_indentation_is_scanned_or_gdpr901(tmp_path):
    # valid for CPython (a form feed resets the column); libcst's tokenizer refuses it
    source = "import logging\nclass A:\n    def f(self):\n\f        logging.info('%s', user_email)\n"
    assert codes(scan_file(tmp_path, source)) in ({"GDPR301"}, {"GDPR901"})


def test_bom_in_text_given_to_the_engine_directly():
    findings, _, _ = analyze_source("bom.py", "\ufeff" + LEAKY, POLICY)
    assert [(f.code, f.line) for f in findings] == [("GDPR301", 2)]


@pytest.mark.parametrize("source", [
    "import logging\ndef f(user_email):\n    if 1:\n\tlogging.info('%s', user_email)\n",
    "import logging\ndef f(user_email):\n  \tif 1:\n\t  logging.info('%s', user_email)\n",
    "if 1:\n        x = 1\n\ty = 2\n",
], ids=["spaces-then-tab", "tab-space-mix", "tab-equals-eight-spaces"])
def test_mixed_indentation_is_scanned_or_gdpr901(tmp_path, source):
    assert codes(scan_file(tmp_path, source)) <= {"GDPR901", "GDPR301"}


def test_nul_bytes_through_the_cli_are_gdpr902(tmp_path):
    (tmp_path / "nul.py").write_bytes(b"import logging\x00\nlogging.info('%s', user_email)\n")
    (tmp_path / "leaky.py").write_text(LEAKY, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "."])
    assert result.exit_code == 1, result.output
    by_path: dict[str, set[str]] = {}
    for f in json.loads(result.stdout)["findings"]:
        by_path.setdefault(f["path"], set()).add(f["code"])
    assert by_path == {"nul.py": {"GDPR902"}, "leaky.py": {"GDPR301"}}


def test_nul_byte_in_text_given_to_the_engine_directly():
    findings, _, _ = analyze_source("nul.py", LEAKY + "x = '\x00'\n", POLICY)
    _assert_valid(findings)


def test_lone_surrogate_in_text_given_to_the_engine_directly():
    findings, _, _ = analyze_source("surrogate.py", LEAKY + "x = '\ud800'\n", POLICY)
    assert codes(findings) <= {"GDPR901", "GDPR905"} and findings


@pytest.mark.parametrize("opener, closer", [("(", ")"), ("[", "]"), ("{'k': ", "}"), ("f(", ")"), ("f'{", "}'")],
                         ids=["parentheses", "lists", "dicts", "calls", "f-strings"])
def test_1000_deep_nesting_is_gdpr901_at_once(tmp_path, opener, closer):
    source = "import logging\nuser_email = 1\nx = " + opener * 1000 + "user_email" + closer * 1000 + "\n"
    (finding,) = scan_file(tmp_path, source, bound=10)
    assert finding.code == "GDPR901" and "too many nested parentheses" in finding.message
    assert finding.line == 3


_CALLS_AFTER = "".join(f"log_{i} = logging.info('x', {i})\n" for i in range(1500))


@pytest.mark.parametrize("opener", ["y = (1,", "y = [1,", "y = {'k': 1,", "y = dict(a=1,", "def f(a,"],
                         ids=["parenthesis", "list", "dict", "call", "signature"])
def test_an_unclosed_bracket_before_many_lines_is_gdpr901_at_python_s_line(tmp_path, opener):
    """A bracket never closed, with a thousand lines after it: the budget measures every line after
    it as nested inside it (beyond the budget), but the file's trouble is its syntax error, where
    Python says (found by a fresh user: it was GDPR905 about nesting, two thousand lines on)."""
    source = "import logging\n" + opener + "\n" + _CALLS_AFTER
    (finding,) = scan_file(tmp_path, source, bound=20)
    assert (finding.code, finding.line) == ("GDPR901", 2) and "was never closed" in finding.message


@pytest.mark.parametrize("source, line", [
    # a second bracket never closed: Python's first error is inside the first, at the next `=`
    ("import logging\ny = (1,\n" + _CALLS_AFTER + "z = [2,\n" + _CALLS_AFTER, 3),
    # another syntax error before the bracket
    ("import logging\nx = = 1\ny = (1,\n" + _CALLS_AFTER, 2),
    # newer syntax (a type alias) before the bracket: no Python reads the file
    ("import logging\ntype T = int\ny = (1,\n" + _CALLS_AFTER, 2),
])
def test_an_unclosed_bracket_is_gdpr901_at_python_s_first_error_whatever_it_says(tmp_path, source, line):
    """Where the budget's reading of the text ends with a bracket open, no Python reads the file:
    Python's first syntax error is reported, whatever its message (found by a fresh user: the
    first fix trusted only "was never closed")."""
    (finding,) = scan_file(tmp_path, source, bound=20)
    assert (finding.code, finding.line) == ("GDPR901", line)
    assert finding.message == "syntax error, file not checked: " + python_syntax_error(source)[2]


@pytest.mark.parametrize("source, unclosed", [
    ("x = (1,\n", 1), ("x = f(a, [b,\n  {c: d,\n", 3), ("x = (1)\ny = [2]\n", 0),
    ("x = '(['  # ({\n", 0), ('x = """(\n["""\n', 0), ("x = f'{(1)}'\n", 0), ("x = (1]\n", 0),
])
def test_the_budget_says_which_brackets_its_reading_leaves_open(source, unclosed):
    """Code's brackets, not a string's or a comment's (a closer of another kind closes one too:
    the budget counts nesting, Python says which bracket does not match)."""
    from gdpr_lint.engine.budget import measure

    assert measure(source).unclosed == unclosed


def test_newer_syntax_beyond_the_budget_stays_gdpr905(tmp_path):
    """A type alias (Python 3.12), which this Python refuses and libcst reads: not a syntax error of
    every Python, so the nesting beyond the budget is what is reported."""
    source = "type Depth = " + "-" * 2100 + "1\n"
    (finding,) = scan_file(tmp_path, source, bound=20)
    assert finding.code == "GDPR905" and "nested too deeply" in finding.message


def test_nesting_that_python_accepts_is_still_scanned(tmp_path):
    source = "import logging\nuser_email = 1\nlogging.info('%s', " + "(" * 120 + "user_email" + ")" * 120 + ")\n"
    assert "GDPR901" not in codes(scan_file(tmp_path, source))


def test_a_file_s_brackets_are_counted_once_for_its_analysis(tmp_path, monkeypatch):
    """Whether a file needs libcst at all, and its analysis, both ask how deep its brackets nest:
    a file of many brackets is read for them once."""
    from gdpr_lint.engine import budget

    counted: list[int] = []
    pattern = budget._NOT_BRACKETS

    class Counting:
        def sub(self, repl, text):
            counted.append(len(text))
            return pattern.sub(repl, text)

    monkeypatch.setattr(budget, "_NOT_BRACKETS", Counting())
    source = "import logging\nlog = logging.getLogger(__name__)\n" + "".join(
        f"def f{i}(user):\n    log.info('%s', (user.email, [{i}], {{{i}: ({i})}}))\n" for i in range(80))
    (tmp_path / "brackets_once.py").write_text(source, encoding="utf-8")
    found = scan.scan([tmp_path], POLICY, root=tmp_path, jobs=1, cache_dir=None).findings
    assert any(f.code == "GDPR301" for f in found)
    assert len(counted) == 1


@pytest.mark.parametrize("source, expected", [
    ("x = " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING, 0),
    ("x = " + "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1), 1),
    ("s = '" + "(" * 500 + "'\n# " + "[" * 500 + "\nt = '''\n" + "{" * 500 + "'''\n", 0),  # in strings and comments
    ('s = "\\"' + "(" * 500 + '"\n', 0),  # escaped quote inside the string
    ("x = 1\r" + "[" * 300 + "]" * 300 + "\n", 2),  # lone CR counts as a line break
    ("'''" + "(" * 500, 0),  # unterminated triple-quoted string runs to the end
    ("x = (" * 300, 1),  # unbalanced: opened, never closed
])
def test_nesting_depth_counts_only_code_brackets(source, expected):
    assert too_deeply_nested(source) == expected


@pytest.mark.parametrize("source, over", [
    ("match x:\n    case " + "{1: " * 7 + "a" + "}" * 7 + ":\n        pass\n", True),  # 14 levels
    ("match x:\n    case " + "[" * 13 + "a" + "]" * 13 + ":\n        pass\n", True),
    ("match x:\n    case " + "P(x=" * 13 + "a" + ")" * 13 + ":\n        pass\n", True),
    # what real patterns look like, and look-alikes: a name `case`, brackets outside a pattern
    ("match x:\n    case {'a': [P(x={'b': y})]} if y:\n        pass\n", False),
    ("case = " + "[" * 40 + "1" + "]" * 40 + "\n", False),
    ("case.x = f(" + "[" * 40 + "1" + "]" * 40 + ")\n", False),
    ("match x:\n    case 1:\n        y = " + "{1: " * 30 + "1" + "}" * 30 + "\n", False),
])
def test_deep_case_patterns_are_over_the_budget(source, over):
    from gdpr_lint.engine.budget import over_budget

    why, line = over_budget(source)
    assert bool(why) == over and (line == 2 if over else line == 0)
    if over:
        assert "`case` pattern" in why


def test_a_deep_case_pattern_is_gdpr905_at_once(tmp_path):
    source = "def route(c):\n    match c.email:\n        case " + "{1: " * 14 + "a" + "}" * 14 + ":\n            print(c.email)\n"
    started = time.monotonic()
    findings = scan_file(tmp_path, source)
    assert [f.code for f in findings] == ["GDPR905"] and time.monotonic() - started < 10


@pytest.mark.parametrize("joined, under", [
    (lambda n: "x = (" + "'a' " * n + ")\n", True),
    (lambda n: "x = (" + "rb'a'\n     " * n + ")\n", True),  # a prefix, a line break in brackets
    (lambda n: "x = 'a' \\\n" + "    'a' \\\n" * (n - 2) + "    'b'\n", True),  # backslash continuations
    (lambda n: "x = (" + "f'{a}' " * n + ")\n", True),  # an f-string's fields do not end the run
])
def test_the_budget_knows_how_many_joined_strings_libcst_reads(joined, under):
    """libcst reads at most 3,000 string literals joined in a row and refuses more as a syntax
    error, which Python is not: the budget says so before libcst is asked (found by a fresh user)."""
    import libcst as cst

    from gdpr_lint.engine.budget import MAX_STRING_RUN, over_budget

    def read(source: str) -> bool:
        compile(source, "joined.py", "exec")  # (Python reads them all)
        try:
            cst.parse_module(source)
        except cst.ParserSyntaxError:
            return False
        return True

    within, beyond = joined(MAX_STRING_RUN), joined(MAX_STRING_RUN + 1)
    assert read(within) and not read(beyond)
    why, line = over_budget(beyond)
    assert why and line >= 1
    if under:
        assert "string literals joined" in why and over_budget(within) == ("", 0)
    # look-alikes: strings apart, on their own lines or as the items of a list
    for source in ("x = 'a'\n" * 4000, "f(" + ", ".join(["'a'"] * 4000) + ")\n"):
        assert over_budget(source) == ("", 0)


def test_a_file_of_many_joined_strings_is_analysed_and_its_findings_kept(tmp_path):
    """1,000 to 3,000 joined literals, which libcst reads as strings nested one in the next, are
    read in a loop (their text, and what they carry): the whole file was skipped for a recursion
    (GDPR905) and its findings lost (found by a fresh user)."""
    run = "'-' " * 2500
    fields = "f'{width}' " * 1500
    source = (f"import logging\nlog = logging.getLogger(__name__)\nwidth = 3\nBANNER = ({run})\n\n\n"
              f"def greet(user):\n    log.info('hello %s', user.email)\n    ruler = ({fields})\n"
              f"    log.info(ruler + user.phone)\n    line = ({run} f'{{user.email}}')\n    log.info(line)\n")
    findings = scan_file(tmp_path, source)
    assert [(f.code, f.line) for f in findings] == [("GDPR301", 8), ("GDPR301", 10), ("GDPR301", 12)]


def test_a_statement_of_more_joined_strings_than_libcst_reads_is_left_out_alone(tmp_path):
    """Python reads 3,500 joined literals and libcst refuses them as a syntax error: that statement
    is not checked (GDPR905, its lines), the rest of the file is, its finding kept."""
    source = ("import logging\nlog = logging.getLogger(__name__)\n\nBANNER = (" + "'-' " * 3500 + ")\n\n\n"
              "def greet(user):\n    log.info('hello %s', user.email)\n")
    findings = scan_file(tmp_path, source)
    assert [(f.code, f.line) for f in findings] == [("GDPR905", 4), ("GDPR301", 8)]
    assert "3,500 string literals joined" in findings[0].message


def test_nesting_check_matches_python_on_the_limit():
    import ast

    for depth in (MAX_NESTING, MAX_NESTING + 1):
        source = "x = " + "[" * depth + "]" * depth + "\n"
        try:
            ast.parse(source)
            python_refuses = False
        except SyntaxError:
            python_refuses = True
        assert bool(too_deeply_nested(source)) == python_refuses


def test_50k_character_line(tmp_path):
    source = "import logging\nrow = [" + "user_email, " * 4200 + "]\nlogging.info('%s', row)\n"
    assert len(source.splitlines()[1]) > 50_000
    assert codes(scan_file(tmp_path, source)) <= {"GDPR301"}


def test_huge_string_literals(tmp_path):
    source = ("import logging\nBLOB = '" + "x" * 1_000_000 + "'\nDOC = '''\n" + "line (\n" * 20_000 + "'''\n"
              "logging.info('%s', user_email)\n")
    assert [(f.code, f.line) for f in scan_file(tmp_path, source)] == [("GDPR301", 20_005)]


def test_30000_line_file_finishes_or_is_gdpr905(tmp_path, monkeypatch):
    # a file this size can take longer than the default limit on a slow machine; a short limit keeps
    # the test quick and checks that the time limit holds (libcst's native parse cannot be interrupted,
    # so the bound allows for it)
    monkeypatch.setenv("GDPR_LINT_FILE_TIMEOUT", "5")
    source = _long_file(30_000)
    assert source.count("\n") == 30_000
    findings = scan_file(tmp_path, source, bound=BOUND)
    assert codes(findings) in ({"GDPR301"}, {"GDPR905"})


MODERN = {
    "type-alias": "type X = int\ntype Pair[T] = tuple[T, T]\n" + LEAKY,
    "generic-function": "import logging\ndef f[T](x: T) -> T:\n    logging.info('%s', user_email)\n    return x\n",
    "generic-class": "class Box[T, *Ts, **P]:\n    email: str\n" + LEAKY,
    "walrus": "import logging\nif (n := len(user_email)) > 3:\n    logging.info('%s', (e := user_email))\n",
    "match": ("import logging\nmatch user:\n    case {'email': email}:\n        logging.info('%s', email)\n"
              "    case [a, *rest] if (n := len(rest)):\n        pass\n    case Point(x=0) | None:\n        pass\n"
              "    case _:\n        pass\n"),
    "async": ("import logging\nasync def f(users):\n    async with lock:\n        async for u in users:\n"
              "            logging.info('%s', u.email)\n    return [u async for u in users if await u.ok()]\n"),
    "except-star": "try:\n    pass\nexcept* ValueError:\n    pass\n" + LEAKY,
    "pep701-fstrings": 'import logging\nlogging.info(f"{f"{f"{user_email}"}"}")\n',
    "nested-fstrings": ("import logging\nlogging.info(f\"{user_email!r:>{width}}\")\n"
                        "logging.info(f'{f\"{user_email}\"}' f'{x:{y}.{z}}')\n"),
    "decorators-everywhere": ("import functools, logging\n@dataclass(frozen=True)\n@(lambda c: c)\nclass A:\n"
                              "    @property\n    @functools.cache\n    def email(self):\n"
                              "        @x[0].y(user_email)\n        @(yield_it)\n        async def inner(): pass\n"
                              "        return self.user_email\n"
                              "@a.b.c(d)(e)[f]\ndef g(): logging.info('%s', user_email)\n"),
    "positional-only-and-star": "def f(a, /, b, *, user_email=None): print(user_email)\n",
    "lambda-default-walrus": "f = lambda user_email=(y := 1): print(user_email)\n",
}


@pytest.mark.parametrize("source", list(MODERN.values()), ids=list(MODERN))
def test_modern_syntax_is_scanned(tmp_path, source):
    findings = scan_file(tmp_path, source)
    assert not codes(findings) & {"GDPR901", "GDPR905"}, [f.message for f in findings]


@pytest.mark.parametrize("source", ["", "   \n\n\t\n", "\f", "# only a comment", "\\", '"""unterminated',
                                    "x = 1 + \\\n", "def f(:\n", "\x0c\x0b\n", "pass\n" * 50_000, "@\n", ")"])
def test_degenerate_files(tmp_path, source):
    assert codes(scan_file(tmp_path, source)) <= {"GDPR901"}


# ---- the per-file time limit ------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_runaway_file_becomes_gdpr905(tmp_path, monkeypatch):
    monkeypatch.setenv("GDPR_LINT_FILE_TIMEOUT", "0.05")
    handler = signal.getsignal(signal.SIGALRM)
    (finding,) = scan_file(tmp_path, _long_file(800), bound=BOUND)
    assert finding.code == "GDPR905"
    assert finding.message == "analysis took longer than 0.05 s; file skipped"
    assert signal.getsignal(signal.SIGALRM) is handler  # the previous handler is back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # and no timer is left running


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_time_limit_through_the_cli_and_never_cached(tmp_path, monkeypatch):
    # (every handler reads personal data beside its log call, so the cut keeps them all for
    # libcst: a handler that names none is not read, and the file took less than the limit)
    slow = _long_file(800).replace("    return total_", "    seen = user.email\n    return total_")
    (tmp_path / "big.py").write_text(slow, encoding="utf-8")
    args = ["check", "--jobs", "1", "--cache-dir", str(tmp_path / "cache"), "--format", "json", "big.py"]
    monkeypatch.setenv("GDPR_LINT_FILE_TIMEOUT", "0.05")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["GDPR905"]
    monkeypatch.setenv("GDPR_LINT_FILE_TIMEOUT", "0")  # no limit: the real findings, not a cached skip
    result = CliRunner().invoke(main, args)
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["GDPR301"]


@pytest.mark.parametrize("value, expected", [(None, 300.0), ("", 300.0), ("2.5", 2.5), ("0", 0.0), ("-1", None),
                                             ("soon", None), ("inf", 0.0), ("nan", None)])
def test_file_timeout_from_the_environment(monkeypatch, value, expected):
    from gdpr_lint.errors import UsageError

    if value is not None:
        monkeypatch.setenv("GDPR_LINT_FILE_TIMEOUT", value)
    if expected is None:  # not a number of seconds: a usage error naming the variable (it was the
        # default, unsaid; `nan` and a negative number meant no limit, unsaid: 0 says that)
        with pytest.raises(UsageError, match="GDPR_LINT_FILE_TIMEOUT"):
            scan.file_timeout()
    else:
        assert scan.file_timeout() == expected


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_timeout_masked_by_a_finally_clause_is_still_a_timeout():
    # found by the sweep: the alarm went off inside libcst's PositionProvider, whose `finally`
    # replaced it with a KeyError, which then looked like an engine crash
    with pytest.raises(scan._FileTimeout):
        with scan._time_limit(0.05):
            try:
                _spin(5)
            finally:
                raise KeyError("IndentedBlock(...)")


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_timeout_swallowed_by_the_engine_is_still_a_timeout():
    with pytest.raises(scan._FileTimeout):
        with scan._time_limit(0.05):
            try:
                _spin(5)
            except BaseException:  # noqa: BLE001 - what a careless `except` would do
                pass


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_time_limit_restores_an_outer_timer():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with scan._time_limit(5):
            pass
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.3
        _spin(0.6)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_no_time_limit_outside_the_main_thread(tmp_path, monkeypatch):
    monkeypatch.setenv("GDPR_LINT_FILE_TIMEOUT", "0.01")
    out: list = []
    handler = signal.getsignal(signal.SIGALRM)
    thread = threading.Thread(target=lambda: out.append(scan_file(tmp_path, LEAKY)))
    thread.start()
    thread.join()
    assert [f.code for f in out[0]] == ["GDPR301"]
    assert signal.getsignal(signal.SIGALRM) is handler


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_time_limit_closed_without_exit_cleans_up_quietly():
    # found by the sweep ("Exception ignored in: <generator object _time_limit>"): an alarm just
    # after __enter__ can skip __exit__ (bpo-29988); the generator is then closed when collected
    handler = signal.getsignal(signal.SIGALRM)
    manager = scan._time_limit(0.05)
    timed_out = False
    try:
        manager.__enter__()
        _spin(5)
    except scan._FileTimeout:
        timed_out = True
    for _ in range(3):  # the alarm repeats until the clean-up has run
        try:
            manager.gen.close()  # what garbage collection does: must not raise anything else
            break
        except scan._FileTimeout:
            pass
    assert timed_out
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_timeout_dropped_by_python_fires_again(monkeypatch):
    # found running this file: the alarm went off inside hypothesis's gc callback, where Python
    # prints and drops exceptions, and the 30,000-line file then ran to the end (44 s for a 5 s limit).
    # The dropped alarm must not reach the unraisable hook either: pytest's failed the test run
    # with "Failed to process unraisable exception" when the next alarm fired inside it.
    seen: list = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)

    class SlowToDie:
        def __del__(self):
            _spin(0.3)  # the first alarm is raised here, and dropped

    start = time.monotonic()
    with pytest.raises(scan._FileTimeout):
        with scan._time_limit(0.05):
            SlowToDie()
            _spin(5)
    assert time.monotonic() - start < 2
    assert not any(isinstance(u.exc_value, scan._FileTimeout) for u in seen)
    assert sys.unraisablehook == seen.append  # restored


def test_a_tree_of_hostile_files_through_the_whole_scan(tmp_path):
    # the path `gdpr-lint check` takes: survey (ast, pre-filter) on worker processes, then analysis
    from gdpr_lint.scan import scan as run_scan

    files = {
        "py2.py": PY2["print-statement"] + LEAKY,
        "bom_crlf.py": ("\ufeff" + LEAKY).replace("\n", "\r\n"),
        "cr_only.py": LEAKY.replace("\n", "\r"),
        "tabs_ff.py": "if True:\n\tx = 1\n\x0c\n" + LEAKY,
        "deep.py": "x = " + "(" * 300 + "1" + ")" * 300 + "\n" + LEAKY,
        "long_line.py": "x = '" + "a" * 50_000 + "'\n" + LEAKY,
        "modern.py": MODERN["generic-class"],
        "long.py": _long_file(5_000),
        "empty.py": "",
        "plain.py": "def add(a, b):\n    return a + b\n",
        "broken.py": "def f(:\n" + LEAKY,
    }
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    (tmp_path / "latin1.py").write_bytes("n = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    start = time.monotonic()
    result = run_scan([tmp_path], POLICY, root=tmp_path, jobs=2, cache_dir=None)
    assert time.monotonic() - start < BOUND
    by_file: dict[str, set[str]] = {}
    for f in result.findings:
        by_file.setdefault(f.path, set()).add(f.code)
    _assert_valid(result.findings)
    assert by_file["py2.py"] == {"GDPR901"} and by_file["broken.py"] == {"GDPR901"}
    assert by_file["deep.py"] == {"GDPR901"}
    assert by_file["nul.py"] == by_file["latin1.py"] == by_file["dangling.py"] == {"GDPR902"}
    for name in ("bom_crlf.py", "cr_only.py", "tabs_ff.py", "long_line.py", "modern.py", "long.py"):
        assert "GDPR301" in by_file[name], name
    assert "empty.py" not in by_file and "plain.py" not in by_file
    assert result.files == len(files) + 3


def test_a_chain_too_deep_for_pythons_parser_is_reported_at_once(tmp_path):
    # found by a new user: libcst's parser spent 40 s in native code on this, where the per-file
    # time limit cannot interrupt it; Python 3.11's own parser gives up on it (3.13's compiles it)
    source = "import logging\nlogging.info('x %s' + " + " + ".join(["'a'"] * 5000) + ", user.email)\n"
    (tmp_path / "chain.py").write_text(source)
    start = time.monotonic()
    result = scan.scan([tmp_path / "chain.py"], POLICY, root=tmp_path, jobs=1)
    assert time.monotonic() - start < BOUND
    assert [(f.code, f.path) for f in result.findings] == [("GDPR905", "chain.py")]
    assert "nested too deeply" in result.findings[0].message


@pytest.mark.parametrize("source, expected", [
    ("\uff4c\uff4f\uff47.info('\uff4c')  # \uff4c\n", "log.info('\uff4c')  # \uff4c\n"),  # strings, comments kept
    ("caf\u00e9 = '\u00e9'\n", "caf\u00e9 = '\u00e9'\n"),  # already NFKC: untouched
    ("\ufb01le = 1\nx = (\n", "file = 1\nx = (\n"),  # a ligature; a file Python cannot tokenize still gains it
    ("x = 1\n", "x = 1\n"),
    # an f-string's fields are code (one STRING token before Python 3.12), also over several lines
    ('log.info(f"to {c.\uff45\uff4d\uff41\uff49\uff4c}")\n', 'log.info(f"to {c.email}")\n'),
    ('s = rf"""a\n{c.\uff50\uff48\uff4f\uff4e\uff45}"""\n', 's = rf"""a\n{c.phone}"""\n'),
    ('s = "\uff45\uff4d"\n', 's = "\uff45\uff4d"\n'),  # a plain string stays as written
])
def test_identifiers_are_normalised_as_python_does(source, expected):
    from gdpr_lint.files.source import decode, normalise_identifiers

    assert normalise_identifiers(source) == expected
    assert decode(source.encode("utf-8")) == (expected, "")


def test_the_cycle_collector_is_back_as_it_was_after_a_file_whatever_happened(monkeypatch):
    """The survey and the analysis pause Python's cycle collector while a file's trees live
    (gdpr_lint.collector.paused): afterwards it is on again, also when the analysis raised, and
    left off when the caller (a library user) had turned it off."""
    import gc

    from gdpr_lint.engine import analyzer
    from gdpr_lint.survey import NOTHING, survey_source

    policy = load_policy()
    source = "import logging\nlog = logging.getLogger(__name__)\n\ndef f(user):\n    log.info('%s', user.email)\n"
    assert gc.isenabled()
    seen = []
    real = analyzer._analyze_module
    monkeypatch.setattr(analyzer, "_analyze_module", lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k))
    assert [f.code for f in analyze_source("a.py", source, policy)[0]] == ["GDPR301"]
    survey_source(source, "a", False, NOTHING)
    assert seen == [False] and gc.isenabled()

    def broken(*a, **k):
        raise RuntimeError("an engine bug")

    monkeypatch.setattr(analyzer, "_analyze_module", broken)
    with pytest.raises(RuntimeError):
        analyze_source("a.py", source, policy)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(analyzer, "_analyze_module", real)
        analyze_source("a.py", source, policy)
        survey_source(source, "a", False, NOTHING)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_more_jobs_than_cores_start_no_more_workers_than_cores(monkeypatch):
    """`-j 1000` started a thousand worker processes (30 s of wall time where two took 1.7 s).
    Found by a fresh-user check."""
    from gdpr_lint import scan as scan_module
    from gdpr_lint.policy import load_policy

    policy = load_policy()
    monkeypatch.setattr(scan_module, "usable_cores", lambda: 4)
    assert scan_module._Runner(policy, True, 1000).workers == 4
    assert scan_module._Runner(policy, True, 3).workers == 3
    assert scan_module._Runner(policy, True, None).workers == 4
    monkeypatch.setattr(scan_module, "usable_cores", lambda: 1)
    assert scan_module._Runner(policy, True, 2).workers == 2  # a pool of two on any machine, as asked
    assert scan_module._Runner(policy, True, 64).workers == 2
