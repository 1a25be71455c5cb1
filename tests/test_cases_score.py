"""The shared example cases (../shared/cases), scored with their own scorer, must not regress."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "cases"


@pytest.mark.skipif(not (CASES / "score.py").is_file(), reason="../shared/cases is not next to this checkout")
def test_cases_precision_and_recall(tmp_path):
    report = tmp_path / "score.json"
    cmd = f"{sys.executable} -m gdpr_lint check --no-cache --format json --config {{config}} {{path}}"
    proc = subprocess.run([sys.executable, str(CASES / "score.py"), "--cmd", cmd, "--config",
                           str(CASES / "gdpr-lint.yaml"), "--json-report", str(report)],
                          capture_output=True, text=True, timeout=300, cwd=CASES)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    text = json.dumps(data)
    families = data.get("families") or data.get("by_family") or data
    assert families, text
    for name in ("RETENTION", "ENCRYPTION", "LOGGING", "PROCESSOR"):
        fam = families[name] if name in families else families[name.lower()]
        assert fam["precision"] >= 0.9 and fam["recall"] >= 0.9, (name, fam)
