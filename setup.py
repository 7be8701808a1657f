"""Builds the optional compiled accelerator (framing/_accel/*.c); everything else is in pyproject.toml.

Each C source is one extension module, `framing._accel.<name>`; `framing/accel.py` decides at run
time whether they are used. A compiler error is a warning, never an install failure: without
the extension, the pure-Python code (the reference the compiled code is tested against) runs.
"""
import os

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# One line per C source; framing/accel.py lists the same names (tests/test_accel.py checks).
ACCELERATED = ("tokens", "matcher", "punkt", "vader", "ngrams", "records", "cleanup")


class optional_build_ext(build_ext):
    """build_ext that downgrades a failed build of the accelerator to a warning."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # no compiler at all (setuptools raises before building)
            self._warn(exc)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._warn(exc, ext.name)

    def _warn(self, exc, name="the accelerator"):
        print(f"warning: could not build {name} ({exc}); framing will run its pure-Python code")


HEADERS = ["framing/_accel/ascii_lower.h", "framing/_accel/span_buffer.h", "framing/_accel/word_chars.h"]  # shared by several sources (MANIFEST.in puts it in the sdist)


def _extension(name):
    extra = os.environ.get("FRAMING_ACCEL_CFLAGS", "").split()  # e.g. -fsanitize=address for a test build
    return Extension(
        f"framing._accel.{name}", [f"framing/_accel/{name}.c"], depends=HEADERS,
        extra_compile_args=["-O2", *extra], extra_link_args=extra, optional=True,
    )


setup(ext_modules=[_extension(name) for name in ACCELERATED], cmdclass={"build_ext": optional_build_ext})
