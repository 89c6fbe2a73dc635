"""The background task runner: jobs after jobs on its one worker thread may use pyproj."""
from __future__ import annotations

from desktop.tasks import TaskRunner


def test_pyproj_in_one_job_after_another(qtbot, qapp):
    """Each job on the Qt worker thread runs in a new Python thread state; pyproj 3.7 freed
    the thread's PROJ context with the first one and the second crashed the process."""
    from core.patrol_places import line_length_m

    runner = TaskRunner()
    line = [[112.08, 32.68], [112.09, 32.69]]
    lengths: list[float] = []
    expected = line_length_m(line)  # and the GUI thread uses pyproj too, in between
    for _ in range(3):
        with qtbot.waitCallback() as done:
            runner.submit(lambda: line_length_m(line), done)
        lengths.append(done.args[0])
        line_length_m(line)
    runner.close()
    assert lengths == [expected] * 3
