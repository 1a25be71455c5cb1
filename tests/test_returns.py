"""Functions of another module that hand back their arguments (survey.returns): followed through
the call as the flow follows a function of the file's own; with what ends a value."""

from __future__ import annotations

import ast
import textwrap

from gdpr_lint.policy import load_policy
from gdpr_lint.survey.classes import return_rules
from gdpr_lint.survey.returns import returned_parameters
from tests.test_flows_context import scan_tree


def returned(source: str) -> dict[str, list[int]]:
    tree = ast.parse(textwrap.dedent(source))
    return {q.rpartition(".")[2]: found for q, _params, found in
            returned_parameters(tree, "m", return_rules(load_policy()))}


def test_what_keeps_an_argument_and_what_ends_it():
    found = returned('''
    import hashlib
    from typing import overload

    def to_bytes(text, encoding="utf-8"):
        if isinstance(text, str):
            text = text.encode(encoding)
        return text

    def first_word(text):
        words = text.split()
        return words[0] if words else ""

    def label(name, *, title=""):
        return f"{title} {name}".strip()

    def each(values):
        for value in values:
            return value.lower()

    def cleaned(emails, limit):
        return [e.strip() for e in emails if len(e) < limit]

    def placeholder(email):
        email = "<hidden>"
        return email

    def is_staff(user):
        return user and user.is_staff

    def check_domain(email):
        if not email:
            return email
        return email.endswith(".org")

    def fallback(email, default):
        return email or default

    def validate_name(full_name):
        if full_name:
            return full_name.strip()
        full_name = None
        return full_name

    @overload
    def normalize(value: str) -> str: ...
    @overload
    def normalize(value: bytes) -> bytes: ...
    def normalize(value):
        return value.strip()

    def is_email(value):
        return "@" in value

    def size(value):
        return len(value)

    def digest(value):
        return hashlib.sha256(value.encode()).hexdigest()

    def hash_email(value):
        return value.lower()

    def account_of(email):
        return lookup(email)

    def domain(user):
        return user.email

    def nothing(value):
        print(value)

    class Box:
        def wrap(self, value):
            return value
    ''')
    # (hash_email's body returns its argument: its name makes it a sanitizer where it is called)
    assert found == {"to_bytes": [0, 1], "first_word": [0], "label": [0, 1], "each": [0], "hash_email": [0],
                     "cleaned": [0], "fallback": [0, 1],
                     "validate_name": [0], "normalize": [0]}


def test_a_helper_of_another_module_that_returns_its_argument_is_followed(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {
        "app/__init__.py": "",
        "app/compat.py": '''
        def to_bytes(text, encoding="utf-8"):
            if isinstance(text, str):
                text = text.encode(encoding)
            return text

        def check_email(email):
            return email.strip().lower()

        def is_email(value):
            return "@" in value

        def size(value):
            return len(value)

        def hash_email(value):
            return value.lower()
        ''',
        "app/other.py": '''
        def to_bytes(text):
            return b""
        ''',
        "app/views.py": '''
        import logging

        from app import compat
        from app.compat import check_email, is_email, to_bytes

        log = logging.getLogger(__name__)

        def register(email, phone):
            log.info("raw %s", to_bytes(email))
            log.info("clean %s", check_email(email))
            log.info("module %s", compat.to_bytes(phone))
            log.info("valid %s", is_email(email))
            log.info("size %s", compat.size(email))
            log.info("encoding %s", to_bytes("utf-8"))
            log.info("hashed %s", compat.hash_email(email))
        ''',
        "app/jobs.py": '''
        import logging

        from app.other import to_bytes

        log = logging.getLogger(__name__)

        def run(email):
            log.info("raw %s", to_bytes(email))
        ''',
    })
    assert found == [("app/views.py", 9, "GDPR301"), ("app/views.py", 10, "GDPR301"),
                     ("app/views.py", 11, "GDPR301")]


def test_a_chain_too_long_to_follow_loses_only_that_function():
    chain = "\n".join(f"    v{i + 1} = v{i}" for i in range(3000))
    found = returned(f"def deep(v0):\n{chain}\n    return v3000\n\ndef plain(text):\n    return text.strip()\n")
    assert found == {"plain": [0]}


