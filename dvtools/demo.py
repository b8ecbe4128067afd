"""The bundled demo: runners-app training, evaluation and serving data with every kind of problem dvtools finds.

In the spirit of the course's "suggesting runs" app: each example is a run suggested to a runner,
with the runner, the route, the weather, the device, and the label ``completed`` (did the runner
complete the suggested run). Generated deterministically (numpy, fixed seed), so it works offline
and tests can rely on it. The serving side was "logged after a mobile-app release" and carries
planted problems, each one a story from the course:

=========================  ====================================================================
feature                    what went wrong in serving (anomaly dvtools reports)
=========================  ====================================================================
``elevation_ft``           the new app version sends ``"1,300 ft"`` strings: schema skew
``distance_km``            serving computes miles for the same runs: feature skew (by
                           ``runner_id``) and distribution skew
``heart_rate``             a sensor firmware bug reports 0 instead of missing
``age``                    a sign-up form bug lets ages of 150+ through: out of range
``device_os``              a new OS release appears: unexpected values
``city``                   case/whitespace variants (``"Boston"`` vs ``"boston "``)
``signup_channel``         missing share jumps from 2 % to 35 % (a broken join upstream)
``temperature_c``          winter instead of summer: distribution drift (seasonality)
``gps_accuracy_m``         NaN and infinite readings appear
``weather``                column dropped by the new logging: missing column
``app_version``            column added by the new logging: new column
``route_type``             became constant (a default filled in on one side only)
``completed`` (label)      not in SERVING by schema; its link to ``run_name`` changed (concept
                           shift: hill and interval sessions are now abandoned far more often)
``runner_email``           planted synthetic e-mail addresses (``name.surname@example.com``, one
                           per runner, deterministic): personal data for privacy mode to find;
                           stable between training and serving, so it adds no other anomaly
=========================  ====================================================================

The evaluation split (:func:`evaluation_frame`, 5,000 runs) is the week after training's four
weeks, drawn like training (a held-out split that keeps the label and the raters) with one mild
planted drift for the drift comparator: Android 14's rollout that week moves ``device_os``
(Android 13 20 % -> 10 %, Android 14 20 % -> 30 %). It has its own random generator, so the
training and serving values below do not depend on it.

Groups and labels (found by ``group_report`` / ``label_report``, the Slices & fairness page and
``dvtools fairness`` / ``dvtools labels``), planted with a second random generator so the columns
above keep their values:

=============================  ================================================================
planted case                   where
=============================  ================================================================
under-represented group        ``gender=nonbinary``: 0.5 % of training, 2 % of serving
group share doubles            ``gender=female``: 25 % of training, 50 % of serving (a campaign)
label rate disparity           female runners complete suggested runs less often (the
                               suggestions were tuned on the majority's data)
missing mostly for one group   ``heart_rate`` missing for 35 % of female runners' runs (watch
                               straps too large for smaller wrists)
conflicting labels             150 training runs logged twice with opposite ``completed``
train/serving overlap          200 training runs re-logged verbatim into serving (a replay bug)
three raters                   ``rater_1..3`` (training only, 10 % missing ratings each) re-label
                               ``completed`` from GPS traces; ``rater_3`` marks many completed
                               runs of female runners as not completed (schema inference with
                               ``raters=RATERS`` marks them not in SERVING, like the label)
drift within one group         ``pace_min_per_km`` of nonbinary runners is 10 % slower in serving
                               (the new app's new profile option turns its walk-run mode on): a
                               shift of one group (2 % of serving) the whole population hides
=============================  ================================================================
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

SEED = 20240601
LABEL = "completed"
KEY = "run_id"
TIMESTAMP = "run_date"
GROUP = "gender"
RATERS = ("rater_1", "rater_2", "rater_3")
TRAINING_ROWS = 20_000
SERVING_ROWS = 8_000
EVALUATION_ROWS = 5_000
EVALUATION_START = "2024-06-29"
"""The evaluation runs are the week after training's four weeks (a time-based held-out split)."""

_CITIES = ["Boston", "Seattle", "Houston", "Chicago", "Denver", "Austin", "Portland", "Atlanta"]
_RUNS = ["Morning 5k", "River loop", "Hill repeats", "Half-marathon prep", "Track intervals",
         "Long easy run", "Tempo run", "Trail 10k", "Recovery jog", "Marathon pace"]
