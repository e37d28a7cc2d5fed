"""Client secrets rotate with overlap, deterministically, and never cut off a consumer early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from components.app_registration import NOTHING_TO_REVOKE_MESSAGE
from components.secret_rotation import plan_rotation
from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import rfc3339
from mock_engine.engine import ProgramRun, run_program
from tests.engine_state import EngineState

PASSWORD = types.APPLICATION_PASSWORD
DAY = 86_400
START = 1_790_000_000


def run_at(monkeypatch: pytest.MonkeyPatch, moment: int, **settings: Any) -> ProgramRun:
    """One `pulumi up` at ``moment`` that must succeed; ``settings`` as for ``try_at``."""
    run = try_at(monkeypatch, moment, **settings)
    assert run.error is None
    return run


def try_at(
    monkeypatch: pytest.MonkeyPatch,
    moment: int,
    lifetime_days: int = 10,
    version: int = 1,
    revoke: str | None = None,
) -> ProgramRun:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(moment))
    config = {
        "privilege-secure-entra:secretLifetimeDays": str(lifetime_days),
        "privilege-secure-entra:secretVersion": str(version),
    }
    if revoke is not None:
        config["privilege-secure-entra:revokePreviousSecret"] = revoke
    return run_program(config)


def parse(moment: str) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@pytest.mark.parametrize("lifetime_days", [1, 7, 180, 365])
def test_plan_overlaps_by_half_a_lifetime(lifetime_days: int) -> None:
    now = datetime.fromtimestamp(START, UTC)
    plan = plan_rotation(now, lifetime_days)
    lifetime = timedelta(days=lifetime_days)
    assert plan.newest.issued_for <= now < plan.rotates_at
    assert plan.rotates_at - plan.newest.issued_for == lifetime / 2
    assert plan.newest.end_date - plan.newest.issued_for == lifetime
    assert plan.previous.end_date - plan.previous.issued_for == lifetime
    assert plan.previous.end_date == plan.rotates_at > now
    assert plan.newest.end_date - now >= lifetime / 2
    assert {plan.newest.label, plan.previous.label} == {"a", "b"}


def test_a_new_window_starts_exactly_at_rotates_at() -> None:
    plan = plan_rotation(datetime.fromtimestamp(START, UTC), 10)
    next_plan = plan_rotation(plan.rotates_at, 10)
    just_before = plan_rotation(plan.rotates_at - timedelta(seconds=1), 10)
    assert just_before == plan
    assert next_plan.newest.issued_for == plan.rotates_at
    assert next_plan.previous == plan_rotation(plan.rotates_at, 10).previous
    assert next_plan.previous.label == plan.newest.label
    assert next_plan.previous.end_date == plan.newest.end_date


def test_rfc3339_is_utc_with_z() -> None:
    assert rfc3339(datetime.fromtimestamp(0, UTC)) == "1970-01-01T00:00:00Z"


def test_two_runs_in_one_window_declare_identical_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_at(monkeypatch, START)
    rotates_at = parse(first.outputs["clientSecretRotatesAt"].value)
    later = int(rotates_at.timestamp()) - 1
    second = run_at(monkeypatch, later)
    assert later - START > DAY  # the two runs are far apart, yet in the same window
    assert sorted((r.name, repr(r.inputs), r.ignore_changes) for r in first.resources) == sorted(
        (r.name, repr(r.inputs), r.ignore_changes) for r in second.resources
    )


def test_outputs_name_the_newest_secret_and_the_next_rotation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = run_at(monkeypatch, START, lifetime_days=10)
    plan = plan_rotation(datetime.fromtimestamp(START, UTC), 10)
    assert run.outputs["clientSecretExpiresAt"].value == rfc3339(plan.newest.end_date)
    assert run.outputs["clientSecretRotatesAt"].value == rfc3339(plan.rotates_at)
    newest = run.named(f"privilege-secure-client-secret-{plan.newest.label}")
    assert run.outputs["clientSecret"].value == newest.outputs["value"]
    assert newest.ignore_changes == ()
    previous = run.named(f"privilege-secure-client-secret-{plan.previous.label}")
    assert set(previous.ignore_changes) == set(previous.inputs) - {"applicationId"}


def test_daily_updates_over_many_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """`pulumi up` every day for 40 days with a 10-day lifetime, raising secretVersion twice."""
    engine = EngineState()
    version = 1
    newest_before: str | None = None
    window_before: str | None = None
    replacements_seen = 0
    windows_seen = set()
    for day in range(40):
        now = START + day * DAY
        if day in (12, 24):
            version += 1  # a leaked secret: replace the newest now
        run = run_at(monkeypatch, now, lifetime_days=10, version=version)
        secrets = run.of_type(PASSWORD)
        changed = engine.update(secrets)
        plan = plan_rotation(datetime.fromtimestamp(now, UTC), 10)
        newest = f"privilege-secure-client-secret-{plan.newest.label}"
        window = rfc3339(plan.newest.issued_for)
        windows_seen.add(window)

        assert len(secrets) == 2
        if day == 0:
            assert len(changed) == 2
        else:
            new_window = window != window_before
            assert not (new_window and day in (12, 24)), "keep bumps apart from new windows"
            expected = {newest} if new_window or day in (12, 24) else set()
            assert changed == expected, f"day {day}"
            replacements_seen += len(changed)
        if window != window_before and newest_before is not None:
            # The secret that was newest became the previous one, and was left alone.
            assert newest_before not in changed
        # Both secrets are valid now; the newest has at least half a lifetime left.
        moment = datetime.fromtimestamp(now, UTC)
        for name, inputs in engine.inputs.items():
            end = parse(str(inputs["endDate"]))
            assert end > moment, f"{name} expired on day {day}"
            issued_for = parse(str(inputs["rotateWhenChanged"]["issuedFor"]))  # type: ignore[index]
            assert end - issued_for == timedelta(days=10)
        newest_end = parse(str(engine.inputs[newest]["endDate"]))
        assert newest_end - moment >= timedelta(days=5)
        assert run.outputs["clientSecretExpiresAt"].value == engine.inputs[newest]["endDate"]
        newest_before, window_before = newest, window
    # One replacement per new window and one per version bump, and nothing else.
    assert replacements_seen == len(windows_seen) - 1 + 2
    assert len(windows_seen) >= 40 // 5


def test_raising_secret_version_replaces_only_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = EngineState()
    engine.update(run_at(monkeypatch, START, version=1).of_type(PASSWORD))
    plan = plan_rotation(datetime.fromtimestamp(START, UTC), 10)
    changed = engine.update(run_at(monkeypatch, START + 60, version=2).of_type(PASSWORD))
    assert changed == {f"privilege-secure-client-secret-{plan.newest.label}"}


def test_a_version_raised_while_previous_never_touches_that_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = EngineState()
    plan = plan_rotation(datetime.fromtimestamp(START, UTC), 10)
    previous = f"privilege-secure-client-secret-{plan.previous.label}"
    engine.update(run_at(monkeypatch, START, version=1).of_type(PASSWORD))
    remembered = dict(engine.inputs[previous])
    for version in (2, 3, 4):
        changed = engine.update(
            run_at(monkeypatch, START + version, version=version).of_type(PASSWORD)
        )
        assert previous not in changed
    assert engine.inputs[previous] == remembered


@pytest.mark.parametrize("day", range(0, 90, 9))
def test_changing_the_lifetime_is_a_forced_rotation_of_one_secret(
    monkeypatch: pytest.MonkeyPatch, day: int
) -> None:
    """The README's promise: a lifetime change replaces exactly one secret, never both.

    Which one depends on how the new windows fall (about half the time the newest, otherwise the
    previous), so it is documented as a forced rotation, like raising ``secretVersion``.
    """
    engine = EngineState()
    moment = START + day * DAY
    engine.update(run_at(monkeypatch, moment, lifetime_days=180).of_type(PASSWORD))
    changed = engine.update(run_at(monkeypatch, moment + 60, lifetime_days=90).of_type(PASSWORD))
    assert len(changed) == 1
    replaced = next(iter(changed))
    plan = plan_rotation(datetime.fromtimestamp(moment + 60, UTC), 90)
    # The replacement is the new lifetime's newest secret; the other keeps its own end date.
    assert replaced == f"privilege-secure-client-secret-{plan.newest.label}"
    assert engine.inputs[replaced]["endDate"] == rfc3339(plan.newest.end_date)


@pytest.mark.parametrize("lifetime_days", [1, 2, 7, 90, 180, 364, 365])
def test_the_newest_secret_never_ends_beyond_one_lifetime_from_now(lifetime_days: int) -> None:
    """So every lifetime the program accepts passes the pack's maxLifetimeDays on every day."""
    lifetime = timedelta(days=lifetime_days)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in range(0, 24 * 2 * lifetime_days + 1, 7):
        now = start + timedelta(hours=hours)
        plan = plan_rotation(now, lifetime_days)
        assert now < plan.newest.end_date <= now + lifetime, (now, plan)


