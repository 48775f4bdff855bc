"""The shared progress display: its line, where it prints, the success rate."""

from __future__ import annotations

import io

from genelab.rl.progress import IterationStats, TrainingProgress


def test_sparse_lines_off_a_terminal_with_success_rate_when_reported() -> None:
    stream = io.StringIO()
    progress = TrainingProgress(stream=stream, live=False, log_every=2)
    progress.start(first_iteration=0, total_iterations=5)
    for iteration in range(5):
        extra = {"success_rate": 0.8125} if iteration >= 2 else {}
        progress.update(IterationStats(iteration, env_steps=100 * (iteration + 1),
                                       mean_reward=1.5, mean_episode_length=None,
                                       extra=extra))
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert [line.split(" | ")[0] for line in lines] == ["it 1/5", "it 2/5", "it 4/5", "it 5/5"]
    first, last = lines[0].split(" | "), lines[-1].split(" | ")
    assert first[2:4] == ["reward 1.50", "ep len -"] and first[4].startswith("ETA ")
    assert last[4] == "success 81%" and last[5].startswith("ETA ")
    assert progress.last.iteration == 4
