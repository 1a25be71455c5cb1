"""Feed programs generated from Python's grammar to the whole per-file pipeline and count crashes.

    python benchmarks/fuzz.py [--examples N] [--seed S]

Each program (hypothesmith ``from_grammar``, and ``from_node`` for valid programs) goes through
what a scan does to one file: the survey (``ast``, the file's facts, the pre-filter) and the
analysis (budget, libcst, every check), with and without the project facts of a small tree.
Anything that escapes is a crash: it is printed with the program, and the exit code is 1.  The
tests run a few hundred such programs (tests/test_never_crash.py); this runs thousands, by hand.
Standard library plus the test extra (hypothesis, hypothesmith); nothing generated is run.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings


def main() -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import hypothesmith
    from gdpr_lint.classify import Classifier
    from gdpr_lint.engine.analyzer import analyze_source
    from gdpr_lint.facts.project import build_facts
    from gdpr_lint.policy import load_policy
    from gdpr_lint.survey import survey_source
    from gdpr_lint.survey.prefilter import Prefilter

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    policy = load_policy()
    classifier = Classifier(policy)
    prefilter = Prefilter(policy, classifier)
    crashes: list[tuple[str, str]] = []
    count = [0]

    def one(source: str) -> None:
        count[0] += 1
        try:
            survey = survey_source(source, "fuzz.mod", False, prefilter, policy, classifier.classify)
            facts = build_facts(survey.headers, policy, classifier, [(survey.facts, "fuzz/mod.py")] if survey.facts
                                else []).for_analysis()
            analyze_source("fuzz/mod.py", source, policy, classifier, "fuzz.mod", facts)
            analyze_source("fuzz/mod.py", source, policy, classifier, "fuzz.mod")
        except Exception:  # noqa: BLE001 - the point is to catch anything
            crashes.append((source, traceback.format_exc()))

    strategy = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())

    @settings(max_examples=a.examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(source: str) -> None:
        one(source)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run()
    for source, trace in crashes[:10]:
        print("---- crash\n" + source[:2000] + "\n" + trace)
    print(f"{count[0]} programs, {len(crashes)} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
