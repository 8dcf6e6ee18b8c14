"""The papers of a demo dossier: a one-page PDF for each document its award requires (the demo has no scans)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.contracts.values import VIETNAM_TZ
from shared.rules.documents import OfficialDocument, SignatureBlock, to_pdf
from thidua.client import PortalClient


def document_pdf(title: str, body: dict[str, Any]) -> bytes:
    """A one-page PDF standing in for one of the dossier's documents (the demo has no scanned papers)."""
    return to_pdf(
        OfficialDocument(
            kind=title.split("(", maxsplit=1)[0].strip().upper(),
            subject=f"Hồ sơ đề nghị khen thưởng: {body['nominee']['name']}",
            issuer="BAN CHẤP HÀNH CÔNG ĐOÀN CƠ SỞ",
            number_text="—",
            place="Hà Nội",
            issued_on=datetime.now(VIETNAM_TZ).date(),
            paragraphs=(body["achievements"],),
            signature=SignatureBlock("TM. BAN CHẤP HÀNH", "CHỦ TỊCH"),
            watermark="BẢN MẪU",
        )
    )


def attach_documents(client: PortalClient, user: str, body: dict[str, Any]) -> list[dict[str, str]]:
    """Upload a PDF for each document the award requires and return them as the submission's `attachments`."""
    needed = client.get(user, f"/api/v1/awards/{body['award_code']}/documents")["documents"]
    staged = []
    for document in needed:
        if document["required"]:
            uploaded = client.upload(user, f"{document['code']}.pdf", document_pdf(document["name"], body))
            staged.append({"document_type": document["code"], "staged_id": uploaded["staged_id"]})
    return staged