_OS = ["iOS 16", "iOS 17", "Android 13", "Android 14"]
OS_SHARES = (.3, .3, .2, .2)
"""Shares of ``_OS`` in training (and serving before its new OS release)."""
EVALUATION_OS_SHARES = (.3, .3, .1, .3)
"""Shares of ``_OS`` in the evaluation week: Android 14's rollout halves Android 13 (the one planted drift)."""
_CHANNELS = ["organic", "friend_referral", "ad_campaign", "store_partner"]
_WEATHER = ["sunny", "cloudy", "rain", "wind"]
_ROUTES = ["road", "trail", "track"]
_FIRST = ["alex", "sam", "maria", "li", "omar", "ana", "john", "fatima", "yuki", "noah", "emma", "ravi", "sofia",
          "lucas", "mia", "ivan", "chloe", "kofi", "lena", "diego", "sara", "tom", "aisha", "ben", "nina", "jonas",
          "priya", "leo", "zoe", "amir", "ella", "marco", "hana", "felix", "ines", "kai", "lara", "theo", "maya", "eli"]
_LAST = ["smith", "garcia", "chen", "kumar", "novak", "silva", "okafor", "tanaka", "muller", "rossi", "haddad",
         "jensen", "kowalski", "nguyen", "dubois", "ivanova", "moreau", "andersen", "costa", "bauer", "sato", "khan",
         "larsen", "fischer", "romero", "weber", "yilmaz", "park", "olsen", "becker", "lopez", "kim", "schmidt",
         "ali", "berg", "vega", "koch", "ortiz", "meyer", "lind", "reyes", "walsh", "hahn", "diaz", "frank", "moss",
         "stone", "cruz", "wolf", "nagy", "keller", "rios", "brandt", "holm", "quinn", "ward", "zhou", "adler",
         "mendes", "voss", "hart", "lang", "pena", "roth", "shaw", "wood", "yang", "falk", "gomez", "hill", "ivers",
         "jung", "kraus", "marsh", "nash"]
PACE_SLOW_GROUP = "nonbinary"
"""The group whose serving pace is 10 % slower (drift within one group)."""


def runner_email(i: int) -> str:
    """The planted synthetic e-mail address of runner ``i`` (``name.surname@example.com``; unique for 3,000 runners)."""
    return f"{_FIRST[i % len(_FIRST)]}.{_LAST[(i // len(_FIRST)) % len(_LAST)]}@example.com"


def _runners(rng: np.random.Generator, n_runners: int) -> pd.DataFrame:
    ids = np.array([f"R{i:05d}" for i in range(n_runners)])
    return pd.DataFrame({
        "runner_id": ids,
        "runner_email": [runner_email(i) for i in range(n_runners)],
        "age": rng.integers(18, 71, n_runners),
        "city": rng.choice(_CITIES, n_runners, p=[.22, .16, .14, .12, .1, .1, .08, .08]),
        "signup_channel": rng.choice(_CHANNELS, n_runners, p=[.5, .25, .15, .1]),
    })


def _runs(rng: np.random.Generator, runners: pd.DataFrame, n: int, *, start: str, temp_mean: float,
          run_effect: dict[str, float], id_prefix: str, days: int = 28, os_p: tuple[float, ...] = OS_SHARES) -> pd.DataFrame:
    who = runners.iloc[rng.integers(0, len(runners), n)].reset_index(drop=True)
    distance = np.round(rng.gamma(4.0, 2.2, n) + 1.0, 2)
    elevation = np.round(rng.gamma(1.5, 220.0, n)).astype(np.int64)
    pace = rng.normal(6.0, 0.8, n) - 0.01 * (45 - who["age"].to_numpy()) * 0.5
    temp = np.round(rng.normal(temp_mean, 6.0, n), 1)
    heart = np.round(rng.normal(150, 12, n)).astype(float)
    heart[rng.random(n) < 0.03] = np.nan
    gps = np.round(rng.gamma(2.0, 2.5, n), 2)
    days = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D")
    # P(completed | x): longer, hillier and hotter runs are completed less often.
    run_name = rng.choice(_RUNS, n)
    effect = np.array([run_effect.get(r, 0.0) for r in run_name])
    logit = 2.2 - 0.12 * distance - 0.0015 * elevation - 0.05 * np.clip(temp - 20, 0, None) + effect
    completed = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "run_id": [f"{id_prefix}{i:06d}" for i in range(n)],
        "runner_id": who["runner_id"],
        "runner_email": who["runner_email"].to_numpy(),
        "run_date": days,
        "run_name": run_name,
        "route_type": rng.choice(_ROUTES, n, p=[.6, .3, .1]),
        "distance_km": distance,
        "elevation_ft": elevation,
        "pace_min_per_km": np.round(pace, 2),
        "temperature_c": temp,
        "weather": rng.choice(_WEATHER, n, p=[.4, .3, .2, .1]),
        "heart_rate": heart,
        "gps_accuracy_m": gps,
        "age": who["age"].to_numpy(),
        "city": who["city"].to_numpy(),
        "signup_channel": who["signup_channel"].to_numpy(),
        "device_os": rng.choice(_OS, n, p=list(os_p)),
        "completed": completed,
    })


