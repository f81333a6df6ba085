"""The package build: setup.cfg declares everything; here the catalogues are compiled.

The Indonesian catalogues (.po) are kept in the repository and compiled to .mo by
the build, never by hand: `pip install .` runs this for an installed copy, and
`make` runs `python -m sync.catalogues compile` for the working tree.
"""
import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildWithCatalogues(build_py):
    def run(self):
        sys.path.insert(0, HERE)
        from sync.catalogues import compile_all
        compile_all()
        self.__dict__.pop("data_files", None)     # list the package data again, .mo included
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
