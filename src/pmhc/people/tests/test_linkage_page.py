"""The linkage page: a keeper asks for a run, the page shows its stage and percent while it
runs and what it found when it is done; an import of people queues a run by itself."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.people.identity_models import LinkageRun, LinkageRunMode, LinkageRunStatus
from pmhc.people.tasks import run_linkage_task
from pmhc.people.tests.identity_world import build, member
from pmhc.platform.models import Role

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def test_a_keeper_runs_linkage_and_follows_its_progress(cast: Cast) -> None:
    world = build(cast)
    client = cast.client(world.case_manager)
    url = reverse("people_linkage")
    assert "Linkage has not run yet." in client.get(url).content.decode()
    response = client.post(url, {"action": "run", "mode": "full"})
    assert response.status_code == 302
    run = LinkageRun.objects.get()
    assert (run.mode, run.status) == (LinkageRunMode.FULL, LinkageRunStatus.QUEUED)
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Waiting to start" in page
    # A second click joins the run already waiting.
    client.post(url, {"action": "run", "mode": "full"})
    assert LinkageRun.objects.count() == 1
    LinkageRun.objects.filter(pk=run.pk).update(
        status=LinkageRunStatus.RUNNING, stage="Scoring pairs", percent=40
    )
    partial = client.get(url, headers=HX)
    assert partial.status_code == 200
    assert 'value="40"' in partial.content.decode() and "Scoring pairs" in partial.content.decode()
    LinkageRun.objects.filter(pk=run.pk).update(status=LinkageRunStatus.QUEUED)
    assert run_linkage_task.call(run.pk) == LinkageRunStatus.DONE
    done = client.get(url, headers=HX)
    # htmx stops asking once the run is over.
    assert done.status_code == 286
    assert "records compared" in done.content.decode()
    assert "hx-trigger" not in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["officer", "admin", "outsider"])
def test_others_cannot_run_linkage(cast: Cast, who: str) -> None:
    user = {
        "officer": cast.colleague,
        "admin": cast.admin,
        "outsider": member(cast, Role.CASE_MANAGER, "elsewhere", cast.outsider_org),
    }[who]
    response = cast.client(user).post(reverse("people_linkage"), {"action": "run", "mode": "full"})
    assert response.status_code == (302 if who == "outsider" else 404)
    # The outsider's run is their own organization's, never the agency's.
    assert not LinkageRun.objects.filter(organization=cast.agency).exists()


def test_an_import_queues_linkage_of_the_new_records(cast: Cast) -> None:
    client = cast.client(cast.member)
    upload = SimpleUploadedFile(
        "people.csv", b"external_id,family_name,given_name\nA-1,Vale,Robin\n", "text/csv"
    )
    response = client.post(reverse("people_import"), {"file": upload})
    assert response.status_code == 302 and response["Location"] == reverse("people_linkage")
    run = LinkageRun.objects.get(organization=cast.agency)
    assert run.mode == LinkageRunMode.INCREMENTAL and run.status == LinkageRunStatus.QUEUED
