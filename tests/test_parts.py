"""A module too big to parse at once is read in parts (gdpr_lint.files.parts): every statement in
exactly one part (the module's own code in all), the file's line numbers kept, and the findings
those of the whole module read at once."""

from __future__ import annotations

import ast
import json

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main
from gdpr_lint.files import parts
from gdpr_lint.files.parts import split_module, statements


def generated(n: int) -> str:
    """A module of ``n`` record classes and handlers, with the shapes a cut must respect."""
    out = ['"""A generated module.\n\nclass NotAStatement:\n"""', "import logging", "",
           "from django.db import models", "", "log = logging.getLogger(__name__)", "",
           "if log:", "    LIMIT = 1", "else:", "    LIMIT = 2", "",
           "TOTAL = 1 + \\", "    2", ""]
    for i in range(n):
        if i % 2:  # a tag on the field, a suppression on the next
            out += [f"class Customer{i}(models.Model):",
                    "    email = models.EmailField()  # gdpr: retention=P1Y basis=contract",
                    f"    phone = models.CharField(max_length=20)  # gdpr-lint: ignore[GDPR101] reason=\"test {i}\"",
                    ""]
        else:  # a tag above the class
            out += ["# gdpr: retention=P1Y basis=contract",
                    f"class Customer{i}(models.Model):",
                    "    email = models.EmailField()",
                    "    phone = models.CharField(max_length=20)",
                    ""]
        out += ["@staticmethod",
                f"def handle_{i}(user):",
                f"    data = {{'id': {i},",
                "            'n': 2}",
                "    log.info('handled %s', user.email)",
                "    return data",
                ""]
    # a helper far from its caller: they must share a part for the flow through it
    out += ["def caller(user):", "    shout(user.phone)", ""]
    out += [f"def filler_{i}():\n    return {i}\n" for i in range(40)]
    out += ["def shout(text):", "    log.warning(text)", ""]
    return "\n".join(out) + "\n"


def test_units_that_define_a_name_another_reads_share_a_part_and_no_other_joins_them(monkeypatch):
    """Classes that define a method `save` that code reads share a part with that code (the flow
    follows the name to any of them); the functions that define and read nothing of theirs are
    packed apart (each name's definers joined once: thousands of classes with a method of one
    name made the split quadratic)."""
    monkeypatch.setattr(parts, "PART_LINES", 8)
    source = "import logging\n\n" + "".join(f"class Store{i}:\n    def save(self):\n        return {i}\n\n"
                                             for i in range(3))
    source += "".join(f"def tally_{i}():\n    return {i}\n\n" for i in range(8))
    source += "def keep(store):\n    return store.save()\n"
    found = split_module(source)
    together = [p for p in found if "class Store0" in p.text]
    assert len(together) == 1 and all(f"class Store{i}" in together[0].text for i in range(3))
    assert "def keep" in together[0].text and "def tally_" not in together[0].text
    assert all("class Store" not in p.text for p in found if p is not together[0])
    assert sum("def tally_" in p.text for p in found) >= 2  # (the rest packed into parts of their own)


