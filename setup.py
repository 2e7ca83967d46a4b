"""Packaging for mmfutils: all metadata lives in settings.ini (nbdev's configuration)."""
from configparser import ConfigParser
from pathlib import Path

import setuptools

here = Path(__file__).resolve().parent
cfg = ConfigParser(delimiters=["="])
cfg.read(here / "settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

licenses = {"apache2": "Apache-2.0", "mit": "MIT", "gpl2": "GPL-2.0-only", "gpl3": "GPL-3.0-only",
            "bsd3": "BSD-3-Clause"}  # settings.ini names -> SPDX expressions
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable",
            "6 - Mature", "7 - Inactive"]
py_versions = [f"3.{minor}" for minor in range(10, 15)]
min_python = cfg["min_python"]

readme = here / "README.md"
extras = {key[: -len("_requirements")]: cfg[key].split()
          for key in cfg if key.endswith("_requirements") and key != "requirements"}
extras["dev"] = sorted({req for extra in cfg["dev_extras"].split() for req in extras[extra]})

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=readme.read_text(encoding="utf-8") if readme.exists() else cfg["description"],
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    url=cfg["git_url"],
    license=licenses[cfg["license"].lower()],
    keywords=cfg["keywords"].split(),
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"]) - 1],
        "Intended Audience :: " + cfg["audience"],
        "Natural Language :: " + cfg["language"],
        "Topic :: Scientific/Engineering",
    ] + ["Programming Language :: Python :: " + v for v in py_versions[py_versions.index(min_python):]],
    packages=setuptools.find_packages(include=[cfg["lib_path"], cfg["lib_path"] + ".*"]),
    include_package_data=True,
    python_requires=">=" + min_python,
    install_requires=cfg["requirements"].split(),
    extras_require=extras,
    zip_safe=False,
    entry_points={"nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
