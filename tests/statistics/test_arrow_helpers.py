"""dvtools._arrow (conversions without pyarrow's pandas import) and linear_quantiles, against pyarrow's and numpy's own."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dvtools._arrow import FALSE, array, from_numpy, scalar, strings, to_numpy
from dvtools.statistics.sketches import linear_quantiles

NUMERIC = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64(),
           pa.float16(), pa.float32(), pa.float64(), pa.timestamp("s"), pa.timestamp("ns"), pa.date32(),
           pa.date64(), pa.duration("ms"), pa.time32("s"), pa.time64("us")]


def _storage(arr: pa.Array) -> pa.Array:
    """The integer storage of a temporal array (what to_numpy gives for it)."""
    t = arr.type
    if pa.types.is_date32(t) or pa.types.is_time32(t):
        return arr.view(pa.int32())
    if pa.types.is_temporal(t) or pa.types.is_duration(t):
        return arr.view(pa.int64())
    return arr


@pytest.mark.parametrize("t", NUMERIC, ids=str)
def test_to_numpy_matches_pyarrow_including_offsets(t: pa.DataType) -> None:
    ints = pa.array(np.arange(20), pa.int64())
    if pa.types.is_temporal(t) or pa.types.is_duration(t):
        arr = ints.cast(pa.int32() if t.bit_width == 32 else pa.int64()).view(t)
    else:
        arr = ints.cast(t)
    for part in (arr, arr.slice(3), arr.slice(5, 7), arr.slice(20)):
        got = to_numpy(part)
        want = _storage(part).to_numpy(zero_copy_only=False)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_to_numpy_bools_chunked_and_nulls() -> None:
    bools = pa.array([True, False, True, True, False, False, True, False, True])
    for part in (bools, bools.slice(1), bools.slice(3, 5)):
        assert np.array_equal(to_numpy(part), np.array(part.to_pylist()))
        assert to_numpy(part).dtype == np.bool_
    chunked = pa.chunked_array([[1, 2], [3]], pa.int64())
    assert to_numpy(chunked).tolist() == [1, 2, 3]
    with_nulls = pa.array([1.5, None, 2.5])  # falls back to pyarrow: NaN for the null
    assert np.isnan(to_numpy(with_nulls)[1])
    assert to_numpy(pa.array(["a", "b"])).tolist() == ["a", "b"]


@given(hnp.arrays(st.sampled_from([np.int8, np.int32, np.int64, np.uint16, np.uint64, np.float32, np.float64, np.bool_]),
                  st.integers(0, 40)))
@settings(max_examples=100, deadline=None)
def test_from_numpy_round_trips(values: np.ndarray) -> None:
    arr = from_numpy(values)
    assert arr.null_count == 0 and len(arr) == values.size
    assert arr.equals(pa.array(values))
    assert np.array_equal(to_numpy(arr), values, equal_nan=values.dtype.kind == "f")


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=30))
@settings(max_examples=100, deadline=None)
def test_strings_match_pa_array(values: list[str | None]) -> None:
    assert strings(values).equals(pa.array(values, pa.string()))
    assert array(values, pa.string()).equals(pa.array(values, pa.string()))


@pytest.mark.parametrize(("values", "t"), [
    ([1, 2, -3], pa.int64()), ([2**64 - 1, 0], pa.uint64()), ([1.5, float("nan")], pa.float64()),
    ([True, False], pa.bool_()), ([], pa.int64()), ([], pa.string()), ([None, None], pa.int64()),
    ([1, None], pa.int64()), ([b"x", b""], pa.binary()), ([1, 2.5], pa.float64()), ([1.0], pa.int64()),
])
def test_array_matches_pa_array(values: list[object], t: pa.DataType) -> None:
    got, want = array(values, t), pa.array(values, type=t)
    assert got.type == want.type and got.null_count == want.null_count
    assert repr(got.to_pylist()) == repr(want.to_pylist())  # NaN included


@pytest.mark.parametrize(("values", "t"), [([2**64], pa.int64()), ([-1], pa.uint8()), ([2**70], pa.float64()),
                                          (["1"], pa.int64())])
def test_array_refuses_what_pyarrow_refuses(values: list[object], t: pa.DataType) -> None:
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)) as want:
        pa.array(values, type=t)
    with pytest.raises(want.type):
        array(values, t)


def test_scalars() -> None:
    assert scalar(0.0, pa.float32()).equals(pa.scalar(0.0, pa.float32()))
    assert scalar("x", pa.string()).equals(pa.scalar("x"))
    assert scalar(None, pa.int64()).equals(pa.scalar(None, pa.int64()))
    assert FALSE.equals(pa.scalar(False))
    assert pc.fill_null(pa.array([True, None]), FALSE).to_pylist() == [True, False]


@given(hnp.arrays(np.float64, st.integers(1, 200), elements=st.floats(allow_nan=False, allow_infinity=False,
                                                                       width=64)),
       st.lists(st.floats(0, 1), min_size=1, max_size=20))
@settings(max_examples=300, deadline=None)
def test_linear_quantiles_are_np_quantile_bit_for_bit(values: np.ndarray, qs: list[float]) -> None:
    v = np.sort(values)
    q = np.asarray(qs)
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.quantile(v, q)
        got = linear_quantiles(v, q)
    assert np.array_equal(got, want, equal_nan=True)


def test_linear_quantiles_shapes_and_range() -> None:
    v = np.array([1.0, 2.0, 4.0])
    assert linear_quantiles(v, np.array(0.5)).shape == ()
    assert linear_quantiles(v, [0.0, 0.25, 1.0]).tolist() == [1.0, 1.5, 4.0]
    with pytest.raises(ValueError, match="range"):
        linear_quantiles(v, [1.5])


def _pool_after(env_value: str | None, argv: list[str]) -> str:
    """The default pool's backend in a fresh process after the CLI ran ``argv``."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_value is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_value
    script = ("import sys, pyarrow as pa; from dvtools.cli import main; main(sys.argv[1:]); "
              "print('POOL', pa.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, env=env,
                         timeout=120, check=True)
    return next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("POOL"))


def test_cli_folds_with_the_system_allocator_unless_the_user_chose_one(tmp_path):
    """The CLI switches pyarrow to the system allocator (page-fault cost of mimalloc's purges), but a user's choice wins."""
    import pyarrow as pa

    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\n2,y\n")
    argv = ["stats", str(data), "-o", str(tmp_path / "s.json")]
    assert _pool_after(None, argv) == "system"
    chosen = "jemalloc" if "jemalloc" in pa.supported_memory_backends() else "mimalloc"
    assert _pool_after(chosen, argv) == chosen
