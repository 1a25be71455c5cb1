"""The commented starter config ``gdpr-lint init`` writes (YAML file or a ``[tool.gdpr-lint]`` table).

Both texts hold the same settings and load with :func:`gdpr_lint.policy.config.load_config_file`
(a test keeps it so).  Examples of what a team adds later are comments, so the starter never
approves a processor the organisation has not approved.
"""

from __future__ import annotations

STARTER_YAML = """\
# gdpr-lint configuration: extends and overrides the default policy shipped with gdpr-lint
# (`gdpr-lint rules` lists the rules).  Every key is optional; an unknown key or a bad value
# is an error that names the key.

# The organisation's register of approved processors (GDPR Art. 28).  Code that sends
# personal data to a third party not listed here is reported (GDPR401-GDPR405).  Names are
# the processor ids of the default catalogue (stripe, sendgrid, sentry, ...).
approved_processors: []
#  - name: stripe
#    dpa: DPA-2024-017                 # your reference to the data processing agreement
#    region: US
#    transfer_mechanism: SCC           # Art. 46 safeguard for a transfer outside the EEA
#    categories: [user.contact.email, user.financial]   # optional: what it may receive
#  - name: sendgrid

# Requests to these hosts (and their subdomains) are first party, not a third party.
# first_party_domains: [example.com]

# Paths not checked (gitignore-style patterns; .gitignore is respected as well).
exclude: ["migrations/", "tests/"]

# Tag keys every personal-data field must carry in its `# gdpr:` comment
# (retention, basis, purpose, subject, category).
require: [retention]
#  e.g. require: [retention, basis]

# Named retention periods a tag may use instead of an ISO 8601 duration:
# retention_periods: {account-lifetime: P10Y}

# Lowest severity that fails `gdpr-lint check` (info, warning, error).
fail_on: warning

# The repository's name: written into reviews and sign-offs, and `gdpr-lint verify` refuses a
# sign-off signed for another repository.
# repository: acme/shop
"""

STARTER_TOML = """\
[tool.gdpr-lint]
# gdpr-lint configuration: extends and overrides the default policy shipped with gdpr-lint
# (`gdpr-lint rules` lists the rules).  Every key is optional; an unknown key or a bad value
# is an error that names the key.

# The organisation's register of approved processors (GDPR Art. 28).  Code that sends
# personal data to a third party not listed here is reported (GDPR401-GDPR405).  Names are
# the processor ids of the default catalogue (stripe, sendgrid, sentry, ...).
approved_processors = [
  # { name = "stripe", dpa = "DPA-2024-017", region = "US", transfer_mechanism = "SCC",
  #   categories = ["user.contact.email", "user.financial"] },  # categories: optional
  # { name = "sendgrid" },
]

# Requests to these hosts (and their subdomains) are first party, not a third party.
# first_party_domains = ["example.com"]

# Paths not checked (gitignore-style patterns; .gitignore is respected as well).
exclude = ["migrations/", "tests/"]

# Tag keys every personal-data field must carry in its `# gdpr:` comment
# (retention, basis, purpose, subject, category).
require = ["retention"]
#  e.g. require = ["retention", "basis"]

# Named retention periods a tag may use instead of an ISO 8601 duration:
# retention_periods = { account-lifetime = "P10Y" }

# Lowest severity that fails `gdpr-lint check` (info, warning, error).
fail_on = "warning"

# The repository's name: written into reviews and sign-offs, and `gdpr-lint verify` refuses a
# sign-off signed for another repository.
# repository = "acme/shop"
"""