def demo_frames(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (training, serving) pair as DataFrames."""
    rng = np.random.default_rng(seed)
    runners = _runners(rng, 3_000)
    train = _runs(rng, runners, TRAINING_ROWS, start="2024-06-01", temp_mean=22.0, run_effect={}, id_prefix="T")
    train.loc[rng.random(len(train)) < 0.02, "signup_channel"] = None
    fair = np.random.default_rng(seed + 1)  # the group and label cases: the columns above keep their values
    _plant_groups(train, fair, p=[.745, .25, .005])
    # Conflicting labels: the last 150 runs repeat the first 150 (a sync bug) with the opposite outcome.
    dup = [c for c in train.columns if c not in (KEY, TIMESTAMP)]
    train.loc[len(train) - 150:, dup] = train.loc[:149, dup].to_numpy()
    train.loc[len(train) - 150:, LABEL] = ~train.loc[:149, LABEL].to_numpy().astype(bool)
    train = train.astype({LABEL: bool, "heart_rate": float, "distance_km": float, "elevation_ft": np.int64,
                          "pace_min_per_km": float, "temperature_c": float, "gps_accuracy_m": float, "age": np.int64})

    # Concept shift: the new app suggests much harder hill and interval sessions under the same
    # names, so those runs are now abandoned far more often (P(completed | run_name) changes).
    serve = _runs(rng, runners, SERVING_ROWS, start="2024-12-01", temp_mean=4.0,
                  run_effect={"Hill repeats": -2.5, "Track intervals": -2.0}, id_prefix="S")
    _plant_groups(serve, fair, p=[.392, .583, .025])  # ~50 % female, ~2 % nonbinary after the replay below
    n = len(serve)
    # Feature skew: a quarter of serving rows are training runs re-scored by the serving pipeline
    # (same run_id, same raw values); the problems below then apply to them too, and the serving
    # pipeline converts distance to miles: a transformation applied on one side only.
    replay = rng.choice(len(train), n // 4, replace=False)
    serve.loc[: n // 4 - 1, list(train.columns)] = train.loc[replay].to_numpy()
    serve = serve.astype(train.dtypes.to_dict())
    serve["distance_km"] = np.round(serve["distance_km"].astype(float) * 0.621371, 2)
    # Schema skew: elevation logged as text with a unit.
    serve["elevation_ft"] = [f"{v:,} ft" for v in serve["elevation_ft"]]
    # Sensor firmware: 0 instead of missing, for a third of the readings.
    hr = serve["heart_rate"].to_numpy(copy=True)
    hr[rng.random(n) < 0.3] = 0.0
    serve["heart_rate"] = hr
    # Sign-up form bug: impossible ages.
    bad_age = rng.random(n) < 0.02
    serve.loc[bad_age, "age"] = rng.integers(150, 200, int(bad_age.sum()))
    # A new OS release.
    new_os = rng.random(n) < 0.25
    serve.loc[new_os, "device_os"] = rng.choice(["iOS 18", "Android 15"], int(new_os.sum()))
    # City typed by hand in the new app.
    variants = rng.random(n) < 0.1
    serve.loc[variants, "city"] = [c.lower() + " " for c in serve.loc[variants, "city"]]
    # Broken join: sign-up channel missing for a third.
    serve.loc[rng.random(n) < 0.35, "signup_channel"] = None
    # GPS glitches.
    gps = serve["gps_accuracy_m"].to_numpy(copy=True)
    gps[rng.random(n) < 0.01] = np.nan
    gps[rng.random(n) < 0.005] = np.inf
    serve["gps_accuracy_m"] = gps
    # Logging changes.
    serve = serve.drop(columns=["weather"])
    serve["app_version"] = rng.choice(["5.0.0", "5.0.1"], n, p=[.7, .3])
    serve["route_type"] = "road"
    # Train/serving overlap: 200 training road runs re-logged verbatim (new run ids and dates).
    road = np.flatnonzero(train["route_type"].to_numpy() == "road")
    leaked = fair.choice(road[(road >= 150) & (road < len(train) - 150)], 200, replace=False)  # not the conflicts
    rows = np.arange(n // 4, n // 4 + 200)
    same = [c for c in serve.columns if c in train.columns and c not in (KEY, TIMESTAMP, "elevation_ft")]
    for c in same:
        serve.loc[rows, c] = train[c].to_numpy()[leaked]
    serve.loc[rows, "elevation_ft"] = [f"{v:,} ft" for v in train["elevation_ft"].to_numpy()[leaked]]
    _plant_raters(train, fair)
    # Drift within one group: the new app's new profile option turns its walk-run mode on, so nonbinary
    # runners' recorded paces are 10 % slower; 2 % of serving, too few to move the whole population.
    # New runs only: the replayed and leaked training runs keep their recorded values.
    slow = (serve[GROUP].to_numpy() == PACE_SLOW_GROUP) & (np.arange(n) >= n // 4 + 200)
    serve.loc[slow, "pace_min_per_km"] = np.round(serve.loc[slow, "pace_min_per_km"].astype(float) * 1.1, 2)
    return train.reset_index(drop=True), serve.reset_index(drop=True)


def evaluation_frame(seed: int = SEED) -> pd.DataFrame:
    """The evaluation split: the week after training, drawn like training, with one mild planted drift.

    Same runners, columns, label model, groups and raters as training (a held-out split that keeps
    the label), from its own random generator so that :func:`demo_frames` keeps its values. None
    of serving's problems; Android 14's rollout during that week moves ``device_os`` (Android 13
    from 20 % to 10 %, Android 14 from 20 % to 30 %: Jensen-Shannon distance about 0.15, just over
    the default 0.1), which the drift comparator finds; everything else differs by sampling noise.
    """
    runners = _runners(np.random.default_rng(seed), 3_000)  # demo_frames' first draws: the same runners
    rng = np.random.default_rng(seed + 2)
    ev = _runs(rng, runners, EVALUATION_ROWS, start=EVALUATION_START, temp_mean=22.0, run_effect={}, id_prefix="E",
               days=7, os_p=EVALUATION_OS_SHARES)
    ev.loc[rng.random(len(ev)) < 0.02, "signup_channel"] = None
    _plant_groups(ev, rng, p=[.745, .25, .005])
    _plant_raters(ev, rng)
    return ev.astype({LABEL: bool, "heart_rate": float, "age": np.int64}).reset_index(drop=True)


def _plant_groups(df: pd.DataFrame, rng: np.random.Generator, p: list[float]) -> None:
    """Add ``gender``; female runners complete fewer runs and their heart rate is missing more often."""
    n = len(df)
    df[GROUP] = rng.choice(["male", "female", "nonbinary"], n, p=p)
    female = df[GROUP].to_numpy() == "female"
    done = df[LABEL].to_numpy().astype(bool)
    df[LABEL] = done & ~(female & (rng.random(n) < 0.35))
    hr = df["heart_rate"].to_numpy(dtype=float, copy=True)
    hr[female & (rng.random(n) < 0.35)] = np.nan
    df["heart_rate"] = hr


def _plant_raters(df: pd.DataFrame, rng: np.random.Generator) -> None:
    """Three raters re-label ``completed``; ``rater_3`` is biased against female runners' completed runs."""
    n = len(df)
    truth = df[LABEL].to_numpy().astype(bool)
    female = df[GROUP].to_numpy() == "female"
    for name, noise in zip(RATERS, (0.03, 0.05, 0.04), strict=True):
        r = truth ^ (rng.random(n) < noise)
        if name == "rater_3":
            r = np.where(female & truth & (rng.random(n) < 0.45), False, r)
        df[name] = pd.array(np.where(rng.random(n) < 0.1, None, r), dtype="boolean")


def demo_csv_bytes(seed: int = SEED) -> tuple[bytes, bytes]:
    """The pair as CSV files (what a user would upload)."""
    train, serve = demo_frames(seed)
    return _csv(train), _csv(serve)


def evaluation_csv_bytes(seed: int = SEED) -> bytes:
    """The evaluation split (:func:`evaluation_frame`) as a CSV file."""
    return _csv(evaluation_frame(seed))


def _csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def write_demo(folder: str, seed: int = SEED) -> tuple[str, str]:
    """Write ``train.csv`` and ``serving.csv`` into ``folder``; returns their paths."""
    import os

    os.makedirs(folder, exist_ok=True)
    t, s = demo_csv_bytes(seed)
    tp, sp = os.path.join(folder, "train.csv"), os.path.join(folder, "serving.csv")
    from dvtools.io.files import write_bytes

    write_bytes(tp, t)
    write_bytes(sp, s)
    return tp, sp
