"""How well FitLens's diagnosis meets the labels of real Keras runs it was not tuned on.

Reads every labelled run of the generated zoo (``bench/zoo/runs``, see
``bench/zoo/README.md``) and of the shared zoo (``$FITLENS_SHARED/zoo``, ``../shared/zoo``
or ``/work/shared/zoo``, when present), diagnoses each from its ``training.log``
(CSVLogger) and its ``history.json`` (``history.history``) in-process with
``analysis.load`` and ``analysis.detectors.diagnose``, and prints one table per pass with
three columns: the zoo's ``tune`` part, its ``holdout`` part, and the shared zoo.

Passes: "log only" (the default configuration, as ``main.py analyze LOG``) and "with
dataset" (``with_class_info`` given the run's ``n_classes`` and ``val_majority_rate`` from
``meta.json``, what ``analyze --data`` adds).

Rows (label semantics as in the shared zoo's README: ``must`` kinds must be flagged, one
kind of each ``must_any`` group must be, ``must_not`` kinds must not be; a finding of any
severity counts as flagged):

- labels met / total, from each file (training.log, history.json);
- per kind, from training.log: recall = labels naming the kind (``must``, or a
  ``must_any`` group holding it) that the kind met / labels naming it (a ``must_any``
  group met by another of its kinds is left out of this kind's count); precision = runs where
  the kind was flagged and a met label names it / those plus runs where it was flagged
  although ``must_not`` names it (flags no label speaks about are not counted);
- false alarms on healthy runs (scenario ``healthy_*``): runs with a warning or critical
  finding; critical findings on them;
- CSV = JSON: runs whose two files gave the same set of kinds.

A measurement, not a gate: always exits 0. ``--failures`` prints the unmet labels of the
tune part (and the shared zoo) and the warning/critical findings on its healthy runs;
``--holdout-failures FILE`` writes the same for the holdout part to a file, so they can be
kept out of sight while tuning.

Run: ``python bench/bench_diagnosis.py [--failures] [--holdout-failures FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis import load  # noqa: E402
from analysis.detectors import diagnose, with_class_info  # noqa: E402

ZOO_RUNS = ROOT / "bench" / "zoo" / "runs"
FILES = ("training.log", "history.json")
PASSES = ("log only", "with dataset")
FAULT_SEVERITIES = ("warning", "critical")


def shared_zoo() -> Path | None:
    """The shared zoo: $FITLENS_SHARED/zoo, ../shared/zoo beside the checkout, /work/shared/zoo."""
    for base in (os.environ.get("FITLENS_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if base and (Path(base) / "zoo").is_dir():
            return Path(base) / "zoo"
    return None


@dataclass
class Diagnosis:
    """What one file of one run gave: kinds flagged and the severities of its findings."""

    kinds: set[str] = field(default_factory=set)
    severities: Counter = field(default_factory=Counter)
    alarms: list[str] = field(default_factory=list)  # "kind (severity)" of warning/critical
    error: str | None = None


@dataclass
class Case:
    """One labelled run: its folder, metadata, and the diagnosis per (pass, file)."""

    path: Path
    meta: dict
    group: str
    found: dict[tuple[str, str], Diagnosis] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return self.meta["scenario"].startswith("healthy")


def _diagnose(runs: list, config) -> Diagnosis:
    out = Diagnosis()
    for run in runs:
        for f in diagnose(run, config):
            out.kinds.add(f.kind)
            if f.severity in FAULT_SEVERITIES and f.kind != "not_judged":
                out.severities[f.severity] += 1
                out.alarms.append(f"{f.kind} ({f.severity})")
    return out


def diagnose_case(case: Case) -> None:
    """Fill ``case.found`` for both passes and both files (a file that fails: ``error``)."""
    with_data = with_class_info(
        None, case.meta.get("n_classes"), case.meta.get("val_majority_rate")
    )
    for name in FILES:
        try:
            runs = load(case.path / name)
        except Exception as exc:  # a reader failure is a result to report, not a crash
            for p in PASSES:
                case.found[(p, name)] = Diagnosis(error=f"{type(exc).__name__}: {exc}")
            continue
        case.found[(PASSES[0], name)] = _diagnose(runs, None)
        case.found[(PASSES[1], name)] = _diagnose(runs, with_data)


def collect() -> list[Case]:
    cases = []
    sources = [(ZOO_RUNS, None), (shared_zoo(), "shared")]
    for root, group in sources:
        if root is None or not root.is_dir():
            continue
        for meta_path in sorted(root.glob("*/meta.json")):
            meta = json.loads(meta_path.read_text())
            cases.append(Case(meta_path.parent, meta, group or meta.get("split", "tune")))
    return cases


def unmet(expect: dict, kinds: set[str]) -> list[str]:
    """The labels of ``expect`` that ``kinds`` does not meet, as readable lines."""
    out = [f"missed {k}" for k in expect.get("must", []) if k not in kinds]
    out += [
        f"missed any of {'/'.join(g)}" for g in expect.get("must_any", []) if not kinds & set(g)
    ]
    out += [f"false {k}" for k in expect.get("must_not", []) if k in kinds]
    return out


def n_labels(expect: dict) -> int:
    return sum(len(expect.get(k, [])) for k in ("must", "must_any", "must_not"))


@dataclass
class Score:
    """The rows of one column of one pass."""

    runs: int = 0
    met: dict[str, int] = field(default_factory=lambda: Counter())
    total: int = 0
    recall: dict[str, list[int]] = field(default_factory=dict)  # kind -> [met, labels]
    precision: dict[str, list[int]] = field(default_factory=dict)  # kind -> [tp, tp + fp]
    healthy: int = 0
    healthy_alarm: int = 0
    healthy_critical: int = 0
    healthy_critical_runs: int = 0
    agree: int = 0


def _count_kinds(score: Score, expect: dict, kinds: set[str]) -> None:
    """Add one run's labels to the per-kind recall and precision counts (module docstring)."""
    positive = [[k] for k in expect.get("must", [])] + list(expect.get("must_any", []))
    supported = set()
    for group in positive:
        met = set(group) & kinds
        # a group met by one kind is no miss of the others; an unmet group misses them all
        for k in met or group:
            pair = score.recall.setdefault(k, [0, 0])
            pair[0] += k in met
            pair[1] += 1
        supported |= met
    for k in supported:
        pair = score.precision.setdefault(k, [0, 0])
        pair[0] += 1
        pair[1] += 1
    for k in expect.get("must_not", []):
        if k in kinds:
            score.precision.setdefault(k, [0, 0])[1] += 1


