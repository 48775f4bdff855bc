"""The profiler hook's schedule parsing and rank handling (traces: tests/test_cli_*)."""

from __future__ import annotations

import pytest
from genelab.errors import GenelabError
from genelab.profiling import ProfileSchedule, profile_request


def test_schedule_parses_four_counts_or_defaults() -> None:
    assert ProfileSchedule.parse("") == ProfileSchedule(10, 5, 10, 1)
    assert ProfileSchedule.parse(" 0,1,2,0 ") == ProfileSchedule(0, 1, 2, 0)
    assert ProfileSchedule.parse("2,2,3,1").first_trace_step == 7
    for bad in ("1,2,3", "a,b,c,d", "1,1,0,1", "-1,1,1,1", "1,2,3,4,5"):
        with pytest.raises(GenelabError, match="wait,warmup,active,repeat"):
            ProfileSchedule.parse(bad)


def test_request_comes_from_the_flag_or_the_environment_on_rank_0(monkeypatch, tmp_path
                                                                  ) -> None:
    monkeypatch.delenv("GENELAB_PROFILE", raising=False)
    monkeypatch.delenv("GENELAB_PROFILE_OUT", raising=False)
    assert profile_request(False) is None
    assert profile_request(True).bridge(tmp_path).output == tmp_path / "profiler"
    monkeypatch.setenv("GENELAB_PROFILE", "1")
    monkeypatch.setenv("GENELAB_PROFILE_OUT", str(tmp_path / "traces"))
    assert profile_request(False).bridge(tmp_path).output == tmp_path / "traces"
    monkeypatch.setenv("RANK", "1")  # only rank 0 profiles a multi-process run
    assert profile_request(True) is None
