"""experiments/paired_scores.py: per-image differences, their bootstrap intervals and the sign test."""
import csv
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from conftest import REPO

SCRIPT = os.path.join(REPO, "experiments", "paired_scores.py")
spec = importlib.util.spec_from_file_location("paired_scores", SCRIPT)
paired_scores = importlib.util.module_from_spec(spec)
spec.loader.exec_module(paired_scores)


def write_csv(path, table, metric="niqe"):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "image", metric, "seconds"])
        for method, scores in table.items():
            for i, score in enumerate(scores):
                writer.writerow([method, f"{i}.png", score, 0.1])


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("wins, n", [(0, 10), (3, 10), (5, 10), (21, 50), (35, 50), (50, 50)])
def test_sign_test_is_the_exact_binomial_test(wins, n):
    assert paired_scores.sign_test(wins, n) == pytest.approx(stats.binomtest(wins, n, 0.5).pvalue, rel=1e-12)


def test_a_constant_shift_has_no_spread_and_lower_niqe_wins():
    theirs = np.random.default_rng(1).uniform(3, 5, 12)
    r = paired_scores.compare(theirs - 0.5, theirs, lower_is_better=True)
    assert r["mean"] == pytest.approx(-0.5) and r["median"] == pytest.approx(-0.5)
    np.testing.assert_allclose(r["mean_ci"], [-0.5, -0.5], atol=1e-12)
    np.testing.assert_allclose(r["median_ci"], [-0.5, -0.5], atol=1e-12)
    assert (r["wins"], r["n"]) == (12, 12)
    assert r["p"] == pytest.approx(2 / 2 ** 12)
    assert paired_scores.compare(theirs - 0.5, theirs, lower_is_better=False)["wins"] == 0


def test_the_interval_covers_a_known_mean_difference_and_narrows_with_more_images():
    rng = np.random.default_rng(2)
    widths = []
    for n in (20, 320):
        theirs = rng.normal(4, 1, n)
        ours = theirs + 0.3 + rng.normal(0, 0.5, n)
        r = paired_scores.compare(ours, theirs, lower_is_better=True, draws=4000)
        lo, hi = r["mean_ci"]
        assert lo < r["mean"] < hi
        widths.append(hi - lo)
    assert lo < 0.3 < hi and lo > 0  # 320 images: the true shift inside, the sign resolved
    assert widths[1] < widths[0] / 2.5  # about 1/sqrt(16) as wide


def test_the_command_compares_every_method_overall_and_by_halves(tmp_path):
    write_csv(tmp_path / "s.csv", {"input": [1, 2, 3, 4, 5, 6], "clahe": [2, 2, 2, 9, 9, 9],
                                    "gladnet": [3, 3, 3, 3, 3, 3]})
    result = run(tmp_path / "s.csv", "--split", "input")
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[1] == "all (6 images)" and out[4] == "lower input (3 images)" and out[7] == "higher input (3 images)"
    assert out[3].split()[:3] == ["clahe", "mean", "-2.500"] and "better on 3/6" in out[3]
    assert out[6].split()[:3] == ["clahe", "mean", "+1.000"] and "better on 0/3" in out[6]
    assert out[9].split()[:3] == ["clahe", "mean", "-6.000"] and "better on 3/3" in out[9]


def test_bad_input_gets_one_line_naming_the_file(tmp_path):
    write_csv(tmp_path / "s.csv", {"input": [1, 2], "gladnet": [1, 1]})
    write_csv(tmp_path / "short.csv", {"input": [1, 2], "gladnet": [1]})
    for args, reason in (((tmp_path / "missing.csv",), "no such file or directory"),
                         ((tmp_path / "s.csv", "--metric", "psnr"), "no method, image and psnr columns"),
                         ((tmp_path / "s.csv", "--method", "zero_dce"), "no method zero_dce (has: input, gladnet)")):
        result = run(*args)
        assert result.returncode != 0
        assert result.stderr.strip() == f"paired_scores: error: {args[0]}: {reason}"
    short = run(tmp_path / "short.csv")
    assert short.returncode != 0
    reason = "input and gladnet score other images"
    assert short.stderr.strip() == f"paired_scores: error: {tmp_path / 'short.csv'}: {reason}"


def test_a_second_files_methods_are_named_after_it(tmp_path):
    write_csv(tmp_path / "new.csv", {"input": [5, 5, 5, 5], "gladnet": [3, 3, 3, 3]})
    write_csv(tmp_path / "shipped.csv", {"input": [5, 5, 5, 5], "gladnet": [3.5, 3.5, 2.5, 3.5]})
    result = run(tmp_path / "new.csv", tmp_path / "shipped.csv")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert sorted(rows) == ["input", "shipped:gladnet", "shipped:input"]
    assert rows["shipped:gladnet"].split()[:3] == ["shipped:gladnet", "mean", "-0.250"]
    assert "better on 3/4" in rows["shipped:gladnet"]
