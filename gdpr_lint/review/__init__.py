"""The DPO review: a report a Data Protection Officer reads (JSON, Markdown, HTML), a digest of the
privacy-relevant content of the code, SSH sign-off records and the deploy gate that checks them.

Modules: :mod:`.digest` (what is signed), :mod:`.model` (the review built from a scan, the privacy
diff against a base revision), :mod:`.render_md` and :mod:`.render_html` (the two readable forms),
:mod:`.signing` (``ssh-keygen -Y sign/verify``, allowed-signers files, sign-off records) and
:mod:`.commands` (the ``review``, ``signoff`` and ``verify`` commands).
"""

REVIEW_FORMAT = "gdpr-lint-review"
REVIEW_VERSION = "1.0"
NAMESPACE = "gdpr-lint"
