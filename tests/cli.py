"""Run the real `veille` entry point in-process and capture what a user sees."""

from __future__ import annotations

from dataclasses import dataclass

from veille.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(capsys, *args: str) -> Result:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
