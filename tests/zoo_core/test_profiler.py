"""zoo_core.profiler (torch.profiler): op and block timings, schedules, Chrome traces."""
import json

import pytest

import zoo_core as zoo
from zoo_core.profiler import ProfilerAction, ProfilerActivity, profile, record_function, schedule


def _work():
    a = zoo.randn(32, 32, requires_grad=True)
    with record_function("model_forward"):
        y = (a @ a).relu().sum()
    y.backward()
    return y


def test_profile_table_counts_ops_and_blocks():
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        _work()
        _work()
    avgs = {e.key: e for e in prof.key_averages()}
    assert avgs["model_forward"].count == 2
    assert avgs["zoo::matmul"].count >= 2 and avgs["zoo::relu"].count >= 2
    fwd = avgs["model_forward"]
    assert fwd.cpu_time_total >= avgs["zoo::matmul"].cpu_time_total / 2   # the block contains the ops
    assert 0 <= fwd.self_cpu_time_total <= fwd.cpu_time_total
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=5)
    assert "Self CPU %" in table and "# of Calls" in table and table.count("\n") == 5 + 4
    # nothing is recorded outside the profile
    n = len(prof.events)
    _work()
    assert len(prof.events) == n


def test_schedule_and_trace_export(tmp_path):
    sched = schedule(wait=1, warmup=1, active=2, repeat=1)
    assert [sched(i) for i in range(5)] == [ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD,
                                           ProfilerAction.RECORD_AND_SAVE, ProfilerAction.NONE]
    traces = []
    with profile(schedule=sched, on_trace_ready=lambda p: traces.append(p.key_averages())) as prof:
        for _ in range(5):
            with record_function("step"):
                zoo.ones(4).sum()
            prof.step()
    assert len(traces) == 1
    assert {e.key: e.count for e in traces[0]}["step"] == 2   # the two active steps only
    path = tmp_path / "trace.json"
    with profile() as prof:
        _work()
    prof.export_chrome_trace(str(path))
    events = json.loads(path.read_text())["traceEvents"]
    assert any(e["name"] == "model_forward" and e["dur"] >= 0 for e in events)


def test_autograd_profiler_alias_and_decorator():
    @record_function("decorated")
    def f():
        return zoo.zeros(3).add(1)
    with zoo.autograd.profiler.profile() as prof:
        f()
    assert "decorated" in {e.key for e in prof.key_averages()}


def test_exception_inside_block_closes_events():
    with profile() as prof:
        with pytest.raises(RuntimeError):
            with record_function("bad"):
                zoo.ones(2, 3) @ zoo.ones(2, 3)
    assert all(e.end is not None for e in prof.events)


def test_review_no_lambda_or_genexpr_rows_and_nested_blocks_by_identity():
    with profile() as prof:
        with record_function("outer"):
            with record_function("outer"):   # same name nested: each block closes its own event
                zoo.ones(3) + 1
            zoo.ones(3) * 2
    names = {e.key: e.count for e in prof.key_averages()}
    assert names["outer"] == 2 and names["zoo::add"] == 1 and names["zoo::mul"] == 1
    assert not [k for k in names if k.startswith("zoo::<")]
    depth = {e.name: e.depth for e in prof.events if e.name in ("zoo::add", "zoo::mul")}
    assert depth == {"zoo::add": 2, "zoo::mul": 1}


def test_review_exit_during_active_phase_hands_trace_over():
    calls = []
    with profile(schedule=schedule(wait=0, warmup=0, active=3), on_trace_ready=calls.append) as prof:
        for _ in range(2):
            zoo.ones(2) + 1
            prof.step()
    assert len(calls) == 1 and any(e.name == "zoo::add" for e in calls[0].events)
    calls.clear()
    with profile(schedule=schedule(wait=1, warmup=1, active=1), on_trace_ready=calls.append) as prof:
        zoo.ones(2) + 1
        prof.step()   # now in warmup: nothing handed over at exit
    assert calls == []
