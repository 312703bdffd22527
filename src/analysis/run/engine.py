"""An in-process papermill engine: run a parameterised notebook in this Python process.

``papermill`` normally starts a fresh Jupyter kernel per notebook (about 3 s before the first
cell runs). A batch of 43 reports does not need 43 kernels: this engine executes the code cells
in a persistent worker process, in an IPython shell that gets a **brand-new namespace for every
notebook**. Papermill's own machinery is kept: parameter injection (values are checked by
``render.checked_job`` first), cell timing metadata, error markers, the failed-notebook write.

What makes one report unable to see another's state (:meth:`ReportSession.fresh_report`):

* the shell's user namespace, history and output cache are reset (``reset(new_session=True)``),
  so no variable, import alias or ``_`` survives from the previous notebook;
* every matplotlib figure is closed and ``rcParams`` restored to the worker's start state, so a
  theme or a forgotten figure cannot leak into the next report (figures a cell leaves open are
  emitted as that cell's PNG output, as the inline backend would, then closed);
* ``os.environ``, ``sys.path``, the warning filters and the working directory are restored;
* caches inside the package hold only pure functions of input files, keyed by path, size and
  mtime, and hand out copies (``measures.observations``, ``measures.charge_rate_series``), so
  they are shared read-only data, not report state.

Outputs are captured in order (streams, rich displays, the last expression's value, errors) into
nbformat outputs, the same shapes a kernel would send. One notebook runs at a time per process
(a lock guards the shell), so the engine is safe in a threaded worker too, just not parallel.
Use the ``kernel`` engine (``render_report(..., engine="kernel")``) when exact kernel fidelity
matters more than speed.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import signal
import sys
import threading
import time
import warnings

import nbformat
from papermill.engines import Engine, papermill_engines

ENGINE_NAME = "casey-inprocess"
_LOCK = threading.RLock()
_SESSION: ReportSession | None = None


class _Stream(io.TextIOBase):
    """A ``sys.stdout``/``sys.stderr`` stand-in that appends stream outputs in order."""

    def __init__(self, session: ReportSession, name: str):
        self.session, self.name = session, name

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        if not isinstance(text, str):
            text = str(text)
        if text:
            outputs = self.session.outputs
            if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1]["name"] == self.name:
                outputs[-1]["text"] += text
            else:
                outputs.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


# long: three small classes defined together here, so IPython is imported only when a shell is made
def _make_shell_classes():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class CapturingPublisher(DisplayPublisher):
        session: ReportSession | None = None

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            session = type(self).session
            if session is None:
                return
            session.outputs.append(
                nbformat.v4.new_output("display_data", data=dict(data), metadata=dict(metadata or {}))
            )

        def clear_output(self, wait=False):
            session = type(self).session
            if session is not None:
                session.outputs.clear()

    class CapturingDisplayHook(DisplayHook):
        """The value of a cell's last expression becomes an ``execute_result`` (no ``Out[n]:`` printed)."""

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            session = CapturingPublisher.session
            if session is not None:
                session.outputs.append(
                    nbformat.v4.new_output(
                        "execute_result",
                        data=dict(format_dict),
                        metadata=dict(md_dict or {}),
                        execution_count=session.execution_count,
                    )
                )

        def finish_displayhook(self):
            pass

        def flush(self):
            """What IPython's flush does, minus its full ``gc.collect()`` (0.2 s per call on a
            pandas-sized heap; reset() calls it). The namespace is dropped either way."""
            for n in range(1, self.prompt_count + 1):
                self.shell.user_ns_hidden.pop("_" + repr(n), None)
                self.shell.user_ns.pop("_" + repr(n), None)
            oh = self.shell.user_ns.get("_oh")
            if oh is not None:
                oh.clear()
            self._, self.__, self.___ = "", "", ""

    class ReportShell(InteractiveShell):
        """An InteractiveShell whose tracebacks become an error output instead of being printed."""

        displayhook_class = CapturingDisplayHook
        last_error: dict | None = None

        def _showtraceback(self, etype, evalue, stb):
            self.last_error = {
                "ename": getattr(etype, "__name__", str(etype)),
                "evalue": str(evalue),
                "traceback": list(stb),
            }

        def init_display_pub(self):
            self.display_pub = CapturingPublisher(parent=self, shell=self)
            self.configurables.append(self.display_pub)

        def enable_gui(self, gui=None):  # no event loop integration in a batch worker
            pass

    return ReportShell, CapturingPublisher