def test_every_statement_in_one_part_with_its_own_lines(monkeypatch):
    monkeypatch.setattr(parts, "PART_LINES", 60)
    source = generated(30)
    found = split_module(source)
    assert len(found) > 3
    lines = source.split("\n")
    definitions = {}
    for part in found:
        ast.parse(part.text)  # every part parses
        assert all(text == lines[n - 1] for text, n in zip(part.text.split("\n"), part.lines))
        assert "log = logging.getLogger(__name__)" in part.text and "    LIMIT = 2" in part.text
        for node in ast.parse(part.padded(len(lines))).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert node.name not in definitions, node.name  # in one part only
                definitions[node.name] = node.lineno
                # the tag above a class and the decorator above a function came with them
                above = lines[node.lineno - 2] if isinstance(node, ast.ClassDef) else lines[node.lineno - 1]
                assert above.startswith(("# gdpr:", "@", "def", "class", "")), above
    assert set(definitions) == {n.name for n in ast.parse(source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert {n.lineno for n in ast.parse(source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))} == set(
        definitions.values())
    # the caller and the helper it calls share a part
    assert any("def caller" in p.text and "def shout" in p.text for p in found)


def test_the_cut_follows_strings_brackets_and_continuations():
    source = ('x = """\nclass Inside:\n"""\ny = (1,\n2)\nz = 1 + \\\n3\nif x:\n    pass\nelif y:\n    pass\n'
              'else:\n    pass\n@dec\n\ndef f():\n    pass\n')
    got = [(a, b) for a, b, _name in statements(source)]
    assert got == [(1, 3), (4, 5), (6, 7), (8, 13), (14, 18)]
    assert statements("x = (1,\n") == []  # an unclosed bracket: not cut


def _findings(root, monkeypatch, cut: bool) -> list:
    from gdpr_lint.engine import analyzer

    monkeypatch.setattr(parts, "SPLIT_LINES", 100 if cut else 10**9)
    monkeypatch.setattr(parts, "PART_LINES", 60)
    cuts = []
    monkeypatch.setattr(analyzer, "split_module", lambda text: cuts.append(split_module(text)) or cuts[-1])
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail",
                                       "mod.py"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (len(cuts[0]) > 3) if cut else not cuts  # read in parts, or at once
    return [doc["summary"]["suppressed"], *sorted((f["code"], f["line"], f["column"], f["end_line"], f["message"])
                                                  for f in doc["findings"])]


def test_findings_in_parts_are_those_of_the_whole_module(tmp_path, monkeypatch):
    (tmp_path / "mod.py").write_text(generated(25), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    whole = _findings(tmp_path, monkeypatch, cut=False)
    in_parts = _findings(tmp_path, monkeypatch, cut=True)
    assert in_parts == whole
    suppressed, *found = whole
    assert sum(1 for f in found if f[0] == "GDPR301") == 26  # the handlers' logs and the flow through shout()
    assert any(f[0] == "GDPR301" and "phone" in f[4] for f in found)
    assert not any(f[0] in ("GDPR101", "GDPR904") for f in found)  # every tag and suppression held
    assert suppressed == 12  # the phones of the odd classes


def _module_level_mix(n: int) -> str:
    """Module-level code of every shape a part may need: a name of personal data, one read through
    another, one bound by `:=`, a `global` a function reads, a name an annotation string gives, a
    store into a module dict, a logging config, a module-level log call and a block."""
    out = ["import logging", "import requests as rq", "from app.people import load_email",
           "log = logging.getLogger(__name__)", "customer_email = load_email()", "contact = customer_email",
           "x = (cached_customer_email := load_email())", "last_customer_email = load_email()",
           "CustomerAlias = None", "registry = {}", "registry['k'] = contact", "addressee = load_email()",
           "greeting = f'Dear {addressee},'",
           "logging.basicConfig()", "log.info('boot %s', customer_email)", "if log:", "    LIMIT = 1", ""]
    out += [f"UNREAD_{i} = 'value {i}'" for i in range(40)]
    bodies = ["log.info('%s', contact)", "rq.post('https://api.example.com', json={'e': user.email})",
              "global last_customer_email\n    log.warning('%s', last_customer_email)",
              "log.info('%s', cached_customer_email)", "registry['e'] = user.email\n    log.error('%s', registry)",
              "return len(user.rows)", "log.info('%s', greeting)"]
    for i in range(n):
        out += [f"class Customer{i}:", "    email = 'x'", "", f"def handle_{i}(user, c: 'CustomerAlias' = None):",
                "    " + bodies[i % len(bodies)], ""]
    return "\n".join(out) + "\n"


def test_a_part_holds_the_module_statements_it_reads_and_the_first_holds_them_all(monkeypatch):
    """Every part held all the module's own statements: a module of thousands of constants and
    functions read them all once per part (its cost grew with parts times constants).  The first
    part holds them all; the others the assignments and imports their code reads (in turn what
    those read: `SUPPORT = ADMIN_EMAIL`) and every statement that does more than bind a name."""
    monkeypatch.setattr(parts, "PART_LINES", 30)
    found = split_module(_module_level_mix(24))
    assert len(found) > 3
    assert all(f"UNREAD_{i} =" in found[0].text for i in range(40)) and "contact =" in found[0].text
    for part in found[1:]:
        assert "UNREAD_" not in part.text  # read by no function
        for always in ("logging.basicConfig()", "log.info('boot %s'", "if log:", "registry['k'] = contact",
                       "x = (cached_customer_email := load_email())"):
            assert always in part.text, always  # more than a name bound: in every part
        assert "customer_email = load_email()" in part.text  # read by a statement every part holds
        assert ("last_customer_email = load_email()" in part.text) == ("global last_customer_email" in part.text)
        assert ("CustomerAlias = None" in part.text) == ("'CustomerAlias'" in part.text)
        if "'%s', greeting)" in part.text:  # (read through an f-string's field: the fields are code)
            assert "greeting = f'Dear {addressee},'" in part.text and "addressee = load_email()" in part.text
        ast.parse(part.text)


def test_findings_in_parts_with_their_module_statements_are_those_of_the_whole_module(tmp_path, monkeypatch):
    (tmp_path / "mod.py").write_text(_module_level_mix(90), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    whole = _findings(tmp_path, monkeypatch, cut=False)
    assert _findings(tmp_path, monkeypatch, cut=True) == whole
    codes = [f[0] for f in whole[1:]]
    assert codes.count("GDPR301") >= 40  # through `contact`, `:=`, `global`, the module dict


def test_module_data_no_function_reads_takes_no_part_but_the_first_over_the_budget(tmp_path, monkeypatch):
    """Module-level tables that no function reads, within the budget each but beyond it together:
    every part held them, so every part was beyond the budget (GDPR905) and no function was
    analysed; now only the first part holds them, and the functions of the others are."""
    from gdpr_lint.engine import budget

    monkeypatch.setattr(budget, "MAX_WORK", 150_000)
    monkeypatch.setattr(parts, "SPLIT_LINES", 100)
    monkeypatch.setattr(parts, "PART_LINES", 60)
    monkeypatch.chdir(tmp_path)
    lines = ["import logging", "log = logging.getLogger(__name__)"]
    lines += [f"TABLE_{t} = [" + ", ".join(str(n) for n in range(700)) + "]" for t in range(4)]
    for i in range(80):
        lines += [f"def leak_{i}(user):", "    log.info('%s', user.email)", ""]
    (tmp_path / "mod.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert budget.measure("\n".join(lines[:6])).work > budget.MAX_WORK  # (the tables together)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail",
                                       "mod.py"])
    found = json.loads(result.stdout)["findings"]
    assert [f["code"] for f in found].count("GDPR905") == 1  # the first part, which holds them
    assert [f["code"] for f in found].count("GDPR301") >= 50  # (the first part's 20 functions are not checked)


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_a_module_with_other_line_breaks_is_cut_at_the_same_lines(tmp_path, monkeypatch, newline):
    """Lines are counted as Python counts them: a module whose line break is a lone carriage
    return is cut too (it was one long line to the cut, read whole, and over 100,000 lines lost
    every finding to the budget), with the same findings at the same lines."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mod.py").write_text(generated(25), encoding="utf-8")
    expected = _findings(tmp_path, monkeypatch, cut=True)
    (tmp_path / "mod.py").write_bytes(generated(25).replace("\n", newline).encode("utf-8"))
    assert _findings(tmp_path, monkeypatch, cut=True) == expected


@pytest.mark.parametrize("ending", ['X = """never closed\n', "def broken(user) pass\n"])
def test_a_syntax_error_in_a_module_read_in_parts_is_one_finding_at_its_line(tmp_path, monkeypatch, ending):
    """As for a small file: one GDPR901 at Python's line, and nothing else of the file."""
    source = generated(25) + ending
    (tmp_path / "mod.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(parts, "SPLIT_LINES", 100)
    monkeypatch.setattr(parts, "PART_LINES", 60)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail",
                                       "mod.py"])
    found = [(f["code"], f["line"], f["message"]) for f in json.loads(result.stdout)["findings"]
             if f["code"].startswith("GDPR9") or f["code"].startswith("GDPR3")]
    try:
        compile(source, "mod.py", "exec")
    except SyntaxError as exc:
        line = exc.lineno
    assert [(code, at) for code, at, _ in found] == [("GDPR901", line)], found
    assert "file not checked" in found[0][2]


@pytest.mark.parametrize("cut", [False, True])
def test_what_a_module_read_in_parts_passes_to_another_file_is_followed(tmp_path, monkeypatch, cut):
    """The survey of a module read in parts records what its calls pass to the project's functions
    as for a whole file (survey.incoming): the functions with no word that can be personal data are
    not walked, the one that passes a member's e-mail and phone is."""
    monkeypatch.setattr(parts, "SPLIT_LINES", 50 if cut else 10**9)
    monkeypatch.setattr(parts, "PART_LINES", 30)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "helpers.py").write_text('def keep(value):\n    with open("out.txt", "a") as fp:\n'
                                         '        fp.write(value)\n\n\ndef shout(value):\n'
                                         '    raise ValueError(f"bad value {value}")\n', encoding="utf-8")
    lines = ["from helpers import keep, shout", ""]
    for i in range(30):  # look-alikes: a count kept, nothing personal
        lines += [f"def tally_{i}(rows):", f"    keep(str(len(rows) + {i}))", ""]
    lines += ["def remember(member):", "    keep(member.email)", "    shout(member.phone)", ""]
    (tmp_path / "mod.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from gdpr_lint import survey

    read_in_parts = []
    real = survey._survey_parts
    monkeypatch.setattr(survey, "_survey_parts", lambda text, found, *a: read_in_parts.append(len(found)) or real(
        text, found, *a))
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail", "."])
    assert result.exit_code == 0, result.output
    assert (read_in_parts and read_in_parts[0] > 2) if cut else not read_in_parts
    found = sorted((f["code"], f["path"], f["line"], tuple(f["reasons"])) for f in json.loads(result.stdout)["findings"]
                   if f["family"] != "rights")
    assert found == [("GDPR202", "helpers.py", 3, ("user.contact.email: passed to `value` by the call at mod.py:94",)),
                     ("GDPR302", "helpers.py", 7,
                      ("user.contact.phone_number: passed to `value` by the call at mod.py:95",))]


def test_lines_are_the_lines_python_numbers():
    """``python_lines`` (a plain split where no carriage return is) and ``line_breaks``: line ``n``
    is the one Python's own compiler reports at line ``n``; a form feed, a Unicode line separator
    and NEL break no line."""
    import random

    from gdpr_lint.files.source import line_breaks, python_lines

    rng = random.Random(3)
    pieces = ["a", "b = 1", "\n", "\r\n", "\r", "\x0c", "\u2028", "\x85", " "]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        lines = python_lines(text)
        assert len(lines) == line_breaks(text) + 1
        assert "\n".join(lines) == text.replace("\r\n", "\n").replace("\r", "\n")
    source = "x = 1\r\ny = 2\rz = ('\u2028\x85',\x0c\n  3)\nraise_here(\n"
    with pytest.raises(SyntaxError) as error:
        compile(source, "m.py", "exec")
    assert python_lines(source)[error.value.lineno - 1] == "raise_here("


def test_the_last_text_read_is_answered_again_and_another_text_afresh(monkeypatch):
    """``split_module``, ``top_level`` and ``masked_lines`` keep the last text's answer (a big
    module is read by the survey, the focus, the cut and the rights check in turn): an equal text
    gets it again, another text its own."""
    monkeypatch.setattr(parts, "PART_LINES", 60)
    one, two = generated(25), generated(30)
    first = split_module(one)
    assert split_module(two) != first and len(split_module(two)) > len(first)
    assert split_module("".join(one)) == first  # an equal text, another object
    assert parts.top_level(one) == parts.definitions(parts.python_lines(one), parts.masked_lines(one))
    assert parts.masked_lines(two) != parts.masked_lines(one)


def test_the_text_read_before_the_last_is_answered_again_without_reading_it(monkeypatch):
    """The analysis splits a big module's cut text, then reads the whole text's imports and its
    statements again (the rights check): the answers for the last two texts are kept, each
    computed once; a third text pushes the oldest out."""
    one, two, three = (generated(n) + "\n# read by this test alone\n" for n in (25, 30, 35))
    read: list[int] = []
    definitions = parts.definitions
    monkeypatch.setattr(parts, "definitions", lambda o, m: read.append(len(o)) or definitions(o, m))
    for text in (one, two, "".join(one), two, one):
        parts.top_level(text)
    assert len(read) == 2
    parts.top_level(three)
    parts.top_level(one)  # (two and three kept)
    assert len(read) == 4


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_a_string_continued_by_a_backslash_keeps_the_lines_of_its_file(tmp_path, newline):
    """A one-quote string continued with a backslash before the line break: with CRLF endings the
    masked text had one line more per string, the cut then read past the end of its lines and the
    file was skipped (GDPR905, an internal error). Found by a review."""
    body = [
        "import logging",
        "log = logging.getLogger(__name__)",
        "class Box:",
        "    def fill(self, rows):",
        "        first = 'a\\",
        "b'",
        '        second = "c\\',
        'd"',
        "        self.size = len(rows)",
        "    def take(self, users):",
        "        for self.owner in users:",
        "            pass",
        "    def show(self):",
        "        log.info('owner %s', self.owner.email)",
        "    def spare(self):",
        "        return 3",
        "",
    ]
    found = {}
    for name, ending in (("lf", "\n"), ("other", newline)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "box.py").write_bytes(ending.join(body).encode())
        assert len(parts.masked_lines(ending.join(body))) == len(body)
        result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail",
                                           str(tmp_path / name)])
        found[name] = [(f["code"], f["line"], f["column"]) for f in json.loads(result.stdout)["findings"]]
    assert found["other"] == found["lf"] == [("GDPR301", 14, 9)]


