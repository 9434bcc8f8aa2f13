"""Drive JupyterLab in headless Chromium (Debian's `chromium`, Playwright's Python package): the browser tests and
`benchmarks/widget_latency.py` use this. Nothing here downloads: Playwright is pointed at /usr/bin/chromium."""
from __future__ import annotations
import contextlib, functools, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("SAE_NB_CHROMIUM", "/usr/bin/chromium"))
INSTALL = "apt-get install -y chromium && .venv/bin/pip install playwright"
# Chromium on a machine with no network: without these it retries connections to Google's hosts all the time
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def missing() -> str | None:
    "Why the browser tests cannot run here (None when they can), with the command that installs what is missing."
    try: import playwright.sync_api  # noqa: F401
    except ImportError: return f"Playwright's Python package is not installed: {INSTALL}"
    if not CHROMIUM.exists(): return f"no Chromium at {CHROMIUM}: {INSTALL} (or set SAE_NB_CHROMIUM)"
    return None


def _free_port() -> int:
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path):
    "JupyterLab on 127.0.0.1 serving `root`: no token, its config, data and runtime folders in a temp dir, autosave off, the app exposed as `window.jupyterapp`."
    tmp = Path(tempfile.mkdtemp(prefix="sae-nb-lab-"))
    settings = tmp / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    news = tmp / "settings" / "@jupyterlab" / "apputils-extension"; news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), IPYTHONDIR=str(tmp / "ipython"), MPLBACKEND="module://matplotlib_inline.backend_inline")
    # the kernel is this Python (the one with sae_nb installed), whatever kernelspecs the machine has
    kdir = tmp / "data" / "kernels" / "python3"; kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                                  "display_name": "Python 3", "language": "python"}))
    log = open(tmp / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
                             f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={tmp / 'settings'}",
                             f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
                             "--ServerApp.open_browser=False", "--allow-root"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if proc.poll() is not None: raise RuntimeError(f"JupyterLab exited ({proc.returncode}): {(tmp / 'lab.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url + "/api/status", timeout=1); break
            time.sleep(0.1)
        else: raise RuntimeError(f"JupyterLab did not answer on {url} in 60 s: {(tmp / 'lab.log').read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()
        log.close(); shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000):
    "A Playwright page in headless Debian Chromium."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = b.new_page(viewport=dict(width=width, height=height))
            yield page
        finally: b.close()


def open_and_run_all(page, url: str, notebook: str, timeout_s: float = 600):
    "Open `notebook` (a path under the server's root) in JupyterLab, wait for its kernel, run all cells."
    page.goto(f"{url}/lab/tree/{notebook}", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.connectionStatus === 'connected'", timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def kernel_idle(page) -> bool:
    return page.evaluate("() => { const c = window.jupyterapp.shell.currentWidget.sessionContext; return c.kernelDisplayStatus === 'idle'; }")


STATUS_JS = "(sel) => Array.from(document.querySelectorAll(sel)).map(e => e.textContent).join('|')"


def move_slider(page, label: str, key: str = "ArrowRight", status: str = "retrained", timeout_s: float = 120) -> tuple[float, str]:
    """Focus the slider described `label`, press `key`, wait until the panel's status line (the HTML widget containing
    `status`) and plot have both changed. Returns (seconds from the key press to the redrawn plot and status, the new status line)."""
    slider = page.locator(f".widget-slider:has(.widget-label:text-is('{label}'))").first
    handle = slider.locator(".noUi-handle").first
    status_el = page.locator(f".widget-html-content:has-text('{status}')").first
    before = status_el.text_content()
    imgs = lambda: page.evaluate("() => Array.from(document.querySelectorAll('.widget-output img')).map(i => i.src.slice(-200)).join('|')")
    img_before = imgs()
    handle.focus()
    t0 = time.perf_counter()
    page.keyboard.press(key)
    deadline = t0 + timeout_s
    while True:
        now = status_el.text_content()
        if now != before and imgs() != img_before: return time.perf_counter() - t0, now
        if time.perf_counter() > deadline: raise TimeoutError(f"the panel did not redraw within {timeout_s} s of moving {label!r} (status still {now!r})")
        page.wait_for_timeout(10)


def wait_idle(page, timeout_s: float = 600):
    "Wait until the open notebook's kernel is idle (all queued cells ran)."
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.kernelDisplayStatus === 'idle'", timeout=timeout_s * 1000)


def cell_errors(page) -> list[str]:
    "The text of every error output in the open notebook."
    return page.evaluate("() => Array.from(document.querySelectorAll('.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"] pre, .jp-RenderedText[data-mime-type=\"application/vnd.jupyter.error\"]')).map(e => e.textContent)")


@functools.lru_cache(None)
def _ci_flags():
    "`.ci/execute_notebook.py`'s `flags`: the one reading of a cell's `#| slow` / `#| cuda` / `#| eval: false` directives."
    import importlib.util
    spec = importlib.util.spec_from_file_location("execute_notebook", ROOT / ".ci" / "execute_notebook.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod.flags


def _flagged(cell, flags) -> bool:
    "Whether a code cell carries a directive in `flags` (nbdev_test skips those; so do the browser tests)."
    import types
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return bool(_ci_flags()(types.SimpleNamespace(source=src)) & set(flags))


def notebook_copy(root: Path, notebook: Path | dict, name: str | None = None, skip=("slow", "cuda", "eval-false")) -> str:
    "Copy a notebook (a path, or a notebook as a dict) into `root`/nbs beside a copy of settings.ini, so its nbdev_export cell writes there, not into the repo; the recorded results it reads are linked, and its `skip`-flagged cells are left out, as nbdev_test leaves them. Returns its path under `root`."
    (root / "nbs").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "settings.ini", root / "settings.ini")
    for d in ("benchmarks", "nbs/recorded"):   # the recorded results the notebooks read, linked (read, never written)
        if not (root / d).exists(): (root / d).symlink_to(ROOT / d, target_is_directory=True)
    name = name or (notebook.name if isinstance(notebook, Path) else "notebook.ipynb")
    nb = json.loads(notebook.read_text()) if isinstance(notebook, Path) else notebook
    nb = dict(nb, cells=[c for c in nb["cells"] if not (c["cell_type"] == "code" and _flagged(c, skip))])
    (root / "nbs" / name).write_text(json.dumps(nb))
    return f"nbs/{name}"


def code_notebook(*sources: str) -> dict:
    "A notebook of code cells."
    return dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name="python3", display_name="Python 3", language="python")),
                cells=[dict(cell_type="code", id=f"c{i}", metadata={}, execution_count=None, outputs=[], source=s) for i, s in enumerate(sources)])


ARTIFACTS = ROOT / ".pytest_artifacts"


@contextlib.contextmanager
def notebook_open(root: Path, notebook: Path | dict, ready: str, name: str | None = None, timeout_s: float = 300):
    """A notebook copied into `root` (`notebook_copy`), opened in JupyterLab in headless Chromium and run top to bottom:
    yields the page once the `ready` selector shows, the kernel is idle and no cell failed. On an error inside, a
    full-page screenshot goes to .pytest_artifacts/ and its path is printed."""
    nb = notebook_copy(root, notebook, name)
    with jupyterlab(root) as url, browser_page() as page:
        try:
            open_and_run_all(page, url, nb)
            page.wait_for_selector(ready, timeout=timeout_s * 1000)
            wait_idle(page)
            assert not cell_errors(page), cell_errors(page)
            yield page
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"{Path(nb).stem}-{time.strftime('%H%M%S')}.png"
            page.screenshot(path=str(shot), full_page=True)
            print("screenshot:", shot); raise


def slider_readout(page, label: str) -> str:
    "The value the slider described `label` shows."
    return page.locator(f".widget-slider:has(.widget-label:text-is('{label}')) .widget-readout").first.text_content().strip()
