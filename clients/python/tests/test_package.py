"""The package itself: installed where pip put it, importable without extras."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import unittest

import dossier
from dossier import parse_date, parse_time


class Package(unittest.TestCase):
    def test_installed_by_pip(self) -> None:
        # TestPythonClient installs the package into a fresh venv: the
        # tests must exercise that copy, not the source tree.
        if os.environ.get("DOSSIER_EXPECT_INSTALLED"):
            self.assertTrue(dossier.__file__.startswith(sys.prefix), (dossier.__file__, sys.prefix))
            self.assertIn("site-packages", dossier.__file__)
        self.assertTrue(dossier.__version__)

    def test_times(self) -> None:
        t = parse_time("2026-12-07T04:13:38.024590123Z")
        self.assertEqual(t, dt.datetime(2026, 12, 7, 4, 13, 38, 24590, tzinfo=dt.timezone.utc))
        self.assertEqual(parse_time("2020-08-03T00:00:00+02:00").utcoffset(), dt.timedelta(hours=2))
        self.assertEqual(parse_time("2020-08-03T10:00:00Z").microsecond, 0)
        self.assertIsNone(parse_time(None))
        self.assertEqual(parse_date("2020-06-30"), dt.date(2020, 6, 30))
        with self.assertRaises(ValueError):
            parse_time("yesterday")

    def test_module_usage(self) -> None:
        p = subprocess.run([sys.executable, "-m", "dossier"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage", p.stderr)


if __name__ == "__main__":
    unittest.main()
