"""Sphinx configuration for the skrom documentation."""

import os

import skrom

project = "skrom"
author = "skrom developers"
copyright = "2026, skrom developers"
release = skrom.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True


def _reexports():
    """Public names that re-export a class of :mod:`skrom.exceptions`.

    The reference lists them where a user meets them too (``skrom``,
    ``skrom.datasets``), but describes each class once, in
    ``skrom.exceptions``: the other pages are not indexed, so Sphinx sees
    no duplicate description.
    """
    import importlib

    import skrom.exceptions

    out = []
    for name in ("skrom", "skrom.datasets"):
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if isinstance(obj, type) and getattr(skrom.exceptions, attr, None) is obj:
                out.append(f"{name}.{attr}")
    return out


autosummary_context = {"skrom_reexports": _reexports()}
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_theme = "pydata_sphinx_theme"
html_title = f"skrom {release}"

intersphinx_mapping = {}  # no network at build time

# SKROM_DOC_QUICK=1 (set by CI) runs every example at its small settings;
# the examples read it themselves.
os.environ.setdefault("SKROM_DOC_QUICK", "0")

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skrom",),
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "abort_on_example_error": True,
    "plot_gallery": os.environ.get("SKROM_DOC_PLOT_GALLERY", "True"),
}
