"""The pre-filter only saves time: findings are identical with and without it."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from gdpr_lint.policy import load_policy
from gdpr_lint.scan import scan
from gdpr_lint.survey.prefilter import Prefilter

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "examples", ROOT.parent / "shared" / "cases"]
_CORPORA = Path(os.environ.get("GDPR_LINT_CORPORA", Path.home() / ".cache" / "gdpr-lint" / "corpora"))
CORPORA = sorted(p for p in _CORPORA.glob("*/tree") if p.is_dir())
PF = Prefilter(load_policy())


def _same_with_and_without(tree: Path) -> None:
    policy = load_policy()
    fast = scan([tree], policy, root=tree, cache_dir=None, prefilter=True)
    full = scan([tree], policy, root=tree, cache_dir=None, prefilter=False)
    key = lambda r: [(f.path, f.line, f.code, f.message) for f in r.findings]  # noqa: E731
    assert key(fast) == key(full)
    assert fast.inventory == full.inventory


@pytest.mark.parametrize("tree", [t for t in TREES if t.is_dir()], ids=lambda t: t.name)
def test_same_findings_with_and_without_prefilter(tree):
    _same_with_and_without(tree)


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA or not os.environ.get("GDPR_LINT_CORPORA_TESTS"),
                    reason="set GDPR_LINT_CORPORA_TESTS=1 (and download the corpora: python benchmarks/corpora.py)")
@pytest.mark.parametrize("tree", CORPORA, ids=lambda t: t.parent.name)
def test_same_findings_on_the_corpora(tree):
    _same_with_and_without(tree)


def test_a_raise_of_an_object_whose_class_in_another_file_prints_personal_data_is_analysed(tmp_path, monkeypatch):
    """`raise ValueError(member)` where `Member.__str__` (in another module) returns an e-mail: the
    file is analysed, in plain and f-string messages; a raise whose message only says "member" in
    words, or names an unrelated object, is no reason."""
    tree = _project(tmp_path, {
        "shop/people.py": ("class Member:\n    def __init__(self, email):\n        self.email = email\n\n"
                           "    def __str__(self):\n        return self.email\n"),
        "shop/plain.py": "def check(member):\n    if member:\n        raise ValueError(member)\n",
        "shop/formatted.py": "def check(member):\n    if member:\n        raise KeyError(f'no {member}')\n",
        "shop/words.py": ("def check(member, rows):\n    if rows:\n"
                          "        raise ValueError('this member has no rows', len(rows))\n"),
        # found by a fresh-user check: a subclass that inherits __str__, an object built first
        "shop/vips.py": "from shop.people import Member\n\n\nclass Vip(Member):\n    pass\n",
        "shop/inherited.py": "from shop.vips import Vip\n\n\ndef check(vip: Vip):\n    raise ValueError(vip)\n",
        "shop/built.py": ("from shop.people import Member\n\n\ndef check(rows):\n    m = Member(rows[0])\n"
                          "    raise ValueError(m)\n"),
        "shop/within.py": ("from shop.people import Member\n\n\ndef check(rows):\n    with Member(rows[0]) as m:\n"
                           "        raise ValueError(m)\n"),
        # a look-alike: the object is built, but the raise carries only words
        "shop/literal.py": ("from shop.people import Member\n\n\ndef check(rows):\n    m = Member(rows[0])\n"
                            "    if not m.email:\n        raise ValueError('no member')\n    return m\n"),
    })
    _same_with_and_without(tree)
    seen, _result = _analysed(monkeypatch, tree)
    assert seen == ["shop/built.py", "shop/formatted.py", "shop/inherited.py", "shop/plain.py", "shop/within.py"]


@pytest.mark.parametrize("source", [
    "def add(a, b):\n    return a + b\n",
    "class Widget:\n    name = 'gear'\n",  # a weak word without a person
    "def f(user, locale):\n    return locale.name\n",  # a person nearby, but the name is the locale's
    "class Page:\n    title = 'x'\n\ndef g(user):\n    return Page.name\n",
    "EMAIL_BACKEND = 'smtp'\n",  # a strong word the classifier rejects
    "import simple_parsing\nfrom auth import box\n",  # words from SDK names, not the SDK roots
    "import logging\nlogging.getLogger('shop').addHandler(logging.StreamHandler())\n",  # records stay here
    # personal data named only in a docstring or a comment: the analysis reads no data there
    'def add(a, b):\n    """Add up the customer_email rows of a user\'s export."""\n    return a + b\n',
    "def add(a, b):\n    # the user's email address is never read here\n    return a + b  # nor customer_email\n",
    '"""The customer_email export."""\nTOTAL = 0\n',
])
def test_skips_files_that_cannot_yield_a_finding(source):
    assert not PF.may_yield(source)


