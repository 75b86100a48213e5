"""Tests of `multilabeltext serve`: the real server over HTTP on 127.0.0.1 (a package, so its conftest can import the suite conftest)."""
