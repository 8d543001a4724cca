"""Storage errors that are the environment's fault, not a bug: each carries a Chinese message for the user."""


class StoreError(Exception):
    """A problem with the database file that the user can act on."""


class DatabaseTooNew(StoreError):
    """The file was written by a newer version of the program."""


class DatabaseLocked(StoreError):
    """Another program holds the file."""


class NotADatabase(StoreError):
    """The file is not a SQLite database of ours."""


class DatabaseDamaged(StoreError):
    """The file's integrity check failed: it must not be written to."""


class DatabaseReadOnly(StoreError):
    """The file is open for reading only (a backup opened directly, or a damaged file)."""


class BackupFailed(StoreError):
    """A backup could not be written or did not check out; nothing of our backup name was left behind."""
