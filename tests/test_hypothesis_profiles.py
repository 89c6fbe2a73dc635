"""The hypothesis profile follows the environment (tests/conftest.py)."""
import os

from hypothesis import settings


def test_ci_profile_is_derandomised_with_a_stated_count_and_is_chosen_under_ci():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.max_examples == 200
    assert settings.get_profile("thorough").max_examples == 2000
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    expected = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci else "dev")
    current = settings.get_profile(expected)
    assert (settings.default.max_examples, settings.default.derandomize) == (current.max_examples, current.derandomize)


def test_no_test_sets_its_own_example_count():
    # A per-test max_examples overrides the profile, so CI would no longer run a stated number.
    from pathlib import Path

    tests = Path(__file__).parent
    offenders = [f"{path.relative_to(tests)}:{n}" for path in sorted(tests.rglob("*.py")) if path.name != "conftest.py"
                 and path != Path(__file__)
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "max_examples=" in line]
    assert offenders == [], "let the profile decide (tests/conftest.py): " + ", ".join(offenders)