@pytest.mark.parametrize("one_line", [False, True])
def test_a_statement_beyond_the_budget_is_left_out_and_the_rest_of_its_file_analysed(tmp_path, monkeypatch,
                                                                                      one_line):
    """A module-level literal too big to analyse took the whole file with it (one GDPR905 at line 1,
    every other finding lost), also where it was the only statement between two small functions,
    so that the file could not be cut into parts. Found by a fresh-user check."""
    from gdpr_lint.engine import budget

    monkeypatch.setattr(budget, "MAX_WORK", 50_000)
    items = [str(i) for i in range(6000)]
    table = ("SIZES = [" + ", ".join(items) + "]\n") if one_line else (
        "SIZES = [\n" + "".join(f"    {i},\n" for i in items) + "]\n")
    source = ("import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
              "def welcome(user):\n    log.info('welcome %s', user.email)\n\n\n"
              + table + "\n\ndef farewell(user):\n    log.info('farewell %s', user.email)\n")
    (tmp_path / "sizes.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail", "."])
    found = [(f["code"], f["line"], f["message"].partition(":")[0]) for f in json.loads(result.stdout)["findings"]]
    last = source.count("\n")  # the last line: farewell's log
    end = 10 if one_line else 10 + len(items) + 1
    assert found == [("GDPR301", 7, "personal data written to a logger"),
                     ("GDPR905", 10, "line 10 not checked" if one_line else f"lines 10-{end} not checked"),
                     ("GDPR301", last, "personal data written to a logger")]


