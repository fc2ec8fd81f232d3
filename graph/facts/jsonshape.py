"""Shape checks for the JSON the project writes and reads back itself (the fact cache, the build memo).

Such a file that does not have the shape this version writes is stale or damaged; its reader catches
`Malformed` and treats the file as missing (the work is redone), so a bad file never becomes an error.
"""

from __future__ import annotations


class Malformed(Exception):
    """JSON that is not what this version writes."""


def as_list(item: object, size: int | None = None) -> list:
    if type(item) is not list or (size is not None and len(item) != size):
        raise Malformed
    return item


def as_dict(item: object) -> dict:
    if type(item) is not dict:
        raise Malformed
    return item


def as_str(item: object) -> str:
    if type(item) is not str:
        raise Malformed
    return item