def slot_name(label: str) -> str:
    return f"privilege-secure-client-secret-{label}"


def test_revoking_the_previous_secret_deletes_it_at_once_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = EngineState()
    first = run_at(monkeypatch, START)
    engine.update(first.resources)
    plan = plan_rotation(datetime.fromtimestamp(START, UTC), 10)
    newest_before = dict(engine.inputs[slot_name(plan.newest.label)])
    # The runbook: the leaked previous secret ends when the window does.
    leaked_end = first.outputs["clientSecretRotatesAt"].value
    assert leaked_end == rfc3339(plan.previous.end_date)

    run = run_at(monkeypatch, START + 60, revoke=leaked_end)
    changed = engine.update(run.resources)
    assert engine.deleted == {slot_name(plan.previous.label)}
    assert changed == set()
    assert engine.inputs[slot_name(plan.newest.label)] == newest_before
    assert run.outputs["clientSecret"].value == first.outputs["clientSecret"].value
    assert [p.name for p in run.of_type(PASSWORD)] == [slot_name(plan.newest.label)]


def test_a_revocation_left_in_config_is_safe_across_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Daily `pulumi up` for 40 days with a 10-day lifetime; a leak revoked on day 2 stays set."""
    engine = EngineState()
    revoke: str | None = None
    revoked_window: str | None = None
    window_before: str | None = None
    for day in range(40):
        now = START + day * DAY
        plan = plan_rotation(datetime.fromtimestamp(now, UTC), 10)
        window = rfc3339(plan.newest.issued_for)
        if day == 2:
            revoke, revoked_window = rfc3339(plan.previous.end_date), window
        run = run_at(monkeypatch, now, revoke=revoke)
        changed = engine.update(run.of_type(PASSWORD))
        newest, previous = slot_name(plan.newest.label), slot_name(plan.previous.label)
        # The newest secret is never deleted, and only replaced when a new window starts.
        assert newest in engine.inputs
        assert newest not in engine.deleted
        if day > 0:
            assert changed == ({newest} if window != window_before else set()), f"day {day}"
        if window == revoked_window and day >= 2:
            assert previous not in engine.inputs, f"day {day}: the revoked secret is back"
            assert engine.deleted == ({previous} if day == 2 else set())
        else:
            assert previous in engine.inputs, f"day {day}: a secret was lost"
            assert engine.deleted == set()
        window_before = window
    assert revoked_window is not None
    assert window_before != revoked_window


def test_a_revocation_never_touches_the_newest_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = plan_rotation(datetime.fromtimestamp(START, UTC), 10)
    run = try_at(monkeypatch, START, revoke=rfc3339(plan.newest.end_date))
    assert run.error == (
        f"revokePreviousSecret: got '{rfc3339(plan.newest.end_date)}', the end date of the "
        "newest client secret, which it never revokes; raise secretVersion to replace the newest"
    )
    assert run.resources == []


@pytest.mark.parametrize("offset", [timedelta(seconds=1), timedelta(days=30)])
def test_a_revocation_naming_no_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, offset: timedelta
) -> None:
    plan = plan_rotation(datetime.fromtimestamp(START, UTC), 10)
    wrong = rfc3339(plan.previous.end_date + offset)
    run = try_at(monkeypatch, START, revoke=wrong)
    assert run.error is not None
    assert run.error.startswith(f"revokePreviousSecret: got '{wrong}', the end date of no ")
    assert f"allowed: {rfc3339(plan.previous.end_date)} (the previous" in run.error
    assert "\n" not in run.error
    assert run.resources == []


def test_a_stale_revocation_says_nothing_was_revoked_and_which_value_to_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A date copied from the portal after a lifetime change can be earlier than the previous
    secret's: the message must not read as "done", and must name the output to copy."""
    run = run_at(monkeypatch, START, revoke="2020-01-01T00:00:00Z")
    assert len(run.of_type(PASSWORD)) == 2  # nothing was deleted
    assert [message for _, message in run.logs if "revokePreviousSecret" in message] == [
        NOTHING_TO_REVOKE_MESSAGE
    ]
    assert "nothing was revoked" in NOTHING_TO_REVOKE_MESSAGE
    assert "the value of the stack output clientSecretRotatesAt" in NOTHING_TO_REVOKE_MESSAGE
    assert "never the portal's Expires" in NOTHING_TO_REVOKE_MESSAGE
    assert "\n" not in NOTHING_TO_REVOKE_MESSAGE
    assert run.warnings == []  # the key left in place after a rotation (README) stays quiet