@pytest.mark.parametrize("source", [
    "def f(user):\n    print(user.name)\n",
    "def f(row):\n    return customer['name']\n",
    "class Customer(Model):\n    name = CharField()\n",
    "t = Table('customers', meta, Column('name', String))\n",
    "def f(self):\n    return self.user.get_full_name()\n",
    "import mixpanel\n",
    "from google.cloud import bigquery\n",
    "sentry_sdk.init(dsn, send_default_pii=True)\n",
    "x = 1  # gdpr-lint: ignore[GDPR301]\n",
    "email = models.EmailField()\n",
    # found on wagtail: a getter whose noun is personal data (the engine classifies `display_name`)
    "cached = {l.pk: l.get_display_name() for l in Locale.objects.all()}\ncache.set('k', cached)\n",
    "print(record['date of birth'])\n",  # a key of several words
    # a handler that sends log records to another machine, called or named in a dictConfig dict
    "import logging.handlers\nh = logging.handlers.HTTPHandler('collect.evil.example', '/logs')\n",
    "LOGGING = {'handlers': {'r': {'class': 'logging.handlers.SysLogHandler', 'address': ('h.example', 514)}}}\n",
    # beside a docstring and a comment, the same words in code: a key, a name, an f-string's field
    'def f(row):\n    """Nothing personal."""\n    print(row["date of birth"])  # a comment\n',
    'def f(rows):\n    """Nothing personal."""\n    # customer_email\n    return [customer_email for customer_email in rows]\n',
    'def f(user):\n    """Nothing personal."""\n    f"{print(user.email)}"\n',
])
def test_opens_files_that_may_yield_a_finding(source):
    assert PF.may_yield(source)


@pytest.mark.parametrize("source, owned", [
    # `self` is the class around it: a customer's name, not a widget's, whichever comes first
    ("class Widget:\n    pass\n\nclass Customer:\n    def label(self):\n        return self.name\n", True),
    ("class Customer:\n    def label(self):\n        return self.name\n\nclass Widget:\n    pass\n", True),
    ("class Customer:\n    pass\n\nclass Widget:\n    def label(self):\n        return self.name\n", False),
    ("class Widget:\n    def label(self):\n        return self.name\n\nclass Customer:\n    pass\n", False),
    # a class inside a person's class: the walk goes back to the outer class, then to none
    (("class Customer:\n    def label(self):\n        return self.name\n\n    class Meta:\n"
      "        ordering = ['id']\n"), True),
    (("class Widget:\n    def label(self):\n        return self.name\n\nclass Customer:\n    class Meta:\n"
      "        ordering = ['id']\n"), False),
    # a key or an attribute's tail with the weak word, on an owner about a person
    ("def f(customer):\n    return customer['city']\n", True),
    ("def f(user):\n    return user.home_city\n", True),
    ("def f(user, widget):\n    return widget['city']\n", False),
])
def test_a_weak_word_counts_with_the_owner_the_engine_would_give_it(source, owned):
    """The weak-word walk of :meth:`Prefilter.why` (one walk of the whole file): the classes around
    a name are what ``self`` is, and only while the walk is inside them."""
    assert (PF.why(source)[0] == "words") is owned


