"""Where the corpus tests find the articles: ``TIMELINE_ARTICLES_DIR``, else
``../shared/articles`` beside the repository. Missing, they skip and say what is missing;
in CI (``CI`` or ``TIMELINE_REQUIRE_ARTICLES`` set) they fail instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SEED_CORPUS_TESTS = Path(__file__).resolve().parent / "test_seed_corpus.py"

pytestmark = pytest.mark.slow  # each test runs the corpus tests in a pytest of its own


def corpus_tests(articles: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"CI", "TIMELINE_REQUIRE_ARTICLES", "PYTEST_ADDOPTS"}
    }
    env.update(TIMELINE_ARTICLES_DIR=str(articles), **environ)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         str(SEED_CORPUS_TESTS)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_missing_articles_skip_saying_what_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-articles"

    ran = corpus_tests(missing)

    assert ran.returncode == 0, ran.stdout
    assert "FileNotFoundError" not in ran.stdout
    assert f"the corpus articles are not in {missing}" in ran.stdout
    assert "TIMELINE_ARTICLES_DIR" in ran.stdout
    assert " skipped" in ran.stdout.splitlines()[-1]


@pytest.mark.parametrize("variable", ["CI", "TIMELINE_REQUIRE_ARTICLES"])
def test_missing_articles_fail_in_ci(tmp_path: Path, variable: str) -> None:
    missing = tmp_path / "no-articles"

    ran = corpus_tests(missing, **{variable: "1"})

    assert ran.returncode == 1, ran.stdout
    assert f"the corpus articles are not in {missing}" in ran.stdout
    assert "skipped" not in ran.stdout.splitlines()[-1]
