"""JSON encoding for the engine's hot paths (state journal, report lines,
contract hashes).

:meth:`json.JSONEncoder.encode` makes a new C encoder object on every call;
a build of many contracts encodes several small documents per contract, so
:func:`make_encoder` makes that object once and reuses it. The text is the
same as ``json.JSONEncoder(separators=..., ensure_ascii=..., default=...)
.encode`` (sorted keys and indentation are not supported; circular
references are not checked: the engine encodes trees).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any


def _no_default(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def make_encoder(
    *,
    item_separator: str = ",",
    key_separator: str = ":",
    ensure_ascii: bool = False,
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """A function ``obj -> JSON text``."""
    encode_str = _encoder.encode_basestring_ascii if ensure_ascii else _encoder.encode_basestring
    make_c = getattr(_encoder, "c_make_encoder", None)
    if make_c is None:  # no C accelerator (e.g. PyPy): the standard encoder
        return json.JSONEncoder(separators=(item_separator, key_separator),
                                ensure_ascii=ensure_ascii, default=default).encode
    c_encode = make_c(None, default or _no_default, encode_str, None, key_separator,
                      item_separator, False, False, True)

    def encode(obj: Any) -> str:
        if isinstance(obj, str):
            return str(encode_str(obj))
        return "".join(c_encode(obj, 0))

    return encode


__all__ = ["make_encoder"]
