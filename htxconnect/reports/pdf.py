"""DOCX → PDF with LibreOffice headless (Debian: libreoffice-writer-nogui). Each conversion gets
its own user profile directory, so two workers converting at once do not fight over one lock."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import tempfile

TIMEOUT = 180


class ConversionError(Exception):
    pass


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes) -> bytes:
    binary = soffice()
    if binary is None:
        raise ConversionError("LibreOffice (soffice) is not installed: scripts/install_system_deps.sh")
    with tempfile.TemporaryDirectory(prefix="htx-pdf-") as tmp:
        folder = pathlib.Path(tmp)
        source = folder / "bao-cao.docx"
        source.write_bytes(docx)
        result = subprocess.run(
            [binary, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(folder), str(source)],
            capture_output=True, timeout=TIMEOUT, check=False)
        target = folder / "bao-cao.pdf"
        if result.returncode != 0 or not target.exists():
            raise ConversionError((result.stderr or result.stdout).decode(errors="replace")[-500:])
        return target.read_bytes()
