"""The change feed (GET /api/v1/dossiers?changed_since=...), on SQLite and PostgreSQL:
every change listed once in commit order, with its documents, filtered by unit and
status; transactions that commit out of order on PostgreSQL; writers and a paging
client at the same time; migration 0005 over rows stored before it."""

from __future__ import annotations

import random
import threading
from datetime import date
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, update

from models import Dossier
from models.migrate import alembic_config, upgrade
from service import feed
from service.citizens import reuse_document
from service.context import Services
from service.errors import InvalidInputError
from service.records import parse_record, upsert_record
from service.review import correct_field
from tests.service_fixtures import Keys
from tests.test_search import add_document, add_dossier

UNIT_A = "UBND phường Láng"
UNIT_B = "UBND xã Tân Lập"


def page(services: Services, since: feed.Position = feed.START, **filters: Any) -> feed.FeedPage:
    with services.sessions() as session:
        return feed.changed_dossiers(session, since, **filters)


def drain(services: Services, since: feed.Position = feed.START, **filters: Any):
    """Every page from `since` on: (codes in order, the last cursor)."""
    codes: list[str] = []
    while True:
        got = page(services, since, **filters)
        codes += [item.dossier.code for item in got.items]
        assert got.next >= since
        since = got.next
        if not got.more:
            return codes, since


def put_record(services: Services, code: str, **values: Any) -> None:
    with services.writes.begin() as session:
        upsert_record(session, parse_record({"dossier_code": code, **values}))


def test_pages_list_every_dossier_once_in_order_of_change(services: Services) -> None:
    codes = [f"H12-{n:04d}" for n in range(23)]
    for code in codes:
        add_dossier(services, code, receiving_unit=UNIT_A, status="received")
    listed, cursor = drain(services, limit=5)
    assert listed == codes
    assert page(services, cursor).items == [] and not page(services, cursor).more
    # Changed again, a dossier comes again, once, after the cursor; the others do not.
    put_record(services, codes[7], status="done", receiving_unit=UNIT_A)
    put_record(services, codes[2], status="processing", receiving_unit=UNIT_A)
    again, cursor = drain(services, cursor, limit=1)
    assert again == [codes[7], codes[2]]
    assert drain(services, cursor)[0] == []
    assert drain(services, limit=1000)[0] == [c for c in codes if c not in again] + again


def test_a_document_change_moves_its_dossiers_and_says_which(services: Services) -> None:
    add_dossier(services, "D-1", receiving_unit=UNIT_A, status="received")
    add_dossier(services, "D-2", receiving_unit=UNIT_B, status="received")
    first = add_document(services, ["Nguyễn Văn An"], dossier="D-1",
                         fields={"applicant_name": ("Nguyen Van An", 1)})  # fmt: skip
    second = add_document(services, ["Giấy khai sinh"], dossier="D-1")
    _, cursor = drain(services)
    with services.writes.begin() as session:  # a person corrects a field of one document
        correct_field(session, first, "applicant_name", "Nguyễn Văn An", actor="Lan")
    (item,) = page(services, cursor).items
    assert item.dossier.code == "D-1"
    assert [(d.id, d.changed) for d in item.documents] == [(first, True), (second, False)]
    cursor = page(services, cursor).next
    # Reused into D-2: D-2 lists it as changed; D-1 too (its document changed: it is
    # now in another dossier's filters).
    with services.writes.begin() as session:
        reuse_document(session, "D-2", second, actor="onestop")
    items = page(services, cursor).items
    assert sorted(i.dossier.code for i in items) == ["D-1", "D-2"]
    d2 = next(i for i in items if i.dossier.code == "D-2")
    assert [(d.id, d.changed) for d in d2.documents] == [(second, True)]


def test_filters_by_receiving_unit_and_status(services: Services) -> None:
    add_dossier(services, "A-1", receiving_unit=UNIT_A, status="received")
    add_dossier(services, "B-1", receiving_unit=UNIT_B, status="received")
    add_dossier(services, "A-2", receiving_unit=UNIT_A, status="done")
    assert drain(services, receiving_unit=UNIT_A, limit=1)[0] == ["A-1", "A-2"]
    assert drain(services, status="received")[0] == ["A-1", "B-1"]
    assert drain(services, receiving_unit=UNIT_A, status="done")[0] == ["A-2"]
    assert drain(services, receiving_unit="UBND phuong Lang")[0] == []  # exact, as stored
    _, cursor = drain(services, receiving_unit=UNIT_B)
    put_record(services, "B-1", receiving_unit=UNIT_B, status="done")
    put_record(services, "A-1", receiving_unit=UNIT_A, status="done")
    assert drain(services, cursor, receiving_unit=UNIT_B)[0] == ["B-1"]


def test_bad_cursors_and_limits_are_refused(services: Services) -> None:
    for cursor in ("", "abc", "djEuMS4y!", feed.encode_cursor(feed.START)[:-2], "djEuLTEuMg=="):
        with pytest.raises(InvalidInputError, match="changed_since"):
            feed.decode_cursor(cursor)
    position = feed.Position(812345, 17)
    assert feed.decode_cursor(feed.encode_cursor(position)) == position
    for limit in (0, feed.MAX_LIMIT + 1):
        with pytest.raises(InvalidInputError):
            page(services, limit=limit)