class ReportSession:
    """One per process: an IPython shell plus the process state restored before every notebook."""

    def __init__(self):
        os.environ.setdefault("MPLBACKEND", "agg")
        import matplotlib

        matplotlib.use("agg", force=True)
        import matplotlib.pyplot
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # no sqlite history file, nothing kept between notebooks
        config.InteractiveShell.colors = "nocolor"
        config.InteractiveShell.autocall = 0
        shell_class, self._publisher = _make_shell_classes()
        # IPython installs its own module as sys.modules["__main__"]; the host process (the batch, a test
        # run, an analyst's session) keeps its own, or multiprocessing's forkserver can no longer start
        main_module = sys.modules.get("__main__")
        self.shell = shell_class.instance(config=config)
        if main_module is not None:
            sys.modules["__main__"] = main_module
        self.outputs: list = []
        self.execution_count = 0
        self._rc = dict(matplotlib.rcParams.items())
        self._environ = dict(os.environ)
        self._sys_path = list(sys.path)
        self._filters = list(warnings.filters)
        self.reports_run = 0

    # ------------------------------------------------------------------ isolation
    def fresh_report(self) -> None:
        """Forget everything the previous notebook did (see the module docstring)."""
        import matplotlib
        import matplotlib.pyplot as plt

        plt.close("all")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(self._rc)
        if os.environ != self._environ:
            os.environ.clear()
            os.environ.update(self._environ)
        sys.path[:] = self._sys_path
        warnings.filters[:] = self._filters
        warnings._filters_mutated()  # "once"/"default" warnings show again, as in a new kernel
        self.shell.reset(new_session=True, aggressive=False)
        self.shell.last_error = None
        self.outputs = []
        self.execution_count = 0

    def user_names(self) -> set[str]:
        """Names a notebook defined (for the isolation tests)."""
        hidden = set(self.shell.user_ns_hidden)
        return {k for k in self.shell.user_ns if k not in hidden and not k.startswith("_")}

    # ------------------------------------------------------------------ execution
    def _flush_figures(self) -> None:
        """Figures a cell left open become PNG outputs (like the inline backend), then close."""
        import matplotlib.pyplot as plt

        for number in plt.get_fignums():
            fig = plt.figure(number)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", bbox_inches="tight")
            self.outputs.append(
                nbformat.v4.new_output(
                    "display_data",
                    data={"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": repr(fig)},
                    metadata={},
                )
            )
        plt.close("all")

    def run_cell(self, cell) -> bool:
        """Execute one code cell; fill its outputs and execution count. False if it raised."""
        self.execution_count += 1
        self.outputs = []
        self.shell.last_error = None
        self._publisher.session = self
        out, err = _Stream(self, "stdout"), _Stream(self, "stderr")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                result = self.shell.run_cell(cell.source, store_history=False, silent=False)
                self._flush_figures()
        finally:
            self._publisher.session = None
        failed = not result.success
        if failed:
            error = self.shell.last_error or {
                "ename": type(result.error_in_exec or result.error_before_exec).__name__,
                "evalue": str(result.error_in_exec or result.error_before_exec),
                "traceback": [],
            }
            self.outputs.append(nbformat.v4.new_output("error", **error))
        cell.outputs = self.outputs
        cell.execution_count = self.execution_count
        self.outputs = []
        return not failed


def session() -> ReportSession:
    """This process's session, created on first use (about 0.1 s once the imports are warm)."""
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            _SESSION = ReportSession()
        return _SESSION


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Raise TimeoutError inside the running cell after ``seconds`` (main thread only)."""
    usable = seconds and threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable:
        yield
        return

    def _alarm(signum, frame):
        raise TimeoutError(f"the notebook took longer than {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class InProcessEngine(Engine):
    """papermill engine ``casey-inprocess``: cells run in this process, a fresh namespace per notebook."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, execution_timeout=None, **kwargs):
        with _LOCK:
            main_module = sys.modules.get("__main__")
            sess = session()
            sess.fresh_report()
            try:
                with _time_limit(execution_timeout):
                    deadline = time.monotonic() + execution_timeout if execution_timeout else None
                    for index, cell in enumerate(nb_man.nb.cells):
                        # off the main thread (a Dask worker's task) there is no signal: stop between cells
                        if deadline is not None and time.monotonic() > deadline:
                            raise TimeoutError(f"the notebook took longer than {execution_timeout:g}s")
                        try:
                            nb_man.cell_start(cell, index)
                            if cell.cell_type == "code" and not sess.run_cell(cell):
                                nb_man.cell_exception(cell, cell_index=index)
                                break
                        finally:
                            nb_man.cell_complete(cell, cell_index=index)
            finally:
                sess.reports_run += 1
                sess.fresh_report()  # drop this notebook's objects now, not when the next one starts
                if main_module is not None:
                    sys.modules["__main__"] = main_module
        nb_man.nb.metadata["language_info"] = {
            "name": "python",
            "version": ".".join(map(str, sys.version_info[:3])),
            "mimetype": "text/x-python",
            "file_extension": ".py",
        }
        return nb_man.nb


papermill_engines.register(ENGINE_NAME, InProcessEngine)


def run_notebook(input_path, output_path=None, parameters: dict | None = None, cwd=None):
    """Execute any notebook with this engine (papermill injects ``parameters``); return it executed.

    A failing cell does not raise here: the returned notebook carries the error output (used by the
    isolation tests to run probe notebooks through exactly the path reports take).
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    try:
        return pm.execute_notebook(
            str(input_path),
            str(output_path) if output_path else None,
            parameters=parameters or {},
            engine_name=ENGINE_NAME,
            kernel_name="python3",
            cwd=cwd,
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError:
        return nbformat.read(output_path, as_version=4) if output_path else None
