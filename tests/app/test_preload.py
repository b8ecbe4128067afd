"""The server preloads what the first comparison imports (scipy.stats), once, and freezes the long-lived objects."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from dvtools.ui import preload


def test_preload_imports_once_then_freezes_in_a_fresh_process() -> None:
    code = textwrap.dedent("""
        import gc, sys
        from dvtools.ui import preload
        assert "scipy.stats" not in sys.modules and gc.get_freeze_count() == 0
        t = preload.start()
        assert t is not None and t.daemon and preload.start() is None  # once per process
        t.join(120)
        assert "scipy.stats" in sys.modules
        assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()  # the modules' objects
        frozen = gc.get_freeze_count()
        cycle = []; cycle.append(cycle); del cycle  # garbage made afterwards is still collected
        assert gc.collect() >= 1 and gc.get_freeze_count() == frozen
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_a_failed_import_is_left_to_the_page_that_needs_it(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(preload, "MODULES", ("dvtools_no_such_module", "json"))
    monkeypatch.setattr(preload.gc, "freeze", lambda: None)  # not the test process's objects
    preload._run()  # no exception: the missing module is skipped, the next one imported


def test_the_dashboard_starts_it(app) -> None:  # noqa: ANN001
    app.run()
    assert not app.exception
    assert preload._thread is not None