def test_relative_imports_and_a_module_name_two_folders_share(tmp_path, monkeypatch):
    """A helper reached by a relative import is followed (its `@overload` stubs are one function);
    two modules of one name in folders without __init__.py make it unknown which one a call
    reaches: neither is used."""
    found = scan_tree(tmp_path, monkeypatch, {
        "app/__init__.py": "",
        "app/helpers.py": '''
        from typing import overload

        @overload
        def to_text(value: int) -> str: ...
        @overload
        def to_text(value: str) -> str: ...
        def to_text(value):
            return str(value).strip()
        ''',
        "app/views.py": '''
        import logging

        from . import helpers
        from .helpers import to_text

        log = logging.getLogger(__name__)

        def show(email, phone):
            log.info("%s", to_text(email))
            log.info("%s", helpers.to_text(phone))
        ''',
        "web/compat.py": '''
        def to_text(value):
            return str(value)
        ''',
        "tools/compat.py": '''
        def to_text(value):
            return len(value)
        ''',
        "tools/run.py": '''
        import logging

        from compat import to_text

        log = logging.getLogger(__name__)

        def run(email):
            log.info("%s", to_text(email))
        ''',
    })
    assert found == [("app/views.py", 9, "GDPR301"), ("app/views.py", 10, "GDPR301")]


def test_what_a_container_is_filled_with_is_handed_back():
    # a helper that builds a description item by item (`parts["user"] = name`, `parts.append(ip)`)
    # hands its arguments back as a whole does; one that fills the container with something else,
    # or fills another object, does not
    found = returned('''
    def describe(name, address, verbose):
        parts = {}
        if verbose:
            parts["user"] = name
        parts["when"] = "now"
        return ", ".join(f"{k}={v}" for k, v in parts.items())

    def joined(first, second):
        out = []
        out.append(first)
        out.extend([second])
        return " ".join(out)

    def nested(name):
        tree = {"a": {}}
        tree["a"]["b"] = name
        return tree

    def counted(name):
        seen = set()
        seen.add(len(name))
        return seen

    def elsewhere(name, registry):
        out = []
        registry.append(name)
        return out

    def hashed(name):
        out = []
        out.append(digest_of(name))
        return out
    ''')
    assert found == {"describe": [0], "joined": [0, 1], "nested": [0]}


def test_a_helper_of_another_module_that_builds_a_string_of_its_arguments_is_followed(tmp_path, monkeypatch):
    found = scan_tree(tmp_path, monkeypatch, {
        "app/__init__.py": "",
        "app/text.py": '''
        from django.conf import settings

        def client_text(username, address, request):
            fields = {}
            if settings.VERBOSE:
                fields["username"] = username
                fields["address"] = address
            fields["path"] = request.path
            pairs = [f"{key}={value}" for key, value in fields.items()]
            return "{" + ", ".join(pairs) + "}"

        def path_text(username, request):
            fields = []
            fields.append(request.path)
            return " ".join(fields)
        ''',
        "app/handlers.py": '''
        import logging

        from app.text import client_text, path_text

        log = logging.getLogger(__name__)

        class Handler:
            def failed(self, request, username):
                client = client_text(username, request.remote_addr, request)
                log.info("login failed for %s", client)
                log.info("login failed at %s", path_text(username, request))
        ''',
    })
    assert found == [("app/handlers.py", 10, "GDPR301")]


def test_only_what_fills_a_container_the_function_makes_is_handed_back():
    found = returned('''
    def keywords(email):
        d = {}
        d.update(email=email)
        return str(d)

    def given(email, bag):
        bag.append(email)
        return bag

    def stored(email, db):
        db.add(email)
        return db.query()

    def collected(email, out=None):
        if out is None:
            out = []
        out.append(email)
        return out
    ''')
    # (`given` hands back its second argument as it came: the bag itself, not what was put in it;
    # `collected` makes its own list when none is given)
    assert found == {"keywords": [0], "given": [1], "collected": [0, 1]}