def score(cases: list[Case], pass_name: str) -> Score:
    s = Score()
    for case in cases:
        expect = case.meta["expect"]
        s.runs += 1
        s.total += n_labels(expect)
        for name in FILES:
            d = case.found[(pass_name, name)]
            if not d.error:
                s.met[name] += n_labels(expect) - len(unmet(expect, d.kinds))
        log = case.found[(pass_name, FILES[0])]
        _count_kinds(s, expect, set() if log.error else log.kinds)
        js = case.found[(pass_name, FILES[1])]
        s.agree += not log.error and not js.error and log.kinds == js.kinds
        if case.healthy:
            s.healthy += 1
            s.healthy_alarm += sum(log.severities.values()) > 0
            s.healthy_critical += log.severities["critical"]
            s.healthy_critical_runs += log.severities["critical"] > 0
    return s


def _frac(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"


def rows(s: Score, kinds: list[str]) -> list[tuple[str, str]]:
    out = [
        ("runs", str(s.runs)),
        ("labels met, training.log", _frac(s.met[FILES[0]], s.total)),
        ("labels met, history.json", _frac(s.met[FILES[1]], s.total)),
        ("healthy runs with a warning/critical", _frac(s.healthy_alarm, s.healthy)),
        (
            "critical findings on healthy runs",
            f"{s.healthy_critical} in {s.healthy_critical_runs} runs",
        ),
        ("CSV = JSON (same kinds)", _frac(s.agree, s.runs)),
    ]
    for k in kinds:
        r, p = s.recall.get(k, [0, 0]), s.precision.get(k, [0, 0])
        out.append((f"{k}: recall", _frac(*r)))
        out.append((f"{k}: precision", _frac(*p)))
    return out


def print_table(cases: list[Case], pass_name: str) -> None:
    groups = [("tune", "zoo tune"), ("holdout", "zoo holdout"), ("shared", "shared zoo")]
    groups = [(g, title) for g, title in groups if any(c.group == g for c in cases)]
    scores = [score([c for c in cases if c.group == g], pass_name) for g, _ in groups]
    kinds = sorted({k for s in scores for k in (*s.recall, *s.precision)})
    table = [rows(s, kinds) for s in scores]
    print(f"\n== pass: {pass_name}")
    print(f"{'':40}" + "".join(f"{title:>20}" for _, title in groups))
    for i, (label, _) in enumerate(table[0]):
        print(f"{label:40}" + "".join(f"{t[i][1]:>20}" for t in table))


def failures(cases: list[Case], groups: tuple[str, ...]) -> list[str]:
    """One line per run, pass and outcome with unmet labels, for the runs in ``groups``.

    The two files share a line when they gave the same kinds (``both files``).
    """
    lines = []
    for case in cases:
        if case.group not in groups:
            continue
        for pass_name in PASSES:
            outcomes: dict[str, list[str]] = {}
            for name in FILES:
                d = case.found[(pass_name, name)]
                why = [f"error {d.error}"] if d.error else unmet(case.meta["expect"], d.kinds)
                if why:
                    text = f"{', '.join(why)}  (found {', '.join(sorted(d.kinds)) or 'nothing'})"
                    outcomes.setdefault(text, []).append(name)
            for text, names in outcomes.items():
                where = "both files" if len(names) == len(FILES) else names[0]
                lines.append(f"{case.path.name:46} {pass_name:12} {where:12} {text}")
    return lines


def healthy_alarms(cases: list[Case], groups: tuple[str, ...]) -> list[str]:
    """Warning/critical findings on the healthy runs of ``groups``, from training.log."""
    lines = []
    for case in cases:
        if case.group in groups and case.healthy:
            for pass_name in PASSES:
                alarms = case.found[(pass_name, FILES[0])].alarms
                if alarms:
                    lines.append(f"{case.path.name:46} {pass_name:12} {', '.join(alarms)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--failures", action="store_true", help="list unmet tune/shared labels")
    parser.add_argument("--holdout-failures", type=Path, help="write unmet holdout labels here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    cases = collect()
    if not cases:
        print(f"no labelled runs found under {ZOO_RUNS}")
        return 0
    for case in cases:
        diagnose_case(case)
    for pass_name in PASSES:
        print_table(cases, pass_name)
    if args.failures:
        print("\n== unmet labels (tune part and shared zoo)")
        print("\n".join(failures(cases, ("tune", "shared"))) or "none")
        print("\n== warning/critical findings on healthy runs (tune part and shared zoo)")
        print("\n".join(healthy_alarms(cases, ("tune", "shared"))) or "none")
    if args.holdout_failures:
        lines = failures(cases, ("holdout",))
        lines += [f"healthy alarm: {line}" for line in healthy_alarms(cases, ("holdout",))]
        args.holdout_failures.write_text("".join(f"{line}\n" for line in lines))
        print(f"\n{len(lines)} lines on the holdout part written to {args.holdout_failures}")
    print(f"\n{len(cases)} runs diagnosed in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
