"""Kernel code that reads a dashboard's task builder (``dash``) for ``wait_kernel``."""

#: the builder's arguments as the kernel has them; "not yet: <why>" while the browser's
#: last edit is still on its way (``kwargs()`` raises for an empty required field, and
#: ``wait_kernel`` would stop at an exception instead of waiting)
BUILDER_KWARGS = ("try:\n    print(dash.builder.kwargs())\n"
                  "except ValueError as error:\n    print('not yet:', error)")


def builder_kwargs_equal(expected: dict) -> str:
    """Kernel code printing True once the builder's arguments equal ``expected``."""
    return (f"try:\n    print(dash.builder.kwargs() == {expected!r})\n"
            "except ValueError as error:\n    print('not yet:', error)")