def test_postgresql_lists_a_late_commit_before_what_committed_after_it(
    services: Services, database_url: str
) -> None:
    """T1 writes first and commits last. A reader in between sees neither T2's dossier
    nor T1's: listing T2's alone would move the client past T1's for ever."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: its numbering is its commit order")
    add_dossier(services, "EARLY", status="received")
    _, cursor = drain(services)
    slow = services.writes()
    slow.execute(update(Dossier).where(Dossier.code == "EARLY").values(status="done"))
    try:
        add_dossier(services, "LATE", status="received")  # T2, committed
        held = page(services, cursor)
        assert held.items == [] and held.next == cursor
    finally:
        slow.commit()
        slow.close()
    assert drain(services, cursor)[0] == ["EARLY", "LATE"]


def test_a_client_paging_while_writers_write_misses_and_repeats_nothing(
    services: Services,
) -> None:
    """Three writers create and change dossiers (records, documents, corrections),
    holding their transactions open a moment; a client pages all the while. At the end
    the client has each dossier as it is stored, and no position came twice."""
    codes = [f"C-{n:03d}" for n in range(12)]
    for code in codes:
        add_dossier(services, code, receiving_unit=UNIT_A, status="v0")
    documents = {code: add_document(services, [f"Trang {code}"], dossier=code,
                                    fields={"applicant_name": ("x", 1)})
                 for code in codes[:4]}  # fmt: skip
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        rng = random.Random(number)
        try:
            for step in range(15):
                code = rng.choice(codes)
                with services.writes.begin() as session:
                    if code in documents and rng.random() < 0.4:
                        correct_field(session, documents[code], "applicant_name",
                                      f"w{number}-{step}", actor="t")  # fmt: skip
                    else:
                        row = session.scalar(select(Dossier).where(Dossier.code == code))
                        row.status = f"w{number}-{step}"
                    if rng.random() < 0.5:
                        stop.wait(rng.uniform(0.001, 0.03))  # commit later than others
                if number == 0 and step % 5 == 0:
                    add_dossier(services, f"N-{step:03d}", receiving_unit=UNIT_B, status="new")
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    seen: dict[str, str] = {}
    positions: list[feed.Position] = []
    cursor = feed.START

    def read_page() -> bool:
        nonlocal cursor
        got = page(services, cursor, limit=3)
        for item in got.items:
            positions.append(feed.Position(item.dossier.change_tx, item.dossier.change_seq))
            seen[item.dossier.code] = item.dossier.status
        cursor = got.next
        return got.more

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        read_page()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    while read_page():
        pass
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    with services.sessions() as session:
        rows = session.execute(select(Dossier.code, Dossier.status))
        stored = {code: status for code, status in rows}
    assert seen == stored


def test_the_api_pages_the_feed(api, keys: Keys, services: Services) -> None:
    add_dossier(services, "A-1", receiving_unit=UNIT_A, status="received",
                received_date=date(2024, 1, 15))  # fmt: skip
    add_dossier(services, "B-1", receiving_unit=UNIT_B, status="done")
    document = add_document(services, ["Trang"], dossier="A-1")
    first = api.get("/api/v1/dossiers", params={"limit": 1}, headers=keys.header("onestop"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert [i["code"] for i in body["items"]] == ["B-1"] and body["more"] is True
    second = api.get(
        "/api/v1/dossiers", params={"changed_since": body["next"]}, headers=keys.header("archive")
    ).json()
    (item,) = second["items"]
    assert item["code"] == "A-1" and item["received_date"] == "2024-01-15"
    link = f"/api/v1/documents/{document}"
    assert item["documents"] == [
        {"id": document, "doc_type": "to_khai_dang_ky_khai_sinh", "changed": True, "link": link}
    ]
    assert item["link"] == "/api/v1/dossiers/A-1" and second["more"] is False
    filtered = api.get("/api/v1/dossiers", params={"receiving_unit": UNIT_A, "status": "received"},
                       headers=keys.header("onestop")).json()  # fmt: skip
    assert [i["code"] for i in filtered["items"]] == ["A-1"]
    for params, status in (({"changed_since": "nope"}, 422), ({"limit": 0}, 422)):
        response = api.get("/api/v1/dossiers", params=params, headers=keys.header("onestop"))
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/problem+json")
    assert api.get("/api/v1/dossiers").status_code == 401
    assert api.get("/api/v1/dossiers", headers=keys.header("admin")).status_code == 403


def test_migration_0005_positions_the_rows_stored_before_it(services: Services) -> None:
    add_dossier(services, "OLD-1", status="received")
    add_document(services, ["Trang"], dossier="OLD-1")
    add_dossier(services, "OLD-2", status="received")
    config = alembic_config()
    with services.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    upgrade(services.engine)
    listed, cursor = drain(services)
    assert listed == ["OLD-1", "OLD-2"]
    put_record(services, "OLD-1", status="done")
    assert drain(services, cursor)[0] == ["OLD-1"]
