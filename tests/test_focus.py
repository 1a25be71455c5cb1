"""The analysis reads only the code that can make a finding (engine.focus), with the same result."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from gdpr_lint.engine.analyzer import analyze_source
from gdpr_lint.engine.focus import focus
from gdpr_lint.facts.project import ProjectFacts
from gdpr_lint.policy import load_policy
from gdpr_lint.scan import scan
from gdpr_lint.survey.prefilter import Prefilter

POLICY = load_policy()
PF = Prefilter(POLICY)

UNRELATED = "".join(f"""
    def step_{i}(rows):
        total = 0
        for row in rows:
            total += row.count
        return total
""" for i in range(5))


def _both(source: str) -> tuple[list, list]:
    source = textwrap.dedent(source)
    whole = analyze_source("m.py", source, POLICY, module_name="m")[0]
    focused = analyze_source("m.py", source, POLICY, module_name="m", prefilter=PF)[0]
    return whole, focused


def _key(findings) -> list[tuple]:
    return [(f.code, f.line, f.column, f.message) for f in findings]


def _same_with_the_cut(root: Path):
    """The scan of ``root`` with the pre-filter and the cut, once its findings are shown to be
    those of the scan without them."""
    fast = scan([root], POLICY, root=root, cache_dir=None, prefilter=True)
    full = scan([root], POLICY, root=root, cache_dir=None, prefilter=False)
    assert _key(fast.findings) == _key(full.findings)
    return fast


def _kept(source: str) -> str:
    part = focus(textwrap.dedent(source), PF, None, "m")
    return part.text if part is not None else textwrap.dedent(source)


def test_functions_that_reach_no_sink_are_not_read():
    source = """
    import logging
    log = logging.getLogger(__name__)

    def signup(user):
        log.info("new user %s", user.email)
    """ + UNRELATED
    kept = _kept(source)
    assert "def signup" in kept and "def step_0" not in kept and "def step_4" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and [f.line for f in whole] == [6]


def test_a_helper_whose_return_carries_a_parameter_is_read_with_its_caller():
    source = """
    import logging
    log = logging.getLogger(__name__)

    def label(value):
        return "<" + value + ">"

    def signup(user):
        log.info("new user %s", label(user.email))
    """ + UNRELATED
    assert "def label" in _kept(source)
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and len(whole) == 1


def test_a_method_s_callees_are_its_own_class_s_and_the_module_s_not_another_class_s():
    """``self.describe()`` reads the return of its own class's ``describe`` (and a module's
    function of that name), not of every class that has one (looked up by name and class: a module
    of thousands of classes with one method name made the cut quadratic)."""
    source = """
    import logging
    log = logging.getLogger(__name__)

    class Customer:
        def describe(self):
            return self.email

        def show(self):
            log.info("customer %s", self.describe())

    class Gadget:
        def describe(self):
            return self.serial

        def count(self):
            return 1
    """ + "".join(f"""
    class Widget{i}:
        def describe(self):
            return "widget"
    """ for i in range(3))
    kept = _kept(source)
    assert kept.count("def describe") == 1 and "return self.email" in kept and "self.serial" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and len(whole) == 1


def test_what_another_method_sets_on_self_is_read():
    source = """
    import logging
    log = logging.getLogger(__name__)

    class Notifier:
        def __init__(self, customer):
            self.contact = customer.email

        def size(self):
            return 3

        def send(self):
            log.info("sending to %s", self.contact)
    """
    kept = _kept(source)
    assert "self.contact = customer.email" in kept and "def size" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and len(whole) == 1


def test_where_a_local_name_set_on_self_comes_from_is_read_with_the_setter():
    """`self.target = address`, where `address` comes from a walrus in an `if`, a `for` loop or an
    assignment two names away: the raise that reads `self.target` in another method is kept."""
    for setter in (["if (address := account.email):", "    self.target = address"],
                   ["for account in accounts:", "    address = account.email", "    self.target = address"],
                   ["first = account.email", "address = first", "self.target = address"],
                   # found by a fresh-user check: a loop's target, a parameter given a new value,
                   # and origins written over several lines
                   ["for self.target in (a.email for a in accounts):", "    pass"],
                   ["accounts = accounts or account.email", "self.target = accounts"],
                   ["address = \\", "    account.email", "self.target = address"],
                   ["address = str(", "    account.email,", ")", "self.target = address"],
                   ["if (address :=", "        account.email):", "    self.target = address"],
                   ["for address in (", "        a.email for a in accounts):", "    self.target = address"]):
        body = "\n".join(" " * 16 + line for line in setter).lstrip()
        source = f"""
        class Mailer:
            def load(self, account, accounts=()):
                {body}

            def size(self):
                return 3

            def fail(self):
                raise ValueError(f"cannot deliver to {{self.target}}")
        """
        whole, focused = _both(source)
        assert _key(focused) == _key(whole) and [f.code for f in whole] == ["GDPR302"], setter
        assert "def size" not in _kept(source)


def test_findings_keep_the_file_lines_and_a_class_left_empty_still_parses():
    source = """
    import logging
    log = logging.getLogger(__name__)

    class Totals:
        def add(self, a, b):
            return a + b
    """ + UNRELATED + """
    def goodbye(user):
        log.warning("user %s left", user.email)
    """
    kept = _kept(source)
    assert "class Totals:" in kept and "def add" not in kept and "pass" in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and whole[0].line == textwrap.dedent(source).splitlines().index(
        '    log.warning("user %s left", user.email)') + 1


def test_look_alike_a_method_named_like_a_sink_on_an_unknown_object_is_not_a_reason():
    # `.set(` and `.get(` are cache methods only on a cache: a dict-like of the code's own is not one
    source = """
    import logging

    class Registry:
        def remember(self, key, value):
            self.items.set(key, value)

        def shout(self, user):
            logging.info("hello %s", user.email)
    """
    kept = _kept(source)
    assert "def remember" not in kept and "def shout" in kept


def test_a_processor_sdk_makes_the_whole_file_read():
    source = """
    from openai import OpenAI
    llm = OpenAI()

    def summarise(patient):
        return llm.chat.completions.create(messages=[{"content": patient.diagnosis}])
    """ + UNRELATED
    assert focus(textwrap.dedent(source), PF, None, "m") is None


def test_special_methods_are_not_the_one_method_of_the_project_with_that_name():
    facts = ProjectFacts(summaries={"app.audit.Trail.__init__": (("self", "who"), ()),
                                    "app.audit.Trail.record": (("self", "who"), ())})
    assert facts.summary_of(["super.__init__"], "__init__") is None  # every class has an __init__
    assert facts.summary_of(["trail.record"], "record")[0] == "app.audit.Trail.record"


def test_a_raise_with_what_callers_pass_is_found_and_a_syntax_error_anywhere_still_reported(tmp_path: Path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "checks.py").write_text(textwrap.dedent("""
        def reject(value):
            raise ValueError("rejected: " + value)
    """ + UNRELATED))
    (app / "views.py").write_text(textwrap.dedent("""
        from app.checks import reject

        def signup(customer):
            reject(customer.email)
    """))
    (app / "broken.py").write_text(textwrap.dedent("""
        import logging

        def hello(user):
            logging.info("hi %s", user.email)

        def later(:
            pass
    """))
    fast = _same_with_the_cut(tmp_path)
    assert any(f.code == "GDPR901" and f.path.endswith("broken.py") for f in fast.findings)


def test_odd_spellings_found_by_a_fresh_user_keep_what_they_read():
    # `return(` with no space, module-level code calling a helper, a raise carrying a helper's
    # return, `self . x` with spaces (each lost a finding in the first version of the cut)
    for source in ("""
    import logging
    log = logging.getLogger(__name__)

    def contact(acct):
        return(acct.email)

    def signup(acct):
        log.info("new %s", contact(acct))
    """, """
    import logging
    log = logging.getLogger(__name__)

    def contact(acct):
        return acct.email

    log.info("boot %s", contact(ACCOUNT))
    """, """
    def describe(acct):
        return acct.email

    def check(acct):
        raise ValueError(describe(acct))
    """, """
    class Account:
        def bind(self, user):
            self . ref = user.email

        def check(self):
            raise ValueError(self . ref)
    """):
        source += UNRELATED
        whole, focused = _both(source)
        assert len(whole) == 1 and _key(focused) == _key(whole), source
        assert "def step_0" not in _kept(source)


def test_a_raise_of_literals_only_is_no_reason_to_read_a_function():
    """A raise reports what its arguments carry: ``raise LookupError("no such account")`` carries
    nothing, whatever the function is given; one with a value in its message is read."""
    source = """
    def find(accounts, customer_email):
        for account in accounts:
            if account.email == customer_email:
                return account
        raise LookupError("no such account")

    def check(customer_email):
        if "@" not in customer_email:
            raise ValueError
        if len(customer_email) > 200:
            raise ValueError(f"too long")

    def reject(customer_email):
        raise ValueError(f"rejected {customer_email}")
    """ + UNRELATED
    kept = _kept(source)
    assert "def reject" in kept and "def find" not in kept and "def check" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and [f.code for f in whole] == ["GDPR302"]
    # a raise read over its lines; the word in a string, which never reads as a raise, counts
    spread = """
    class Gate:
        def check(self, customer_email):
            raise LookupError(
                "no such account: "
                + customer_email)

        def explain(self, customer_email):
            return "we raise " + customer_email
    """ + UNRELATED
    assert "def check" in _kept(spread) and "def explain" in _kept(spread)
    assert "def check" not in _kept(spread.replace("+ customer_email)", '"for now")'))


def test_a_class_of_things_known_to_the_facts_does_not_make_a_raise_personal():
    """What the facts know of a class of things (a model of a catalogue) gives its fields no
    personal meaning, so naming such an object is no reason to read a raise; a class about a
    person is."""
    from gdpr_lint.facts.project import Evidence

    source = """
    def publish(product):
        raise RuntimeError(product.label)

    def close(member):
        raise RuntimeError(member.label)
    """ + UNRELATED
    facts = ProjectFacts(named={("product",): Evidence(kind="thing"), ("member",): Evidence(kind="person")})
    part = focus(textwrap.dedent(source), PF, facts, "m")
    assert part is not None and "def close" in part.text and "def publish" not in part.text


def test_a_call_alone_is_told_from_a_method_a_definition_and_a_longer_name():
    """``_called_alone`` (a literal search, not a pattern compiled per name) against the pattern it
    replaced, on spellings around the name and on every prefix of them."""
    import re

    from gdpr_lint.engine.focus import _called_alone

    texts = ["notify(x)", "notify (x)", "notify\t(x)", "x.notify(y)", "super().notify(y)", "def notify(self):",
             "class notify(Base):", "_notify(x)", "renotify(x)", "notify_all(x)", "notify", "y = notify\n(x)",
             "def  notify(x)", "a=notify(x)", "(notify(x))", "def f():\n    return notify(1)", "ünotify(x)",
             "notify.x(1); notify(2)", "x.notify(1) + notify(2)", "defnotify(1)"]
    pattern = re.compile(r"(?<![\w.])(?<!def )(?<!class )notify[ \t]*\(")
    for text in texts:
        for end in range(len(text) + 1):
            piece = text[:end]
            assert _called_alone("notify", piece) == bool(pattern.search(piece)), piece
    assert _called_alone("notify", "x.notify(1) + notify(2)")
    assert not _called_alone("notify", "super().notify(1)")


def test_the_quick_sink_test_never_rules_out_what_the_full_test_keeps():
    """``may_be_sink_shaped`` decides from a function's calls and text alone; where it says no,
    ``function_sink_shaped`` says no whatever the names around the function and what it reads."""
    file_names = {"logging", "log", "cache", "session", "flask", "print", "sys", "stdout"}
    possible = PF.possible_sinks(file_names)
    aliases = [("info", "note")]
    bodies = {
        "log.info('x %s', v)": {"info"},            # a logger's method
        "note(v)": {"note"},                         # a logging function imported under another name
        "cache.set('k', v)": {"set"},                # a cache the file names
        "getattr(log, 'info')(v)": {"getattr"},      # a method looked up by name
        "session['k'] = v": set(),                   # a store by subscript
        "raise ValueError(v)": {"ValueError"},       # an exception with a value
        "total = sum(rows)": {"sum"},                # none of these
        "rows.sort(key=len)": {"sort"},
    }
    around = "\n".join(bodies)
    for body, called in bodies.items():
        called = frozenset(called)
        quick = PF.may_be_sink_shaped(body, aliases, called, possible)
        full = any(PF.function_sink_shaped(body, aliases, names, called, text)
                   for names in (set(), file_names) for text in (None, "", around))
        assert quick or not full, body
    assert not PF.may_be_sink_shaped("total = sum(rows)", aliases, frozenset({"sum"}), possible)
    assert not PF.may_be_sink_shaped("rows.sort(key=len)", aliases, frozenset({"sort"}), possible)
    assert PF.may_be_sink_shaped("note(v)", aliases, frozenset({"note"}), possible)
    assert PF.may_be_sink_shaped("raise ValueError(v)", aliases, frozenset({"ValueError"}), possible)


def test_an_object_method_counts_as_a_sink_only_where_the_file_names_such_an_object():
    # `.set(` is a cache's method: a file that names no cache (nor its factories) has no such sink
    with_cache = PF.possible_sinks({"django", "core", "cache", "caches"})[0]
    without = PF.possible_sinks({"rows", "item", "total"})[0]
    assert "set" in with_cache and "set" not in without
    assert "print" in without and "info" not in without  # `logging.info` needs a file that names `logging`
    source = """
    import logging
    log = logging.getLogger(__name__)

    class Basket:
        def add(self, user):
            self.items.set(user.email)

        def describe(self, user):
            log.info("basket of %s", user.email)
    """ + UNRELATED
    kept = _kept(source)
    assert "def describe" in kept and "def add" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole)


def test_a_file_with_lone_carriage_returns_is_read_as_python_reads_it(tmp_path):
    """Python breaks lines at a lone `\\r` too. The import of an SDK on such a line was not seen
    (a line-start pattern only knew `\\n`): GDPR401 was missing from `check`, and the cut, which
    reads the file's lines, disagreed with the whole file's test. Found by a review."""
    import subprocess
    import sys

    body = "def pay(total):{n}    import stripe{n}    return stripe.Charge.create(amount=total){n}{n}{n}" \
           "def other(rows):{n}    return len(rows){n}"
    found = {}
    for name, newline in (("cr", "\r"), ("lf", "\n"), ("crlf", "\r\n")):
        (tmp_path / f"{name}.py").write_bytes(body.format(n=newline).encode())
        out = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "--no-fail", "--format",
                              "json", f"{name}.py"], cwd=tmp_path, capture_output=True, text=True, check=True)
        import json

        found[name] = [(f["code"], f["line"]) for f in json.loads(out.stdout)["findings"]]
    assert found["cr"] == found["lf"] == found["crlf"] == [("GDPR401", 2)]
    # the cut keeps what the whole file's tests ask for: a file that imports an SDK is read whole
    assert focus(body.format(n="\r"), PF, None, "m") is None


def test_the_cut_does_not_depend_on_the_order_functions_are_asked_in(tmp_path):
    """Whether what a helper returns names personal data was remembered as "no" for a helper
    still being worked out, so a raise of it was cut or kept by the order of a set, which the hash
    seed decides. Now the answer is what the helper reaches, whatever the order. Found by a review."""
    import subprocess
    import sys

    source = textwrap.dedent("""
        def start():
            raise ValueError(route())


        def route():
            return loop() or lookup()


        def loop():
            return route()


        def lookup():
            return account.email


        def fail():
            raise ValueError(loop())


        def other(rows):
            return len(rows)
        """)
    (tmp_path / "m.py").write_text(source)
    script = ("import sys, json; from gdpr_lint.engine.focus import focus; from gdpr_lint.policy import load_policy; "
              "from gdpr_lint.survey.prefilter import Prefilter; "
              "p = focus(open(sys.argv[1]).read(), Prefilter(load_policy()), None, 'm'); "
              "print(json.dumps(None if p is None else p.lines))")
    cuts = set()
    for seed in ("0", "1", "2", "3"):
        env = {**__import__("os").environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.py")], capture_output=True, text=True,
                             check=True, env=env)
        cuts.add(out.stdout)
    assert len(cuts) == 1
    kept = _kept(source)
    assert "def fail" in kept and "def other" not in kept


def test_a_long_chain_of_helpers_is_followed_once(tmp_path):
    """Whether a helper returns personal data was worked out by recursion (a chain of 2,000
    helpers: RecursionError, the file not checked) and then by a search that decided only the
    function asked about (every later question searched the chain again: 21 s for 3,000). Each
    function reached is decided once. Found by a review."""
    import json
    import subprocess
    import sys

    n = 2000
    chain = "".join(f"def step_{i}(x):\n    return step_{i + 1}(x)\n\n\n" for i in range(n))
    chain += f"def step_{n}(x):\n    return x.email\n\n\n"
    raisers = "".join(f"def check_{i}(x):\n    raise RuntimeError(step_{i}(x))\n\n\n" for i in range(0, n, 100))
    (tmp_path / "chain.py").write_text(chain + raisers)
    out = subprocess.run([sys.executable, "-m", "gdpr_lint", "check", "--no-cache", "--no-fail", "--format", "json",
                          "chain.py"], cwd=tmp_path, capture_output=True, text=True, check=True)
    codes = [f["code"] for f in json.loads(out.stdout)["findings"]]
    assert "GDPR905" not in codes
    kept = focus(chain + raisers, PF, None, "m")
    text = kept.text if kept is not None else chain + raisers
    assert all(f"def check_{i}(" in text for i in range(0, n, 100))


def test_a_setter_is_read_for_what_kind_of_object_it_stores_not_only_for_data():
    """What an attribute holds is a kind too (a file the class opens, or what the caller handed
    in): the method that sets it from a parameter is read though it names no personal data."""
    source = """
    import csv

    class RowWriter:
        def __init__(self, handle=None, path=None):
            self.handle = handle
            self.path = path

        def __enter__(self):
            self.handle = open(self.path, "w")
            return self

        def write(self, customer):
            csv.writer(self.handle).writerow([customer.email])
    """ + UNRELATED
    kept = _kept(source)
    assert "def __init__" in kept and "def write" in kept and "def step_0" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole)


def test_a_soft_keyword_is_a_name_where_a_stored_value_comes_from():
    """`match`, `case` and `_` are names like any other: what a method stores on self through
    one (`match = user.email`, then `self._to = match`) is followed to the raise that reads it."""
    source = """
    class Conflict(Exception):
        pass

    class Reminder:
        def __init__(self, user):
            match = user.email
            self._to = match

        def check(self):
            raise Conflict(self._to)
    """ + UNRELATED
    kept = _kept(source)
    assert "match = user.email" in kept and "def check" in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and [f.code for f in whole] == ["GDPR302"]


def test_a_file_with_names_in_another_script_is_read_whole():
    """The cut reads names with ASCII patterns: a helper or an attribute named in another
    script (`def адрес(u)`, `self.получатель`) would be lost, so such a file is read whole."""
    source = """
    def адрес(u):
        return u.email

    class Письмо:
        def __init__(self, user):
            self.получатель = user.email

        def show(self):
            print("to", self.получатель)

    def send(u):
        print("to", адрес(u))
    """ + UNRELATED
    assert _kept(source) == textwrap.dedent(source)
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and len(whole) == 2


def test_a_file_where_nothing_can_make_a_finding_is_not_parsed_again():
    """No function to read, no class that may be a record, no sink at module level: the cut
    says there is nothing (and the analysis makes nothing); a record's module, a class with no
    methods, or a log call at module level is read."""
    from gdpr_lint.engine.focus import NOTHING

    quiet = """
    import logging
    log = logging.getLogger(__name__)

    class Parser:
        def parse(self, rows):
            return [row.strip() for row in rows]
    """ + UNRELATED
    facts = ProjectFacts(record_modules=frozenset({"other"}))
    assert focus(textwrap.dedent(quiet), PF, facts, "m") is NOTHING
    assert analyze_source("m.py", textwrap.dedent(quiet), POLICY, module_name="m", project=facts, prefilter=PF) \
        == ([], [], [])
    assert focus(textwrap.dedent(quiet), PF, ProjectFacts(record_modules=frozenset({"m"})), "m") is not NOTHING
    bare = textwrap.dedent(quiet) + "\nclass Customer:\n    email: str\n"
    assert focus(bare, PF, facts, "m") is not NOTHING
    loud = textwrap.dedent(quiet) + '\nlog.info("started with %s", ADMIN_EMAIL)\n'
    assert focus(loud, PF, facts, "m") is not NOTHING
    # what a review found the first version lose: a table declared by a call, a record declared
    # in a block, an object made for a sink, a call of a function that logs its parameter
    table = "from sqlalchemy import Column, MetaData, String, Table\n" + textwrap.dedent(quiet) + (
        '\ncustomers = Table("customers", MetaData(), Column("email", String))\n')
    assert focus(table, PF, facts, "m") is not NOTHING
    block = textwrap.dedent(quiet) + '\nif ENABLED:\n    class Patient(models.Model):\n        notes = TextField()\n'
    assert focus(block, PF, facts, "m") is not NOTHING
    made = textwrap.dedent(quiet) + '\nfor person in PEOPLE:\n    CLIENT.set(person["id"], person["email"])\n'
    assert focus(made, PF, ProjectFacts(record_modules=frozenset({"other"}), sink_objects={"app.store.CLIENT": "redis.Redis"}),
                 "m") is not NOTHING
    passing = textwrap.dedent(quiet) + '\nfor person in PEOPLE:\n    audit(person["email"])\n'
    assert focus(passing, PF, ProjectFacts(record_modules=frozenset({"other"}), summaries={"app.audit.audit": ()}),
                 "m") is not NOTHING


def test_a_class_left_with_nothing_for_libcst_is_not_parsed_when_its_fields_are_read_from_ast():
    """A record class of fields alone, read from ``ast``, leaves libcst nothing to read: neither its
    header nor a ``pass`` is parsed (a generated module of such classes gave libcst a third of its
    lines for nothing). Its fields are still reported, and a class with a method kept, or one
    whose statements libcst reads, keeps its header."""
    source = textwrap.dedent("""
    import logging
    from django.db import models
    log = logging.getLogger(__name__)

    @register
    class Customer(models.Model):
        \"\"\"A customer.\"\"\"
        email = models.EmailField()
        notes = models.TextField()

    class Visit(models.Model):
        when = models.DateTimeField()

        def describe(self, user):
            log.info("visit by %s", user.email)

    def signup(user):
        log.info("new user %s", user.email)
    """) + textwrap.dedent(UNRELATED)
    apart = focus(source, PF, None, "m", fields_apart=True)
    assert "class Customer" not in apart.text and "@register" not in apart.text and "def signup" in apart.text
    assert "class Visit" in apart.text and "def describe" in apart.text
    together = focus(source, PF, None, "m", fields_apart=False)
    assert "class Customer" in together.text and "email = models.EmailField()" in together.text
    whole, focused = _both(source)
    assert _key(focused) == _key(whole)
    assert sorted((f.code, f.line) for f in whole) == [
        ("GDPR101", 9), ("GDPR101", 10), ("GDPR301", 16), ("GDPR301", 19)]


def test_words_of_comments_and_docstrings_do_not_keep_a_function_for_its_sink():
    """A function is read for a sink where its code names personal data, not where a comment or its
    docstring does: the flow reads no data from those (Django's query builder kept most of its
    methods for an "author" in a comment). A key, a string in the code, and an f-string alone as a
    statement still count."""
    source = textwrap.dedent("""
    import logging
    log = logging.getLogger(__name__)

    def report(rows):
        \"\"\"Log how many rows the customer email export wrote.\"\"\"
        # the user's name is never logged here
        log.info("wrote %d rows", len(rows))

    def keyed(row):
        log.info("contact %s", row["email"])

    def formatted(row):
        f"{log.info(row.email)}"

    def explained(member):
        \"\"\"Log the member.\"\"\"
        log.info("member %s", member.email)  # a comment
    """) + textwrap.dedent(UNRELATED)
    kept = _kept(source)
    assert "def report" not in kept
    assert "def keyed" in kept and "def formatted" in kept and "def explained" in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole)
    assert sorted(f.line for f in whole if f.code == "GDPR301") == [11, 14, 18]


def test_what_self_holds_is_followed_through_attributes_set_from_attributes():
    """`self.cache = self.client` in one method, `self.client = redis.Redis()` in another: a
    method that writes to `self.cache` holds a Redis client two setters away (a review found the
    cut read one setter only)."""
    source = """
    import redis

    class Sessions:
        def __init__(self):
            self.client = redis.Redis()

        def bind(self):
            self.cache = self.client

        def keep(self, member):
            self.cache.hset("members", member.id, member.email)
    """ + UNRELATED
    kept = _kept(source)
    assert "def keep" in kept and "def bind" in kept and "def __init__" in kept and "def step_0" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and [(f.code, f.line) for f in whole] == [("GDPR203", 12)]


def test_a_file_parameter_declared_in_one_function_is_a_file_in_another():
    """`add_argument("--report", type=argparse.FileType("w"))` in one function, the attribute it
    makes written in another: both are read (the flow learns the attribute where it is declared);
    a write to an attribute of a file with no such declaration is no sink."""
    source = """
    import argparse

    def options():
        parser = argparse.ArgumentParser()
        parser.add_argument("--report", type=argparse.FileType("w"))
        return parser.parse_args()

    def export(opts, member):
        opts.report.write(member.email)
    """ + UNRELATED
    kept = _kept(source)
    assert "def options" in kept and "def export" in kept and "def step_0" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and [(f.code, f.line) for f in whole] == [("GDPR202", 10)]
    plain = source.replace("argparse.FileType", "str").replace("import argparse", "import argparse as ap")
    assert "def export" not in _kept(plain)


_PERSON_MODEL = """
from django.db import models

class Subscriber(models.Model):
    handle = models.CharField(max_length=40)
    email = models.EmailField()

    def __str__(self):
        return self.email
"""

_AUDIT = """
import logging
log = logging.getLogger(__name__)

def audit_event(value):
    log.info("event %s", value)
"""

_LINKED = """
from django.conf import settings
from django.db import models

class Review(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    remarks = models.TextField()
"""

# projects where the analysis without the pre-filter and the cut finds personal data that both
# used to miss (a reviewer's differential search): each must now be found with them too
_MISSED_BEFORE = {
    # an object of a class that prints an e-mail, made at module level, reaching a sink in a function
    "module object printed": {"shop/models.py": _PERSON_MODEL, "shop/digest.py": """
        from shop.models import Subscriber
        newest = Subscriber.objects.last()

        def dump():
            print("newest:", newest)
        """},
    "module object in a session": {"shop/models.py": _PERSON_MODEL, "shop/web.py": """
        from flask import session
        from shop.models import Subscriber
        newest = Subscriber.objects.last()

        def remember():
            session["who"] = newest
        """},
    "module object written to a file": {"shop/models.py": _PERSON_MODEL, "shop/export.py": """
        from shop.models import Subscriber
        newest = Subscriber.objects.last()

        def export(path):
            open(path, "w").write(str(newest))
        """},
    "module object raised": {"shop/models.py": _PERSON_MODEL, "shop/check.py": """
        from shop.models import Subscriber
        newest = Subscriber.objects.last()

        def check():
            raise RuntimeError(f"unexpected {newest}")
        """},
    # a weak word read on a name that holds an object of a person's class
    "weak word on a typed module object": {"shop/people.py": """
        class Patient:
            def __init__(self, name):
                self.name = name
        """, "shop/duty.py": """
        from shop.people import Patient
        on_duty = Patient("Kim")

        def announce():
            print("on duty:", on_duty.name)
        """},
    # free text on a person's record is personal only with its owner
    "free text on a person": {"shop/profile.py": """
        def show_profile(author):
            print("about:", author.bio)
        """},
    # what a getter returns of an attribute another method set
    "getter of an attribute set elsewhere, raised": {"shop/notify.py": """
        class Reminder:
            def __init__(self, customer):
                self.address = customer.email

            def destination(self):
                return self.address

            def fail(self):
                raise RuntimeError("could not send to " + self.destination())
        """},
    # a module-level name bound from personal data, through a helper and a chained assignment
    "module name through a helper, raised": {"shop/config.py": """
        import json
        owner_doc = json.load(open("owner.json"))
        SUPPORT = BACKUP = owner_doc["email"]

        def support_address():
            return SUPPORT

        def broken(count):
            if count < 0:
                raise ValueError(f"ask {support_address()}")

        def broken_too():
            raise ValueError(f"ask {BACKUP}")
        """},
    # `self` is an object of its class: a weak word on it is the class's
    "weak word on self of a person's class, raised": {"shop/patient.py": """
        class Patient:
            def __init__(self, name):
                self.name = name

            def check(self):
                if not self.name.strip():
                    raise ValueError(f"blank name: {self.name!r}")
        """},
    # a number ends the name of an object (`sub1`): the flow reads it without the number
    "numbered objects": {"shop/models.py": _PERSON_MODEL, "shop/merge.py": """
        def merge(subscriber1, subscriber2):
            print("merging", subscriber1, "and", subscriber2)
        """},
    # a field read on an object named after a record linked to a person, in a file that does not
    # import the record (the object comes from elsewhere)
    "a record's free text on an object named after it": {"shop/models.py": """
        from django.conf import settings
        from django.db import models

        class Review(models.Model):
            author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            remarks = models.TextField()
        """, "shop/moderation.py": """
        def hold(review):
            print("held:", review.remarks)

        def compare(review_1, review2):
            print(review_1.remarks, "vs", review2.remarks)
        """},
    # a second search (each fixed in the pre-filter, the project facts or the cut)
    "the signed-in user in a raise": {"shop/views.py": """
        def refuse(request):
            raise PermissionError(f"{request.user} may not do this")
        """},
    "the signed-in user handed to a helper that logs": {"shop/audit.py": _AUDIT, "shop/views.py": """
        from shop.audit import audit_event

        def checkout(request):
            audit_event(request.user)
        """},
    "an object read from a record handed to a helper that logs": {
        "shop/models.py": _PERSON_MODEL, "shop/audit.py": _AUDIT, "shop/jobs.py": """
        from shop.models import Subscriber
        from shop.audit import audit_event

        def nightly(pk):
            subscriber = None
            who = Subscriber.objects.get(pk=pk)
            audit_event(who)

        def weekly(pk):
            audit_event(value=Subscriber.objects.get(pk=pk))
        """},
    "an object read from a record handed by keyword": {
        "shop/models.py": _PERSON_MODEL, "shop/audit.py": _AUDIT, "shop/jobs.py": """
        from shop.models import Subscriber
        from shop.audit import audit_event

        def weekly(pk):
            found = Subscriber.objects.get(pk=pk)
            audit_event(value=found)
        """},
    "a helper imported under another name": {"shop/audit.py": _AUDIT, "shop/views.py": """
        from shop.audit import audit_event as trace

        def close(account):
            trace(account.email)
        """},
    "free text of a linked record read on an object of it": {"shop/models.py": _LINKED, "shop/jobs.py": """
        import logging
        from shop.models import Review
        log = logging.getLogger(__name__)

        def dump(pk):
            obj = Review.objects.get(pk=pk)
            log.info("review: %s", obj.remarks)
            print(getattr(obj, "remarks"))
        """},
    "a person object to a logger with no name, and to a file": {"shop/models.py": _PERSON_MODEL, "shop/jobs.py": """
        import logging

        def remind(subscriber, fh):
            logging.getLogger(__name__).info("reminding %s", subscriber)
            fh.write(str(subscriber))
        """},
    "a record declared by a call in a function": {"shop/tables.py": """
        import sqlalchemy as sa

        def build(meta):
            return sa.Table("subscribers", meta, sa.Column("mobile_phone", sa.String))
        """},
    "a record field with a personal-data type, raised": {"shop/models.py": """
        from django.db import models
        from phonenumber_field.modelfields import PhoneNumberField

        class Handset(models.Model):
            number = PhoneNumberField()
        """, "shop/sms.py": """
        def text(handset):
            if not handset.number:
                raise RuntimeError(f"cannot text {handset.number}")
        """},
    "what a caller gives a setter, raised by another method": {"shop/use.py": """
        from shop.notify import Dispatcher

        def deliver(customer):
            c = Dispatcher()
            c.aim(customer.email)
            c.fail()
        """, "shop/notify.py": """
        class Dispatcher:
            def aim(self, where):
                self.dest = where

            def fail(self):
                raise RuntimeError(f"cannot reach {self.dest}")

            def status(self):
                print("ready")
        """},
    "a method passed to map through self": {"shop/mail.py": """
        class Lister:
            def scrub(self, value):
                if not value:
                    return ""
                return value

            def show(self, customers):
                print(list(map(self.scrub, [c.email for c in customers])))
        """},
    "a web app whose framework is imported in a function": {"shop/tool.py": """
        import click

        def create_app():
            from flask import Flask
            return Flask(__name__)

        def report(customer):
            print(customer.email)
        """},
    "a person object to a client the file makes under a short name": {
        "shop/models.py": _PERSON_MODEL, "shop/cache.py": """
        import redis

        kv = redis.Redis()

        def keep(subscriber):
            kv.set("latest", str(subscriber))
        """},
    "validated form data and the signed-in user handed on by a local name": {
        "shop/audit.py": _AUDIT, "shop/views.py": """
        from flask_login import current_user
        from shop.audit import audit_event

        def submit(form):
            audit_event(form.cleaned_data)

        def profile(request):
            me = request.user
            audit_event(me)
            audit_event(current_user)
        """},
    "a helper called by its name as a string": {"shop/audit.py": _AUDIT, "shop/plugins.py": """
        from shop import audit

        def dispatch(account):
            getattr(audit, "audit_event")(account.email)
        """},
    # an account's name as text (sources.sign_in.text_names), read in another method through self,
    # in a file with no other word of personal data
    "an account name as text": {"shop/rights.py": """
        import logging
        log = logging.getLogger(__name__)

        class Rights:
            def __init__(self, owner: "str | None"):
                self.holder = owner

            def report(self, path):
                log.info("%s owned by %s", path, self.holder)
        """},
    "an account name as text, its annotation on two lines": {"shop/grants.py": """
        import logging
        from typing import Union
        log = logging.getLogger(__name__)

        def grant(path, login: Union[
                None, str] = None):
            log.info("%s granted to %s", path, login)
        """},
    # the name a person signs in with, beside a password in an assignment and a parameter list
    "a login beside a password": {"shop/gate.py": """
        import logging
        log = logging.getLogger(__name__)

        def check(login, password):
            return bool(login and password)

        def enter(header):
            login, password = header.split(":", 1)
            ok = check(login, password)
            log.info("%s: %s", login, ok)
        """},
    # a local helper named like a sanitiser that returns its input is no sanitiser
    "a helper passed to map": {"shop/mail.py": """
        def redact_email(value):
            if not value:
                return ""
            return value

        def list_all(customers):
            print(list(map(redact_email, [c.email for c in customers])))
        """},
}


def test_what_the_analysis_finds_without_the_cut_is_found_with_it(tmp_path: Path):
    for name, files in _MISSED_BEFORE.items():
        root = tmp_path / name.replace(" ", "_").replace(",", "").replace("'", "")
        (root / "shop").mkdir(parents=True)
        (root / "shop" / "__init__.py").write_text("")
        for path, text in files.items():
            (root / path).write_text(textwrap.dedent(text))
        fast = scan([root], POLICY, root=root, cache_dir=None, prefilter=True)
        full = scan([root], POLICY, root=root, cache_dir=None, prefilter=False)
        last = list(files)[-1]
        assert any(f.path == last and f.family != "tool" for f in full.findings), name
        assert _key(fast.findings) == _key(full.findings), name


def test_the_owners_of_weak_attributes_are_the_names_before_the_dot():
    from gdpr_lint.survey.classes import weak_owners

    text = "print(entry.notes, self.ticket2 . title, row.count, get().name, 3 .name, x.y.city)"
    assert weak_owners(text, POLICY) == ["entry", "ticket2", "y"]


def test_the_owners_of_weak_attributes_are_found_with_or_without_the_attributes_given():
    """weak_owners reads only where the weak attributes are spelled: the same owners as a read of
    every attribute (a name with a weak word, `a.notes_count`, but not a longer word that starts
    with one, `c.notesx`; an attribute after blanks, `b . notes`; getattr alone, not
    `mygetattr(...)`, but `h.getattr(...)`)."""
    from gdpr_lint.survey.classes import _ATTRIBUTE, weak_attributes, weak_owners

    text = ("a.notes_count; b . notes; c.notesx; _d.title\n"
            "e.x(f.name); mygetattr(g, 'name'); h.getattr(i, 'city'); getattr(j , 'bio')")
    attributes = weak_attributes(set(_ATTRIBUTE.findall(text)), POLICY)
    assert weak_owners(text, POLICY, attributes=attributes) == weak_owners(text, POLICY) == [
        "_d", "a", "b", "f", "i", "j"]
    assert weak_owners("a.count(x)", POLICY, attributes=[]) == []


def test_many_weak_attributes_or_names_after_a_person_are_read_as_a_few_are():
    """Past a few words, weak_owners and _handed read every attribute or call once instead of
    searching for each word (a generated module's thousands of names): the same facts."""
    from gdpr_lint.survey.calltext import CallText
    from gdpr_lint.survey.classes import _FEW, _handed, weak_owners

    words = ["name", "city", "notes", "title", "bio", "address", "phone_note", "street", "country",
             "first_name", "last_name", "nickname", "headline", "remarks", "comment", "display_name",
             "postcode", "region", "label_name", "middle_name"]
    assert len(words) > _FEW
    text = "\n".join(f"v{n} = row{n} . {w}; k{n} = row{n}.{w}x" for n, w in enumerate(words))
    many = weak_owners(text, POLICY, attributes=words)
    assert many == sorted({o for w in words for o in weak_owners(text, POLICY, attributes=[w])})
    assert len(many) > _FEW
    calls = "\n".join(f"notify(user{n}, flag)\nkeep(user{n}_count)" for n in range(_FEW + 4))
    handed = _handed(calls, POLICY, CallText(calls))
    assert handed == sorted(f"notify\x1fuser{n}" for n in range(_FEW + 4))
    few = "\n".join(f"notify(user{n}, flag)\nkeep(user{n}_count)" for n in range(3))
    assert _handed(few, POLICY, CallText(few)) == [f"notify\x1fuser{n}" for n in range(3)]


@pytest.mark.parametrize("text, start, window", [
    ("f(a, (b), c) + g(d)", 2, "a, (b), c"),
    ("f(a, (b, (c)), d)", 2, "a, (b, (c)), d"),
    ("f(a, (b", 2, "a, (b"),  # (never closed: to the end)
    ("f()", 2, ""),
    ("f(" + "x" * 3000 + ")", 2, "x" * 2000),  # (the limit)
])
def test_a_calls_parentheses_are_read_to_their_closing_one(text, start, window):
    from gdpr_lint.survey.classes import _balanced

    assert _balanced(text, start) == window


def test_the_names_after_a_person_are_judged_once_and_alike():
    from gdpr_lint.survey.classes import (
        _named_after_a_person,
        _names_after_a_person,
        _subject_words,
    )

    subjects = _subject_words(POLICY)
    names = frozenset({"user", "new_member", "member2", "USER", "user_count", "order", "username"})
    expected = {n for n in names if _named_after_a_person(n, subjects)}
    assert expected == {"user", "new_member", "member2"}
    assert _names_after_a_person(names, subjects) == expected
    assert _names_after_a_person(names | {"customer"}, subjects) == expected | {"customer"}  # (asked again)


def test_a_functions_calls_are_read_from_the_files_as_from_its_own_text():
    """The calls of a function's lines, cut from the file's, are those of its text alone: not a
    name on its last line whose parenthesis opens the next statement, nor one before its first."""
    import itertools

    from gdpr_lint.files.parts import top_level
    from gdpr_lint.survey.calltext import CallText

    source = "x = go\n(a, b) = 1, 2\n\ndef f():\n    log.info(user)\n    return x\n(c, d) = g(1), h (2)\n"
    lines = source.split("\n")
    offsets = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    whole = CallText(source)
    parts = top_level(source)
    assert [kind for *_, kind in parts] == ["", "", "def", ""]
    for first, last, _name, _kind in parts:
        text = "\n".join(lines[first - 1:last])
        part, alone = whole.within(offsets[first - 1], offsets[last] - 1, text), CallText(text)
        assert (part.names, part.ends, part.called()) == (alone.names, alone.ends, alone.called())
    assert whole.within(offsets[2], offsets[6] - 1, "").names == ["log.info"]


def test_a_source_is_found_only_where_the_text_spells_it():
    from gdpr_lint.survey.classes import _sources_in

    assert _sources_in(POLICY, "x = 1\nprint(data)") is None
    found = _sources_in(POLICY, "u = request . user\nv = form.cleaned_data")
    assert [m.group() for m in found.finditer("u = request . user\nv = form.cleaned_data")] == [
        "request . user", "cleaned_data"]


def test_a_function_left_out_still_imports_what_makes_a_command_line_program(tmp_path: Path):
    """The imports of a function the cut leaves out still count: `import argparse` in `main()`
    makes the module a command-line program, whose print() goes to its operator (no finding)."""
    (tmp_path / "tool.py").write_text(textwrap.dedent("""
    def main():
        import argparse
        return argparse.ArgumentParser().parse_args()

    def report(customer):
        print(customer.email)
    """ + UNRELATED))
    fast = scan([tmp_path], POLICY, root=tmp_path, cache_dir=None, prefilter=True)
    full = scan([tmp_path], POLICY, root=tmp_path, cache_dir=None, prefilter=False)
    assert _key(fast.findings) == _key(full.findings) == []


_VALUES = {  # what may be personal data, as a function gets it
    "an attribute": ("customer", "customer.email", ""),
    "free text on a person": ("author", "author.bio", ""),
    "the signed-in user": ("request", "request.user", ""),
    "validated form data": ("form", "form.cleaned_data", ""),
    "an object printing an e-mail": ("pk", "Subscriber.objects.get(pk=pk)", "from shop.models import Subscriber\n"),
    "a numbered object": ("subscriber2", "subscriber2", ""),
}
_SINKS = {  # where it goes: (imports, the statement with {v})
    "a logger": ("import logging\nlog = logging.getLogger(__name__)\n", "log.info('%s', {v})"),
    "print": ("", "print({v})"),
    "a raise": ("", "raise RuntimeError(f'{{{v}}}')"),
    "a request": ("import requests\n", "requests.post('https://crm.example.net/in', json={{'v': str({v})}})"),
}


def test_values_by_sinks_by_placement_agree_with_and_without_the_speed_layer(tmp_path: Path):
    """A matrix of what a function gets, where it goes, and how (directly, through a local name,
    through a helper of another module that writes its parameter): the findings with the
    pre-filter and the cut are the findings without them, and most combinations make one."""
    made = 0
    for (value, (param, expr, imports)), (sink, (sink_imports, statement)) in itertools.product(
            _VALUES.items(), _SINKS.items()):
        for placement in ("directly", "by a local name", "through a helper"):
            root = tmp_path / f"{value}-{sink}-{placement}".replace(" ", "_")
            (root / "shop").mkdir(parents=True)
            (root / "shop" / "__init__.py").write_text("")
            (root / "shop" / "models.py").write_text(textwrap.dedent(_PERSON_MODEL))
            if placement == "through a helper":
                (root / "shop" / "helper.py").write_text(
                    f"{sink_imports}\n\ndef deliver(value):\n    {statement.format(v='value')}\n")
                body = f"deliver({expr})"
                head = f"{imports}from shop.helper import deliver\n"
            else:
                body = (statement.format(v=expr) if placement == "directly" else
                        f"got = {expr}\n    {statement.format(v='got')}")
                head = f"{imports}{sink_imports}"
            (root / "shop" / "views.py").write_text(f"{head}\n\ndef handle({param}):\n    {body}\n" + UNRELATED)
            fast = scan([root], POLICY, root=root, cache_dir=None, prefilter=True)
            full = scan([root], POLICY, root=root, cache_dir=None, prefilter=False)
            assert _key(fast.findings) == _key(full.findings), (value, sink, placement)
            made += any(f.path != "shop/models.py" and f.family != "tool" for f in full.findings)
    assert made >= 55, made  # (58 of 72: not a matrix of cases the analysis finds nothing in)


def test_a_stream_method_called_on_any_object_is_a_sink_by_the_policys_stream_methods(tmp_path):
    """A call of a stream's method on an object the file's calls do not name (`open(...).write(`)
    is a sink the survey reads names around; which methods those are is the policy's
    (sinks.yaml, the stream object), not a word the survey spells."""
    import shutil

    import yaml

    from gdpr_lint.policy import rules_dir
    from gdpr_lint.survey.classes import _person_mentions

    text = textwrap.dedent('''
        from shop.models import Subscriber
        newest = Subscriber.objects.last()


        def export(path):
            open(path, "w").emit(str(newest))
    ''')
    no_named_sinks = (frozenset(), frozenset())
    assert _person_mentions(text, load_policy(), no_named_sinks) == []
    assert "newest" in _person_mentions(text.replace(".emit(", ".write("), load_policy(), no_named_sinks)
    pack = tmp_path / "pack"
    shutil.copytree(rules_dir(), pack)
    data = yaml.safe_load((pack / "sinks.yaml").read_text(encoding="utf-8"))
    data["logging"]["objects"]["stream"]["methods"].append("emit")
    (pack / "sinks.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert "newest" in _person_mentions(text, load_policy(pack_dir=pack), no_named_sinks)


# ---- a file with nothing to read is not given to libcst at all (engine.reach) ---------------------
_NOTHING_TO_READ = """\
import logging

log = logging.getLogger(__name__)


def domain_of(user):
    # the part of the user's e-mail address after the at sign: nothing reaches a sink
    return user.email.rpartition("@")[2]
"""


@pytest.mark.parametrize("source,nothing", [
    (_NOTHING_TO_READ, True),
    (_NOTHING_TO_READ + "\n\ndef outer():\n    class Customer(models.Model):\n        email = models.EmailField()\n",
     False),  # a class the survey does not read
    # look-alikes: a suppression to check (GDPR903/904), a class in a function, a sink given a person's data,
    # brackets nested past Python's limit
    (_NOTHING_TO_READ.replace("    return user", "    return user  # gdpr-lint: ignore[GDPR301]\n    return user"), False),
    (_NOTHING_TO_READ.replace("    return user", "    log.info('%s', user.email)\n    return user"), False),
    ("x = " + "(" * 250 + "1" + ")" * 250 + "\n", False),
])
def test_a_file_whose_analysis_has_nothing_to_read_is_known_without_libcst(source, nothing):
    from gdpr_lint.engine.reach import nothing_to_read

    facts = ProjectFacts(record_modules=frozenset())  # the survey found no record class in the module
    assert nothing_to_read(source, POLICY, "m", facts, PF) is nothing
    assert not nothing_to_read(source, POLICY, "m", ProjectFacts(record_modules=frozenset({"m"})), PF)
    if nothing:  # and the analysis agrees: nothing found, no row
        assert analyze_source("m.py", source, POLICY, module_name="m", project=facts, prefilter=PF) == ([], [], [])


def test_a_file_whose_analysis_has_nothing_to_read_is_checked_without_importing_libcst(tmp_path):
    import subprocess
    import sys

    (tmp_path / "jobs.py").write_text(_NOTHING_TO_READ)
    code = ("import sys\nfrom gdpr_lint import scan\nfrom gdpr_lint.facts.project import ProjectFacts\n"
            "from gdpr_lint.policy import load_policy\n"
            "scan._init_worker(load_policy())\n"
            "facts = ProjectFacts(record_modules=frozenset())\n"
            "digest, (findings, suppressed, rows, lines) = scan.analyze_job((sys.argv[1], 'jobs.py', 'jobs', False, True),"
            " facts)\n"
            "print(len(findings), len(rows), lines, 'libcst' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "jobs.py")], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["0", "0", "8", "False"]


def test_the_cut_is_made_once_for_a_file_that_has_something_to_read(tmp_path, monkeypatch):
    # the check for nothing to read and the analysis after it share one cut of the file
    from gdpr_lint import scan as scan_module
    from gdpr_lint.engine import reach

    made = []
    real = reach.focus
    from gdpr_lint.engine import analyzer

    monkeypatch.setattr(reach, "focus", lambda *a: made.append(1) or real(*a))
    monkeypatch.setattr(analyzer, "focus", lambda *a: made.append(1) or real(*a), raising=False)
    path = tmp_path / "jobs.py"
    path.write_text(_NOTHING_TO_READ.replace("    return user", "    log.info('%s', user.email)\n    return user"))
    scan_module._init_worker(POLICY)
    _digest, (findings, _suppressed, _rows, _lines) = scan_module.analyze_job(
        (str(path), "jobs.py", "jobs", False, True), ProjectFacts(record_modules=frozenset()))
    assert [f.code for f in findings] == ["GDPR301"] and len(made) == 1


def test_a_log_call_with_no_personal_data_around_it_is_not_read():
    """A sink is a finding only where personal data reaches it: a function that logs what names
    none (its own text, what it reads of self, the module's names it reads, what its callers pass
    and what its helpers return) is left out, as a raise of the same is."""
    source = """
    import logging
    log = logging.getLogger(__name__)

    def rebuild(index):
        log.info("rebuilt %s entries", index.size)

    def signup(customer):
        log.info("welcome %s", customer.email)
    """ + UNRELATED
    kept = _kept(source)
    assert "def signup" in kept and "def rebuild" not in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and [f.line for f in whole] == [9]


def test_a_weak_word_needs_a_person_beside_it_in_the_same_statement():
    """``source.name`` set in one method and a docstring that mentions a user are no person's
    name: a weak word counts beside a person's name in the statement that reads it (``user.name``),
    and a docstring or comment is no statement that gives a local name its value."""
    source = '''
    import logging
    log = logging.getLogger(__name__)

    class Importer:
        def __init__(self, source):
            """Read the rows from the source a user gives."""
            self.source = source
            self.label = source.name

        def run(self):
            log.info("importing %s", self.label)

    class Greeter:
        def __init__(self, user):
            # the source of the label
            self.label = user.name

        def run(self):
            log.info("hello %s", self.label)
    ''' + UNRELATED
    kept = _kept(source)
    assert "importing" not in kept and "hello" in kept
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) and [f.line for f in whole] == [20]
    # the weak word set by one method, the person's name by another: no statement holds both
    source = """
    import logging
    log = logging.getLogger(__name__)

    class Report:
        def set_owner(self, user):
            self.owner = user.pk

        def set_label(self, config):
            self.label = config.name

        def run(self):
            log.info("report %s for %s", self.label, self.owner)
    """ + UNRELATED
    assert "def run" not in _kept(source)
    whole, focused = _both(source)
    assert _key(focused) == _key(whole) == []
    assert "def run" in _kept(source.replace("config.name", "user.name").replace("config)", "config, user)"))


_BROKEN_BY_THE_PIECES = {
    # a weak attribute of a module-level object of a person's class made in another package
    "module object": {"shop/svc.py": """
        import logging
        from crm import Customer

        c = Customer()


        def report():
            logging.info(c.name)
        """},
    # ... read through self, set from it in __init__, and sent to a host
    "module object through self": {"shop/svc.py": """
        import requests
        from crm.models import Customer

        c = Customer.objects.first()


        class Report:
            def __init__(self):
                self.label = c.name

            def emit(self):
                requests.post("https://hooks.example.com/in", json={"v": self.label})
        """},
    # what a caller elsewhere passes to a setter two steps up a chain of attributes of self
    "setter two steps up": {"shop/svc.py": """
        import logging


        class Job:
            def configure(self, payload):
                self.raw = payload

            def prepare(self):
                self.item = self.raw

            def run(self):
                logging.info("%s", self.item)
        """, "shop/views.py": """
        from shop.svc import Job


        def view(request):
            job = Job()
            job.configure(request.user.email)
        """},
    # a raise of a module name bound from a person's object bound above it (a survey's miss before)
    "raise of a module name": {"shop/svc.py": """
        from crm.models import Customer

        c = Customer.objects.first()
        LABEL = c.name


        def report():
            raise RuntimeError(f"cannot process {LABEL}")
        """},
    # an f-string right after another string: its field is code that reads a local name
    "f-string after a string": {"shop/svc.py": """
        import logging


        class Job:
            def prepare(self, user):
                addr = user.email
                self.msg = "to:"f"{addr}"

            def run(self):
                logging.info(self.msg)
        """},
}


@pytest.mark.parametrize("shape", sorted(_BROKEN_BY_THE_PIECES))
def test_what_a_weak_word_or_a_setter_gets_from_around_keeps_its_function(tmp_path: Path, shape: str):
    """Found by a breaker in the first version of "a sink is read only where personal data can
    reach it": a module's statements make its objects a person's (`c = Customer()`), what callers
    pass may come up a chain of setters, and an f-string's fields are code even after a string
    (and, missed before it, a raise of what a chain of module names is made from)."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    for name, text in _BROKEN_BY_THE_PIECES[shape].items():
        (tmp_path / name).write_text(textwrap.dedent(text) + UNRELATED)
    fast = scan([tmp_path], POLICY, root=tmp_path, cache_dir=None, prefilter=True, jobs=1)
    full = scan([tmp_path], POLICY, root=tmp_path, cache_dir=None, prefilter=False, jobs=1)
    assert _key(fast.findings) == _key(full.findings)
    assert [f.path for f in full.findings if f.family != "tool"] == ["shop/svc.py"]


def test_a_parameter_annotated_with_a_class_that_prints_personal_data_keeps_its_file(tmp_path):
    """`def f(a: Customer)` logged through a logger made in the call (`logging.getLogger(...).info`):
    the survey reads the annotation as the parameter's class, as the analysis does, so the file is
    analysed and the fast scan finds what the full one finds."""
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "__init__.py").write_text("")
    (shop / "models.py").write_text(textwrap.dedent("""
        from django.db import models

        class Customer(models.Model):
            email = models.EmailField()  # gdpr: retention=P1Y basis=contract

            def __str__(self):
                return self.email
    """))
    (shop / "views.py").write_text(textwrap.dedent("""
        import logging

        from shop.models import Customer

        def welcome(a: Customer):
            logging.getLogger(__name__).info("welcome %s", a)
    """))
    fast = _same_with_the_cut(tmp_path)
    assert [(f.path, f.line, f.code) for f in fast.findings if f.family == "logging"] == [("shop/views.py", 7, "GDPR301")]


def test_a_weak_word_read_on_a_parameter_annotated_with_a_persons_class_keeps_its_file(tmp_path):
    """`def load(self, obj: Customer): self.label = obj.name`, then `self.label` logged by another
    method: the survey reads the annotation as the flow does (the parameter is a Customer, its
    `name` a person's), so the fast scan finds what the full one finds."""
    crm = tmp_path / "crm"
    crm.mkdir()
    (crm / "__init__.py").write_text("")
    (crm / "report.py").write_text(textwrap.dedent("""
        import logging

        from crm.models import Customer

        log = logging.getLogger(__name__)

        class Report:
            def load(
                self,
                obj: "Customer | None",
            ):
                self.label = obj.name

            def emit(self):
                log.info("report for %s", self.label)
    """))
    fast = _same_with_the_cut(tmp_path)
    assert [(f.path, f.line, f.code) for f in fast.findings] == [("crm/report.py", 16, "GDPR301")]


def test_a_call_of_a_function_that_writes_its_parameter_is_read_only_with_data_around_it(tmp_path: Path):
    """A call of a project function that logs its parameter is a sink like a log call: the
    function that makes it is read when it names personal data (its finding is kept), not when
    it passes a count (it was read whatever it passed, a sixth of Django's lines for libcst)."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "audit.py").write_text(textwrap.dedent("""
        import logging
        log = logging.getLogger(__name__)

        def note(value):
            log.info("audit: %s", value)
    """))
    views = textwrap.dedent("""
    from shop.audit import note

    def tally(batch):
        note(len(batch.rows))

    def welcome(customer):
        note(customer.email)
    """ + UNRELATED)
    (tmp_path / "shop" / "views.py").write_text(views)
    facts = ProjectFacts(summaries={"shop.audit.note": (("value",), ((0, "GDPR301", "a logger", "shop/audit.py:6"),))})
    part = focus(views, PF, facts, "shop.views")
    assert "def welcome" in part.text and "def tally" not in part.text and "def step_0" not in part.text
    fast = _same_with_the_cut(tmp_path)
    assert [(f.path, f.line) for f in fast.findings if f.path == "shop/views.py"] == [("shop/views.py", 8)]


def test_a_function_that_names_an_object_made_for_a_sink_is_read_only_with_data_around_it(tmp_path: Path):
    """A method of an object another module makes for a sink (`cache = redis.Redis()`, a
    module's logger) is a sink like any store: the function that names the object is read when
    it names personal data (the store of an e-mail is found), not when it counts visits (a
    module's logger made every function that named it read, whatever it logged)."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "stores.py").write_text("import redis\n\ncache = redis.Redis()\n")
    views = textwrap.dedent("""
    from shop.stores import cache

    def count_visit(page):
        cache.incr(f"visits:{page}")

    def remember(customer):
        cache.set(f"contact:{customer.id}", customer.email)
    """ + UNRELATED)
    (tmp_path / "shop" / "views.py").write_text(views)
    part = focus(views, PF, ProjectFacts(sink_objects={"shop.stores.cache": "redis.Redis"}), "shop.views")
    assert "def remember" in part.text and "def count_visit" not in part.text and "def step_0" not in part.text
    fast = _same_with_the_cut(tmp_path)
    assert [(f.code, f.line) for f in fast.findings if f.path == "shop/views.py"] == [("GDPR203", 8)]


def test_a_name_imported_under_another_is_read_as_itself_for_the_data_around_a_sink(tmp_path: Path):
    """A mail class imported under another name (`EmailMessage as Mail`) takes its recipients,
    people's addresses, as the class does: the function that sends one is read, and what it
    logs of them is found with the cut as without it (with no module logger naming the function
    for the cut, its words alone decide)."""
    (tmp_path / "notify").mkdir()
    (tmp_path / "notify" / "__init__.py").write_text("")
    source = textwrap.dedent("""
    import logging

    from django.core.mail import EmailMessage as Mail


    def deliver(dest):
        Mail("s", "b", "noreply@example.org", [dest]).send()
        logging.getLogger("mail").info("sent to %s", dest)
    """ + UNRELATED)
    (tmp_path / "notify" / "mailing.py").write_text(source)
    assert "def deliver" in _kept(source)
    fast = _same_with_the_cut(tmp_path)
    assert [(f.code, f.line) for f in fast.findings] == [("GDPR301", 9)]


def test_data_spelled_otherwise_than_a_dotted_name_is_read_around_a_sink(tmp_path: Path):
    """What a person sent or is, reached by `getattr` with a literal name, through a bracketed
    receiver, under a key written as two strings, or a parameter annotated as an account's text
    after a line break or a comment: the flow reads each as the plain spelling, so the cut keeps
    the function (a fresh user's generated projects lost each of these with the cut)."""
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "views.py").write_text(textwrap.dedent('''
    import logging


    def received(request):
        logging.getLogger("desk").info("%s", getattr(request, "data"))


    def keyed(row):
        logging.getLogger("desk").info("%s", row["e" "mail"])


    class Agent:
        def whoami(self):
            logging.getLogger("desk").info("%s", (self.request).user)


    def grant(  # the account
        login: str,
    ):
        logging.getLogger("desk").info("%s", login)
    ''' + UNRELATED))
    fast = _same_with_the_cut(tmp_path)
    assert [(f.code, f.line) for f in fast.findings] == [("GDPR301", 6), ("GDPR301", 10), ("GDPR301", 15),
                                                           ("GDPR301", 21)]


def test_a_source_imported_under_another_name_is_read_where_the_name_is(tmp_path: Path):
    """`from flask_login import current_user as me`: what `me` is shows only in the import, which
    the cut reads with the function that passes `me` to a helper that logs it (the file is
    analysed for its other function, which passes an e-mail)."""
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "trail.py").write_text(
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef mark(what):\n    log.info('%s', what)\n")
    (tmp_path / "desk" / "views.py").write_text(textwrap.dedent('''
    from flask_login import current_user as me

    from desk.trail import mark


    def touch():
        mark(me)


    def welcome(customer):
        mark(customer.email)
    ''' + UNRELATED))
    fast = _same_with_the_cut(tmp_path)
    assert [(f.path, f.code, f.line) for f in fast.findings] == [("desk/views.py", "GDPR301", 8),
                                                                  ("desk/views.py", "GDPR301", 12)]


def test_a_helper_of_a_module_imported_in_the_function_and_an_object_imported_under_another_name(tmp_path: Path):
    """The cut reads a call of a helper that logs its parameter through a module the function
    imports itself (`from desk import trail` inside it), and a method of an object made for a
    sink that the file imports under another name (`pad as scratch`), as a scan without it does."""
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "trail.py").write_text(
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef mark(what):\n    log.info('%s', what)\n")
    (tmp_path / "desk" / "stores.py").write_text("import redis\n\npad = redis.Redis()\n")
    (tmp_path / "desk" / "views.py").write_text(textwrap.dedent('''
    from desk.stores import pad as scratch


    def enrol(member):
        from desk import trail
        trail.mark(member.email)


    def park(member):
        scratch.set("last", member.email)
    ''' + UNRELATED))
    fast = _same_with_the_cut(tmp_path)
    assert [(f.path, f.code, f.line) for f in fast.findings if f.path == "desk/views.py"] == [
        ("desk/views.py", "GDPR301", 7), ("desk/views.py", "GDPR203", 11)]


def test_a_module_name_bound_to_an_object_made_for_a_sink_is_that_object(tmp_path: Path):
    """`TRACK = panel` at module level, `panel` an analytics client another module makes: a
    function that sends through `TRACK` is read as one that names `panel` (whose methods only the
    facts know), with personal data around it."""
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "metrics.py").write_text('import mixpanel\n\npanel = mixpanel.Mixpanel("t")\n')
    (tmp_path / "desk" / "views.py").write_text(textwrap.dedent('''
    from desk.metrics import panel

    TRACK = panel


    def joined(member):
        TRACK.track(member.email, "joined")
    ''' + UNRELATED))
    fast = _same_with_the_cut(tmp_path)
    assert [(f.path, f.code, f.line) for f in fast.findings if f.path == "desk/views.py"] == [
        ("desk/views.py", "GDPR402", 8)]


def test_an_object_made_for_a_sink_kept_on_self_is_named_by_the_methods_that_read_it(tmp_path: Path):
    """`self.meter = panel` in `__init__`, `panel` an analytics client another module makes: a
    method that sends through `self.meter` is read as one naming `panel` (its methods only the
    facts know), with personal data around it."""
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "__init__.py").write_text("")
    (tmp_path / "desk" / "metrics.py").write_text('import mixpanel\n\npanel = mixpanel.Mixpanel("t")\n')
    views = textwrap.dedent('''
    from desk.metrics import panel


    class Enrolment:
        def __init__(self):
            self.meter = panel

        def joined(self, member):
            self.meter.track(member.email, "joined")
    ''' + UNRELATED)
    (tmp_path / "desk" / "views.py").write_text(views)
    fast = _same_with_the_cut(tmp_path)
    assert [(f.path, f.code, f.line) for f in fast.findings if f.path == "desk/views.py"] == [
        ("desk/views.py", "GDPR402", 10)]
