"""Command-line commands, one module each; shared helpers for opening the database and reporting errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.errors import StoreError


def fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


@contextmanager
def opened(db_path: Path | None) -> Iterator[Database]:
    database = open_database(db_path)
    try:
        yield database
    finally:
        database.dispose()


def guarded(run: Callable[..., int]) -> Callable[..., int]:
    """Expected failures become a Chinese message on stderr and exit code 1; bugs still raise."""

    def wrapper(*args: object, **kwargs: object) -> int:
        try:
            return run(*args, **kwargs)
        except (StoreError, ServiceError) as error:
            return fail(f"错误：{error}")
        except KeyboardInterrupt:
            return fail("已取消，数据库未作改动。", 130)

    wrapper.__name__ = run.__name__
    wrapper.__doc__ = run.__doc__
    return wrapper