def test_walk_inner_gives_walk_s_nodes_in_walk_s_order_but_names_constants_and_operators():
    import ast

    from gdpr_lint.survey.astnames import LEAVES, walk, walk_inner

    for path in sorted((ROOT / "gdpr_lint").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert list(walk_inner(tree)) == [n for n in walk(tree) if type(n) not in LEAVES], path
    assert {ast.Name, ast.Constant, ast.Add, ast.And, ast.Eq, ast.Not, ast.Load} <= LEAVES
    assert not LEAVES & {ast.Attribute, ast.Call, ast.Subscript, ast.JoinedStr}


def test_imports_anywhere_are_a_module_s_import_statements_in_every_block():
    import ast

    from gdpr_lint.survey.astnames import imports_anywhere

    source = ("import a\nif x:\n    import b\nelse:\n    from c import d\ntry:\n    import e\nexcept E:\n"
              "    import f\nfinally:\n    import g\nclass K:\n    import h\n    def m(self):\n        import i\n"
              "match y:\n    case 1:\n        import j\nwith z:\n    for q in r:\n        import k\n"
              "x = [__import__('not_a_statement')]\n")
    tree = ast.parse(source)
    found = imports_anywhere(tree)
    assert sorted(n.names[0].name for n in found) == ["a", "b", "d", "e", "f", "g", "h", "i", "j", "k"]
    assert imports_anywhere(tree) is found  # (read once, kept on the tree)


def test_a_file_read_again_for_its_code_asks_no_name_twice():
    """A file whose words may be only in its comments or docstring is read again for its code
    (:meth:`Prefilter.why`): the names refused the first time, before the one accepted, are not
    classified again (thirty of them, in an order set by the hash seed)."""
    fresh = Prefilter(load_policy())
    asked: list[str] = []
    classify = fresh.classifier.classify
    fresh.classifier.classify = lambda name, *rest: asked.append(name) or classify(name, *rest)
    plain = [f"q{chr(97 + i // 26)}{chr(97 + i % 26)}zorp" for i in range(30)]
    source = (f"def f({', '.join(plain)}):\n    \"\"\"Return the customer_email.\"\"\"\n"
              f"    return customer_email, {', '.join(plain)}\n")
    assert fresh.may_yield(source)
    assert [name for name, n in Counter(asked).items() if n > 1 and name != "customer_email"] == []


def test_names_refused_before_are_not_asked_again_and_never_hide_a_name_that_counts():
    fresh = Prefilter(load_policy())
    asked: list[str] = []
    classify = fresh.classifier.classify
    fresh.classifier.classify = lambda name, *rest: asked.append(name) or classify(name, *rest)
    plain = "def handle_email_backend(request, value):\n    print(value, request.path)\n"
    assert not fresh.may_yield(plain)
    first = len(asked)
    assert first and not fresh.may_yield(plain)
    assert len(asked) == first  # the same identifiers (and their tails) are not classified again
    # beside them, a name that counts alone, a getter's noun, a key of several words
    for source in (plain + "    print(customer_email)\n", plain + "    print(user.get_display_name())\n",
                   plain + "    print(record['date of birth'])\n"):
        assert fresh.may_yield(source), source
    assert not fresh.may_yield(plain + "    print(record['size of box'])\n")
    assert fresh.may_yield(plain + "    print(record['size of box'], record['e-mail'])\n")


def test_decide_says_when_python_parsed_the_file():
    assert PF.decide("def f(user, locale):\n    return locale.name\n") == (False, True)
    assert PF.decide("def add(a, b):\n    return a + b\n") == (False, False)  # never parsed: no words


# --- files that name personal data but hold no sink ----------------------------------------------

NO_SINK = {  # each file names personal data; none can yield a finding of its own
    "shop/views.py": "def contact_of(user):\n    return user.email\n",
    "shop/format.py": ("def label(customer):\n    return f'{customer.first_name} {customer.last_name}'\n\n"
                       "def check(n):\n    if n < 0:\n        raise ValueError('negative')\n"),
    "shop/checks.py": ("def check(value):\n    if not value:\n        raise ValueError(f'bad value {value!r}')\n\n"
                       "def email_of(user):\n    return user.email\n"),
    "shop/meta.py": ("from django.db import models\n\n"
                     "def build(user):\n    class Meta:\n        ordering = ['id']\n    return user.email, Meta\n"),
}

# and look-alikes that can: each yields exactly the finding named
WITH_SINK = {
    "shop/raising.py": (("def check(user):\n    if not user.active:\n"
                        "        raise ValueError(f'inactive: {user.email}')\n"), "GDPR302"),
    "shop/logs.py": (("import logging\n\nlog = logging.getLogger(__name__)\n\n"
                     "def signed_up(user):\n    log.info('signed up %s', user.email)\n"), "GDPR301"),
    "shop/cookies.py": (("from http.cookies import SimpleCookie\n\n"
                        "def remember(user):\n    jar = SimpleCookie()\n    jar['who'] = user.email\n    return jar\n"),
                        "GDPR204"),
    "shop/inner.py": (("from django.db import models\n\n"
                      "def make():\n    class Customer(models.Model):\n        email = models.EmailField()\n"
                      "    return Customer\n"), "GDPR101"),
    # the sink is another file's, a function of the project that logs its parameter: reported
    # there, with what its callers pass it (the project facts); the caller holds no finding
    "shop/caller.py": (("from shop.notify import announce\n\n"
                       "def welcome(user):\n    announce(user.email)\n"), None),
    "shop/notify.py": (("import logging\n\n\ndef announce(text):\n    logging.getLogger('x').info(text)\n"),
                       "GDPR301"),
}


def _project(tmp_path: Path, files: dict) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if isinstance(text, str) else text[0], encoding="utf-8")
    (tmp_path / "shop" / "__init__.py").write_text("", encoding="utf-8")
    return tmp_path


