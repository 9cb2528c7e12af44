"""A small Function App for the local host's own tests: one of each trigger the host must run.

Activities append a line to ``{SCOUT_DATA_DIR}/executions.log`` so tests count real executions;
``slow`` waits until the file ``{SCOUT_DATA_DIR}/release-slow`` exists, so a test can kill the
host while it runs.
"""

import asyncio
import json
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
CONCURRENT = 20
arrivals = threading.Barrier(CONCURRENT, timeout=15)
SHIFTY = ["add_one"]
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=100, max_number_of_attempts=4)


def data_dir() -> Path:
    return Path(os.environ["SCOUT_DATA_DIR"])


def record(line: str) -> None:
    with (data_dir() / "executions.log").open("a") as fh:
        fh.write(line + "\n")


def executions(prefix: str) -> int:
    path = data_dir() / "executions.log"
    return sum(1 for line in path.read_text().splitlines() if line.startswith(prefix)) if path.exists() else 0


# --- HTTP --------------------------------------------------------------------------------------
@app.route(route="echo/{id:int}/{name?}", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
def echo(req: func.HttpRequest) -> func.HttpResponse:
    body = {
        "method": req.method,
        "route": dict(req.route_params),
        "params": dict(req.params),
        "header": req.headers.get("x-test"),
        "body": req.get_body().decode(),
    }
    return func.HttpResponse(
        json.dumps(body), status_code=201, mimetype="application/json", headers={"X-Echo": "1"}
    )


@app.route(route="keyed", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def keyed(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return func.HttpResponse(f"function level ok ({context.function_name})")


@app.route(route="admin-only", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def admin_only(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("admin level ok")


@app.route(route="together", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def together(req: func.HttpRequest) -> func.HttpResponse:
    """Answers 200 only once CONCURRENT requests are inside the function at the same time."""
    try:
        arrivals.wait()
    except threading.BrokenBarrierError:
        return func.HttpResponse("not concurrent", status_code=503)
    return func.HttpResponse("together")


@app.route(route="async-sleep", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def async_sleep(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(float(req.params.get("s", "0.5")))
    return func.HttpResponse("slept")


@app.route(route="boom", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom")


@app.route(route="start/{name}/{instance?}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_body()
    instance_id = await client.start_new(
        req.route_params["name"], req.route_params.get("instance"), json.loads(body) if body else None
    )
    return client.create_check_status_response(req, instance_id)


@app.route(route="raise/{instance}/{event}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@app.durable_client_input(client_name="client")
async def raise_event(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    await client.raise_event(
        req.route_params["instance"], req.route_params["event"], json.loads(req.get_body())
    )
    return func.HttpResponse(status_code=202)


@app.route(route="status/{instance}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@app.durable_client_input(client_name="client")
async def status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    found = await client.get_status(req.route_params["instance"])
    body = {"status": found.runtime_status.value if found.runtime_status else None, "output": found.output}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


# --- timer -------------------------------------------------------------------------------------
@app.timer_trigger(schedule="*/2 * * * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
def tick(timer: func.TimerRequest) -> None:
    record(f"tick past_due={timer.past_due} next={bool(timer.schedule_status.get('Next'))}")


# --- orchestrations ----------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def pipeline(context: df.DurableOrchestrationContext):
    """3 chained activities, a fan-out of 10, and an activity that fails twice then succeeds."""
    first = yield context.call_activity("add_one", 1)
    second = yield context.call_activity("add_one", first)
    third = yield context.call_activity("slow", second)
    context.set_custom_status({"stage": "fan-out"})
    squares = yield context.task_all([context.call_activity("square", i) for i in range(10)])
    flaky = yield context.call_activity_with_retry("flaky", RETRY, context.instance_id)
    return {"chain": [first, second, third], "squares": squares, "flaky": flaky}


@app.orchestration_trigger(context_name="context")
def stress(context: df.DurableOrchestrationContext):
    """24 short activities fanned out, then 8 chained: many moments to be killed at."""
    squares = yield context.task_all([context.call_activity("slow_square", i) for i in range(24)])
    total = 0
    for value in squares[:8]:
        total = yield context.call_activity("add_to", [total, value])
    return total


@app.orchestration_trigger(context_name="context")
def mirror(context: df.DurableOrchestrationContext):
    return context.get_input()


@app.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext):
    """Counts to 3 by continuing as new; each execution has a fresh history."""
    n = context.get_input() or 0
    if n < 3:
        yield context.call_activity("add_one", n)
        context.continue_as_new(n + 1)
        return None
    return n


@app.orchestration_trigger(context_name="context")
def parent_retrying_child(context: df.DurableOrchestrationContext):
    result = yield context.call_sub_orchestrator_with_retry("flaky_child", RETRY, context.instance_id)
    return result


@app.orchestration_trigger(context_name="context")
def flaky_child(context: df.DurableOrchestrationContext):
    """Fails (its activity does, without retry) until the third child instance."""
    result = yield context.call_activity("flaky", context.get_input())
    return result


@app.orchestration_trigger(context_name="context")
def shifty(context: df.DurableOrchestrationContext):
    """Asks for a different activity on replay when a test flips SHIFTY: the host must notice."""
    yield context.call_activity(SHIFTY[0], 1)
    yield context.call_activity("add_one", 2)
    return "done"


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    decision = yield context.wait_for_external_event("decision")
    return {"decision": decision}


@app.orchestration_trigger(context_name="context")
def approval_with_deadline(context: df.DurableOrchestrationContext):
    deadline = context.create_timer(context.current_utc_datetime + timedelta(seconds=30))
    decision = context.wait_for_external_event("decision")
    winner = yield context.task_any([decision, deadline])
    if winner == decision:
        deadline.cancel()
        return decision.result
    return "timed out"


@app.orchestration_trigger(context_name="context")
def napper(context: df.DurableOrchestrationContext):
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=1))
    return "rested"


@app.orchestration_trigger(context_name="context")
def where_activities_run(context: df.DurableOrchestrationContext):
    info = yield context.call_activity("process_info", None)
    return info


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    child = yield context.call_sub_orchestrator("napper")
    return {"child": child}


@app.orchestration_trigger(context_name="context")
def doomed(context: df.DurableOrchestrationContext):
    yield context.call_activity_with_retry("always_fails", df.RetryOptions(50, 2), None)
    return "unreachable"


@app.activity_trigger(input_name="value")
def add_one(value: int) -> int:
    record(f"add_one {value}")
    return value + 1


@app.activity_trigger(input_name="value")
def square(value: int) -> int:
    record(f"square {value}")
    return value * value


@app.activity_trigger(input_name="value")
def slow(value: int) -> int:
    record(f"slow-start {value}")
    deadline = time.monotonic() + 60
    while not (data_dir() / "release-slow").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    record(f"slow-end {value}")
    return value * 10


@app.activity_trigger(input_name="value")
def slow_square(value: int) -> int:
    time.sleep(0.15)
    record(f"slow_square {value}")
    return value * value


@app.activity_trigger(input_name="pair")
def add_to(pair: list[int]) -> int:
    time.sleep(0.05)
    record(f"add_to {pair}")
    return pair[0] + pair[1]


@app.activity_trigger(input_name="key")
def flaky(key: str) -> str:
    record(f"flaky {key}")
    if executions(f"flaky {key}") < 3:
        raise RuntimeError("transient failure")
    return "recovered"


@app.activity_trigger(input_name="unused")
def always_fails(unused: None) -> None:
    record("always_fails")
    raise ValueError("permanent failure")


@app.activity_trigger(input_name="unused")
def process_info(unused: None) -> dict[str, int]:
    return {"pid": os.getpid(), "ppid": os.getppid(), "nice": os.nice(0)}


@app.activity_trigger(input_name="key")
def exit_once(key: str) -> str:
    """Ends the process it runs in the first time (a worker crash), returns the second time."""
    record(f"exit_once {key}")
    if executions(f"exit_once {key}") < 2:
        os._exit(3)
    return "survived"
