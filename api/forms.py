"""What a browser's form posts, read strictly: a field whose bytes are not UTF-8 (a lone
surrogate's encoding, say) is refused with its name, never stored as replacement
characters the customer did not write (Starlette's own parser replaces them)."""

from __future__ import annotations

from urllib.parse import unquote_plus, unquote_to_bytes

from fastapi import Request

from tickets.errors import Invalid, Problem

URLENCODED = "application/x-www-form-urlencoded"


async def text_problem_of(request: Request) -> Invalid | None:
    """``Invalid`` naming each field of a urlencoded body that is not UTF-8 text (multipart
    fields are left to the form parser: browsers send them as UTF-8). Call it before
    ``request.form()``, which consumes the body."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != URLENCODED:
        return None
    problems = []
    for pair in (await request.body()).split(b"&"):
        name, _, value = pair.partition(b"=")
        field = unquote_plus(name.decode("latin-1"), errors="replace")
        try:
            unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(("body", field),
                                    "text is not valid UTF-8 (a lone surrogate, say)"))
    return Invalid(problems) if problems else None
