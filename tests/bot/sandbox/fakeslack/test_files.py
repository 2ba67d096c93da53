"""The ``files.*`` methods and the upload URLs of the v2 flow."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import error_of


async def test_files_v2_upload_end_to_end(fake: FakeSlack, client: AsyncWebClient) -> None:
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

    response = await client.files_upload_v2(
        content=picture,
        filename="venn.png",
        title="Payments: DevOps",
        channel="CTEAM",
        initial_comment="Weekly digest",
    )

    file = response["file"]
    assert fake.uploads[file["id"]] == picture
    assert file["title"] == "Payments: DevOps"
    assert file["size"] == len(picture)
    assert file["mimetype"] == "image/png"
    assert file["permalink"].startswith(fake.url)
    share = fake.messages["CTEAM"][-1]
    assert share["text"] == "Weekly digest"
    assert share["files"][0]["id"] == file["id"]
    assert [c.method for c in fake.requests] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            file["url_private"], headers={"Authorization": f"Bearer {fake.bot_token}"}
        ) as download,
    ):
        assert await download.read() == picture


async def test_multipart_upload_and_unuploaded_file_not_found(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    ticket = await client.files_getUploadURLExternal(filename="a.txt", length=5)
    never = await client.files_getUploadURLExternal(filename="b.txt", length=5)
    form = aiohttp.FormData()
    form.add_field("file", b"hello", filename="a.txt")
    async with (
        aiohttp.ClientSession() as session,
        session.post(ticket["upload_url"], data=form) as upload,
    ):
        assert upload.status == 200

    error = await error_of(client.files_completeUploadExternal(files=[{"id": never["file_id"]}]))
    done = await client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}])

    assert fake.uploads == {ticket["file_id"]: b"hello"}
    assert error.response["error"] == "file_not_found"
    assert done["files"][0]["title"] == "a.txt"