def _analysed(monkeypatch, tree: Path) -> tuple[list[str], object]:
    import gdpr_lint.scan as scan_module

    seen: list[str] = []
    analyse = scan_module.analyze_job

    def counting(job, project):
        seen.append(job[1])
        return analyse(job, project)

    monkeypatch.setattr(scan_module, "analyze_job", counting)
    result = scan([tree], load_policy(), root=tree, cache_dir=None, jobs=1)
    return sorted(seen), result


def test_personal_words_without_a_sink_or_record_skip_the_analysis(tmp_path, monkeypatch):
    tree = _project(tmp_path, NO_SINK)
    _same_with_and_without(tree)
    seen, result = _analysed(monkeypatch, tree)
    assert seen == []
    assert result.findings == [] and result.inventory == []


def test_sinks_records_and_calls_of_sink_functions_are_still_analysed(tmp_path, monkeypatch):
    tree = _project(tmp_path, {**NO_SINK, **WITH_SINK})
    _same_with_and_without(tree)
    seen, result = _analysed(monkeypatch, tree)
    assert seen == sorted(rel for rel, (_, code) in WITH_SINK.items() if code)
    found = {(f.path, f.code) for f in result.findings if f.family != "rights"}
    assert found == {(rel, code) for rel, (_, code) in WITH_SINK.items() if code}


def test_a_raise_of_any_callable_near_personal_data_is_analysed(tmp_path, monkeypatch):
    """`raise errors[kind](...)` calls what a subscript gives: still an exception message."""
    tree = _project(tmp_path, {"shop/errors.py": (
        "ERRORS = {'bad': ValueError}\n\n\ndef refuse(user, kind):\n"
        "    raise ERRORS[kind](f'refused: {user.email}')\n")})
    seen, result = _analysed(monkeypatch, tree)
    assert seen == ["shop/errors.py"]
    assert [(f.path, f.code) for f in result.findings if f.family != "rights"] == [("shop/errors.py", "GDPR302")]


def test_a_raise_of_what_a_helper_of_the_module_returns_is_analysed(tmp_path, monkeypatch):
    """The message comes from a function of the same module (directly, or through a name and a
    second helper): the file is analysed; a helper that returns nothing personal is no reason."""
    tree = _project(tmp_path, {
        "shop/direct.py": ("def label(member):\n    return member.phone_number\n\n\n"
                           "def reject(member):\n    if member.blocked:\n        raise LookupError(label(member))\n"),
        "shop/through.py": ("def inner(member):\n    return member.phone_number\n\n\n"
                            "def outer(member):\n    return '<' + inner(member) + '>'\n\n\n"
                            "def reject(member):\n    text = outer(member)\n    raise LookupError('no: ' + text)\n"),
        "shop/lookalike.py": ("def label(member):\n    return member.phone_number\n\n\n"
                              "def size(member):\n    return member.count\n\n\n"
                              "def reject(member):\n    raise LookupError(size(member))\n"),
    })
    _same_with_and_without(tree)
    seen, result = _analysed(monkeypatch, tree)
    assert seen == ["shop/direct.py", "shop/through.py"]
    assert sorted((f.path, f.code) for f in result.findings if f.family != "rights") == [
        ("shop/direct.py", "GDPR302"), ("shop/through.py", "GDPR302")]


@pytest.mark.parametrize("source", [
    "from logging import info as note\n\n\ndef greet(user):\n    note('hello %s', user.email)\n",
    "import logging\n\n\ndef greet(user):\n    getattr(logging, 'info')('hello %s', user.email)\n",
])
def test_a_sink_called_by_another_name_is_analysed(tmp_path, monkeypatch, source):
    tree = _project(tmp_path, {"shop/greet.py": source})
    full = scan([tree], load_policy(), root=tree, cache_dir=None, prefilter=False, jobs=1)
    seen, result = _analysed(monkeypatch, tree)
    assert seen == ["shop/greet.py"]
    key = lambda r: [(f.path, f.code) for f in r.findings if f.family != "rights"]  # noqa: E731
    assert key(result) == key(full) == [("shop/greet.py", "GDPR301")]


