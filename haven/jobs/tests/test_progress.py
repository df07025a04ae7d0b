"""ProgressBar: redrawn in place on a terminal (five times a second at most), plain
lines into a file or a pipe."""

import io

from haven.jobs.progress import ProgressBar


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_line_is_redrawn_in_place_at_most_five_times_a_second():
    clock, out = Clock(), Terminal()
    bar = ProgressBar(1000, label="rows", stream=out, clock=clock)
    for _ in range(10):  # ten chunks within 0.1 s: one drawing
        clock.now += 0.01
        bar.advance(10)
    assert out.getvalue().count("\r") == 1
    clock.now += 0.9  # a second after the start, 300 rows later
    bar.advance(200)
    assert out.getvalue().count("\r") == 2
    assert out.getvalue().endswith("\rrows: 300/1,000 (30%), 300/s\x1b[K")
    bar.finish()
    assert out.getvalue().endswith("\rrows: 300/1,000 (30%), 300/s\x1b[K\n")


def test_pipe_gets_plain_lines_every_ten_seconds():
    clock, out = Clock(), io.StringIO()
    with ProgressBar(50, label="cases", stream=out, clock=clock) as bar:
        for _ in range(50):
            clock.now += 1
            bar.advance()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines[0] == "cases: 1/50 (2%), 1/s"
    assert lines[1] == "cases: 11/50 (22%), 1/s"
    assert lines[-1] == "cases: 50/50 (100%), 1/s"
    assert len(lines) == 6  # 1, 11, 21, 31, 41 and the final count


def test_unknown_total_shows_the_count():
    clock, out = Clock(), io.StringIO()
    bar = ProgressBar(None, stream=out, clock=clock)
    clock.now += 2
    bar.advance(4000)
    assert out.getvalue() == "4,000, 2,000/s\n"
