"""The package build: setup.cfg declares everything; here the catalogues are compiled.

The Indonesian catalogues (.po) are kept in the repository and compiled to .mo by
the build, never by hand: `pip install .` runs this for an installed copy, and
`make` runs `python -m sync.catalogues compile` for the working tree.
"""
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    def run(self):
        from sync.catalogues import compile_all
        compile_all()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