def test_standalone_words_are_found_as_a_look_behind_finds_them():
    """prefilter.standalone gives what a pattern with a look-behind at its start gives, a match
    that starts inside a refused one included (it is searched for from a literal, faster)."""
    import re

    from gdpr_lint.survey.prefilter import standalone

    texts = ["raise X", "do_raise X", "x.raise y", "araise raise z", "self.a self.b", "myself.x = self.y",
             "request . POST", "xrequest.POST request.POST", "", "raise", "_raise raise", "é raise"]
    for word, after, behind in (("raise", "_.", r"(?<![\w.])"), ("self\\.\\w+", "_.", r"(?<![\w.])"),
                                ("request\\s*\\.\\s*POST", "_", r"(?<!\w)")):
        pattern, reference = re.compile(word), re.compile(behind + word)
        for text in texts:
            assert [m.span() for m in standalone(pattern, text, after)] == [
                m.span() for m in reference.finditer(text)], (word, text)


def test_a_person_handed_to_a_project_function_that_logs_it_is_analysed(tmp_path, monkeypatch):
    """`record(member)`, where `record` (another module) logs its parameter and a Member
    prints an e-mail: the call is a finding, in a file whose own words name no personal data.
    Look-alikes: the same function given a count, and `super().__init__(member)`."""
    tree = _project(tmp_path, {
        "shop/people.py": ("class Member:\n    def __init__(self, email):\n        self.email = email\n\n"
                           "    def __str__(self):\n        return self.email\n"),
        "shop/audit.py": ("import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
                          "def record(who):\n    log.info('done by %s', who)\n\n\nclass Entry:\n"
                          "    def __init__(self, who):\n        log.info('entry of %s', who)\n"),
        "shop/views.py": "from shop.audit import record\n\n\ndef act(member):\n    record(member)\n",
        "shop/counts.py": "from shop.audit import record\n\n\ndef act(request):\n    record(request.count)\n",
        "shop/base.py": ("from shop.audit import Entry\n\n\nclass Special(Entry):\n"
                         "    def __init__(self, member):\n        super().__init__(member.count)\n"),
    })
    _same_with_and_without(tree)
    seen, result = _analysed(monkeypatch, tree)
    assert "shop/views.py" in seen and "shop/counts.py" not in seen and "shop/base.py" not in seen
    assert ("shop/views.py", "GDPR301") in {(f.path, f.code) for f in result.findings}


def test_aliases_are_what_the_pattern_finds_in_any_text():
    """``aliases`` searches from each ` as ` back to the name before it; it finds the same pairs,
    in the same order, as the one pattern it replaced (which was tried at every character)."""
    import random

    from gdpr_lint.survey.prefilter import _ALIASES

    texts = ["from logging import info as note, warning as warn\n", "with open(p) as f, open(q) as g:\n",
             "x as as y", ") as as y", "a  as\tb as c", "é as b", "9a as b", "as as as as", "(a) as b as c",
             "import numpy as np  # known as np as well\n"]
    pick = random.Random(7).choice
    texts += ["".join(pick(["a", "é", "1", "_", " ", "\t", "as", "(", ")", "\n", "x", " as "]) for _ in range(14))
              for _ in range(20_000)]
    for text in texts:
        assert Prefilter.aliases(text) == (_ALIASES.findall(text) if " as " in text else []), text
    assert Prefilter.aliases("from logging import info as note\n") == [("info", "note")]
    assert Prefilter.aliases("with open(p) as f:\n") == []


def test_an_alias_is_searched_for_from_the_first_blank_before_as():
    """A search for ` as ` tried from every blank of a long run (a string of 200,000 spaces) took
    17 s for a file the old pattern read in milliseconds: a match now starts only at the first
    blank of a run, and the pairs are the same. Found by a review."""
    from gdpr_lint.survey.prefilter import _AS

    assert _AS.search("x" + " " * 10 + "as y", 2) is None  # never from inside a run of blanks
    assert _AS.search("x" + " " * 10 + "as y").start() == 1
    text = 'import numpy as np\nPAD = "' + " " * 5000 + '"\nfrom a import b  as  c\n'
    assert Prefilter.aliases(text) == [("numpy", "np"), ("b", "c")]


