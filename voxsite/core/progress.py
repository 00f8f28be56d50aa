"""Progress bars for management commands (long work shows progress)."""

from tqdm import tqdm


class BarStream:
    """Lets tqdm draw on a command's stderr (so call_command(stderr=...) captures it) without
    the OutputWrapper adding a newline or error colouring to every redraw."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, style_func=lambda s: s, ending="")

    def flush(self):
        self.wrapper.flush()

    def isatty(self):
        return self.wrapper.isatty()


def command_bar(iterable, command, *, desc: str, unit: str, total: int | None = None, quiet: bool = False) -> tqdm:
    """A tqdm bar over `iterable` on `command`'s stderr; nothing when quiet."""
    return tqdm(iterable, desc=desc, unit=unit, total=total, disable=quiet, file=BarStream(command.stderr),
                leave=True, dynamic_ncols=False, ncols=80)