def test_the_last_statement_beyond_the_budget_is_named_by_its_own_lines(tmp_path, monkeypatch):
    """A statement beyond the budget at the end of a file was named with the blank line after the
    file's last line break ("lines 3-4" of a 3-line file, and its end line past the file's end,
    which a SARIF reader may refuse). Found by a fresh-user check."""
    from gdpr_lint.engine import budget

    monkeypatch.setattr(budget, "MAX_WORK", 50_000)
    table = "SIZES = [\n" + "".join(f"    {i},\n" for i in range(6000)) + "]\n"
    head = "import logging\nlog = logging.getLogger(__name__)\n\n\ndef welcome(user):\n    log.info('hi %s', user.email)\n"
    source = head + table + "\n\n# the end\n"
    (tmp_path / "sizes.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail", "."])
    [found] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "GDPR905"]
    first = head.count("\n") + 1
    last = first + 6000 + 1  # the table's closing bracket
    assert found["message"].startswith(f"lines {first}-{last} not checked") and found["end_line"] == last


def test_statements_within_the_budget_each_but_beyond_it_together_are_analysed_apart(tmp_path, monkeypatch):
    """Two module-level tables, each within the budget, beyond it together, in a file that cannot
    be cut into parts (one function): the whole file was one GDPR905 and its findings were lost.
    Now the larger table is analysed alone (with the imports) and the rest together (the log call
    still knows its logger); what is inside the table set apart is still found. Found by a
    fresh-user check."""
    from gdpr_lint.engine import analyzer, budget

    monkeypatch.setattr(budget, "MAX_WORK", 50_000)
    monkeypatch.setattr(analyzer, "MAX_WORK", 50_000)
    small = "LIMITS = [\n" + "".join(f"    {i},\n" for i in range(100)) + "]\n\n"
    big = ("logging.warning('contacts %s', [\n" + "".join(f"    {i},\n" for i in range(130))
           + "    account.email,\n" + "".join(f"    {i},\n" for i in range(130)) + "])\n\n")
    source = ("import logging\n\nlog = logging.getLogger(__name__)\nlog.info('boot %s', account.email)\n\n"
              + big + small + "\ndef welcome(user):\n    log.info('welcome %s', user.email)\n")
    assert budget.over_budget(source)[0]
    assert not budget.over_budget(big)[0] and not budget.over_budget(small)[0]
    (tmp_path / "tables.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail", "."])
    found = [(f["code"], f["line"]) for f in json.loads(result.stdout)["findings"]]
    lines = source.split("\n")
    welcome = lines.index("    log.info('welcome %s', user.email)") + 1
    assert found == [("GDPR301", 4), ("GDPR301", 6), ("GDPR301", welcome)]  # the table set apart: line 6
    # one statement alone beyond the budget is still left out (and named), not set apart
    monkeypatch.setattr(budget, "MAX_WORK", 20_000)
    monkeypatch.setattr(analyzer, "MAX_WORK", 20_000)
    assert budget.over_budget(big)[0] and not budget.over_budget(small)[0]
    result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail", "."])
    found = [(f["code"], f["line"]) for f in json.loads(result.stdout)["findings"]]
    assert ("GDPR905", 6) in found and ("GDPR301", welcome) in found