@pytest.mark.parametrize("source", [
    "x = 1; import sentry_sdk\n",
    "import os, \\\n    sentry_sdk\n",
    "if True: import sentry_sdk\n",
    "from \\\n    sentry_sdk import capture_message\n",
    "\x0cimport sentry_sdk\n",
    "def pay(total):\n    if total: import stripe\n    return stripe.Charge.create(amount=total)\n",
])
def test_an_sdk_import_is_seen_however_the_statement_is_laid_out(tmp_path, source):
    """The survey looked for an SDK's import at the start of a line only: after a `;` or a block's
    `:`, over a backslash, or after a form feed it was missed, the file was not analysed and its
    GDPR401 lost, though the engine reports all of these. Found by a review."""
    from gdpr_lint.survey.prefilter import identifiers

    assert PF.imports_sdk(source, identifiers(source))
    (tmp_path / "m.py").write_text(source)
    result = scan([tmp_path], load_policy(), root=tmp_path, cache_dir=None)
    assert [f.code for f in result.findings] == ["GDPR401"]


@pytest.mark.parametrize("source", [
    "# import sentry_sdk when the DSN is set\nx = 1\n",
    "note = 'call sentry_sdk.init() first'\n",
    "import sentry_sdk_helpers\n",
    "from mysentry_sdk import x\n",
])
def test_words_about_an_sdk_are_no_import(source):
    from gdpr_lint.survey.prefilter import identifiers

    assert not PF.imports_sdk(source, identifiers(source))


def test_a_file_that_only_mentions_extra_and_request_or_a_message_class_is_not_read():
    """Found measuring this session's rules on Django (nine more files read): the words `extra`
    and `request` in a docstring, or a class called `Message` of no mail library, make no finding
    possible; `extra={"request": request}` in a log call and a mail library's recipients do."""
    quiet = [
        ('import logging\nlog = logging.getLogger(__name__)\n\n\ndef view(request):\n'
         '    """Return extra lookup kwargs for this request."""\n    log.info("done")\n'),
        ('import logging\nfrom chat.models import Message\nlog = logging.getLogger(__name__)\n\n\n'
         'def post(text):\n    log.info("posted %s", Message(text).pk)\n'),
    ]
    loud = [
        ('import logging\nlog = logging.getLogger(__name__)\n\n\ndef view(request):\n'
         '    log.error("failed", extra={"status_code": 500, "request": request})\n'),
        ('import logging\nfrom django.core.mail import send_mail\nlog = logging.getLogger(__name__)\n\n\n'
         'def notify(to):\n    send_mail("s", "b", None, [to])\n    log.info("mailed %s", to)\n'),
    ]
    assert [PF.why(text)[0] for text in quiet] == ["", ""]
    assert all(PF.why(text)[0] for text in loud)


def test_a_file_the_survey_sends_to_the_analysis_gets_no_facts_that_only_decide_that():
    """The facts that only tell whether a file the pre-filter ruled out is analysed after all
    (what its calls hand over, the attributes it reads) are read where that is still open, and
    left out where the survey sends the file to the analysis anyway; both files are analysed."""
    from gdpr_lint.classify import Classifier
    from gdpr_lint.survey import survey_source

    policy = load_policy()
    prefilter = Prefilter(policy, Classifier(policy))
    ruled_out = "def visit(session, member):\n    print(member)\n    record_visit(session.member, member.rank)\n"
    logged = ("import logging\nlog = logging.getLogger(__name__)\n\n"
              "def visit(session, member):\n    log.info('visit %s', member.email)\n"
              "    record_visit(session.member, member.rank)\n")
    open_question = survey_source(ruled_out, "app.visits", False, prefilter, policy)
    sent = survey_source(logged, "app.visits", False, prefilter, policy)
    assert not open_question.analyse and sent.analyse
    deciding = ("mentions", "handed", "attrs", "owners", "fields")
    assert "member" in open_question.facts["mentions"]
    assert any(h.endswith("\x1fmember") for h in open_question.facts["handed"])
    assert "rank" in open_question.facts["fields"].split()
    assert all(not sent.facts[key] for key in deciding)
    # the project-wide facts are read either way
    assert "record_visit" in sent.facts["calls"] and "record_visit" in open_question.facts["calls"]
