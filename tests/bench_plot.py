"""Speed of `mmfutils.plot.imcontourf`, measured in one run (a benchmark, not a test).

A field on a 2048^2 grid (and one on 512^2) drawn into a 500x400-pixel Agg canvas, with the whole figure
redrawn for each frame, as an animation loop without blitting does; at 512^2 also blitted (only the field
redrawn, as `FuncAnimation(blit=True)` does). Candidates, in the same process:

* ours: `imcontourf`, then `img.set_data(z)` for each new frame;
* mmfutils 0.7.8's `imcontourf`, imported from its unpacked sdist (build/compat/mmfutils-0.7.8/src, which
  `make compat` downloads); its colormaps need the old `husl` package, installed for this run only with
  `pip install --target build/bench-husl husl==4.0.3` (on first use);
* `pcolormesh` (new frames with `set_array`) and `contourf` (30 levels, drawn anew each frame: it has no
  cheaper update).

Recorded: the best time of a first draw (figure, call, draw) and the median time of one frame, with ratios
theirs / ours. pcolormesh and contourf run fewer frames at 2048^2 (seconds each). Printed and written to
nbs/_data/bench_plot.json (rendered by nbs/20_plot_contour.ipynb). Run: `make bench` or
`.venv/bin/python tests/bench_plot.py`.
"""
import importlib
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from benchlib import record  # noqa: E402

UPSTREAM_SRC = ROOT / "build" / "compat" / "mmfutils-0.7.8" / "src" / "mmfutils" / "plot"
HUSL = ROOT / "build" / "bench-husl"
FRAMES = 100
SLOW_FRAMES = 5


def upstream_imcontourf():
    "0.7.8's imcontourf, loaded from the unpacked sdist as the package `upstream_plot` (husl installed aside)."
    if not UPSTREAM_SRC.is_dir():
        sys.exit(f"bench_plot: no 0.7.8 source in {UPSTREAM_SRC}: run `make compat` once first")
    if not (HUSL / "husl.py").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(HUSL), "husl==4.0.3"],
                       check=True)
    sys.path.insert(0, str(HUSL))
    package = types.ModuleType("upstream_plot")
    package.__path__ = [str(UPSTREAM_SRC)]
    sys.modules["upstream_plot"] = package
    return importlib.import_module("upstream_plot.contour").imcontourf


def fields(n, count=4):
    "`count` frames of an n x n field z[x, y] (a few, cycled: 100 frames of 2048^2 would not fit in memory)."
    x = np.linspace(-3, 3, n)[:, None]
    y = np.linspace(-3, 3, n)[None, :]
    return x, y, [np.exp(-(x**2 + y**2) / 2) * np.cos(3 * x + t) + 0.1 * np.sin(5 * y * t) for t in range(count)]


def figure():
    "A pyplot figure on the Agg backend (0.7.8 draws in pyplot's current axes), with its axes made current."
    import matplotlib.pyplot as plt
    plt.close("all")
    fig = plt.figure(figsize=(5, 4), dpi=100)
    return fig, fig.add_subplot()


def candidates(ours, theirs):
    "name -> (first(ax, x, y, z) -> artist, update(artist, ax, x, y, z) -> artist)."
    def mesh(ax, x, y, z):
        return ax.pcolormesh(x.ravel(), y.ravel(), z.T, shading="nearest")

    def mesh_update(m, ax, x, y, z):
        m.set_array(z.T)
        return m

    def contours(ax, x, y, z):
        return ax.contourf(x.ravel(), y.ravel(), z.T, 30)

    def contours_update(c, ax, x, y, z):
        c.remove()
        return contours(ax, x, y, z)

    def set_data(img, ax, x, y, z):
        img.set_data(z)
        return img

    return {"mmfutils imcontourf": (lambda ax, x, y, z: ours(x, y, z, ax=ax), set_data),
            "0.7.8 imcontourf": (lambda ax, x, y, z: theirs(x, y, z), set_data),
            "pcolormesh": (mesh, mesh_update),
            "contourf": (contours, contours_update)}


def first_draw(first, x, y, z, rounds=3):
    "Best time (s) of a new figure, the call and its first draw."
    best = np.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        fig, ax = figure()
        first(ax, x, y, z)
        fig.canvas.draw()
        best = min(best, time.perf_counter() - t0)
    return best


def frame_time(first, update, x, y, zs, frames, blit=False):
    "Median time (s) of one frame: the update and a full redraw of the figure (blit: of the artist only)."
    fig, ax = figure()
    artist = first(ax, x, y, zs[0])
    fig.canvas.draw()
    times = []
    for n in range(frames):
        t0 = time.perf_counter()
        artist = update(artist, ax, x, y, zs[n % len(zs)])
        if blit:  # what FuncAnimation(blit=True) does: redraw the changed artist over the saved background
            ax.draw_artist(artist)
            fig.canvas.blit(ax.bbox)
        else:
            fig.canvas.draw()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    import matplotlib.pyplot as plt  # 0.7.8 draws with pyplot (its current axes)
    theirs = upstream_imcontourf()  # before ours: 0.7.8 registers its colormap names without checking
    from mmfutils.plot import imcontourf
    cands = candidates(imcontourf, theirs)
    ms = {name: {} for name in cands}
    for n in (2048, 512):
        x, y, zs = fields(n)
        for name, (first, update) in cands.items():
            slow = name in ("pcolormesh", "contourf") and n == 2048
            if n == 2048:
                ms[name][f"{n} first draw"] = 1e3 * first_draw(first, x, y, zs[0], rounds=1 if slow else 3)
            ms[name][f"{n} frame"] = 1e3 * frame_time(first, update, x, y, zs, SLOW_FRAMES if slow else FRAMES)
            if n == 512:
                ms[name][f"{n} blit"] = 1e3 * frame_time(first, update, x, y, zs, FRAMES, blit=True)
            print(f"{name:22s} {n}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in ms[name].items() if k.startswith(str(n))),
                  file=sys.stderr, flush=True)
            plt.close("all")
    cases = {"2048 first draw": "$2048^2$: first draw", "2048 frame": "$2048^2$: one frame (update + redraw)",
             "512 frame": "$512^2$: one frame", "512 blit": "$512^2$: one frame, blitted (update + draw the field only)"}
    ours = ms["mmfutils imcontourf"]
    columns = [f"{name}, ms (ratio)" for name in cands]
    rows = [[label] + [f"{ms[name][case]:.1f} ({ms[name][case] / ours[case]:.2f})" for name in cands]
            for case, label in cases.items()]
    record("plot", {"columns": columns, "rows": rows, "ms": ms, "frames": FRAMES, "slow_frames": SLOW_FRAMES},
           packages=("numpy", "matplotlib"),
           notes=f"Agg canvas 500x400 px; first draw: best of 3 (1 for pcolormesh and contourf at 2048^2); frame: "
                 f"median of {FRAMES} ({SLOW_FRAMES} for pcolormesh and contourf at 2048^2); ratio: theirs / ours.")


if __name__ == "__main__":
    main()