def _findings_within(source: str, monkeypatch, work: int) -> list[tuple[str, int]]:
    from gdpr_lint.engine import analyzer, budget
    from gdpr_lint.engine.analyzer import analyze_source
    from gdpr_lint.policy import load_policy
    from gdpr_lint.survey.prefilter import Prefilter

    monkeypatch.setattr(budget, "MAX_WORK", work)
    monkeypatch.setattr(analyzer, "MAX_WORK", work)
    policy = load_policy()
    found = analyze_source("m.py", source, policy, module_name="m", prefilter=Prefilter(policy))[0]
    return [(f.code, f.line) for f in found]


def test_a_function_is_never_set_apart_from_the_module_names_it_reads(monkeypatch):
    """Setting apart the largest statement took a big function away from the logger the module
    binds (`audit = logging.getLogger(...)`): its log call went unreported, the file clean. Only
    module-level statements that are neither imports nor definitions are set apart. Found by a
    review of the change."""
    from gdpr_lint.engine.budget import measure

    body = "".join(f"    total += {i}\n" for i in range(300))
    source = ('import logging\n\naudit = logging.getLogger("audit")\n\n'
              "LIMITS = [\n" + "".join(f"    {i},\n" for i in range(350)) + "]\n\n\n"
              "def welcome(user):\n    total = 0\n" + body + "    audit.info('welcome %s', user.email)\n    return total\n")
    line = source.split("\n").index("    audit.info('welcome %s', user.email)") + 1
    work = measure(source).work * 3 // 4  # the whole beyond it, the function and the table each within it
    assert _findings_within(source, monkeypatch, work) == [("GDPR301", line)]
    # whatever the budget, the logger stays with the function: the finding, or what is not checked
    # said so, never a clean file (a review found budgets where the logger was the statement set apart)
    whole = measure(source).work
    table = measure(source.split("\n\n")[2]).work
    logger = measure('audit = logging.getLogger("audit")').work
    assert source.split("\n\n")[2].startswith("LIMITS")
    # (when the table's and the logger's work are both needed off the rest, the logger went too)
    for work in [whole - table - logger // 2, *range(whole // 2, whole, whole // 40)]:
        found = _findings_within(source, monkeypatch, work)
        assert found == [("GDPR301", line)] or any(code == "GDPR905" for code, _line in found), (work, found)


def test_what_cannot_be_set_apart_within_the_budget_is_said_not_checked(monkeypatch):
    """An import too big to travel with each statement set apart, or needed by the rest, left the
    rest without it: the file came out clean. Imports stay with the rest; when that is still
    beyond the budget, the file is not checked, and says so (GDPR905)."""
    from gdpr_lint.engine.budget import measure

    names = ", ".join(f"n{i}" for i in range(300))
    source = (f"from logging import (info, {names})\n\n" + "LIMITS = [\n" + "".join(f"    {i},\n" for i in range(200))
              + "]\n\n\ndef welcome(user):\n    info('welcome %s', user.email)\n")
    imports = measure(source.split("\n\n")[0]).work
    line = source.split("\n").index("    info('welcome %s', user.email)") + 1
    # the table set apart, the import with the rest: the call still knows `info`
    assert _findings_within(source, monkeypatch, 2 * imports) == [("GDPR301", line)]
    # the import and the function beyond the budget together: not checked, and said so
    assert _findings_within(source, monkeypatch, imports + 100 + imports // 4) == [("GDPR905", 1)]


def test_statements_set_apart_are_packed_into_few_parts(monkeypatch):
    """Each statement set apart was a part of its own, with every import of the file: 2,000 small
    statements and 800 imports made parts of a million lines from a file of 2,800, and a file of
    140,000 statements ran for more than fifteen minutes. They are packed into parts within the
    budget, each with the imports once."""
    from gdpr_lint.engine import analyzer, budget
    from gdpr_lint.engine.budget import measure

    source = ("import logging\n" + "".join(f"from mod{j} import name{j}\n" for j in range(800))
              + "".join(f"K{i} = ({i}, {i}, {i})\n" for i in range(2000)) + "logging.info('x %s', user.email)\n")
    work = measure(source).work // 2
    monkeypatch.setattr(budget, "MAX_WORK", work)
    monkeypatch.setattr(analyzer, "MAX_WORK", work)
    parts = analyzer._set_apart(source)
    lines = source.count("\n")
    assert parts is not None and len(parts) <= 4
    assert sum(len(p.lines) for p in parts) < 2 * lines
    assert sorted({n for p in parts for n in p.lines}) == list(range(1, lines + 2))  # every line analysed
    assert _findings_within(source, monkeypatch, work) == [("GDPR301", lines)]
    # imports that fill most of the budget would be repeated in a part for every few statements:
    # the file is not checked, and says so, at once
    imports = measure("\n".join(source.split("\n")[:801])).work
    monkeypatch.setattr(budget, "MAX_WORK", imports * 102 // 100)
    monkeypatch.setattr(analyzer, "MAX_WORK", imports * 102 // 100)
    assert analyzer._set_apart(source) is None


@pytest.mark.parametrize("opening", ["SIZES = [", "register(["])  # a name it binds; code every part repeats
def test_a_module_level_statement_beyond_the_budget_in_a_module_read_in_parts(tmp_path, monkeypatch, opening):
    """Every part repeats the module-level statements, so one beyond the budget put every part
    beyond it: each was a GDPR905 and all the module's other findings were lost. Now the statement
    is left out before the module is cut, and a suppression on any of its lines holds. Found by a
    fresh-user check."""
    from gdpr_lint.engine import budget

    monkeypatch.setattr(budget, "MAX_WORK", 50_000)
    monkeypatch.setattr(parts, "SPLIT_LINES", 100)
    monkeypatch.setattr(parts, "PART_LINES", 60)
    handlers = [f"def handler_{i}(user):\n    log.info('hello %s', user.email)\n\n\n" for i in range(40)]
    table = opening + "\n" + "".join(f"    {i},\n" for i in range(6000)) + ("]" if "=" in opening else "])") + "\n\n\n"
    head = "import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
    source = head + "".join(handlers[:20]) + table + "".join(handlers[20:])
    (tmp_path / "mod.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def found() -> list[tuple[str, int, int]]:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", "--format", "json", "--no-fail",
                                           "mod.py"])
        return [(f["code"], f["line"], f["end_line"]) for f in json.loads(result.stdout)["findings"]]

    first = source.count("\n", 0, source.index(opening)) + 1
    last = first + 6001
    codes = found()
    assert [c for c in codes if c[0] == "GDPR905"] == [("GDPR905", first, last)]
    assert sum(1 for c in codes if c[0] == "GDPR301") == 40
    # a reason on the statement's last line suppresses its GDPR905, as on any line of a statement
    lines = source.split("\n")
    lines[last - 1] += '  # gdpr-lint: ignore[GDPR905] reason="generated table"'
    (tmp_path / "mod.py").write_text("\n".join(lines), encoding="utf-8")
    assert [c[0] for c in found()] == ["GDPR301"] * 40


def test_what_a_statement_set_apart_may_bind():
    """A statement is set apart only when the rest of the file reads nothing it binds: not a
    logger, not a table a function reads, not a name bound with `:=` inside an expression, not an
    item or attribute of something the rest holds, not a block."""
    from gdpr_lint.engine.analyzer import _binds_nothing_else_reads, _identifiers

    def movable(statement: str, rest: str) -> bool:
        return _binds_nothing_else_reads(statement, _identifiers(statement + "\n" + rest))

    reads = "def use():\n    return audit, LIMITS, found\n"
    assert movable("LIMITS = [1, 2, 3]", "def use():\n    return 1\n")
    assert not movable("LIMITS = [1, 2, 3]", reads)
    assert not movable('audit = logging.getLogger("audit")', reads)
    assert movable("register([1, 2, 3])", reads)  # an expression binds nothing
    assert not movable("print(found := lookup())", reads)
    assert movable("print(other := lookup())", reads)
    assert not movable('settings["x"] = [1, 2]', reads) and not movable("app.limits = [1, 2]", reads)
    assert not movable("try:\n    import sentry_sdk\nexcept ImportError:\n    sentry_sdk = None", reads)
    # a name in another script is that name, as Python reads it (`µ`, the micro sign, is `μ`)
    assert not movable('µaudit = logging.getLogger("audit")', "def use():\n    return µaudit\n")
    assert movable('µaudit = logging.getLogger("audit")', "def use():\n    return audit\n")
    # unpacked into names however nested (the same reading as the parts' module statements), but an
    # import is never set apart, nor an unpacking into an item
    assert movable("(a, *rest), last = TABLE", reads) and not movable("(a, found), last = TABLE", reads)
    assert not movable("import sentry_sdk", "def use():\n    return 1\n")
    assert not movable("a, settings['x'] = TABLE", reads)


_PROSE = '''"""Export the customer_email column."""
import logging  # the user's email is never logged
log = logging.getLogger(__name__)


def export(rows):
    """Write the date of birth of each customer.

    The customer_email stays out of the log.
    """
    "a string statement after the docstring: prose too"
    f"{log.info(rows)}"
    "kept"; key = "email"
    text = "# not a comment"  # but this is one
    query = """
        SELECT phone_number FROM members
    """
    f"""
    {log.info(rows[0].home_address)}
    """
    return [row["email"] for row in rows]
'''


@pytest.mark.parametrize("from_tree", [False, True], ids=["masked", "tree"])
def test_the_code_of_a_text_has_no_comments_and_no_string_statements_and_keeps_its_lines(from_tree):
    """``code_text``: what the analysis reads data from. Comments go and a statement that is a
    string alone (a docstring, a string written as a comment) is blank, read from the masked text
    or from Python's tree; an f-string (code in its fields), a line with more than the string, and
    strings in code stay, and every line keeps its number."""
    from gdpr_lint.survey.astnames import string_statements

    code = parts.code_text(_PROSE, strings=string_statements(ast.parse(_PROSE)) if from_tree else None)
    assert code.count("\n") == _PROSE.count("\n")
    assert "customer_email" not in code and "date of birth" not in code and "never logged" not in code
    assert "prose too" not in code and "but this is one" not in code
    assert 'f"{log.info(rows)}"' in code and '"kept"; key = "email"' in code
    assert 'text = "# not a comment"' in code and 'row["email"]' in code
    assert "SELECT phone_number FROM members" in code and "{log.info(rows[0].home_address)}" in code
    lines, original = code.split("\n"), _PROSE.split("\n")
    assert [n for n, line in enumerate(lines) if line] == [
        n for n, line in enumerate(original) if line and line == lines[n] or line.startswith(("import", "    text"))]


def test_the_code_of_a_text_whose_lines_python_counts_otherwise_is_the_text():
    """A lone carriage return breaks a line for Python's tree and not for the text's lines: the
    text is given back whole (a superset), not blanked at the wrong lines."""
    from gdpr_lint.survey.astnames import string_statements

    text = 'x = 1\r"""the customer_email"""\ny = row["email"]  # a comment\n'
    assert parts.code_text(text, strings=string_statements(ast.parse(text))) == text


def test_a_backslash_before_an_empty_line_ends_its_statement():
    """``LIMIT = 48 \\`` then an empty line: Python ends the statement there, so the decorator
    below starts the next one with its class (found by a fresh user: the split of a long module
    parted a decorator from its class and the file was reported a syntax error)."""
    source = "LIMIT = 48 \\\n\n# the records\n@register\nclass Signup:\n    email = 1\n\n\ndef after():\n    pass\n"
    compile(source, "m.py", "exec")
    assert [(a, b, name, kind) for a, b, name, kind in parts.top_level(source)] == [
        (1, 1, "", ""), (2, 6, "Signup", "class"), (7, 11, "after", "def")]
