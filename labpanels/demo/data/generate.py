"""Rewrite the demo CSVs: synthetic patient records, one file per organization.

Run ``python -m labpanels.demo.data.generate`` to rewrite them, or add ``--check`` to
verify that the committed files are what this script produces. The output depends
only on the fixed seeds below (standard-library ``random``, no numpy), so it is the
same on every machine.

The organizations differ on purpose (size, age, sex ratio, BMI, smoking), so that
pooled and per-organization results differ visibly in the demo.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["COLUMNS", "PROFILES", "Profile", "main", "render", "write_all"]

OUT_DIR = Path(__file__).resolve().parent

COLUMNS = (
    "patient_id",
    "age",
    "sex",
    "height_cm",
    "weight_kg",
    "bmi",
    "is_overweight",
    "age_group",
    "smoker",
    "systolic_bp",
    "cholesterol_mmol",
)
SMOKING = ("never", "former", "current")


@dataclass(frozen=True)
class Profile:
    """How one organization's records are drawn."""

    prefix: str
    rows: int
    seed: int
    age_mean: float
    age_sd: float
    age_range: tuple[int, int]
    female_share: float
    bmi_mean: float
    bmi_sd: float
    smoking: tuple[float, float, float]  # never, former, current
    cholesterol_missing: float


PROFILES: dict[str, Profile] = {
    "cantabria": Profile(
        prefix="C",
        rows=320,
        seed=1101,
        age_mean=55,
        age_sd=11,
        age_range=(30, 80),
        female_share=0.56,
        bmi_mean=27.4,
        bmi_sd=4.2,
        smoking=(0.45, 0.30, 0.25),
        cholesterol_missing=0.03,
    ),
    "lifelines": Profile(
        prefix="L",
        rows=400,
        seed=1102,
        age_mean=44,
        age_sd=13,
        age_range=(18, 90),
        female_share=0.58,
        bmi_mean=26.0,
        bmi_sd=4.1,
        smoking=(0.50, 0.30, 0.20),
        cholesterol_missing=0.02,
    ),
    "gazel": Profile(
        prefix="G",
        rows=260,
        seed=1103,
        age_mean=64,
        age_sd=6,
        age_range=(45, 85),
        female_share=0.24,
        bmi_mean=26.6,
        bmi_sd=3.6,
        smoking=(0.35, 0.50, 0.15),
        cholesterol_missing=0.04,
    ),
    "phy24": Profile(
        prefix="P",
        rows=150,
        seed=1104,
        age_mean=36,
        age_sd=10,
        age_range=(18, 70),
        female_share=0.50,
        bmi_mean=24.1,
        bmi_sd=3.8,
        smoking=(0.62, 0.15, 0.23),
        cholesterol_missing=0.05,
    ),
    "ght": Profile(
        prefix="T",
        rows=210,
        seed=1105,
        age_mean=69,
        age_sd=11,
        age_range=(30, 98),
        female_share=0.53,
        bmi_mean=28.2,
        bmi_sd=5.0,
        smoking=(0.48, 0.38, 0.14),
        cholesterol_missing=0.03,
    ),
    "hermes": Profile(
        prefix="H",
        rows=180,
        seed=1106,
        age_mean=58,
        age_sd=14,
        age_range=(18, 95),
        female_share=0.46,
        bmi_mean=27.0,
        bmi_sd=4.6,
        smoking=(0.40, 0.35, 0.25),
        cholesterol_missing=0.04,
    ),
}


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _age_group(age: int) -> str:
    for upper, label in ((29, "18-29"), (44, "30-44"), (59, "45-59"), (74, "60-74")):
        if age <= upper:
            return label
    return "75+"


def _pick(rng: random.Random, options: tuple[str, ...], weights: tuple[float, ...]) -> str:
    draw = rng.random() * sum(weights)
    for option, weight in zip(options, weights, strict=True):
        draw -= weight
        if draw < 0:
            return option
    return options[-1]


def _row(rng: random.Random, p: Profile, number: int) -> list[str]:
    age = int(_clamp(round(rng.gauss(p.age_mean, p.age_sd)), *p.age_range))
    female = rng.random() < p.female_share
    height = rng.gauss(163.0 if female else 176.5, 6.5 if female else 7.0) - 0.05 * (age - 50)
    height = round(_clamp(height, 140.0, 205.0), 1)
    metres_sq = (height / 100) ** 2
    target_bmi = _clamp(rng.gauss(p.bmi_mean + 0.04 * (age - 50), p.bmi_sd), 16.0, 50.0)
    weight = round(target_bmi * metres_sq, 1)
    bmi = round(weight / metres_sq, 1)
    smoker = _pick(rng, SMOKING, p.smoking)
    systolic_mean = 100 + 0.45 * age + 0.9 * (bmi - 25) + (0 if female else 5)
    if smoker == "current":
        systolic_mean += 3
    systolic = rng.gauss(systolic_mean, 13)
    cholesterol = rng.gauss(4.4 + 0.018 * (age - 45) + 0.03 * (bmi - 25), 0.85)
    missing = rng.random() < p.cholesterol_missing
    return [
        f"{p.prefix}-{number:04d}",
        str(age),
        "female" if female else "male",
        f"{height:.1f}",
        f"{weight:.1f}",
        f"{bmi:.1f}",
        "1" if bmi >= 25 else "0",
        _age_group(age),
        smoker,
        str(int(_clamp(round(systolic), 85, 220))),
        "" if missing else f"{_clamp(cholesterol, 2.5, 9.5):.1f}",
    ]


def render(slug: str) -> str:
    """The CSV text of one organization."""
    profile = PROFILES[slug]
    rng = random.Random(profile.seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for number in range(1, profile.rows + 1):
        writer.writerow(_row(rng, profile, number))
    return out.getvalue()


def write_all(directory: Path = OUT_DIR) -> list[Path]:
    """Write every organization's CSV into ``directory``; return the paths."""
    paths = []
    for slug in PROFILES:
        path = directory / f"{slug}.csv"
        path.write_text(render(slug), encoding="utf-8", newline="")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Rewrite the CSVs, or with ``--check`` report those that differ (exit 1)."""
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        stale = [
            slug
            for slug in PROFILES
            if not (OUT_DIR / f"{slug}.csv").exists()
            or (OUT_DIR / f"{slug}.csv").read_text(encoding="utf-8") != render(slug)
        ]
        for slug in stale:
            print(f"{slug}.csv differs from generate.py's output", file=sys.stderr)
        return 1 if stale else 0
    for path in write_all():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
