"""Server warm-up: what the first comparison imports, loaded in the background after the first page is drawn.

The first comparison of two datasets imports ``scipy.stats`` (chi-squared and Kolmogorov-Smirnov
p-values): about 1 s of CPU, paid by the user who uploaded the second dataset (or opened the demo)
on top of the statistics. The dashboard starts it once per server process, in a daemon thread, when
the first script run has drawn its page (the user is then reading the Data page or picking a file).

Then :func:`gc.freeze` moves everything alive (the imported modules: most of the ~170,000 objects the
collector tracks) out of the collector's reach: Streamlit runs a full collection after every script
run (``runner.postScriptGC``), which costs ~80 ms per run over those objects and ~0 ms once they are
frozen. Frozen objects are still freed when their last reference goes; only reference cycles among
them would never be collected, and modules live as long as the server anyway.
"""

from __future__ import annotations

import gc
import importlib
import threading

#: What the first comparison imports that the first page has not (``scipy.stats`` is most of it).
MODULES = ("scipy.stats",)

_lock = threading.Lock()
_thread: threading.Thread | None = None


def _run() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - the page that needs it imports it again and reports the error
            continue
    gc.freeze()


def start() -> threading.Thread | None:
    """Start the warm-up (once per process); the thread, or None when it was started before."""
    global _thread
    with _lock:
        if _thread is not None:
            return None
        _thread = threading.Thread(target=_run, name="dvtools-preload", daemon=True)
        _thread.start()
        return _thread
